package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestProfileFIFO: a FIFO with no writer given as a profile used to hang
// every command that reads profiles; now each says so at once. A pipe with
// a writer (/dev/stdin) is still read.
func TestProfileFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	msg := fifo + ": a FIFO with no writer (or one that wrote nothing): give a profile file, or start the writer first\n"
	for _, tc := range []struct {
		args   []string
		status int
	}{
		{[]string{"diff", fifo}, 2},
		{[]string{"diff", "--against", fifo, "testdata/a.json"}, 2},
		{[]string{"merge", "-o", "-", fifo}, 2},
		{[]string{"run", "--profile", fifo, "--", "/bin/true"}, 125},
		{[]string{"check", "--profile", fifo, "--", "/bin/true"}, 2},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			want := "seccompgen " + tc.args[0] + ": " + msg
			if r.status != tc.status || r.stderr != want {
				t.Errorf("status %d, stderr %q; want %d, %q", r.status, r.stderr, tc.status, want)
			}
		})
	}

	a, err := os.ReadFile("testdata/a.json")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, "seccompgen"), "diff", "--against", "/dev/stdin", "--exit-code", "testdata/a.json")
	cmd.Stdin = strings.NewReader(string(a)) // a pipe
	if r := runCmd(t, cmd); r.status != 0 {
		t.Errorf("diff against a.json on a pipe: status %d, stderr:\n%s", r.status, r.stderr)
	}
}
