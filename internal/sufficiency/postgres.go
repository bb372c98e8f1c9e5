//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const pgBin = "/usr/lib/postgresql/15/bin/"

func postgres() *program {
	return &program{
		name: "postgres",
		debs: []string{"postgresql-15", "postgresql-client-15"},
		user: "postgres",
		training: "`postgres` as user postgres on a cluster `initdb` made in a temporary directory, listening on a free port " +
			"of 127.0.0.1 with its unix socket in that directory; `psql` creates a table, inserts three rows and counts them; SIGTERM (smart shutdown).",
		heldOut: "the same server with small `work_mem`/`maintenance_work_mem` and 16 MB of shared buffers; `psql` builds a " +
			"300,000-row table, indexes it and sorts and de-duplicates it on disk (temporary files spilled under pgsql_tmp), " +
			"forces a CHECKPOINT and a WAL segment switch, runs a parallel query (dynamic shared memory, background workers), " +
			"VACUUM FULL, CREATE and DROP DATABASE, TRUNCATE, an UPDATE of a third of the rows and a pause in which " +
			"autovacuum (naptime 1 s in both runs) starts a worker; then `pgbench` initialises its tables and runs 4 clients × 100 " +
			"transactions; SIGTERM. Passes when every statement succeeds with the expected counts, postgres exits 0, its log has " +
			"no PANIC and no child terminated by a signal, and `pg_controldata` says the cluster was shut down cleanly.",
		setUp: func(ctx context.Context, dir string) (*programEnv, error) {
			env := &programEnv{dir: dir, template: filepath.Join(dir, "template")}
			if err := chownTo(dir, "postgres"); err != nil {
				return nil, err
			}
			cred, err := credential("postgres")
			if err != nil {
				return nil, err
			}
			ictx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if _, err := output(ictx, cred, "", pgBin+"initdb", "-D", env.template, "-A", "trust", "-U", "postgres",
				"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
				return nil, fmt.Errorf("initdb: %w", err)
			}
			return env, nil
		},
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			data := filepath.Join(dir, "data")
			if msg, err := exec.CommandContext(ctx, "cp", "-a", env.template, data).CombinedOutput(); err != nil {
				return nil, fmt.Errorf("copy the cluster: %v %s", err, msg)
			}
			psql := func(ctx context.Context, sql string) (string, error) {
				return output(ctx, nil, sql, pgBin+"psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
					"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres", "-d", "postgres", "-f", "-")
			}
			shmBefore := pgDSM()
			w := &workload{
				cleanup: func() { pgLeftovers(data, shmBefore) },
				argv: []string{pgBin + "postgres", "-D", data, "-p", strconv.Itoa(port),
					"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir,
					"-c", "logging_collector=off", "-c", "shared_buffers=16MB", "-c", "max_connections=20",
					"-c", "min_wal_size=32MB", "-c", "max_wal_size=64MB", "-c", "log_checkpoints=on",
					"-c", "dynamic_shared_memory_type=posix", "-c", "log_temp_files=-1", "-c", "autovacuum_naptime=1"},
				env: []string{"PGCONNECT_TIMEOUT=5"},
				ready: func(ctx context.Context) error {
					out, err := psql(ctx, "SELECT 1;")
					if err == nil && strings.TrimSpace(out) != "1" {
						err = fmt.Errorf("SELECT 1 gave %q", out)
					}
					return err
				},
				wantStatus: 0,
			}
			if ph == trainingPhase {
				w.drive = func(ctx context.Context) error {
					return expectRows(psql(ctx, "CREATE TABLE t (id int, s text);\nINSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');\nSELECT count(*) FROM t;\n"))("3")
				}
				return w, nil
			}
			pgbench := func(ctx context.Context, args ...string) error {
				_, err := output(ctx, nil, "", append([]string{pgBin + "pgbench", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "postgres"}, args...)...)
				return err
			}
			w.drive = func(ctx context.Context) error {
				return steps(ctx,
					step{"psql (sorts, checkpoint, WAL switch, parallel query, VACUUM FULL, databases)", func(ctx context.Context) error {
						return expectRows(psql(ctx, pgHeldOutSQL))("300000", "300000", "300000", "t", "t", "50000")
					}},
					step{"pgbench -i", func(ctx context.Context) error { return pgbench(ctx, "-i", "-q", "-s", "1", "postgres") }},
					step{"pgbench -c 4 -t 100", func(ctx context.Context) error {
						return pgbench(ctx, "-n", "-c", "4", "-j", "2", "-t", "100", "postgres")
					}},
				)
			}
			w.check = func(_, log string) error {
				if m := regexp.MustCompile(`(?m)^.*(PANIC|terminated by signal|was terminated by).*$`).FindString(log); m != "" {
					return fmt.Errorf("postgres log: %s", strings.TrimSpace(m))
				}
				out, err := output(context.Background(), nil, "", pgBin+"pg_controldata", "-D", data)
				if err != nil {
					return err
				}
				if !regexp.MustCompile(`Database cluster state:\s+shut down\n`).MatchString(out) {
					return fmt.Errorf("pg_controldata: the cluster was not shut down cleanly")
				}
				return nil
			}
			return w, nil
		},
	}
}

// pgHeldOutSQL prints, one a line: the rows created, the rows sorted, the
// distinct rows, whether the WAL switched, whether the parallel count
// agreed with the serial one, the rows after TRUNCATE and a new load.
const pgHeldOutSQL = `
SET work_mem = '64kB';
SET maintenance_work_mem = '1MB';
CREATE TABLE big AS SELECT g AS id, md5(g::text) AS s FROM generate_series(1, 300000) g;
SELECT count(*) FROM big;
CREATE INDEX big_s ON big (s);
SELECT count(*) FROM (SELECT s FROM big ORDER BY s DESC OFFSET 0) x;
SELECT count(*) FROM (SELECT DISTINCT s FROM big) x;
CHECKPOINT;
SELECT pg_switch_wal() IS NOT NULL;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT (SELECT count(*) FROM big WHERE s LIKE 'a%') > 0;
VACUUM FULL big;
CREATE DATABASE scratch;
DROP DATABASE scratch;
TRUNCATE big;
INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
UPDATE big SET s = s || 'x' WHERE id % 3 = 0;
SELECT pg_sleep(2.5);
CHECKPOINT;
SELECT count(*) FROM big;
`

// expectRows checks psql's unaligned output line by line.
func expectRows(out string, err error) func(want ...string) error {
	return func(want ...string) error {
		if err != nil {
			return err
		}
		got := strings.Fields(out)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			return fmt.Errorf("psql printed %q, want %q", strings.Join(got, " "), strings.Join(want, " "))
		}
		return nil
	}
}

// pgLeftovers removes what a postmaster that was killed outright (a run
// that timed out) leaves behind: the System V segment its postmaster.pid
// names and the dynamic shared memory segments that appeared in /dev/shm
// during the run. A clean shutdown removes postmaster.pid and all of them.
func pgLeftovers(data string, before map[string]bool) {
	pid, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return
	}
	if lines := strings.Split(string(pid), "\n"); len(lines) > 6 {
		if f := strings.Fields(lines[6]); len(f) == 2 {
			if _, err := strconv.Atoi(f[1]); err == nil {
				exec.Command("ipcrm", "-m", f[1]).Run()
			}
		}
	}
	for name := range pgDSM() {
		if !before[name] {
			os.Remove(name)
		}
	}
}

// pgDSM lists postgres's dynamic shared memory segments in /dev/shm.
func pgDSM() map[string]bool {
	names, _ := filepath.Glob("/dev/shm/PostgreSQL.*")
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}
