package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// refusalsProfile records testdata/c/refusals.c making one getppid and
// returns the program and its profile.
func refusalsProfile(t *testing.T) (prog, prof string) {
	t.Helper()
	prog = buildC(t, "refusals")
	prof, _, r := recordFiles(t, []string{"--args=none"}, prog, "1")
	if r.status != 7 || !p(r.stdout) {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	return prog, prof
}

// p reports whether out is refusals.c's one line, "pid N".
func p(out string) bool { return regexp.MustCompile(`^pid [0-9]+\n$`).MatchString(out) }

// pidOf is the pid refusals.c printed.
func pidOf(t *testing.T, out string) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(out, "pid "), "\n"))
	if err != nil {
		t.Fatalf("the program said %q", out)
	}
	return pid
}

// errnoOf is the errno a profile answers for the syscalls it does not name.
func errnoOf(t *testing.T, prof string) string {
	t.Helper()
	if e := readProfile(t, prof).DefaultErrnoRet; e != nil && *e == uint(syscall.ENOSYS) {
		return "ENOSYS"
	}
	return "EPERM"
}

// addRule is a copy of the profile at path with one more rule.
func addRule(t *testing.T, path, label string, rule map[string]any) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["syscalls"] = append(doc["syscalls"].([]any), rule)
	out := filepath.Join(t.TempDir(), label+".json")
	data, _ = json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRunReportsRefusals: an enforcing run names what the kernel refused
