package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seccompgen/seccompgen/internal/testenv"
	"github.com/seccompgen/seccompgen/profiles"
)

// record runs `seccompgen record` with the profile and report in a temp
// dir and returns them with the run's result.
func record(t *testing.T, flags []string, cmd ...string) (ociProfile, report, result) {
	t.Helper()
	prof, rep, r := recordFiles(t, flags, cmd...)
	return readProfile(t, prof), readReport(t, rep), r
}

// recordFiles is record returning the paths of the profile and the report.
func recordFiles(t *testing.T, flags []string, cmd ...string) (prof, rep string, r result) {
	t.Helper()
	dir := t.TempDir()
	prof, rep = filepath.Join(dir, "profile.json"), filepath.Join(dir, "report.json")
	args := append([]string{"record", "-o", prof, "--report", rep}, flags...)
	args = append(append(args, "--"), cmd...)
	r = seccompgen(t, args...)
	if _, err := os.Stat(prof); err != nil {
		t.Fatalf("seccompgen %s: no profile (status %d): %v\nstderr:\n%s", strings.Join(args, " "), r.status, err, r.stderr)
	}
	validate(t, prof)
	return prof, rep, r
}

// validate compiles the profile at path with libseccomp as runc does; every
// profile the tests generate must load in a real runtime.
func validate(t *testing.T, path string) {
	t.Helper()
	p, err := profiles.ReadFile(path, profiles.DefaultTarget())
	if err != nil {
		t.Fatalf("read generated profile: %v", err)
	}
	warnings, err := profiles.Validate(p, true)
	if errors.Is(err, profiles.ErrNoLibseccomp) {
		t.Log("built without cgo: the generated profile is not compiled with libseccomp")
		return
	}
	if err != nil || len(warnings) > 0 {
		t.Errorf("generated profile %s does not compile strictly with libseccomp: %v %v", path, err, warnings)
	}
}

func TestRecordTrue(t *testing.T) {
	testenv.RequireBPF(t)
	// --infer none: what the trace saw, nothing the code could do besides.
	p, rep, r := record(t, []string{"--infer", "none"}, "/bin/true")
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	allowed := p.allowed()
	for _, want := range []string{"execve", "exit_group"} {
		if !allowed[want] {
			t.Errorf("%s not allowed; allowed: %v", want, allowed)
		}
	}
	// socket: true never opens one. futex, epoll_pwait, nanosleep and
	// sched_yield are what seccompgen's own Go runtime makes meanwhile:
	// they must not leak into the workload's profile.
	for _, absent := range []string{"socket", "futex", "epoll_pwait", "nanosleep", "sched_yield", "clone3"} {
		if allowed[absent] {
			t.Errorf("%s allowed, but /bin/true never calls it", absent)
		}
	}
	if p.DefaultAction != "SCMP_ACT_ERRNO" || p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != 1 {
		t.Errorf("default action %s errno %v, want SCMP_ACT_ERRNO 1", p.DefaultAction, p.DefaultErrnoRet)
	}
	if strings.Join(p.Architectures, ",") != "SCMP_ARCH_X86_64" {
		t.Errorf("architectures %v, want [SCMP_ARCH_X86_64]", p.Architectures)
	}
	for k, v := range rep.Losses {
		if v != 0 {
			t.Errorf("loss counter %s = %d, want 0", k, v)
		}
	}
}

func TestRecordWholeTree(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	tree := buildC(t, "tree")
	p, rep, r := record(t, nil, tree)
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	allowed := p.allowed()
	for _, c := range []struct{ name, from string }{
		{"getpriority", "a thread"},
		{"sysinfo", "a forked child that never execs"},
		{"times", "an orphaned grandchild"},
		{"getcpu", "an orphaned grandchild"},
		{"sched_getscheduler", "the main process"},
	} {
		if !allowed[c.name] {
			t.Errorf("%s (made by %s) not recorded", c.name, c.from)
		}
		if e, ok := rep.find(c.name, "x86_64"); !ok || e.Count != 1 || e.FirstComm != comm(tree) || e.Reason != "observed" {
			t.Errorf("report for %s = %+v (found %v), want count 1, comm %s, reason observed", c.name, e, ok, comm(tree))
		}
	}
}

func TestRecordIgnoresProcessesOutsideTheTree(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	startSpinner(t)
	p, _, r := record(t, nil, buildC(t, "tree"))
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	if p.allowed()["sched_rr_get_interval"] {
		t.Error("sched_rr_get_interval recorded: it came from a process outside the tree")
	}
	if !p.allowed()["sched_getscheduler"] {
		t.Error("the workload's own sched_getscheduler is missing")
	}
}

