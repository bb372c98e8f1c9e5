package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestRecordChrootLibraries: a program run in a chroot whose /lib differs
// from the host's needs a library only the chroot has; inference finds it
// under the process's root (and an absolute link inside it resolved
// there), and so infers what that library can call: mlockall, which the
// run never makes.
func TestRecordChrootLibraries(t *testing.T) {
	testenv.RequireBPF(t)
	chroot := testenv.RequireTool(t, "chroot")
	lib := buildC(t, "rootlib", "-shared", "-fPIC", "-Wl,-soname,libsgroot.so.1")
	exe := buildC(t, "rootexe", lib)
	root := t.TempDir()
	libdir := filepath.Join(root, "usr/lib/x86_64-linux-gnu")
	for _, d := range []string{libdir, filepath.Join(root, "opt/sg")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cp := func(from, to string) {
		t.Helper()
		data, err := os.ReadFile(from)
		if err == nil {
			err = os.WriteFile(to, data, 0o755)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	cp(lib, filepath.Join(root, "opt/sg/libsgroot.so.1"))
	cp(exe, filepath.Join(root, "rootexe"))
	for _, f := range []string{"libc.so.6", "ld-linux-x86-64.so.2"} {
		cp(filepath.Join("/lib/x86_64-linux-gnu", f), filepath.Join(libdir, f))
	}
	for link, target := range map[string]string{
		"lib":   "usr/lib",
		"lib64": "usr/lib/x86_64-linux-gnu",
		// On the host this path does not exist.
		"usr/lib/x86_64-linux-gnu/libsgroot.so.1": "/opt/sg/libsgroot.so.1",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat("/opt/sg/libsgroot.so.1"); err == nil {
		t.Skip("the host has /opt/sg/libsgroot.so.1: the test needs a host without it")
	}
	dir := t.TempDir()
	out, rep := filepath.Join(dir, "p.json"), filepath.Join(dir, "r.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "seccompgen"), "record", "--infer", "imports", "-o", out, "--report", rep, "--", chroot, root, "/rootexe")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The program lives until seccompgen holds it and its root open.
	waitOpened(t, cmd.Process.Pid, filepath.Join(root, "rootexe"))
	waitOpened(t, cmd.Process.Pid, root)
	stdin.Close()
	if err := cmd.Wait(); err != nil || stdout.String() != "hello from the chroot\n" {
		t.Fatalf("record -- chroot: %v, stdout %q\n%s", err, stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(rep)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		Syscalls []struct {
			Name   string   `json:"name"`
			Reason string   `json:"reason"`
			Count  uint64   `json:"count"`
			Via    []string `json:"via"`
		} `json:"syscalls"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(report.Syscalls, func(e struct {
		Name   string   `json:"name"`
		Reason string   `json:"reason"`
		Count  uint64   `json:"count"`
		Via    []string `json:"via"`
	}) bool {
		return e.Name == "mlockall"
	})
	if i < 0 {
		t.Fatalf("mlockall is not in the report: libsgroot.so.1 was not found under the chroot\n%s", stderr.String())
	}
	e := report.Syscalls[i]
	if e.Reason != "inferred:import" || e.Count != 0 || !slices.ContainsFunc(e.Via, func(v string) bool { return strings.Contains(v, "libsgroot.so.1") }) {
		t.Errorf("mlockall: reason %s, count %d, via %q; want inferred:import through libsgroot.so.1, not observed", e.Reason, e.Count, e.Via)
	}
	// The executable's own analysis found it, not only the tracer's
	// mapping (which would count it as loaded by hand, from all its
	// exports).
	for _, n := range report.Notes {
		if strings.Contains(n, "libsgroot.so.1, which was not found") {
			t.Errorf("note: %s", n)
		}
	}
}
