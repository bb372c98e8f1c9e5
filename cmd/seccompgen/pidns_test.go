package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestPIDNamespace: inside a new pid namespace seccompgen's thread and
// children have ids the host does not use; record and run --complain still
// trace the workload, and a signal still reaches what CMD left behind.
func TestPIDNamespace(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	unshare := testenv.RequireTool(t, "unshare")
	sg := filepath.Join(binDir, "seccompgen")
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")

	r := runCmd(t, exec.Command(unshare, "-fp", "--mount-proc", sg, "record", "-o", prof, "--", "/bin/true"))
	if r.status != 0 {
		t.Fatalf("record in a pid namespace: status %d, stderr:\n%s", r.status, r.stderr)
	}
	if p := readProfile(t, prof); !p.allowed()["execve"] || !p.allowed()["exit_group"] {
		t.Errorf("profile recorded in a pid namespace lacks execve/exit_group: %v", p.allowed())
	}
	// The executables are opened through /proc/PID by their ids in
	// seccompgen's namespace: Go inference works there too.
	gobin := buildGo(t, "testdata/go/alloc")
	rep := filepath.Join(dir, "r.json")
	r = runCmd(t, exec.Command(unshare, "-fp", "--mount-proc", sg, "record", "-o", prof, "--report", rep, "--", gobin, "-d", "10ms"))
	if r.status != 0 || strings.Contains(r.stderr, "warning") {
		t.Fatalf("record of a Go program in a pid namespace: status %d, stderr:\n%s", r.status, r.stderr)
	}
	if e, ok := readReport(t, rep).find("restart_syscall", "x86_64"); !ok || e.Reason != inferredReason() {
		t.Errorf("restart_syscall in the report: %+v (found %v), want reason %s", e, ok, inferredReason())
	}
	r = runCmd(t, exec.Command(unshare, "-fp", "--mount-proc", sg, "record", "-o", prof, "--", "/bin/true"))
	if r.status != 0 {
		t.Fatalf("record in a pid namespace: status %d, stderr:\n%s", r.status, r.stderr)
	}
	r = runCmd(t, exec.Command(unshare, "-fp", "--mount-proc", sg, "run", "--complain", "--profile", prof, "--", "/bin/true"))
	if r.status != 0 || !strings.Contains(r.stderr, "would deny nothing CMD did") {
		t.Errorf("run --complain in a pid namespace: status %d, stderr:\n%s", r.status, r.stderr)
	}

	// CMD exits at once and leaves a process behind: SIGTERM to
	// seccompgen must reach it by its id in the namespace.
	prog := buildC(t, "sigterm")
	c := exec.Command(unshare, "-fp", "--mount-proc", sg, "record", "-o", prof, "--", "/bin/sh", "-c", prog+" & exit 5")
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	c.Stderr = &stderr
	c.WaitDelay = time.Second
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill() })
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("workload said %q; stderr:\n%s", line, stderr.String())
	}
	// seccompgen is unshare's child (pid 1 inside).
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", c.Process.Pid, c.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("unshare's children %q: %v", data, err)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("seccompgen did not end after SIGTERM; stderr:\n%s", stderr.String())
	}
	if got := c.ProcessState.ExitCode(); got != 5 {
		t.Errorf("status %d, want the shell's own 5; stderr:\n%s", got, stderr.String())
	}
}
