package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// editRules writes a copy of the profile at path with each rule's names
// replaced by edit(action, names) and returns the copy's path.
func editRules(t *testing.T, path, label string, edit func(action string, names []any) []any) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	for _, r := range p["syscalls"].([]any) {
		rule := r.(map[string]any)
		rule["names"] = edit(rule["action"].(string), rule["names"].([]any))
	}
	out := filepath.Join(t.TempDir(), label+".json")
	data, _ = json.MarshalIndent(p, "", "  ")
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// withoutSyscall is a copy of the profile at path with name removed.
func withoutSyscall(t *testing.T, path, name string) string {
	t.Helper()
	removed := false
	out := editRules(t, path, "without-"+name, func(_ string, names []any) []any {
		var keep []any
		for _, n := range names {
			if n == name {
				removed = true
				continue
			}
			keep = append(keep, n)
		}
		return keep
	})
	if !removed {
		t.Fatalf("%s is not in %s", name, path)
	}
	return out
}

// addSyscall is a copy of the profile at path with name added to its ALLOW
// rule.
func addSyscall(t *testing.T, path, name string) string {
	t.Helper()
	return editRules(t, path, "with-"+name, func(action string, names []any) []any {
		if action == "SCMP_ACT_ALLOW" {
			names = append(names, name)
		}
		return names
	})
}

// TestRunRecordedPrograms closes the loop: each program recorded, then run
// under its own profile with the same input, behaves the same, and complain
// mode finds nothing the profile would deny.
func TestRunRecordedPrograms(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	busybox := testenv.RequireTool(t, "busybox")
	goHTTP := buildGo(t, "examples/go-http")
	for _, tc := range []struct {
		name string
		cmd  []string
	}{
		{"true", []string{"/bin/true"}},
		{"tree", []string{buildC(t, "tree")}},
		{"shell pipeline", []string{busybox, "sh", "-c", "echo hello seccomp | busybox tr a-z A-Z | busybox wc -c; busybox ls / >/dev/null"}},
		// The Go runtime's rarer paths are inferred (goruntime tests them
		// at length).
		{"go http server", []string{goHTTP, "-requests", "50"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof, _, rec := recordFiles(t, nil, tc.cmd...)
			if rec.status != 0 {
				t.Fatalf("record: status %d, stderr:\n%s", rec.status, rec.stderr)
			}
			got := seccompgen(t, append([]string{"run", "--profile", prof, "--"}, tc.cmd...)...)
			if got.status != rec.status || got.stdout != rec.stdout {
				t.Errorf("under the profile: status %d, stdout %q; recorded: status %d, stdout %q\nstderr:\n%s", got.status, got.stdout, rec.status, rec.stdout, got.stderr)
			}
			c := seccompgen(t, append([]string{"run", "--complain", "--profile", prof, "--"}, tc.cmd...)...)
			if c.status != 0 || !strings.Contains(c.stderr, prof+" would deny nothing CMD did") || c.stdout != rec.stdout {
				t.Errorf("--complain: status %d, stdout %q, stderr:\n%s", c.status, c.stdout, c.stderr)
			}
		})
	}
}

