package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestScriptWithoutShebang: execve refuses an executable script without
// "#!" (ENOEXEC), and execvp(3) and the shells then run it with /bin/sh.
// record, run (enforcing and --complain) and check do the same, instead of
// exiting 126.
func TestScriptWithoutShebang(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "plain")
	if err := os.WriteFile(script, []byte("echo \"$0 $1\"\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "plain.json")
	want := script + " arg\n"
	r := seccompgen(t, "record", "-o", prof, "--", script, "arg")
	if r.status != 3 || r.stdout != want {
		t.Fatalf("record: status %d, stdout %q; want 3, %q; stderr:\n%s", r.status, r.stdout, want, r.stderr)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		status int
	}{
		{"run", []string{"run", "--profile", prof}, 3},
		{"run --complain", []string{"run", "--complain", "--profile", prof}, 3},
		{"check", []string{"check", "--allow-failure", "--profile", prof}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := seccompgen(t, append(tc.args, "--", script, "arg")...)
			if r.status != tc.status || r.stdout != want {
				t.Errorf("status %d, stdout %q; want %d, %q; stderr:\n%s", r.status, r.stdout, tc.status, want, r.stderr)
			}
		})
	}
}
