package main

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// lines is "ACTION: RESULT\n" for each pair, as testdata/c/pins.c prints.
func lines(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString(pairs[i] + ": " + pairs[i+1] + "\n")
	}
	return b.String()
}

// TestPins records testdata/c/pins.c doing some things with --args and
// runs it under the profile doing those and more: what it was recorded
// doing still works, the same syscall with an argument value it never
// used gets EPERM from the filter (each test's control shows the kernel
// itself allows it).
func TestPins(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	pins := buildC(t, "pins")
	for _, tc := range []struct {
		name     string
		recorded []string // what the profile is recorded doing
		run      []string // what it then does under the profile
		want     string
	}{
		{"ioctl", []string{"tcgets", "fionread"}, []string{"tcgets", "fionread", "tiocsti"},
			lines("tcgets", "ok", "fionread", "ok", "tiocsti", "EPERM")},
		{"ioctl control", []string{"tcgets", "fionread", "tiocsti"}, []string{"tcgets", "fionread", "tiocsti"},
			lines("tcgets", "ok", "fionread", "ok", "tiocsti", "ok")},
		{"never unshares", []string{"tcp"}, []string{"unshare-user"},
			lines("unshare-user", "EPERM")},
		{"unshare NEWNS only", []string{"unshare-ns"}, []string{"unshare-ns", "unshare-user", "unshare-net"},
			lines("unshare-ns", "ok", "unshare-user", "EPERM", "unshare-net", "EPERM")},
		{"unshare control", []string{"unshare-ns", "unshare-user"}, []string{"unshare-ns", "unshare-user"},
			lines("unshare-ns", "ok", "unshare-user", "ok")},
		{"socket type", []string{"tcp"}, []string{"tcp", "raw", "udp"},
			lines("tcp", "ok", "raw", "EPERM", "udp", "EPERM")},
		{"socket type control", []string{"tcp", "raw"}, []string{"tcp", "raw"},
			lines("tcp", "ok", "raw", "ok")},
		{"prctl", []string{"prctl-name"}, []string{"prctl-name", "prctl-seccomp"},
			lines("prctl-name", "ok", "prctl-seccomp", "EPERM")},
		{"prctl control", []string{"prctl-name", "prctl-seccomp"}, []string{"prctl-name", "prctl-seccomp"},
			lines("prctl-name", "ok", "prctl-seccomp", "ok")},
		{"W^X", []string{"map-data"}, []string{"map-data", "mprotect-exec", "jit"},
			lines("map-data", "ok", "mprotect-exec", "EPERM", "jit", "EPERM")},
		{"JIT recorded", []string{"jit"}, []string{"jit", "map-data", "mprotect-exec"},
			lines("jit", "ok", "map-data", "ok", "mprotect-exec", "ok")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof, _, rec := recordFiles(t, []string{"--args"}, append([]string{pins}, tc.recorded...)...)
			if rec.status != 0 {
				t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
			}
			got := seccompgen(t, append([]string{"run", "--profile", prof, "--", pins}, tc.run...)...)
			if diff := cmp.Diff(tc.want, got.stdout); diff != "" || got.status != 0 {
				t.Errorf("under the profile: status %d, stdout (-want +got):\n%s\nstderr:\n%s", got.status, diff, got.stderr)
			}
		})
	}
}

// TestPinsConditions: the rules the W^X and namespace cases rest on, as
// the profile writes them.
func TestPinsConditions(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	pins := buildC(t, "pins")
	prof, _, rec := recordFiles(t, []string{"--args"}, pins, "map-data", "unshare-ns", "tcgets", "fionread", "prctl-name")
	if rec.status != 0 {
		t.Fatalf("record: status %d, stderr:\n%s", rec.status, rec.stderr)
	}
	for _, tc := range []struct {
		name string
		want []string
	}{
		// PROT_EXEC only: ld.so's executable mappings leave mmap free.
		{"mprotect", []string{"arg2 SCMP_CMP_MASKED_EQ 0x4 0x0"}},
		{"unshare", []string{"SCMP_CMP_MASKED_EQ 0x7e020080 0x20000"}},
		{"ioctl", []string{"arg1 SCMP_CMP_EQ 0x5401", "arg1 SCMP_CMP_EQ 0x541b"}},
		{"prctl", []string{"SCMP_CMP_EQ 0xf"}},
		{"mmap", nil},
	} {
		conds, unconditional := condRules(t, prof, tc.name)
		if diff := cmp.Diff(tc.want, conds); diff != "" || unconditional != (tc.want == nil) {
			t.Errorf("%s: unconditional %v, conditions (-want +got):\n%s", tc.name, unconditional, diff)
		}
	}
}