// CMD, exactly, and nothing for a CMD that made only allowed calls, even
// one that forks, vforks, execs, starts a thread and has a read restarted
// after a signal (each a sys_exit without a sys_enter of its own, or a
// pair split by a signal handler).
func TestRunReportsRefusals(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog, prof := refusalsProfile(t)
	noGetppid := withoutSyscall(t, prof, "getppid")
	noTwo := withoutSyscall(t, noGetppid, "gettid")
	errno := errnoOf(t, prof)
	trap := addRule(t, noGetppid, "trap", map[string]any{"names": []string{"getppid"}, "action": "SCMP_ACT_TRAP"})
	for _, tc := range []struct {
		name   string
		flags  []string
		prof   string
		args   []string
		status int
		stderr string // %[1]d is the program's pid, %[2]s the errno
	}{
		{"one refused", nil, noGetppid, []string{"3"}, 7,
			"seccompgen run: the profile refused 1 syscall(s): getppid (x86_64) 3 calls, first by pid %[1]d (refuser), got %[2]s\n"},
		{"two refused", nil, noTwo, []string{"1"}, 7,
			"seccompgen run: the profile refused 2 syscall(s):\n" +
				"  getppid (x86_64) 1 call, first by pid %[1]d (refuser), got %[2]s\n" +
				"  gettid (x86_64) 1 call, first by pid %[1]d (refuser), got %[2]s\n"},
		{"only allowed calls", nil, noGetppid, []string{"0"}, 7, ""},
		{"everything allowed", nil, prof, []string{"5"}, 7, ""},
		{"quiet", []string{"--quiet"}, noGetppid, []string{"3"}, 7, ""},
		// The kernel rolls a trapped call back and sends SIGSYS; the
		// program dies of it (128+31).
		{"trapped", nil, trap, []string{"3"}, 159,
			"seccompgen run: the profile refused 1 syscall(s): getppid (x86_64) 1 call, first by pid %[1]d (refuser), got SIGSYS\n"},
		{"refused by CMD's own filter", nil, prof, []string{"2", "own-filter"}, 7,
			"seccompgen run: 1 syscall(s) the profile allows were refused all the same, by a seccomp filter of CMD's own or a ptrace tracer: getppid (x86_64) 2 calls, first by pid %[1]d (refuser), got EACCES\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append(append([]string{"run"}, tc.flags...), "--profile", tc.prof, "--", prog), tc.args...)
			r := seccompgen(t, args...)
			if r.status != tc.status || !p(r.stdout) {
				t.Fatalf("status %d, stdout %q; want %d and the program's pid\nstderr:\n%s", r.status, r.stdout, tc.status, r.stderr)
			}
			want := tc.stderr
			if want != "" {
				want = fmt.Sprintf(want, pidOf(t, r.stdout), errno)
			}
			if diff := cmp.Diff(want, r.stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunReportJSON: --report writes the refusals as JSON (docs/report.md).
func TestRunReportJSON(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog, prof := refusalsProfile(t)
	noGetppid := withoutSyscall(t, prof, "getppid")
	errno := errnoOf(t, prof)
	out := filepath.Join(t.TempDir(), "refused.json")
	r := seccompgen(t, "run", "--report", out, "--profile", noGetppid, "--", prog, "4")
	if r.status != 7 || !p(r.stdout) {
		t.Fatalf("status %d, stdout %q\nstderr:\n%s", r.status, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("%s: %v\n%s", out, err, data)
	}
	ret := -float64(syscall.EPERM)
	if errno == "ENOSYS" {
		ret = -float64(syscall.ENOSYS)
	}
	want := map[string]any{
		"profile": noGetppid,
		"traced":  true,
		"refused": []any{map[string]any{
			"name": "getppid", "abi": "x86_64", "nr": 110.0, "count": 4.0,
			"first_pid": float64(pidOf(t, r.stdout)), "first_comm": "refuser",
			"errno": errno, "signal": "", "ret": ret, "by": "profile",
		}},
		"losses": map[string]any{"procs_dropped": 0.0, "nr_out_of_range": 0.0, "unpaired": 0.0, "recursion_misses": 0.0},
		"exit":   map[string]any{"code": 7.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", out, diff)
	}

	// Nothing refused: the same keys, an empty list.
	r = seccompgen(t, "run", "--report", out, "--profile", prof, "--", prog, "0")
	if r.status != 7 || r.stderr != "" {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	data, _ = os.ReadFile(out)
	if !strings.Contains(string(data), `"refused": [],`) {
		t.Errorf("nothing refused: %s", data)
	}
}

// TestRunQuietAttachesNothing: with --quiet no eBPF program is loaded at
// all; without it the refusal tracer's are. CMD looks at its parent,
// seccompgen, for descriptors of BPF programs.
func TestRunQuietAttachesNothing(t *testing.T) {
	testenv.RequireBPF(t)
	cmd := []string{"/bin/sh", "-c", "ls -l /proc/$PPID/fd | grep -c bpf-prog"}
	prof, _, _ := recordFiles(t, nil, cmd...)
	for _, tc := range []struct {
		flags []string
		none  bool
	}{
		{[]string{"--quiet"}, true},
		{nil, false},
	} {
		r := seccompgen(t, append(append(append([]string{"run"}, tc.flags...), "--profile", prof, "--"), cmd...)...)
		n, err := strconv.Atoi(strings.TrimSpace(r.stdout))
		if err != nil || r.stderr != "" || (n == 0) != tc.none {
			t.Errorf("run %v: %q BPF program descriptors (status %d, stderr %q); want none: %v", tc.flags, r.stdout, r.status, r.stderr, tc.none)
		}
	}
}

// TestRunWithoutBPF: where the tracer cannot be loaded (here: seccompgen
// run by an unprivileged user) the profile is still enforced, and run
// says once that it cannot report; --report says traced: false.
func TestRunWithoutBPF(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog, prof := refusalsProfile(t)
	// Somewhere nobody can read the profile and write the report.
	dir, err := os.MkdirTemp(binDir, "nobody-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	data, _ := os.ReadFile(withoutSyscall(t, prof, "getppid"))
	noGetppid, out := filepath.Join(dir, "profile.json"), filepath.Join(dir, "refused.json")
	if err := os.WriteFile(noGetppid, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(filepath.Join(binDir, "seccompgen"), "run", "--report", out, "--profile", noGetppid, "--", "/bin/sh", "-c", prog+" 2; grep Seccomp: /proc/self/status")
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	r := runCmd(t, c)
	if r.status != 0 || !regexp.MustCompile(`^pid [0-9]+\nSeccomp:\t2\n$`).MatchString(r.stdout) {
		t.Errorf("status %d, stdout %q: want the program run and confined", r.status, r.stdout)
	}
	const say = "seccompgen run: the profile is enforced, but what it refuses cannot be reported (--quiet: do not try): tracer: loading eBPF programs needs root"
	if strings.Count(r.stderr, "seccompgen run:") != 1 || !strings.HasPrefix(r.stderr, say) {
		t.Errorf("stderr %q: want one line that starts %q", r.stderr, say)
	}
	data, err = os.ReadFile(out)
	var rep struct {
		Traced  *bool `json:"traced"`
		Refused []any `json:"refused"`
		Exit    any   `json:"exit"`
	}
	if err != nil || json.Unmarshal(data, &rep) != nil || rep.Traced == nil || *rep.Traced || rep.Refused == nil || len(rep.Refused) != 0 || rep.Exit != nil {
		t.Errorf("report: %v\n%s\nwant traced false, refused [], exit null", err, data)
	}
}

// TestRunUser: a profile recorded with --user is enforced with run --user:
// CMD runs as that user, under no_new_privs and the filter, and a user
// that does not exist is seccompgen's failure.
func TestRunUser(t *testing.T) {
	testenv.RequireBPF(t)
	cmd := []string{"/bin/sh", "-c", "id -u; id -g; echo $HOME; grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status"}
	prof, _, rec := recordFiles(t, []string{"--user", "nobody"}, cmd...)
	if want := "65534\n65534\n/nonexistent\nNoNewPrivs:\t0\nSeccomp:\t0\n"; rec.status != 0 || rec.stdout != want {
		t.Fatalf("record --user nobody: status %d, stdout %q, want %q\nstderr:\n%s", rec.status, rec.stdout, want, rec.stderr)
	}
	for _, tc := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"enforcing", nil, "65534\n65534\n/nonexistent\nNoNewPrivs:\t1\nSeccomp:\t2\n"},
		{"quiet", []string{"--quiet"}, "65534\n65534\n/nonexistent\nNoNewPrivs:\t1\nSeccomp:\t2\n"},
		// Complain mode installs the profile in log mode: a filter all the same.
		{"complain", []string{"--complain"}, "65534\n65534\n/nonexistent\nNoNewPrivs:\t1\nSeccomp:\t2\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run", "--user", "nobody"}, tc.flags...), "--profile", prof, "--")
			r := seccompgen(t, append(args, cmd...)...)
			if r.status != 0 || r.stdout != tc.want {
				t.Errorf("status %d, stdout %q, want %q\nstderr:\n%s", r.status, r.stdout, tc.want, r.stderr)
			}
		})
	}
	if r := seccompgen(t, "run", "--user", "nobody:nogroup", "--profile", prof, "--", "/bin/sh", "-c", "id -g"); r.status != 0 || r.stdout != "65534\n" {
		t.Errorf("--user nobody:nogroup: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	r := seccompgen(t, "run", "--user", "no-such-user-xyz", "--profile", prof, "--", "/bin/true")
	if r.status != 125 || r.stderr != "seccompgen run: --user no-such-user-xyz: no such user\n" {
		t.Errorf("unknown user: status %d, stderr %q", r.status, r.stderr)
	}
}

// TestRunRefusalFlagErrors: the reporting flags that contradict each other.
func TestRunRefusalFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags []string
		msg   string
	}{
		{"quiet and complain", []string{"--quiet", "--complain"}, "--quiet: complain mode exists to report; use one or the other"},
		{"report and quiet", []string{"--report", "r.json", "--quiet"}, "--report: --quiet turns reporting off; use one or the other"},
		{"report and complain", []string{"--report", "r.json", "--complain"}, "--report: only when enforcing (complain mode prints what it finds)"},
		{"report to stdout", []string{"--report", "-"}, "--report -: CMD writes to stdout too; name a file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run"}, tc.flags...), "--profile", "docker-default", "--", "/bin/true")
			r := seccompgen(t, args...)
			want := "seccompgen run: " + tc.msg + "\nRun 'seccompgen help run' for details.\n"
			if r.status != 125 || r.stderr != want {
				t.Errorf("status %d, stderr %q; want 125, %q", r.status, r.stderr, want)
			}
		})
	}
}

