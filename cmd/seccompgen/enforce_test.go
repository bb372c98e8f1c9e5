package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/profiles"
)

// TestErrnoOutOfRange: every command that reads a profile refuses an errno
// runc would cut to 16 bits, pointing at the value.
func TestErrnoOutOfRange(t *testing.T) {
	const file = "testdata/errno-65536.json"
	const msg = file + ":3:22: defaultErrnoRet: 65536 is not an errno: want 1 to 4095 (MAX_ERRNO); runc keeps only 16 bits, which makes it 0: denied syscalls would return success without running\n"
	for _, tc := range []struct {
		args   []string
		prefix string
		status int
	}{
		{[]string{"diff", file}, "", 2},
		{[]string{"diff", "--against", file, "testdata/a.json"}, "", 2},
		{[]string{"merge", "-o", "-", "testdata/a.json", file}, "", 2},
		{[]string{"run", "--profile", file, "--", "/bin/true"}, "seccompgen run: ", 125},
		{[]string{"check", "--profile", file, "--", "/bin/true"}, "seccompgen check: ", 2},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != tc.status || r.stderr != tc.prefix+msg {
				t.Errorf("exit %d, stderr %q; want %d, %q", r.status, r.stderr, tc.status, tc.prefix+msg)
			}
		})
	}
}

// TestFilterTooLong: a profile whose filter the kernel would refuse
// (over 4096 BPF instructions) is refused by merge, run and check, which
// would otherwise write it or fail with "invalid argument"; diff warns.
func TestFilterTooLong(t *testing.T) {
	s := profiles.Spec{ABIs: []string{"x86_64"}, Allow: []string{"execve", "exit_group"}}
	c := profiles.Cond{Name: "socket"}
	for v := range 5000 {
		c.Values = append(c.Values, uint64(v))
	}
	s.Conditional = []profiles.Cond{c}
	p, err := profiles.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := profiles.Validate(p, false); errors.Is(err, profiles.ErrNoLibseccomp) {
		t.Skip("built without cgo: no libseccomp to compile with")
	}
	file := filepath.Join(t.TempDir(), "long.json")
	if err := os.WriteFile(file, p.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// merge's output has no name yet.
	msg := regexp.MustCompile(`profiles: (` + regexp.QuoteMeta(file) + `: )?compiles to 50[0-9][0-9] BPF instructions; the kernel loads at most 4096: merge fewer conditional rules .*\n$`)
	out := filepath.Join(t.TempDir(), "out.json")
	for _, tc := range []struct {
		args   []string
		prefix string
		status int
	}{
		{[]string{"merge", "-o", out, file}, "seccompgen merge: ", 2},
		{[]string{"run", "--profile", file, "--", "/bin/true"}, "seccompgen run: ", 125},
		{[]string{"check", "--profile", file, "--", "/bin/true"}, "seccompgen check: ", 2},
		{[]string{"diff", file}, "seccompgen diff: warning: ", 0},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != tc.status || !strings.HasPrefix(r.stderr, tc.prefix) || !msg.MatchString(r.stderr) {
				t.Errorf("exit %d, stderr %q; want %d, %s%s", r.status, r.stderr, tc.status, tc.prefix, msg)
			}
		})
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("merge wrote %s (%v); want no file", out, err)
	}
}

// TestRunWarnsUnconfined: run enforces a profile that confines nothing, and
// says so; a profile that denies by default gets no warning.
func TestRunWarnsUnconfined(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, profile, warning string
	}{
		{"allow", `{"defaultAction": "SCMP_ACT_ALLOW"}`,
			"default action SCMP_ACT_ALLOW lets every syscall through and no rule refuses any: the profile confines nothing"},
		{"denylist", `{"defaultAction": "SCMP_ACT_LOG", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}`,
			"default action SCMP_ACT_LOG lets through every syscall no rule names: only the 1 syscall its rules name are confined"},
		{"errno", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["execve", "exit_group", "exit", "brk", "mmap", "munmap", "mprotect", "arch_prctl", "access", "openat", "read", "close", "fstat", "newfstatat", "pread64", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrandom"], "action": "SCMP_ACT_ALLOW"}]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(file, []byte(tc.profile), 0o644); err != nil {
				t.Fatal(err)
			}
			want := ""
			if tc.warning != "" {
				want = "seccompgen run: warning: " + file + ": " + tc.warning + "\n"
			}
			r := seccompgen(t, "run", "--profile", file, "--", "/bin/true")
			if r.stderr != want {
				t.Errorf("stderr %q, want %q", r.stderr, want)
			}
			if tc.warning != "" && r.status != 0 {
				t.Errorf("exit %d, want 0: the profile is still enforced", r.status)
			}
		})
	}
}

// TestMergeArches: merging an x86_64-only input with one that admits i386
// would allow on i386 what only the x86_64 input allowed; merge refuses
// unless --union-arches, and then warns.
func TestMergeArches(t *testing.T) {
	out := filepath.Join(t.TempDir(), "merged.json")
	in := []string{"testdata/arch-x86_64.json", "testdata/arch-x86_64-x86.json"}
	const list = "on x86, 3 syscalls no input that admits x86 allows (arch_prctl mmap ptrace)"
	r := seccompgen(t, append([]string{"merge", "-o", out}, in...)...)
	want := result{"", "seccompgen merge: the inputs admit different architectures, and a profile applies every rule to every architecture it admits; the merged profile would allow\n  " + list +
		"\nRecord the inputs on the same architectures, or pass --union-arches to accept this.\n", 2}
	if diff := cmp.Diff(want, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("merge (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused merge wrote %s (%v)", out, err)
	}
	r = seccompgen(t, append([]string{"merge", "--union-arches", "-o", out}, in...)...)
	want = result{"", "seccompgen merge: warning: --union-arches: the merged profile allows " + list + "\n", 0}
	if diff := cmp.Diff(want, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("merge --union-arches (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("merge --union-arches wrote nothing: %v", err)
	}
}