// TestPinsBound: an ioctl request set larger than the tracer keeps leaves
// ioctl unconditional, says so on stderr and in the report, and the
// workload keeps running under the profile.
func TestPinsBound(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	pins := buildC(t, "pins")
	prof, rep, rec := recordFiles(t, []string{"--args"}, pins, "ioctls=70", "prctl-name")
	if want := "ioctl (x86_64): arg1 took more than 64 distinct values"; rec.status != 0 || !strings.Contains(rec.stderr, want) {
		t.Errorf("record: status %d, stderr:\n%s\nwant %q", rec.status, rec.stderr, want)
	}
	if diff := cmp.Diff([]unpinned{{"ioctl", "x86_64", 1, "too-many-values"}}, readUnpinned(t, rep)); diff != "" {
		t.Errorf("report: unpinned (-want +got):\n%s", diff)
	}
	if conds, unconditional := condRules(t, prof, "ioctl"); conds != nil || !unconditional {
		t.Errorf("ioctl: conditions %v, unconditional %v", conds, unconditional)
	}
	if conds, _ := condRules(t, prof, "prctl"); len(conds) != 1 {
		t.Errorf("prctl is no longer pinned: %v", conds)
	}
	got := seccompgen(t, "run", "--profile", prof, "--", pins, "ioctls=70", "tiocsti")
	if want := lines("ioctls=70", "ok", "tiocsti", "ok"); got.stdout != want {
		t.Errorf("under the profile: stdout %q, want %q\nstderr:\n%s", got.stdout, want, got.stderr)
	}
}

// TestPinsGroups: --args LIST pins only the groups named; none pins
// nothing; an unknown group is a usage error.
func TestPinsGroups(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	pins := buildC(t, "pins")
	run := []string{pins, "tcgets", "prctl-name", "tcp"}
	for _, tc := range []struct {
		flag        string
		conditional []string
	}{
		{"--args", []string{"ioctl", "mprotect", "prctl", "socket"}},
		{"--args=all", []string{"ioctl", "mprotect", "prctl", "socket"}},
		{"--args=ioctl,prctl", []string{"ioctl", "prctl"}},
		{"--args=none", nil},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			prof, _, rec := recordFiles(t, []string{tc.flag}, run...)
			if rec.status != 0 {
				t.Fatalf("record: status %d, stderr:\n%s", rec.status, rec.stderr)
			}
			var got []string
			for _, n := range []string{"ioctl", "mprotect", "prctl", "socket"} {
				if conds, _ := condRules(t, prof, n); conds != nil {
					got = append(got, n)
				}
			}
			if diff := cmp.Diff(tc.conditional, got); diff != "" {
				t.Errorf("conditional (-want +got):\n%s", diff)
			}
		})
	}
	r := seccompgen(t, "record", "--args=ioctls", "--", pins)
	if want := `seccompgen record: --args: unknown group "ioctls": want all, none, default or a list of socket, clone, namespaces, personality, ioctl, prctl, exec-memory, exec-mmap`; r.status != 125 || !slices.Contains(strings.Split(r.stderr, "\n"), want) {
		t.Errorf("status %d, stderr %q, want 125 and %q", r.status, r.stderr, want)
	}
}

// TestPinsI386: the same pins hold for a 32-bit program, whose arguments
// the tracer reads from IA32 emulation's registers; its sockets go
// through socketcall, pinned to the calls it made.
func TestPinsI386(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireIA32(t)
	testenv.RequireTool(t, "gcc")
	pins := buildC(t, "pins", "-m32")
	for _, tc := range []struct {
		name          string
		recorded, run []string
		want          string
	}{
		{"ioctl", []string{"tcgets", "fionread"}, []string{"tcgets", "fionread", "tiocsti"},
			lines("tcgets", "ok", "fionread", "ok", "tiocsti", "EPERM")},
		{"unshare", []string{"unshare-ns"}, []string{"unshare-ns", "unshare-user"},
			lines("unshare-ns", "ok", "unshare-user", "EPERM")},
		{"prctl", []string{"prctl-name"}, []string{"prctl-name", "prctl-seccomp"},
			lines("prctl-name", "ok", "prctl-seccomp", "EPERM")},
		{"W^X", []string{"map-data"}, []string{"map-data", "mprotect-exec"},
			lines("map-data", "ok", "mprotect-exec", "EPERM")},
		{"JIT recorded", []string{"jit"}, []string{"jit"}, lines("jit", "ok")},
		{"socket calls", []string{"tcp"}, []string{"tcp", "socketpair"},
			lines("tcp", "ok", "socketpair", "EPERM")},
		{"socket calls control", []string{"tcp", "socketpair"}, []string{"tcp", "socketpair"},
			lines("tcp", "ok", "socketpair", "ok")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof, _, rec := recordFiles(t, []string{"--args"}, append([]string{pins}, tc.recorded...)...)
			if rec.status != 0 {
				t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
			}
			got := seccompgen(t, append([]string{"run", "--profile", prof, "--", pins}, tc.run...)...)
			if diff := cmp.Diff(tc.want, got.stdout); diff != "" || got.status != 0 {
				t.Errorf("under the profile: status %d, stdout (-want +got):\n%s\nstderr:\n%s", got.status, diff, got.stderr)
			}
		})
	}
}