// TestRunRefusalsForeignABI: a syscall of an ABI the profile does not
// list is killed by the filter's bad-architecture action; run names it
// with its ABI (i386 through int 0x80: the kernel's TS_COMPAT still holds
// at sys_exit) and the SIGSYS.
func TestRunRefusalsForeignABI(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog := buildC(t, "foreignabi")
	prof, _, rec := recordFiles(t, []string{"--args=none"}, prog, "x86_64")
	if rec.status != 0 || rec.stdout != "x86_64: ok\n" {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
	}
	for _, tc := range []struct {
		abi     string
		require func(testing.TB)
	}{
		{abi: "x32"},
		{abi: "i386", require: testenv.RequireIA32},
	} {
		t.Run(tc.abi, func(t *testing.T) {
			if tc.require != nil {
				tc.require(t)
			}
			got := seccompgen(t, "run", "--profile", prof, "--", prog, "x86_64", tc.abi)
			want := regexp.MustCompile(`^seccompgen run: the profile refused 1 syscall\(s\): getpid \(` + tc.abi + `\) 1 call, first by pid [0-9]+ \(` + regexp.QuoteMeta(comm(prog)) + `\), got SIGSYS\n$`)
			if got.status != 128+int(syscall.SIGSYS) || got.stdout != "x86_64: ok\n" || !want.MatchString(got.stderr) {
				t.Errorf("status %d (want %d), stdout %q, stderr (want %s):\n%s", got.status, 128+int(syscall.SIGSYS), got.stdout, want, got.stderr)
			}
		})
	}
}

