//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func sqlite() *program {
	return &program{
		name:     "sqlite3",
		debs:     []string{"sqlite3"},
		training: "the `sqlite3` shell on a new database file, SQL on its standard input: create a table, insert two rows, count them.",
		heldOut: "the same shell on a new database: WAL mode, a 200,000-row insert in one transaction, an index, sorts with a " +
			"small cache and temporary files on disk, ATTACH of a second database, DELETE and VACUUM, a WAL checkpoint, " +
			"`PRAGMA integrity_check`, `.backup` to a third file and `.dump` to a fourth. Passes when it exits 0 and prints " +
			"the expected counts, and the backup and dump are there.",
		setUp: noSetUp,
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			w := &workload{
				argv:       []string{"/usr/bin/sqlite3", "-bail", dir + "/db.sqlite"},
				env:        []string{"HOME=" + dir, "TMPDIR=" + dir},
				wantStatus: 0,
			}
			if ph == trainingPhase {
				w.stdin = "CREATE TABLE t (a, b);\nINSERT INTO t VALUES (1, 'a'), (2, 'b');\nSELECT count(*) FROM t;\n"
				w.check = func(stdout, _ string) error { return expectLines(stdout, "2") }
				return w, nil
			}
			w.stdin = strings.ReplaceAll(sqliteHeldOut, "DIR", dir)
			w.check = func(stdout, _ string) error {
				if err := expectLines(stdout, "wal", "200000", "200000", "65536", "20000", "0|0|0", "ok", "100000"); err != nil {
					return err
				}
				for _, f := range []string{"backup.sqlite", "dump.sql"} {
					if fi, err := os.Stat(dir + "/" + f); err != nil || fi.Size() == 0 {
						return fmt.Errorf("no %s", f)
					}
				}
				return nil
			}
			return w, nil
		},
	}
}

// sqliteHeldOut: DIR is replaced.
const sqliteHeldOut = `PRAGMA journal_mode = WAL;
PRAGMA cache_size = 50;
PRAGMA temp_store = FILE;
CREATE TABLE big (id INTEGER PRIMARY KEY, s TEXT);
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000)
INSERT INTO big SELECT x, printf('%08x-%d', (x * 2654435761) % 4294967296, x) FROM c;
COMMIT;
SELECT count(*) FROM big;
CREATE INDEX big_s ON big (s);
SELECT count(*) FROM (SELECT s || 'x' AS k FROM big ORDER BY k DESC);
SELECT count(DISTINCT substr(s, 1, 4)) FROM big;
ATTACH DATABASE 'DIR/other.sqlite' AS other;
CREATE TABLE other.copy AS SELECT * FROM big WHERE id % 10 = 0;
SELECT count(*) FROM other.copy;
DETACH DATABASE other;
DELETE FROM big WHERE id % 2 = 0;
VACUUM;
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA integrity_check;
.backup DIR/backup.sqlite
.output DIR/dump.sql
.dump big
.output stdout
SELECT count(*) FROM big;
`

// expectLines checks a command's output line by line.
func expectLines(out string, want ...string) error {
	got := strings.Fields(out)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		return fmt.Errorf("printed %q, want %q", strings.Join(got, " "), strings.Join(want, " "))
	}
	return nil
}

func curl() *program {
	return &program{
		name:     "curl",
		debs:     []string{"curl"},
		training: "`curl` fetches one small page from an HTTP server of the harness's own on 127.0.0.1 into a file.",
		heldOut: "one `curl` with `--parallel` and six transfers from that server: a redirect followed (`-L`) into a new " +
			"directory (`--create-dirs`) with a cookie jar written, a gzip-encoded page (`--compressed`), a 2 MiB download at a " +
			"limited rate keeping the server's time (`-R`), a 1 MiB upload (`-T`), a POST of a file (`--data-binary @`) and a " +
			"request that gets 503 once and succeeds on retry (`--retry`). Passes when curl exits 0 and every file has what the " +
			"server sent or says it received.",
		setUp: func(ctx context.Context, dir string) (*programEnv, error) {
			u, err := startUpstream()
			if err != nil {
				return nil, err
			}
			return &programEnv{dir: dir, upstream: u, cleanup: u.close}, nil
		},
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			base := "http://127.0.0.1:" + strconv.Itoa(env.upstream.port)
			w := &workload{env: []string{"HOME=" + dir}, wantStatus: 0}
			if ph == trainingPhase {
				w.argv = []string{"/usr/bin/curl", "-sS", "--fail", "-o", "hello.txt", base + "/hello"}
				w.check = func(string, string) error { return fileHas(dir+"/hello.txt", "hello from upstream", 0) }
				return w, nil
			}
			if err := writeBig(dir+"/upload.bin", 1<<20); err != nil {
				return nil, err
			}
			if err := writeFiles(dir, map[string]string{"form.txt": strings.Repeat("field=value&", 1000)}); err != nil {
				return nil, err
			}
			w.argv = []string{"/usr/bin/curl", "--parallel", "--parallel-max", "3",
				"-sS", "--fail", "-L", "--create-dirs", "-o", "out/redirect/hello.txt", "--cookie-jar", "cookies.txt", base + "/redirect", "--next",
				"-sS", "--fail", "--compressed", "-o", "gzip.txt", base + "/gzip", "--next",
				"-sS", "--fail", "-R", "--limit-rate", "8M", "-o", "large.bin", base + "/large", "--next",
				"-sS", "--fail", "-T", "upload.bin", "-o", "upload.txt", base + "/echo", "--next",
				"-sS", "--fail", "--data-binary", "@form.txt", "-o", "post.txt", base + "/echo", "--next",
				"-sS", "--fail", "--retry", "2", "--retry-delay", "1", "-o", "flaky.txt", base + "/flaky?id=" + filepath.Base(dir)}
			w.check = func(string, string) error {
				for _, f := range []struct {
					name, has string
					size      int
				}{
					{"out/redirect/hello.txt", "hello from upstream", 0},
					{"cookies.txt", "s3cr3t", 0},
					{"gzip.txt", "compressible text", 18 * 10000},
					{"large.bin", "", upstreamLarge},
					{"upload.txt", "received 1048576 bytes", 0},
					{"post.txt", "received 12000 bytes", 0},
					{"flaky.txt", "ok after retry", 0},
				} {
					if err := fileHas(dir+"/"+f.name, f.has, f.size); err != nil {
						return err
					}
				}
				if fi, err := os.Stat(dir + "/large.bin"); err != nil || !fi.ModTime().Equal(upstreamModified) {
					return fmt.Errorf("large.bin does not have the server's time (curl -R)")
				}
				return nil
			}
			return w, nil
		},
	}
}