// TestPinsDiffMergeCheck: diff shows a new condition, merge keeps both
// inputs' values, and check names a request the checked-in profile
// refuses as a break.
func TestPinsDiffMergeCheck(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	pins := buildC(t, "pins")
	a, _, ra := recordFiles(t, []string{"--args"}, pins, "tcgets")
	b, _, rb := recordFiles(t, []string{"--args"}, pins, "fionread")
	if ra.status != 0 || rb.status != 0 {
		t.Fatalf("record: status %d, %d", ra.status, rb.status)
	}

	d := seccompgen(t, "diff", "--exit-code", "--against", b, a)
	if want := regexp.MustCompile(`  ioctl\n    ` + regexp.QuoteMeta(a) + `: allow if arg1\s+==\s+0x5401\n    ` + regexp.QuoteMeta(b) + `: allow if arg1\s+==\s+0x541b\n`); d.status != 1 || !want.MatchString(d.stdout) {
		t.Errorf("diff: status %d, stdout:\n%s\nwant it to contain:\n%s", d.status, d.stdout, want)
	}

	merged := t.TempDir() + "/merged.json"
	if r := seccompgen(t, "merge", "-o", merged, a, b); r.status != 0 {
		t.Fatalf("merge: status %d, stderr:\n%s", r.status, r.stderr)
	}
	if conds, _ := condRules(t, merged, "ioctl"); !cmp.Equal(conds, []string{"arg1 SCMP_CMP_EQ 0x5401", "arg1 SCMP_CMP_EQ 0x541b"}) {
		t.Errorf("merged ioctl conditions: %v", conds)
	}
	got := seccompgen(t, "run", "--profile", merged, "--", pins, "tcgets", "fionread", "tiocsti")
	if want := lines("tcgets", "ok", "fionread", "ok", "tiocsti", "EPERM"); got.stdout != want {
		t.Errorf("under the merged profile: stdout %q, want %q", got.stdout, want)
	}

	// check records the arguments the file's conditions are about, with
	// or without --args.
	for _, flags := range [][]string{{"--args"}, {"--args=none"}} {
		r := seccompgen(t, append(append([]string{"check"}, flags...), "--profile", a, "--", pins, "tcgets", "tiocsti")...)
		want := regexp.MustCompile(`\n  ioctl \(x86_64\): [0-9]+ call\(s\), first by pid [0-9]+ \(` + comm(pins) + `\), with arg1 in \{0x5412\}\n`)
		if r.status != 1 || !want.MatchString(r.stderr) {
			t.Errorf("check %v: status %d, stderr:\n%s\nwant it to match %s", flags, r.status, r.stderr, want)
		}
	}
}

// TestPinsDefault: without --args record pins the default's groups
// (synth.DefaultPins), not ioctl nor mmap's PROT_EXEC, and keeps EPERM's
// and io_uring's defaults as they were.
func TestPinsDefault(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	pins := buildC(t, "pins")
	prof, _, rec := recordFiles(t, nil, pins, "tcp", "prctl-name", "tcgets", "map-data", "unshare-ns")
	if rec.status != 0 {
		t.Fatalf("record: status %d, stderr:\n%s", rec.status, rec.stderr)
	}
	got := seccompgen(t, "run", "--profile", prof, "--", pins, "tcp", "raw", "prctl-name", "prctl-seccomp", "tcgets", "tiocsti", "map-data", "mprotect-exec", "unshare-ns", "unshare-user")
	// The profile's default errno is ENOSYS (--infer all): a pinned
	// syscall called with another value gets it.
	want := lines("tcp", "ok", "raw", "ENOSYS", "prctl-name", "ok", "prctl-seccomp", "ENOSYS", "tcgets", "ok", "tiocsti", "ok",
		"map-data", "ok", "mprotect-exec", "ENOSYS", "unshare-ns", "ok", "unshare-user", "ENOSYS")
	if diff := cmp.Diff(want, got.stdout); diff != "" {
		t.Errorf("under the default profile: stdout (-want +got):\n%s\nstderr:\n%s", diff, got.stderr)
	}
	if conds, unconditional := condRules(t, prof, "ioctl"); conds != nil || !unconditional {
		t.Errorf("ioctl: conditions %v, unconditional %v", conds, unconditional)
	}
	p := readProfile(t, prof)
	if p.denied()["io_uring_setup"] {
		t.Errorf("the default denies io_uring: only --args does")
	}
}
