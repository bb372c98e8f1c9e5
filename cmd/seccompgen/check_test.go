package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

func TestCheck(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	drift := buildC(t, "drift")
	dir := t.TempDir()
	prof := filepath.Join(dir, "drift.json")

	// --infer none: the drift here is a syscall the code always could
	// make (inference would allow it), made for the first time.
	// --update creates the checked-in profile; then the same run is in sync.
	r := seccompgen(t, "check", "--infer", "none", "--update", "--profile", prof, "--", drift)
	if r.status != 0 || !strings.HasPrefix(r.stderr, "seccompgen check: updated "+prof+" (") {
		t.Fatalf("--update: status %d, stderr %q", r.status, r.stderr)
	}
	validate(t, prof)
	r = seccompgen(t, "check", "--infer", "none", "--profile", prof, "--", drift)
	if r.status != 0 || !regexp.MustCompile(`^seccompgen check: `+regexp.QuoteMeta(prof)+` is in sync with the run \([0-9]+ syscalls allowed\)\n$`).MatchString(r.stderr) {
		t.Errorf("in sync: status %d, stderr %q", r.status, r.stderr)
	}

	// The code changes and makes a new syscall: the check names it.
	r = seccompgen(t, "check", "--infer", "none", "--profile", prof, "--", drift, "new")
	want := regexp.MustCompile(`^seccompgen check: ` + regexp.QuoteMeta(prof) + ` would make this workload fail:\nit does not allow 1 syscall\(s\) the run made:\n  getpriority \(x86_64\): 1 call\(s\), first by pid [0-9]+ \(` + comm(drift) + `\)\nAdd these to ` + regexp.QuoteMeta(prof) + `, or run the same command with --update.\n$`)
	if r.status != 1 || !want.MatchString(r.stderr) {
		t.Errorf("new syscall: status %d, stderr:\n%s", r.status, r.stderr)
	}
	var res checkResult
	r = seccompgen(t, "check", "--infer", "none", "--format", "json", "--profile", prof, "--", drift, "new")
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--format json: %v\n%s", err, r.stdout)
	}
	if r.status != 1 || res.Verdict != "breaks" || len(res.Breaks) != 1 || res.Breaks[0].Name != "getpriority" || res.ExitCode != 1 {
		t.Errorf("--format json: status %d, %+v", r.status, res)
	}

	// A profile allowing more than needed: a warning, an error with --strict.
	looser := addSyscall(t, prof, "ptrace")
	r = seccompgen(t, "check", "--infer", "none", "--profile", looser, "--", drift)
	wantLoose := "seccompgen check: " + looser + " allows 1 syscall(s) this run did not use (a short run need not reach every path): ptrace\n"
	if r.status != 0 || r.stderr != wantLoose {
		t.Errorf("looser: status %d, stderr %q, want 0, %q", r.status, r.stderr, wantLoose)
	}
	if r = seccompgen(t, "check", "--infer", "none", "--strict", "--profile", looser, "--", drift); r.status != 1 || r.stderr != wantLoose {
		t.Errorf("looser --strict: status %d, stderr %q", r.status, r.stderr)
	}

	// A profile that allows what policy denies: policy drift.
	allowsMemfd := addSyscall(t, withoutSyscall(t, prof, "memfd_create"), "memfd_create")
	r = seccompgen(t, "check", "--infer", "none", "--profile", allowsMemfd, "--", drift)
	if r.status != 1 || !strings.Contains(r.stderr, "seccompgen check: policy drift:\n  "+allowsMemfd+" allows memfd_create, which policy denies\n") {
		t.Errorf("policy drift: status %d, stderr:\n%s", r.status, r.stderr)
	}

	// The command fails: trouble, not "in sync".
	r = seccompgen(t, "check", "--infer", "none", "--profile", prof, "--", drift, "fail")
	if r.status != 2 || r.stderr != "seccompgen check: "+drift+" exited with status 7: a failing command cannot vouch for a profile; fix it, or pass --allow-failure\n" {
		t.Errorf("failing command: status %d, stderr %q", r.status, r.stderr)
	}
	if r = seccompgen(t, "check", "--infer", "none", "--allow-failure", "--profile", prof, "--", drift, "fail"); r.status != 0 {
		t.Errorf("failing command with --allow-failure: status %d, stderr %q", r.status, r.stderr)
	}

	// --update after drift, then in sync again.
	if r = seccompgen(t, "check", "--infer", "none", "--update", "--profile", prof, "--", drift, "new"); r.status != 0 {
		t.Fatalf("--update: status %d, stderr %q", r.status, r.stderr)
	}
	if r = seccompgen(t, "check", "--infer", "none", "--profile", prof, "--", drift, "new"); r.status != 0 {
		t.Errorf("after --update: status %d, stderr %q", r.status, r.stderr)
	}
}

