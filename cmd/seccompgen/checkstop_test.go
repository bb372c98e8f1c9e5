package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestCheckStoppedBySignal: a server that CI stops by sending SIGTERM to
// seccompgen check was stopped, not failed: the comparison proceeds and
// the exit status is the verdict's. A server killed by a signal nobody
// sent to seccompgen failed, as one that crashed did.
func TestCheckStoppedBySignal(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	server := buildC(t, "server")
	prof := filepath.Join(t.TempDir(), "server.json")
	stoppedTerm := "seccompgen check: " + server + " was stopped by SIGTERM, sent to seccompgen and forwarded: comparing what it did until then\n"
	failed := func(status int) string {
		return "seccompgen check: " + server + " exited with status " + strconv.Itoa(status) + ": a failing command cannot vouch for a profile; fix it, or pass --allow-failure\n"
	}

	// --update records the server up to its SIGTERM.
	w := startSeccompgen(t, false, "check", "--infer", "none", "--update", "--profile", prof, "--", server)
	w.cmd.Process.Signal(syscall.SIGTERM)
	if st := w.wait(t); st != 0 || !strings.HasPrefix(w.stderr.String(), stoppedTerm+"seccompgen check: updated "+prof+" (") {
		t.Fatalf("--update, stopped: status %d, stderr:\n%s", st, w.stderr)
	}

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run("in sync, "+sig.String(), func(t *testing.T) {
			w := startSeccompgen(t, false, "check", "--infer", "none", "--profile", prof, "--", server)
			w.cmd.Process.Signal(sig)
			name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT", syscall.SIGHUP: "SIGHUP"}[sig]
			want := regexp.MustCompile(`^` + regexp.QuoteMeta("seccompgen check: "+server+" was stopped by "+name+", sent to seccompgen and forwarded: comparing what it did until then\nseccompgen check: "+prof+" is in sync with the run (") + `[0-9]+ syscalls allowed\)\n$`)
			if st := w.wait(t); st != 0 || !want.MatchString(w.stderr.String()) {
				t.Errorf("status %d, stderr:\n%s", st, w.stderr)
			}
		})
	}

	t.Run("stopped, and the JSON says so", func(t *testing.T) {
		verdict := filepath.Join(t.TempDir(), "verdict.json")
		w := startSeccompgen(t, false, "check", "--infer", "none", "--json", verdict, "--profile", prof, "--", server)
		w.cmd.Process.Signal(syscall.SIGTERM)
		st := w.wait(t)
		data, err := os.ReadFile(verdict)
		if err != nil {
			t.Fatal(err)
		}
		var res checkResult
		if err := json.Unmarshal(data, &res); err != nil {
			t.Fatalf("%s: %v\n%s", verdict, err, data)
		}
		if st != 0 || res.StoppedBy != "SIGTERM" || res.Status != 128+int(syscall.SIGTERM) || res.Verdict != "in-sync" || !strings.HasPrefix(res.Message, stoppedTerm) {
			t.Errorf("status %d, %+v", st, res)
		}
	})

	t.Run("drift found in a stopped run", func(t *testing.T) {
		p := withoutSyscall(t, prof, "rt_sigsuspend")
		w := startSeccompgen(t, false, "check", "--infer", "none", "--profile", p, "--", server)
		w.cmd.Process.Signal(syscall.SIGTERM)
		if st := w.wait(t); st != 1 || !strings.Contains(w.stderr.String(), "\n  rt_sigsuspend (x86_64): 1 call(s)") {
			t.Errorf("status %d, stderr:\n%s", st, w.stderr)
		}
	})

	t.Run("SIGTERM straight to the server", func(t *testing.T) {
		w := startSeccompgen(t, false, "check", "--infer", "none", "--profile", prof, "--", server)
		pid, err := strconv.Atoi(strings.Fields(w.next(t))[1])
		if err != nil {
			t.Fatal(err)
		}
		syscall.Kill(pid, syscall.SIGTERM)
		if st := w.wait(t); st != 2 || w.stderr.String() != failed(128+int(syscall.SIGTERM)) {
			t.Errorf("status %d, stderr %q", st, w.stderr)
		}
	})

	t.Run("SIGSEGV", func(t *testing.T) {
		r := seccompgen(t, "check", "--infer", "none", "--profile", prof, "--", server, "segv")
		if r.status != 2 || r.stderr != failed(128+int(syscall.SIGSEGV)) {
			t.Errorf("status %d, stderr %q", r.status, r.stderr)
		}
	})

	// A server wrapped in a script that exits 143 on SIGTERM, as shells and
	// the JVM do: stopped too.
	t.Run("script exiting 143", func(t *testing.T) {
		script := `trap "exit 143" TERM; echo ready; while :; do sleep 1 & wait $!; done`
		p := filepath.Join(t.TempDir(), "script.json")
		w := startSeccompgen(t, false, "check", "--infer", "none", "--update", "--profile", p, "--", "/bin/sh", "-c", script)
		w.cmd.Process.Signal(syscall.SIGTERM)
		want := "seccompgen check: /bin/sh exited with status 143 after SIGTERM was sent to seccompgen and forwarded: taken as stopped by it (128+15, as a shell exits on a signal it handled); comparing what it did until then\n"
		if st := w.wait(t); st != 0 || !strings.HasPrefix(w.stderr.String(), want) {
			t.Errorf("status %d, stderr:\n%s", st, w.stderr)
		}
	})
}