// fileHas checks that a file contains a string and, when size > 0, is
// that long.
func fileHas(path, has string, size int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("no %s", path[strings.LastIndexByte(path, '/')+1:])
	}
	if !strings.Contains(string(data), has) {
		return fmt.Errorf("%s lacks %q", path[strings.LastIndexByte(path, '/')+1:], has)
	}
	if size > 0 && len(data) != size {
		return fmt.Errorf("%s: %d bytes, want %d", path[strings.LastIndexByte(path, '/')+1:], len(data), size)
	}
	return nil
}

func git() *program {
	return &program{
		name: "git",
		debs: []string{"git", "dash"},
		training: "a `/bin/sh` script (a CI step) that runs `git init`, `git add` and `git commit` of one file in a new repository, " +
			"then `git log`.",
		heldOut: "a `/bin/sh` script: 30 commits over five files, a branch, a checkout, a merge and a tag, `git gc --aggressive` " +
			"(repack with pack-objects' threads, prune), `git fsck`, a clone through git's transport (`--no-local`: " +
			"upload-pack and index-pack piped together), `git archive` to a gzip'd tar, `git diff --stat` and `git grep`. Passes " +
			"when the script exits 0 and the counts of commits in the repository and in the clone are right.",
		setUp: noSetUp,
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			w := &workload{
				env: []string{"HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=harness", "GIT_AUTHOR_EMAIL=harness@example.invalid",
					"GIT_COMMITTER_NAME=harness", "GIT_COMMITTER_EMAIL=harness@example.invalid", "LC_ALL=C"},
				wantStatus: 0,
			}
			if ph == trainingPhase {
				w.argv = []string{"/bin/sh", "-c", gitTraining}
				w.check = func(stdout, _ string) error {
					if !strings.Contains(stdout, "one") {
						return fmt.Errorf("git log printed %q", stdout)
					}
					return nil
				}
				return w, nil
			}
			w.argv = []string{"/bin/sh", "-c", gitHeldOut}
			w.check = func(stdout, _ string) error {
				if err := expectLines(stdout, "33", "33", "archived"); err != nil {
					return err
				}
				return nil
			}
			return w, nil
		},
	}
}

const gitTraining = `set -e
git init -q -b main repo
cd repo
echo hello > a.txt
git add a.txt
git commit -q -m one
git log --oneline
`

// gitHeldOut prints the commits in the repository, in the clone, and
// "archived".
const gitHeldOut = `set -e
git init -q -b main repo
cd repo
i=1
while [ $i -le 30 ]; do
	echo "line $i" >> "f$((i % 5)).txt"
	git add -A
	git commit -q -m "commit $i"
	i=$((i + 1))
done
git checkout -q -b feature
echo feature > x.txt
git add x.txt
git commit -q -m feature
git checkout -q main
echo main >> f0.txt
git commit -q -a -m "main moves on"
git merge -q --no-edit feature
git tag v1
git gc -q --aggressive --prune=now
git fsck --no-progress >/dev/null 2>&1
git log --oneline | wc -l
git clone -q --no-local . ../clone
git -C ../clone log --oneline | wc -l
git archive --format=tar.gz -o ../repo.tar.gz v1
test -s ../repo.tar.gz && echo archived
git diff --stat HEAD~3 >/dev/null
git grep -q "line 7"
`