func TestRecord32Bit(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireIA32(t)
	testenv.RequireTool(t, "gcc")
	hello := buildC(t, "hello32", "-m32")
	p, rep, r := record(t, nil, hello)
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	if strings.Join(p.Architectures, ",") != "SCMP_ARCH_X86_64,SCMP_ARCH_X86" {
		t.Errorf("architectures %v, want the 64-bit execve's and the program's own: [SCMP_ARCH_X86_64 SCMP_ARCH_X86]", p.Architectures)
	}
	// Names that exist only in the i386 table prove the right table was used.
	for _, name := range []string{"getpriority", "set_thread_area"} {
		if e, ok := rep.find(name, "i386"); !ok || e.Count == 0 {
			t.Errorf("%s not recorded with abi i386", name)
		}
		if !p.allowed()[name] {
			t.Errorf("%s not allowed", name)
		}
	}
	if e, ok := rep.find("execve", "x86_64"); !ok || e.Count != 1 {
		t.Errorf("the 64-bit execve that started the program: %+v, found %v", e, ok)
	}
}

func TestRecordGoServer(t *testing.T) {
	testenv.RequireBPF(t)
	p, _, r := record(t, nil, buildGo(t, "examples/go-http"), "-requests", "50")
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	allowed := p.allowed()
	for _, want := range []string{"epoll_pwait", "epoll_ctl", "futex", "nanosleep", "clone3", "socket", "accept4", "connect", "rt_sigaction", "sigaltstack"} {
		if !allowed[want] {
			t.Errorf("%s not recorded for the Go server", want)
		}
	}
}

func TestRecordDeniedButUsed(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	memfd := buildC(t, "memfd")
	p, rep, r := record(t, nil, memfd)
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	want := regexp.MustCompile(`(?m)^seccompgen: warning: the workload called memfd_create 1 time\(s\) \(first by pid [0-9]+, ` + comm(memfd) + `\) but policy denies it: under this profile that call fails with EPERM$`)
	if !want.MatchString(r.stderr) {
		t.Errorf("stderr lacks the warning %q:\n%s", want, r.stderr)
	}
	if p.allowed()["memfd_create"] {
		t.Error("memfd_create is in the ALLOW rule")
	}
	if !p.denied()["memfd_create"] || !p.denied()["userfaultfd"] {
		t.Errorf("deny rule %v, want memfd_create and userfaultfd", p.denied())
	}
	if e, ok := rep.find("memfd_create", "x86_64"); !ok || e.Action != "deny" || e.Reason != "policy" || e.Count != 1 {
		t.Errorf("report entry %+v (found %v), want action deny, reason policy, count 1", e, ok)
	}

	// With no denies the same run is allowed and nothing is said.
	p, _, r = record(t, []string{"--deny", ""}, memfd)
	if !p.allowed()["memfd_create"] || len(p.denied()) != 0 || strings.Contains(r.stderr, "warning") {
		t.Errorf("--deny '': allowed memfd_create=%v, deny rule %v, stderr %q", p.allowed()["memfd_create"], p.denied(), r.stderr)
	}
}

func TestRecordExitStatus(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	notExec := filepath.Join(dir, "notexec")
	os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644)
	for _, tc := range []struct {
		name    string
		cmd     []string
		status  int
		stderr  string // a line stderr must contain
		profile bool   // a profile is written
	}{
		{"success", []string{"/bin/sh", "-c", "exit 0"}, 0, "", true},
		{"failure", []string{"/bin/sh", "-c", "exit 3"}, 3, "", true},
		{"killed", []string{"/bin/sh", "-c", "kill -KILL $$"}, 128 + 9, "", true},
		{"not found", []string{"no-such-command-xyz"}, 127, "seccompgen record: no-such-command-xyz: command not found", false},
		{"not executable", []string{notExec}, 126, "seccompgen record: " + notExec + ": permission denied (is it executable? chmod +x " + notExec + ")", false},
		{"directory", []string{dir}, 126, "seccompgen record: " + dir + ": is a directory", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof := filepath.Join(t.TempDir(), "p.json")
			r := seccompgen(t, append([]string{"record", "-o", prof, "--"}, tc.cmd...)...)
			if r.status != tc.status {
				t.Errorf("status %d, want %d; stderr:\n%s", r.status, tc.status, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.stderr)
			}
			if _, err := os.Stat(prof); (err == nil) != tc.profile {
				t.Errorf("profile written: %v, want %v", err == nil, tc.profile)
			}
		})
	}
}

// comm is the kernel's name for a process running the program at path.
func comm(path string) string {
	base := filepath.Base(path)
	return base[:min(len(base), 15)]
}

// startRecord starts seccompgen record in the background and waits for the
// workload to print "ready".
func startRecord(t *testing.T, prof string, cmd ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	c := exec.Command(filepath.Join(binDir, "seccompgen"), append([]string{"record", "-o", prof, "--"}, cmd...)...)
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill() })
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("workload said %q; stderr:\n%s", line, stderr.String())
	}
	return c, &stderr
}

