package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestIOUring: a workload that uses io_uring is warned about, with the
// report saying so; the ring opens sockets the profile's --args rules
// refuse; --deny io_uring (and --args by default) makes io_uring_setup
// fail with EPERM under the profile.
func TestIOUring(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	iouring := buildC(t, "iouring")
	const works = "io_uring_setup: ok\nring AF_NETLINK: ok\nring AF_INET: ok\n"
	if u := runCmd(t, exec.Command(iouring)); u.stdout != works {
		t.Fatalf("unconfined: status %d, stdout %q: this machine does not run io_uring", u.status, u.stdout)
	}
	const warning = "seccompgen: warning: the workload used io_uring (io_uring_setup, io_uring_enter), so the profile allows it: through io_uring a process opens files and sockets"
	type ioUse struct {
		Syscalls []string `json:"syscalls"`
		Allowed  bool     `json:"allowed"`
	}
	for _, tc := range []struct {
		name    string
		flags   []string
		warns   string // a line of stderr starts with it
		allowed bool   // the report's io_uring.allowed
		under   string // the workload's stdout under the profile
	}{
		{name: "default", warns: warning, allowed: true, under: works},
		{
			// socket is pinned to no domain at all, yet the ring opens two.
			name:    "--args allowing io_uring",
			flags:   []string{"--args", "--deny", "memfd_create,userfaultfd"},
			warns:   warning,
			allowed: true,
			under:   works,
		},
		{
			name:  "--deny io_uring",
			flags: []string{"--deny", "memfd_create,io_uring"},
			warns: "seccompgen: warning: the workload used io_uring, which the profile denies",
			under: "io_uring_setup: Operation not permitted\n",
		},
		{
			name:  "--args denies it by default",
			flags: []string{"--args"},
			warns: "seccompgen: warning: the workload called io_uring_setup 1 time(s)",
			under: "io_uring_setup: Operation not permitted\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof, repPath, rec := recordFiles(t, tc.flags, iouring)
			if rec.status != 0 || rec.stdout != works {
				t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
			}
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(tc.warns)).MatchString(rec.stderr) {
				t.Errorf("stderr has no line starting %q:\n%s", tc.warns, rec.stderr)
			}
			var rep struct {
				IOUring *ioUse `json:"io_uring"`
			}
			data, _ := os.ReadFile(repPath)
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.IOUring == nil || rep.IOUring.Allowed != tc.allowed || strings.Join(rep.IOUring.Syscalls, " ") != "io_uring_setup io_uring_enter" {
				t.Errorf("report io_uring: %+v, want allowed %v", rep.IOUring, tc.allowed)
			}
			if got := seccompgen(t, "run", "--profile", prof, "--", iouring); got.status != 0 || got.stdout != tc.under {
				t.Errorf("under the profile: status %d, stdout %q, want %q\nstderr:\n%s", got.status, got.stdout, tc.under, got.stderr)
			}
		})
	}
}

