package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

// TestCommands: every command in the list is complete, listed once, and
// the listed ones come in help's (alphabetical) order.
func TestCommands(t *testing.T) {
	seen := map[string]bool{}
	var listed []string
	for _, c := range commands {
		t.Run(c.Name, func(t *testing.T) {
			if seen[c.Name] {
				t.Errorf("%s is listed twice", c.Name)
			}
			seen[c.Name] = true
			if !strings.HasPrefix(c.UsageLine, c.Name) || c.Short == "" || c.Long == "" || c.Run == nil {
				t.Errorf("%s: incomplete: usage %q, short %q, run set %v", c.Name, c.UsageLine, c.Short, c.Run != nil)
			}
			if c.UsageExit != exitFailure && c.UsageExit != exitTrouble {
				t.Errorf("%s: usage exit %d, want %d or %d", c.Name, c.UsageExit, exitFailure, exitTrouble)
			}
			if lookup(c.Name) != c || c.Flags == nil {
				t.Errorf("lookup(%q) does not return it with its flags", c.Name)
			}
		})
		if !strings.HasPrefix(c.Name, "__") {
			listed = append(listed, c.Name)
		}
	}
	want := []string{"check", "diff", "learn", "merge", "oci-hook", "record", "run", "version"}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("listed commands (-want +got):\n%s", diff)
	}
}

// TestPolicy: each flag's error names that flag, with synth.CheckPolicy
// called once for the whole policy.
func TestPolicy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantErr  string
		wantDeny []string
	}{
		{"defaults", nil, "", []string{"memfd_create", "userfaultfd"}},
		{"no denies", []string{"--deny", ""}, "", nil},
		{"--args adds io_uring", []string{"--args"}, "", []string{"memfd_create", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register"}},
		{"--args with --deny", []string{"--args", "--deny", "ptrace"}, "", []string{"ptrace"}},
		{"max procs", []string{"--max-procs", "0"}, "--max-procs 0: want 1 to 4194304 (PID_MAX_LIMIT: no more processes can be alive at once)", nil},
		{"unknown deny", []string{"--deny", "memfd_creat"}, `--deny: unknown syscall "memfd_creat" (did you mean "memfd_create"?)`, nil},
		{"bad deny before bad runtime", []string{"--deny", "memfd_creat", "--runtime", "bad"}, `--deny: unknown syscall "memfd_creat" (did you mean "memfd_create"?)`, nil},
		{"infer", []string{"--infer", "bad"}, `--infer: unknown inference "bad" (want a comma-separated list of none, go, imports, static, gosites, all)`, nil},
		{"errno", []string{"--errno", "EBAD"}, `--errno: unknown errno "EBAD" (want EPERM or ENOSYS)`, nil},
		{"no-new-privileges alone", []string{"--no-new-privileges"}, "--no-new-privileges: needs --runtime (it picks that runtime's list)", nil},
		{"runtime", []string{"--runtime", "bad"}, `--runtime: unknown runtime "bad" (want one of: none, crun, podman, runc)`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rf recordFlags
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			rf.register(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			p, err := rf.policy()
			var got string
			if err != nil {
				got = err.Error()
			}
			if got != tc.wantErr {
				t.Fatalf("policy() error %q, want %q", got, tc.wantErr)
			}
			if err == nil {
				if diff := cmp.Diff(tc.wantDeny, p.Deny); diff != "" {
					t.Errorf("denies (-want +got):\n%s", diff)
				}
			}
		})
	}
}