func TestRunMissingSyscall(t *testing.T) {
	testenv.RequireBPF(t)
	// Unpinned: --complain names conditional syscalls apart.
	prof, _, r := recordFiles(t, []string{"--args=none"}, "/bin/echo", "hello")
	if r.status != 0 || r.stdout != "hello\n" {
		t.Fatalf("record: status %d, stdout %q", r.status, r.stdout)
	}
	noWrite := withoutSyscall(t, prof, "write")

	// echo's write fails; it cannot even say so (that is a write too)
	// and exits 1. seccompgen says it (TestRunReportsRefusals).
	got := seccompgen(t, "run", "--profile", noWrite, "--", "/bin/echo", "hello")
	refused := regexp.MustCompile(`^seccompgen run: the profile refused 1 syscall\(s\): write \(x86_64\) [0-9]+ calls?, first by pid [0-9]+ \(echo\), got E[A-Z]+\n$`)
	if got.status != 1 || got.stdout != "" || !refused.MatchString(got.stderr) {
		t.Errorf("without write: status %d, stdout %q, stderr %q; want 1, no output and the refused write named", got.status, got.stdout, got.stderr)
	}

	got = seccompgen(t, "run", "--complain", "--profile", noWrite, "--", "/bin/echo", "hello")
	want := regexp.MustCompile(`^seccompgen run: ` + regexp.QuoteMeta(noWrite) + ` would deny 1 syscall\(s\) CMD made:\n  write \(x86_64\): 1 call\(s\), first by pid [0-9]+ \(echo\)\n$`)
	if got.status != 1 || got.stdout != "hello\n" || !want.MatchString(got.stderr) {
		t.Errorf("--complain: status %d, stdout %q, stderr:\n%s\nwant status 1, echo's output and exactly write named", got.status, got.stdout, got.stderr)
	}
}

func TestRunDeniesMemfd(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	memfd := buildC(t, "memfd")
	prof, _, r := recordFiles(t, nil, memfd)
	if r.stdout != "memfd_create: ok\n" {
		t.Fatalf("recorded unconfined, the program said %q", r.stdout)
	}
	got := seccompgen(t, "run", "--profile", prof, "--", memfd)
	if got.status != 0 || got.stdout != "memfd_create: Operation not permitted\n" {
		t.Errorf("under the profile: status %d, stdout %q, stderr %q", got.status, got.stdout, got.stderr)
	}
}

func TestRunExitStatusAndSignals(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prof, _, _ := recordFiles(t, nil, "/bin/sh", "-c", "exit 3")
	if r := seccompgen(t, "run", "--profile", prof, "--", "/bin/sh", "-c", "exit 3"); r.status != 3 {
		t.Errorf("exit 3 under the profile: status %d, stderr %q", r.status, r.stderr)
	}

	prog := buildC(t, "sigterm")
	prof, _, _ = recordFiles(t, nil, "/bin/sh", "-c", "exec "+prog+" & sleep 0.2; kill -TERM $!; wait $!")
	c := exec.Command(filepath.Join(binDir, "seccompgen"), "run", "--profile", prof, "--", prog)
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Process.Kill()
	buf := make([]byte, 6)
	if n, _ := out.Read(buf); string(buf[:n]) != "ready\n" {
		t.Fatalf("program said %q", buf[:n])
	}
	c.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("seccompgen run did not end after SIGTERM")
	}
	if got := c.ProcessState.ExitCode(); got != 42 {
		t.Errorf("status %d, want 42 (the program's SIGTERM handler)", got)
	}
}

func TestRunErrors(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	prof, _, _ := recordFiles(t, nil, "/bin/true")
	noExecve := withoutSyscall(t, prof, "execve")
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"no profile", []string{"run", "--", "/bin/true"}, 125,
			"seccompgen run: --profile is required\nRun 'seccompgen help run' for details.\n"},
		{"no command", []string{"run", "--profile", prof}, 125,
			"seccompgen run: no command to run (want: run --profile FILE -- CMD [ARG...])\nRun 'seccompgen help run' for details.\n"},
		{"missing profile", []string{"run", "--profile", filepath.Join(dir, "nope.json"), "--", "/bin/true"}, 125,
			"seccompgen run: " + filepath.Join(dir, "nope.json") + ": no such file or directory\n"},
		{"not found", []string{"run", "--profile", prof, "--", "no-such-command-xyz"}, 127,
			"seccompgen run: no-such-command-xyz: command not found\n"},
		{"execve denied", []string{"run", "--profile", noExecve, "--", "/bin/true"}, 126,
			"seccompgen run: " + noExecve + " does not allow execve: seccompgen installs the filter before it executes CMD, so the profile must allow execve\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != tc.status || r.stderr != tc.stderr {
				t.Errorf("status %d, stderr %q; want %d, %q", r.status, r.stderr, tc.status, tc.stderr)
			}
		})
	}
}