// TestArgsClone3: with clone pinned, clone3 fails with ENOSYS: glibc's
// threads, posix_spawn and fork and Go's os/exec fall back to clone and
// work, a clone3 that creates a user namespace gets ENOSYS, and clone
// with CLONE_NEWUSER gets EPERM.
func TestArgsClone3(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	spawns := buildC(t, "spawns")
	if u := runCmd(t, exec.Command(spawns, "clone3-newuser")); u.stdout != "clone3-newuser: ok\n" {
		t.Fatalf("unconfined: status %d, stdout %q: this machine does not let root create user namespaces", u.status, u.stdout)
	}
	prof, repPath, rec := recordFiles(t, []string{"--args"}, spawns, "threads", "spawn", "fork")
	if want := "threads: ok\nspawn: ok\nfork: ok\n"; rec.status != 0 || rec.stdout != want {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
	}
	if conds, _ := condRules(t, prof, "clone"); len(conds) != 1 {
		t.Fatalf("clone is not pinned: %v", conds)
	}
	if e, ok := readReport(t, repPath).find("clone3", "x86_64"); !ok || e.Action != "deny" || e.Reason != "args:clone3-enosys-falls-back-to-clone" {
		t.Errorf("report entry for clone3: %+v (found %v)", e, ok)
	}
	got := seccompgen(t, "run", "--profile", prof, "--", spawns, "threads", "spawn", "fork", "clone3-newuser", "clone-newuser")
	if want := "threads: ok\nspawn: ok\nfork: ok\nclone3-newuser: Function not implemented\nclone-newuser: Operation not permitted\n"; got.status != 0 || got.stdout != want {
		t.Errorf("under the profile: status %d, stdout %q, want %q\nstderr:\n%s", got.status, got.stdout, want, got.stderr)
	}
	// Complain mode keeps the ENOSYS: the fallback is what it traces.
	if got := seccompgen(t, "run", "--complain", "--profile", prof, "--", spawns, "threads", "spawn", "fork"); got.status != 0 || strings.Contains(got.stderr, "clone3") {
		t.Errorf("--complain: status %d, stderr:\n%s", got.status, got.stderr)
	}

	// Go: the runtime's source lists (--infer go) would keep clone
	// unconditional; its syscall sites (gosites) do not unpin it, and they
	// cover what a short run of the runtime may miss (sysmon's netpoll).
	execs := buildGo(t, "testdata/go/execs")
	prof, _, rec = recordFiles(t, []string{"--args", "--infer", "gosites"}, execs)
	if rec.status != 0 || rec.stdout != "os/exec: ok\n" {
		t.Fatalf("record Go: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
	}
	if conds, _ := condRules(t, prof, "clone"); len(conds) != 1 || !readProfile(t, prof).denied()["clone3"] {
		t.Fatalf("Go: clone not pinned (%v) or clone3 not denied:\n%s", conds, must(os.ReadFile(prof)))
	}
	if got := seccompgen(t, "run", "--profile", prof, "--", execs); got.status != 0 || got.stdout != "os/exec: ok\n" {
		t.Errorf("Go under the profile: status %d, stdout %q\nstderr:\n%s", got.status, got.stdout, got.stderr)
	}
}

func must(data []byte, err error) string {
	if err != nil {
		return err.Error()
	}
	return string(data)
}

// TestCheckConditionsWithoutArgs: check without --args records the
// arguments a checked-in profile's conditions test, so a socket domain the
// profile refuses is a break, not "in sync".
func TestCheckConditionsWithoutArgs(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	sockets := buildC(t, "sockets")
	prof, _, rec := recordFiles(t, []string{"--args"}, sockets)
	if rec.status != 0 {
		t.Fatalf("record: status %d, stderr:\n%s", rec.status, rec.stderr)
	}
	// Keep socket for AF_UNIX only.
	var doc map[string]any
	if err := json.Unmarshal([]byte(must(os.ReadFile(prof))), &doc); err != nil {
		t.Fatal(err)
	}
	var rules []any
	for _, r := range doc["syscalls"].([]any) {
		if strings.HasPrefix(must(json.Marshal(r)), `{"action":"SCMP_ACT_ALLOW","args":[{"index":0,"op":"SCMP_CMP_EQ","value":2},`) {
			continue
		}
		rules = append(rules, r)
	}
	doc["syscalls"] = rules
	unixOnly := filepath.Join(t.TempDir(), "unix-only.json")
	data, _ := json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(unixOnly, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if conds, _ := condRules(t, unixOnly, "socket"); len(conds) != 1 {
		t.Fatalf("socket conditions of %s: %v", unixOnly, conds)
	}
	if got := seccompgen(t, "run", "--profile", unixOnly, "--", sockets); got.stdout != "AF_UNIX: ok\nAF_INET: Operation not permitted\n" {
		t.Fatalf("under %s: stdout %q", unixOnly, got.stdout)
	}

	r := seccompgen(t, "check", "--profile", unixOnly, "--", sockets)
	want := regexp.MustCompile(`\n  socket \(x86_64\): 2 call\(s\), first by pid [0-9]+ \(` + comm(sockets) + `\), with arg0 in \{2\}\n`)
	if r.status != 1 || !want.MatchString(r.stderr) {
		t.Errorf("check: status %d, want 1 and %s; stderr:\n%s", r.status, want, r.stderr)
	}
	if r := seccompgen(t, "check", "--profile", prof, "--", sockets); r.status != 0 || !strings.Contains(r.stderr, " is in sync with the run") {
		t.Errorf("check against the recorded profile: status %d, stderr:\n%s", r.status, r.stderr)
	}
}

// TestRunComplainForeignABI: run --complain logs, not kills, a syscall of
// an ABI the profile does not list, and names it.
func TestRunComplainForeignABI(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog := buildC(t, "foreignabi")
	prof, _, rec := recordFiles(t, nil, prog, "x86_64")
	if rec.status != 0 || rec.stdout != "x86_64: ok\n" {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", rec.status, rec.stdout, rec.stderr)
	}
	for _, tc := range []struct {
		abi     string
		require func(testing.TB)
		stdout  *regexp.Regexp
	}{
		// The seccomp filter sees an x32 call whether or not the kernel
		// runs x32 (it returns ENOSYS only after the filter).
		{abi: "x32", stdout: regexp.MustCompile(`^x86_64: ok\nx32: (ok|Function not implemented)\n$`)},
		{abi: "i386", require: testenv.RequireIA32, stdout: regexp.MustCompile(`^x86_64: ok\ni386: ok\n$`)},
	} {
		t.Run(tc.abi, func(t *testing.T) {
			if tc.require != nil {
				tc.require(t)
			}
			got := seccompgen(t, "run", "--complain", "--profile", prof, "--", prog, "x86_64", tc.abi)
			want := regexp.MustCompile(`would deny 1 syscall\(s\) CMD made:\n  getpid \(` + tc.abi + `\): 1 call\(s\), first by pid [0-9]+ \(` + comm(prog) + `\): the profile does not admit the ` + tc.abi + ` ABI\n`)
			if got.status != 1 || !tc.stdout.MatchString(got.stdout) || !want.MatchString(got.stderr) {
				t.Errorf("status %d (want 1), stdout %q (want %s), stderr (want %s):\n%s", got.status, got.stdout, tc.stdout, want, got.stderr)
			}
		})
	}
}
