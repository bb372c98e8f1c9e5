//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func redis() *program {
	return &program{
		name:     "redis",
		debs:     []string{"redis-server"},
		training: "`redis-server` on a free port of 127.0.0.1 with persistence off; one client PINGs, SETs and GETs a key; SIGTERM.",
		heldOut: "the same server; four clients at once pipeline 5,000 SETs each of 2 KB values (40 MB in all) plus lists, hashes and counters; " +
			"BGSAVE (fork, write, fsync, rename of the RDB file), then AOF switched on (the AOF rewrite forks too) and BGREWRITEAOF, " +
			"then SAVE in the foreground; each checked through INFO persistence; SIGTERM. Passes when every reply is right, both " +
			"background jobs report ok, redis exits 0 after \"ready to exit\", and dump.rdb and the AOF directory are on disk.",
		setUp: noSetUp,
		prepare: func(ctx context.Context, env *programEnv, dir string, ph phase) (*workload, error) {
			port, err := freePort()
			if err != nil {
				return nil, err
			}
			w := &workload{
				argv: []string{"/usr/bin/redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
					"--dir", dir, "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes",
					"--logfile", "", "--loglevel", "notice", "--supervised", "no"},
				ready:      func(ctx context.Context) error { return redisPing(ctx, port) },
				wantStatus: 0,
			}
			if ph == trainingPhase {
				w.drive = func(ctx context.Context) error {
					rc, err := dialRedis(ctx, port)
					if err != nil {
						return err
					}
					defer rc.close()
					return steps(ctx,
						step{"PING", func(context.Context) error { return rc.expect("PONG", "PING") }},
						step{"SET", func(context.Context) error { return rc.expect("OK", "SET", "greeting", "hello") }},
						step{"GET", func(context.Context) error { return rc.expect("hello", "GET", "greeting") }},
					)
				}
				return w, nil
			}
			w.drive = func(ctx context.Context) error { return redisHeldOut(ctx, port) }
			w.check = func(_, log string) error {
				if strings.Contains(log, "crashed by signal") || strings.Contains(log, "=== REDIS BUG REPORT") {
					return fmt.Errorf("redis crashed (see its log)")
				}
				if !strings.Contains(log, "ready to exit") {
					return fmt.Errorf("redis did not shut down cleanly: no \"ready to exit\" in its log")
				}
				if fi, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil || fi.Size() == 0 {
					return fmt.Errorf("no dump.rdb after BGSAVE and SAVE")
				}
				if _, err := os.Stat(filepath.Join(dir, "appendonlydir")); err != nil {
					return fmt.Errorf("no appendonlydir after the AOF rewrite")
				}
				return nil
			}
			return w, nil
		},
	}
}

func redisPing(ctx context.Context, port int) error {
	rc, err := dialRedis(ctx, port)
	if err != nil {
		return err
	}
	defer rc.close()
	return rc.expect("PONG", "PING")
}

const redisKeysPerClient = 5000

func redisHeldOut(ctx context.Context, port int) error {
	load := func(id int) func(context.Context) error {
		return func(ctx context.Context) error {
			rc, err := dialRedis(ctx, port)
			if err != nil {
				return err
			}
			defer rc.close()
			var cmds [][]string
			for i := range redisKeysPerClient {
				cmds = append(cmds, []string{"SET", fmt.Sprintf("key:%d:%d", id, i), strings.Repeat("v", 2000+i%50)})
			}
			for i := range 200 {
				cmds = append(cmds,
					[]string{"LPUSH", fmt.Sprintf("list:%d", id), strconv.Itoa(i)},
					[]string{"HSET", fmt.Sprintf("hash:%d", id), fmt.Sprintf("f%d", i), strconv.Itoa(i)},
					[]string{"INCR", "counter"})
			}
			if err := rc.send(cmds...); err != nil {
				return err
			}
			for _, c := range cmds {
				if _, err := rc.recv(); err != nil {
					return fmt.Errorf("%s: %w", c[0], err)
				}
			}
			return rc.expect("200", "LLEN", fmt.Sprintf("list:%d", id))
		}
	}
	jobs := make([]func(context.Context) error, 4)
	for i := range jobs {
		jobs[i] = load(i)
	}
	rc, err := dialRedis(ctx, port)
	if err != nil {
		return err
	}
	defer rc.close()
	wantKeys := strconv.Itoa(4*redisKeysPerClient + 4*2 + 1)
	return steps(ctx,
		step{"four clients loading data", func(ctx context.Context) error { return parallel(ctx, jobs...) }},
		step{"DBSIZE", func(context.Context) error { return rc.expect(wantKeys, "DBSIZE") }},
		step{"GET counter", func(context.Context) error { return rc.expect("800", "GET", "counter") }},
		step{"background save", func(ctx context.Context) error {
			if err := rc.expect("Background saving started", "BGSAVE"); err != nil {
				return err
			}
			if err := rc.waitInfo(ctx, "persistence", "rdb_bgsave_in_progress", "0", 15*time.Second); err != nil {
				return err
			}
			return rc.waitInfo(ctx, "persistence", "rdb_last_bgsave_status", "ok", time.Second)
		}},
		step{"AOF switched on (rewrite)", func(ctx context.Context) error {
			if err := rc.expect("OK", "CONFIG", "SET", "appendonly", "yes"); err != nil {
				return err
			}
			if err := rc.waitInfo(ctx, "persistence", "aof_rewrite_scheduled", "0", 15*time.Second); err != nil {
				return err
			}
			if err := rc.waitInfo(ctx, "persistence", "aof_rewrite_in_progress", "0", 15*time.Second); err != nil {
				return err
			}
			return rc.waitInfo(ctx, "persistence", "aof_last_bgrewrite_status", "ok", time.Second)
		}},
		step{"writes with the AOF on", func(context.Context) error {
			for i := range 100 {
				if err := rc.expect("OK", "SET", fmt.Sprintf("aof:%d", i), "x"); err != nil {
					return err
				}
			}
			return nil
		}},
		step{"AOF rewrite", func(ctx context.Context) error {
			if _, err := rc.do("BGREWRITEAOF"); err != nil {
				return err
			}
			if err := rc.waitInfo(ctx, "persistence", "aof_rewrite_in_progress", "0", 15*time.Second); err != nil {
				return err
			}
			return rc.waitInfo(ctx, "persistence", "aof_last_bgrewrite_status", "ok", time.Second)
		}},
		step{"foreground save", func(context.Context) error { return rc.expect("OK", "SAVE") }},
	)
}