// TestCheckBreaksSorted: what the profile lacks is listed by name (then
// ABI), in the JSON and in the text, not in syscall-number order.
func TestCheckBreaksSorted(t *testing.T) {
	testenv.RequireBPF(t)
	prof := filepath.Join(t.TempDir(), "execve-only.json")
	os.WriteFile(prof, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["execve"], "action": "SCMP_ACT_ALLOW"}]}`), 0o644)
	r := seccompgen(t, "check", "--format", "json", "--infer", "none", "--profile", prof, "--", "/bin/true")
	var res checkResult
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--format json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	var got []string
	for _, e := range res.Breaks {
		got = append(got, e.Name+" "+string(e.ABI))
	}
	if len(got) < 5 || !slices.IsSorted(got) {
		t.Errorf("breaks not sorted by name: %v", got)
	}
	r = seccompgen(t, "check", "--infer", "none", "--deny", "", "--profile", prof, "--", "/bin/true")
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "  ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != len(got) || !slices.IsSorted(lines) {
		t.Errorf("text breaks not sorted:\n%s", r.stderr)
	}
}

func TestCheckErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\n  \"defaultAction\": 7\n}\n"), 0o644)
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no profile flag", []string{"check", "--", "/bin/true"},
			"seccompgen check: --profile is required\nRun 'seccompgen help check' for details.\n"},
		{"missing profile", []string{"check", "--profile", filepath.Join(dir, "nope.json"), "--", "/bin/true"},
			"seccompgen check: " + filepath.Join(dir, "nope.json") + " does not exist: run with --update to create it\n"},
		{"bad format", []string{"check", "--format", "yaml", "--profile", bad, "--", "/bin/true"},
			"seccompgen check: --format \"yaml\": want text or json\nRun 'seccompgen help check' for details.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != 2 || r.stderr != tc.stderr {
				t.Errorf("status %d, stderr %q; want 2, %q", r.status, r.stderr, tc.stderr)
			}
		})
	}
	// A malformed profile: the parser's FILE:LINE:COLUMN error, exit 2.
	r := seccompgen(t, "check", "--profile", bad, "--", "/bin/true")
	if r.status != 2 || !strings.HasPrefix(r.stderr, "seccompgen check: "+bad+":2:") {
		t.Errorf("malformed profile: status %d, stderr %q", r.status, r.stderr)
	}
}

// TestCheckGoExampleIsStable checks the unchanged Go example against its
// checked-in profile 20 times in a row: the Go runtime's run-to-run noise
// (preemption signals, sched_yield, the scavenger) must never fail it. It
// stays stable because the runtime's possible syscalls are inferred, not
// because anything is ignored: a syscall of the program's own that the
// profile lacks still breaks the check.
func TestCheckGoExampleIsStable(t *testing.T) {
	testenv.RequireBPF(t)
	goHTTP := buildGo(t, "examples/go-http")
	prof := filepath.Join("..", "..", "examples", "go-http", "profile.json")
	for i := 0; i < 20; i++ {
		r := seccompgen(t, "check", "--profile", prof, "--", goHTTP, "-requests", "20")
		if r.status != 0 {
			t.Fatalf("run %d of 20: status %d, stderr:\n%s", i+1, r.status, r.stderr)
		}
	}

	// connect is the program's own (its HTTP client), never the runtime's.
	noConnect := withoutSyscall(t, prof, "connect")
	r := seccompgen(t, "check", "--profile", noConnect, "--", goHTTP, "-requests", "20")
	if r.status != 1 || !regexp.MustCompile(`(?m)^it does not allow 1 syscall\(s\) the run made:\n  connect \(x86_64\): [0-9]+ call\(s\)`).MatchString(r.stderr) {
		t.Errorf("drift in the program's own syscalls: status %d, stderr:\n%s", r.status, r.stderr)
	}
}