// TestCheckJSONApart: the JSON verdict never shares a stream with what CMD
// prints: on stdout (--format json, --json -) CMD's stdout goes to stderr;
// in a file (--json FILE) CMD's stdout is left alone.
func TestCheckJSONApart(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "echo.json")
	if r := seccompgen(t, "check", "--infer", "none", "--update", "--profile", prof, "--", "/bin/echo", "hi"); r.status != 0 || r.stdout != "hi\n" {
		t.Fatalf("--update: status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	inSync := regexp.MustCompile(`seccompgen check: ` + regexp.QuoteMeta(prof) + ` is in sync with the run \([0-9]+ syscalls allowed\)\n$`)
	verdictFile := filepath.Join(dir, "verdict.json")
	for _, tc := range []struct {
		name   string
		flags  []string
		stdout string // "": the JSON verdict
		stderr *regexp.Regexp
		file   bool
	}{
		{"--format json", []string{"--format", "json"}, "", regexp.MustCompile(`^hi\n$`), false},
		{"--format json --update", []string{"--format", "json", "--update"}, "", regexp.MustCompile(`^hi\n$`), false},
		{"--json -", []string{"--json", "-"}, "", regexp.MustCompile(`^hi\n` + inSync.String()), false},
		{"--json /dev/stdout", []string{"--json", "/dev/stdout"}, "", regexp.MustCompile(`^hi\n` + inSync.String()), false},
		{"--json FILE", []string{"--json", verdictFile}, "hi\n", regexp.MustCompile(`^` + inSync.String()), true},
		{"--json FILE --format json", []string{"--json", verdictFile, "--format", "json"}, "", regexp.MustCompile(`^hi\n$`), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(verdictFile)
			args := append(append([]string{"check", "--infer", "none", "--profile", prof}, tc.flags...), "--", "/bin/echo", "hi")
			r := seccompgen(t, args...)
			if r.status != 0 || !tc.stderr.MatchString(r.stderr) {
				t.Errorf("status %d, stderr %q", r.status, r.stderr)
			}
			if tc.stdout != "" {
				if r.stdout != tc.stdout {
					t.Errorf("stdout %q, want CMD's %q", r.stdout, tc.stdout)
				}
			} else {
				wantVerdict(t, "stdout", r.stdout)
			}
			if tc.file {
				data, err := os.ReadFile(verdictFile)
				if err != nil {
					t.Fatal(err)
				}
				wantVerdict(t, verdictFile, string(data))
			} else if _, err := os.Stat(verdictFile); err == nil {
				t.Errorf("%s written", verdictFile)
			}
		})
	}

	for _, tc := range []struct {
		name   string
		flags  []string
		stderr string
	}{
		{"--json /dev/stderr", []string{"--json", "/dev/stderr"},
			"seccompgen check: --json /dev/stderr is seccompgen's stderr, where CMD's errors go too: give a file, or - for stdout\nRun 'seccompgen help check' for details.\n"},
		{"--json the profile", []string{"--json", prof},
			"seccompgen check: --json " + prof + " and --profile " + prof + " are the same file: give the verdict its own\nRun 'seccompgen help check' for details.\n"},
		{"--json takes a flag", []string{"--json", "--strict"},
			"seccompgen check: --json --strict: looks like a flag, want a FILE (write ./--strict for a file of that name)\nRun 'seccompgen help check' for details.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"check", "--infer", "none", "--profile", prof}, tc.flags...), "--", "/bin/echo", "hi")
			if r := seccompgen(t, args...); r.status != 2 || r.stderr != tc.stderr || r.stdout != "" {
				t.Errorf("status %d, stdout %q, stderr %q; want 2, %q", r.status, r.stdout, r.stderr, tc.stderr)
			}
		})
	}
}

// wantVerdict fails unless data is one in-sync JSON verdict, as jq (when
// installed) and encoding/json read it.
func wantVerdict(t *testing.T, where, data string) {
	t.Helper()
	var res checkResult
	if err := json.Unmarshal([]byte(data), &res); err != nil || res.Verdict != "in-sync" {
		t.Errorf("%s: no in-sync JSON verdict (%v):\n%s", where, err, data)
		return
	}
	if _, err := exec.LookPath("jq"); err != nil {
		return
	}
	jq := exec.Command("jq", "-e", "-r", ".verdict")
	jq.Stdin = strings.NewReader(data)
	if out, err := jq.Output(); err != nil || string(out) != "in-sync\n" {
		t.Errorf("%s: jq -e .verdict: %v, %q", where, err, out)
	}
}

// TestRecordProfileApart: a profile written to stdout is not mixed with
// CMD's output, which then goes to stderr; with -o FILE CMD's stdout is
// its own.
func TestRecordProfileApart(t *testing.T) {
	testenv.RequireBPF(t)
	for _, out := range [][]string{nil, {"-o", "-"}, {"-o", "/dev/stdout"}} {
		t.Run(strings.Join(append([]string{"record"}, out...), " "), func(t *testing.T) {
			r := seccompgen(t, append(append(append([]string{"record", "--infer", "none"}, out...), "--"), "/bin/echo", "hi")...)
			var p ociProfile
			if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || !p.allowed()["write"] {
				t.Errorf("stdout is no profile (%v):\n%s", err, r.stdout)
			}
			if r.status != 0 || !strings.HasPrefix(r.stderr, "hi\n") {
				t.Errorf("status %d, stderr %q; want CMD's output first", r.status, r.stderr)
			}
		})
	}
	prof := filepath.Join(t.TempDir(), "p.json")
	if r := seccompgen(t, "record", "--infer", "none", "-o", prof, "--", "/bin/echo", "hi"); r.status != 0 || r.stdout != "hi\n" {
		t.Errorf("-o FILE: status %d, stdout %q", r.status, r.stdout)
	}
}