// TestRunReportsRefusalsI386: the same program built for i386: its calls,
// refused or not, carry i386 numbers, and a new task's return from fork,
// vfork or clone is told apart by its i386 number.
func TestRunReportsRefusalsI386(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	testenv.RequireIA32(t)
	prog := buildC(t, "refusals", "-m32")
	prof, _, r := recordFiles(t, []string{"--args=none"}, prog, "1")
	if r.status != 7 || !p(r.stdout) {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	noGetppid := withoutSyscall(t, prof, "getppid")
	for _, tc := range []struct {
		n      string
		stderr string
	}{
		{"3", "seccompgen run: the profile refused 1 syscall(s): getppid (i386) 3 calls, first by pid %d (refuser), got %s\n"},
		{"0", ""},
	} {
		t.Run(tc.n+" calls", func(t *testing.T) {
			r := seccompgen(t, "run", "--profile", noGetppid, "--", prog, tc.n)
			if r.status != 7 || !p(r.stdout) {
				t.Fatalf("status %d, stdout %q\nstderr:\n%s", r.status, r.stdout, r.stderr)
			}
			want := tc.stderr
			if want != "" {
				want = fmt.Sprintf(want, pidOf(t, r.stdout), errnoOf(t, prof))
			}
			if diff := cmp.Diff(want, r.stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRunRefusalFallback: under a profile with clone pinned (record's
// default), glibc's clone3 gets the profile's ENOSYS rule and falls back
// to clone: not printed as a refusal, listed in the JSON as a fallback.
func TestRunRefusalFallback(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildC(t, "refusals")
	prof, _, r := recordFiles(t, nil, prog, "1")
	if r.status != 7 {
		t.Fatalf("record: status %d, stderr:\n%s", r.status, r.stderr)
	}
	if conds, unconditional := condRules(t, prof, "clone"); unconditional || len(conds) == 0 {
		t.Skipf("clone is not pinned by record's default here (unconditional %v): no ENOSYS fallback to see", unconditional)
	}
	out := filepath.Join(t.TempDir(), "refused.json")
	r = seccompgen(t, "run", "--report", out, "--profile", prof, "--", prog, "1")
	if r.status != 7 || r.stderr != "" {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	var rep struct {
		Refused []struct{ Name, By, Errno string }
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Refused {
		if e.Name != "clone3" || e.By != "fallback" || e.Errno != "ENOSYS" {
			t.Errorf("refused %+v: want only clone3, by fallback, ENOSYS", e)
		}
	}
	if len(rep.Refused) == 0 {
		t.Errorf("clone3 not listed as a fallback: %s", data)
	}
}