func TestRecordForwardsSignals(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog := buildC(t, "sigterm")
	for _, tc := range []struct {
		sig    syscall.Signal
		status int
	}{
		{syscall.SIGTERM, 42},     // handled: the program exits 42
		{syscall.SIGINT, 128 + 2}, // not handled: it dies of it
		{syscall.SIGHUP, 128 + 1},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			prof := filepath.Join(t.TempDir(), "p.json")
			c, stderr := startRecord(t, prof, prog)
			c.Process.Signal(tc.sig)
			done := make(chan error, 1)
			go func() { done <- c.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("seccompgen did not end after the signal")
			}
			if got := c.ProcessState.ExitCode(); got != tc.status {
				t.Errorf("status %d, want %d; stderr:\n%s", got, tc.status, stderr)
			}
			// What the program did before "ready": the signal may come
			// before or after it reaches pause().
			p := readProfile(t, prof)
			if !p.allowed()["rt_sigaction"] || !p.allowed()["write"] {
				t.Errorf("profile of the interrupted run lacks rt_sigaction/write: %v", p.allowed())
			}
		})
	}
}

func TestRecordUser(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	r := seccompgen(t, "record", "-o", prof, "--user", "nobody", "--", "/bin/sh", "-c", "id -u; id -g; echo $HOME")
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	if r.stdout != "65534\n65534\n/nonexistent\n" {
		t.Errorf("workload printed %q, want uid 65534, gid 65534, HOME /nonexistent", r.stdout)
	}
	if !readProfile(t, prof).allowed()["execve"] {
		t.Error("profile lacks execve")
	}
	// The profile goes to stdout, so CMD's stdout goes to stderr.
	r = seccompgen(t, "record", "--user", "nobody:nogroup", "--", "/usr/bin/id", "-g")
	if r.status != 0 || !strings.HasPrefix(r.stderr, "65534\n") {
		t.Errorf("--user nobody:nogroup: status %d, stderr %q", r.status, r.stderr)
	}
	// An explicit group replaces nobody's own (nogroup): it must not stay
	// behind as a supplementary group.
	for _, tc := range []struct{ user, want string }{
		{"nobody", "65534\n"},
		{"nobody:12345", "12345\n"},
		{"65534:12345", "12345\n"},
	} {
		r = seccompgen(t, "record", "-o", prof, "--user", tc.user, "--", "/usr/bin/id", "-G")
		if r.status != 0 || r.stdout != tc.want {
			t.Errorf("--user %s: id -G printed %q (status %d), want %q", tc.user, r.stdout, r.status, tc.want)
		}
	}
	r = seccompgen(t, "record", "--user", "no-such-user-xyz", "--", "/bin/true")
	if r.status != 125 || r.stderr != "seccompgen record: --user no-such-user-xyz: no such user\n" {
		t.Errorf("unknown user: status %d, stderr %q", r.status, r.stderr)
	}
}

func TestRecordUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no command", []string{"record"},
			"seccompgen record: no command to record (want: record [flags] -- CMD [ARG...], or --pid PID, or --cgroup DIR)\nRun 'seccompgen help record' for details.\n"},
		{"unknown deny", []string{"record", "--deny", "memfd_creat", "--", "/bin/true"},
			"seccompgen record: --deny: unknown syscall \"memfd_creat\" (did you mean \"memfd_create\"?)\nRun 'seccompgen help record' for details.\n"},
		{"unknown inference", []string{"record", "--infer", "every", "--", "/bin/true"},
			"seccompgen record: --infer: unknown inference \"every\" (want a comma-separated list of none, go, imports, static, gosites, all)\nRun 'seccompgen help record' for details.\n"},
		{"none and more", []string{"record", "--infer", "none,go", "--", "/bin/true"},
			"seccompgen record: --infer: inference \"none,go\": none allows only what was observed and cannot be combined with other levels\nRun 'seccompgen help record' for details.\n"},
		{"unknown flag", []string{"record", "--bogus", "--", "/bin/true"},
			"seccompgen record: unknown flag: --bogus\nRun 'seccompgen help record' for details.\n"},
		{"output dir missing", []string{"record", "-o", filepath.Join(dir, "nope", "p.json"), "--", "/bin/true"},
			"seccompgen record: -o " + filepath.Join(dir, "nope", "p.json") + ": directory " + filepath.Join(dir, "nope") + ": no such file or directory\n"},
		{"output is a directory", []string{"record", "-o", dir, "--", "/bin/true"},
			"seccompgen record: -o " + dir + ": is a directory (give a file name)\n"},
		{"-o takes --", []string{"record", "-o", "--", "/bin/true"},
			"seccompgen record: -o needs a FILE before --\nRun 'seccompgen help record' for details.\n"},
		{"--report takes a flag", []string{"record", "--report", "--diff", "--", "/bin/true"},
			"seccompgen record: --report --diff: looks like a flag, want a FILE (write ./--diff for a file of that name)\nRun 'seccompgen help record' for details.\n"},
		{"same file twice", []string{"record", "-o", filepath.Join(dir, "p.json"), "--report", dir + "/./p.json", "--", "/bin/true"},
			"seccompgen record: -o " + filepath.Join(dir, "p.json") + " and --report " + dir + "/./p.json" + " are the same file: give each output its own\nRun 'seccompgen help record' for details.\n"},
		{"max-procs too large", []string{"record", "--max-procs", "16777216", "--", "/bin/true"},
			"seccompgen record: --max-procs 16777216: want 1 to 4194304 (PID_MAX_LIMIT: no more processes can be alive at once)\nRun 'seccompgen help record' for details.\n"},
		{"max-procs zero", []string{"record", "--max-procs", "0", "--", "/bin/true"},
			"seccompgen record: --max-procs 0: want 1 to 4194304 (PID_MAX_LIMIT: no more processes can be alive at once)\nRun 'seccompgen help record' for details.\n"},
		{"report in /proc", []string{"record", "--report", "/proc/r.json", "--", "/bin/true"},
			"seccompgen record: --report /proc/r.json: cannot create a file in /proc: no such file or directory\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != 125 || r.stderr != tc.stderr {
				t.Errorf("status %d, stderr %q; want 125, %q", r.status, r.stderr, tc.stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left files behind: %v", entries)
	}
}

func TestRecordDiff(t *testing.T) {
	testenv.RequireBPF(t)
	prof := filepath.Join(t.TempDir(), "true.json")
	r := seccompgen(t, "record", "--infer", "none", "--diff", "-o", prof, "--", "/bin/true")
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	n := len(readProfile(t, prof).allowed())
	lines := strings.SplitN(r.stderr, "\n", 3)
	// --infer none: all observed, nothing inferred.
	want := []string{
		fmt.Sprintf("%s: %d syscalls observed, 0 inferred", prof, n),
		fmt.Sprintf("%s allows %d syscalls; docker-default (x86_64, 14 default caps) allows 370; %d fewer, 0 beyond it", prof, n, 370-n),
	}
	if len(lines) < 3 || lines[0] != want[0] || lines[1] != want[1] {
		t.Errorf("first lines of stderr:\n%s\nwant:\n%s", strings.Join(lines[:min(2, len(lines))], "\n"), strings.Join(want, "\n"))
	}
	if !regexp.MustCompile(`(?m)^  memfd_create: +denied here \(EPERM\), allowed by docker-default$`).MatchString(r.stderr) {
		t.Errorf("--diff does not show memfd_create denied here and allowed by docker-default:\n%s", r.stderr)
	}
}

func TestRecordWithoutPrivileges(t *testing.T) {
	testenv.RequireBPF(t) // root, to drop to nobody
	setpriv := testenv.RequireTool(t, "setpriv")
	out, err := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
		filepath.Join(binDir, "seccompgen"), "record", "--", "/bin/true").CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 125 {
		t.Fatalf("as nobody: %v, want exit status 125; output:\n%s", err, out)
	}
	want := "seccompgen record: tracer: loading eBPF programs needs root (or CAP_BPF and CAP_PERFMON); run seccompgen with sudo (the kernel said: operation not permitted)\n"
	if string(out) != want {
		t.Errorf("as nobody:\n%s\nwant:\n%s", out, want)
	}
}

// TestRecordWaitsForLeftoverProcesses: CMD (a shell) exits at once, leaving
// a background process behind. record waits for it, and a signal sent to
// seccompgen then reaches it, since CMD is gone.
func TestRecordWaitsForLeftoverProcesses(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog := buildC(t, "sigterm")
	prof := filepath.Join(t.TempDir(), "p.json")
	c, stderr := startRecord(t, prof, "/bin/sh", "-c", prog+" & exit 5")
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
		t.Fatalf("record ended while the background process still ran; stderr:\n%s", stderr)
	case <-time.After(300 * time.Millisecond):
	}
	c.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("seccompgen did not end after SIGTERM reached the leftover process")
	}
	if got := c.ProcessState.ExitCode(); got != 5 {
		t.Errorf("status %d, want the shell's own 5; stderr:\n%s", got, stderr)
	}
	// The leftover's syscalls are the workload's too.
	if p := readProfile(t, prof); !p.allowed()["rt_sigaction"] {
		t.Errorf("profile lacks the background program's syscalls: %v", p.allowed())
	}
}
