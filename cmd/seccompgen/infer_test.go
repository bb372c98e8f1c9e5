package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
	"github.com/seccompgen/seccompgen/synth"
)

// inferReport is the part of the report the inference tests read.
type inferReport struct {
	Syscalls []struct {
		Name   string   `json:"name"`
		ABI    string   `json:"abi"`
		Action string   `json:"action"`
		Reason string   `json:"reason"`
		Count  uint64   `json:"count"`
		Via    []string `json:"via"`
	} `json:"syscalls"`
	Withheld []struct {
		Name   string   `json:"name"`
		Reason string   `json:"reason"`
		Via    []string `json:"via"`
		Why    string   `json:"why"`
	} `json:"withheld"`
	Notes    []string `json:"notes"`
	Warnings []string `json:"warnings"`
}

func readInferReport(t *testing.T, path string) inferReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r inferReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// inferred returns the x86_64 entry of name when inference allowed it.
func (r inferReport) inferred(name string) (reason string, via []string, ok bool) {
	for _, e := range r.Syscalls {
		if e.Name == name && e.ABI == "x86_64" && e.Action == "allow" && strings.HasPrefix(e.Reason, "inferred:") {
			return e.Reason, e.Via, true
		}
	}
	return "", nil, false
}

func (r inferReport) has(name string) bool {
	for _, e := range r.Syscalls {
		if e.Name == name {
			return true
		}
	}
	return false
}

// recordIdle records prog (with args) at --infer level and returns the
// profile's and the report's paths.
func recordIdle(t *testing.T, level string, prog string, args ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	prof, rep := filepath.Join(dir, "p.json"), filepath.Join(dir, "r.json")
	got := seccompgen(t, append([]string{"record", "--infer", level, "--report", rep, "-o", prof, "--", prog}, args...)...)
	if got.status != 0 || got.stdout != "idle\n" {
		t.Fatalf("record: status %d, stdout %q, stderr %q", got.status, got.stdout, got.stderr)
	}
	return prof, rep
}

// TestInferImportsFork: a program that imports fork and waitpid, recorded
// while it did not call them, gets clone and wait4 as inferred, each with
// the import named; under its profile it then forks.
func TestInferImportsFork(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildC(t, "imports")
	prof, repPath := recordIdle(t, "imports", prog)
	rep := readInferReport(t, repPath)
	name := filepath.Base(prog)
	for call, imp := range map[string]string{"clone": "fork", "wait4": "waitpid"} {
		reason, via, ok := rep.inferred(call)
		if !ok {
			t.Fatalf("%s not inferred; report syscalls %+v", call, rep.Syscalls)
		}
		want := name + " → libc.so.6:" + imp
		if reason != "inferred:import" || !slices.Contains(via, want) {
			t.Errorf("%s: reason %q, via %q; want inferred:import, via %q", call, reason, via, want)
		}
	}
	got := seccompgen(t, "run", "--profile", prof, "--", prog, "fork")
	if got.status != 0 || got.stdout != "forked 7\n" {
		t.Errorf("run fork under the profile: status %d, stdout %q, stderr %q", got.status, got.stdout, got.stderr)
	}
	// Without inference the same recording's profile lets fork fail.
	prof, _ = recordIdle(t, "none", prog)
	got = seccompgen(t, "run", "--profile", prof, "--", prog, "fork")
	if got.status == 0 {
		t.Errorf("run fork under the --infer none profile: status 0, stdout %q: the test shows nothing", got.stdout)
	}
}

// TestInferSyslogIsNotSyslog: syslog(3) logs through a socket; it does not
// make syslog(2), and importing it must not allow (nor withhold) it.
func TestInferSyslogIsNotSyslog(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildC(t, "imports")
	_, repPath := recordIdle(t, "all", prog)
	rep := readInferReport(t, repPath)
	if rep.has("syslog") {
		t.Errorf("syslog(2) in the report of a program that imports syslog(3)")
	}
	for _, w := range rep.Withheld {
		if w.Name == "syslog" {
			t.Errorf("syslog(2) withheld: %+v: it should not have been inferred at all", w)
		}
	}
	// What syslog(3) does make is there, explained by the import.
	if _, via, ok := rep.inferred("sendto"); !ok || !slices.ContainsFunc(via, func(v string) bool { return strings.HasSuffix(v, "libc.so.6:syslog") }) {
		t.Logf("sendto's via %q lacks libc.so.6:syslog (another import explains it better)", via)
	}
}

// TestInferDockerCap: the program passes kexec_load's number to
// syscall(2); Docker's default denies kexec_load, so inference withholds it
// and says where it was found; the profile does not allow it.
func TestInferDockerCap(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildC(t, "imports")
	prof, repPath := recordIdle(t, "all", prog)
	rep := readInferReport(t, repPath)
	if rep.has("kexec_load") || readProfile(t, prof).allowed()["kexec_load"] {
		t.Fatalf("kexec_load allowed or in the report's syscalls")
	}
	i := slices.IndexFunc(rep.Withheld, func(w struct {
		Name   string   `json:"name"`
		Reason string   `json:"reason"`
		Via    []string `json:"via"`
		Why    string   `json:"why"`
	}) bool {
		return w.Name == "kexec_load"
	})
	if i < 0 {
		t.Fatalf("kexec_load not withheld: %+v", rep.Withheld)
	}
	w := rep.Withheld[i]
	want := filepath.Base(prog) + ": syscall(SYS_kexec_load) call site in main"
	if w.Reason != "inferred:import" || !slices.Contains(w.Via, want) || !strings.Contains(w.Why, "Docker's default") {
		t.Errorf("withheld %+v, want reason inferred:import, via %q, why naming Docker's default", w, want)
	}
	if !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, "withheld") && strings.Contains(n, "kexec_load") }) {
		t.Errorf("notes %q do not count the withheld names", rep.Notes)
	}
	for _, warn := range rep.Warnings {
		if strings.Contains(warn, "kexec_load") {
			t.Errorf("a warning for a withheld name: %q (it is a note)", warn)
		}
	}
	// An explicit deny still wins over an inference, with a warning.
	dir := t.TempDir()
	got := seccompgen(t, "record", "--infer", "imports", "--deny", "wait4", "--report", filepath.Join(dir, "r.json"), "-o", filepath.Join(dir, "p.json"), "--", prog)
	if got.status != 0 {
		t.Fatalf("record --deny wait4: status %d, stderr %q", got.status, got.stderr)
	}
	rep = readInferReport(t, filepath.Join(dir, "r.json"))
	if _, _, ok := rep.inferred("wait4"); ok || readProfile(t, filepath.Join(dir, "p.json")).allowed()["wait4"] {
		t.Errorf("wait4 allowed despite --deny wait4")
	}
	wantWarn := "the code can call wait4 (inferred:import, " + filepath.Base(prog) + " → libc.so.6:waitpid) but policy denies it: if it does, that call fails with EPERM"
	if !slices.Contains(rep.Warnings, wantWarn) {
		t.Errorf("warnings %q lack %q", rep.Warnings, wantWarn)
	}
}

// TestInferKeyctlWithheld: the issue's own case. A program linked with
// libkeyutils (as Kerberos is) imports keyctl(), which makes the keyctl
// syscall; Docker's default denies it, so it is withheld, with the
// library's call site as its via, and the profile does not allow it.
func TestInferKeyctlWithheld(t *testing.T) {
	testenv.RequireBPF(t)
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/libkeyutils.so.1"); err != nil {
		t.Skip("libkeyutils.so.1 is not installed (apt-get install libkeyutils1)")
	}
	prog := buildC(t, "keyutils", "-l:libkeyutils.so.1")
	prof, repPath := recordIdle(t, "all", prog)
	rep := readInferReport(t, repPath)
	if rep.has("keyctl") || readProfile(t, prof).allowed()["keyctl"] {
		t.Fatalf("keyctl allowed or in the report's syscalls")
	}
	found := false
	for _, w := range rep.Withheld {
		if w.Name == "keyctl" {
			found = true
			if !slices.ContainsFunc(w.Via, func(v string) bool { return strings.HasPrefix(v, "libkeyutils.so.1") }) {
				t.Errorf("keyctl withheld with via %q: want libkeyutils.so.1's call site", w.Via)
			}
		}
	}
	if !found {
		t.Errorf("keyctl not withheld: %+v", rep.Withheld)
	}
}

// TestInferStaticAndGoSites: a static C binary and a stripped Go binary
// built with -trimpath -ldflags=-s, each recorded idle, get the syscalls
// of their code's sites, with reasons, and then do what the idle run
// never did.
func TestInferStaticAndGoSites(t *testing.T) {
	testenv.RequireBPF(t)
	static := buildC(t, "imports", "-static")
	goProg := filepath.Join(binDir, "sometimes-stripped")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s", "-o", goProg, ".")
	build.Dir = filepath.Join("..", "..", "testdata", "go", "sometimes")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		name, level, reason string
		prog                string
		arg, out            string
		want                []string // inferred, not observed
	}{
		{"static C", "static", "inferred:static-site", static, "fork", "forked 7\n", []string{"clone", "wait4"}},
		{"stripped Go", "gosites", "inferred:go-site", goProg, "exec", "exec: ok\n", []string{"pipe2", "wait4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof, repPath := recordIdle(t, tc.level, tc.prog)
			rep := readInferReport(t, repPath)
			for _, n := range tc.want {
				reason, via, ok := rep.inferred(n)
				if !ok || reason != tc.reason || len(via) == 0 {
					t.Errorf("%s: inferred %v, reason %q, via %q; want reason %s with a via", n, ok, reason, via, tc.reason)
				}
			}
			got := seccompgen(t, "run", "--profile", prof, "--", tc.prog, tc.arg)
			if got.status != 0 || got.stdout != tc.out {
				t.Errorf("run %s under the profile: status %d, stdout %q, stderr %q", tc.arg, got.status, got.stdout, got.stderr)
			}
		})
	}
}

// TestInferNoneIsObserved: --infer none allows exactly what the report
// says was observed, nothing inferred or withheld, and --diff says so.
func TestInferNoneIsObserved(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildC(t, "imports")
	dir := t.TempDir()
	prof, repPath := filepath.Join(dir, "p.json"), filepath.Join(dir, "r.json")
	got := seccompgen(t, "record", "--infer", "none", "--diff", "--report", repPath, "-o", prof, "--", prog)
	if got.status != 0 {
		t.Fatalf("record: status %d, stderr %q", got.status, got.stderr)
	}
	rep := readInferReport(t, repPath)
	var observed []string
	for _, e := range rep.Syscalls {
		if e.Action == "allow" {
			if e.Reason != "observed" || e.Count == 0 || len(e.Via) != 0 {
				t.Errorf("entry %+v: want observed, counted, no via", e)
			}
			observed = append(observed, e.Name)
		}
	}
	var allowed []string
	for n := range readProfile(t, prof).allowed() {
		allowed = append(allowed, n)
	}
	slices.Sort(observed)
	slices.Sort(allowed)
	if diff := cmp.Diff(slices.Compact(observed), allowed); diff != "" {
		t.Errorf("allowed vs observed (-observed +allowed):\n%s", diff)
	}
	if len(rep.Withheld) != 0 {
		t.Errorf("withheld %+v with --infer none", rep.Withheld)
	}
	if want := fmt.Sprintf("%s: %d syscalls observed, 0 inferred\n", prof, len(allowed)); !strings.Contains(got.stderr, want) {
		t.Errorf("--diff stderr lacks %q:\n%s", want, got.stderr)
	}
}

// TestInferDiffShowsVia: --diff's observed/inferred split names, for each
// inferred syscall, where it comes from, and lists what was withheld.
func TestInferDiffShowsVia(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildC(t, "imports")
	dir := t.TempDir()
	got := seccompgen(t, "record", "--infer", "imports", "--diff", "-o", filepath.Join(dir, "p.json"), "--", prog)
	if got.status != 0 {
		t.Fatalf("record: status %d, stderr %q", got.status, got.stderr)
	}
	name := filepath.Base(prog)
	for _, want := range []string{
		"  inferred:import: ",
		fmt.Sprintf("    %-24s %s → libc.so.6:waitpid\n", "wait4", name),
		"  withheld (Docker's default does not allow them): ",
		fmt.Sprintf("    %-24s %s: syscall(SYS_kexec_load) call site in main\n", "kexec_load", name),
	} {
		if !strings.Contains(got.stderr, want) {
			t.Errorf("--diff stderr lacks %q:\n%s", want, got.stderr)
		}
	}
}

// TestErrnoFlag: --errno ENOSYS sets the profile's defaultErrnoRet; the
// explicit denies keep EPERM; the default is ENOSYS when inferring and
// EPERM with --infer none or --args; an unknown errno is a usage error.
func TestErrnoFlag(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	got := seccompgen(t, "record", "--errno", "ENOSYS", "--infer", "none", "-o", prof, "--", "/bin/true")
	if got.status != 0 {
		t.Fatalf("record: status %d, stderr %q", got.status, got.stderr)
	}
	p := readProfile(t, prof)
	if p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != 38 {
		t.Errorf("defaultErrnoRet %v, want 38 (ENOSYS)", p.DefaultErrnoRet)
	}
	for _, r := range p.Syscalls {
		if slices.Contains(r.Names, "memfd_create") && (r.ErrnoRet == nil || *r.ErrnoRet != 1) {
			t.Errorf("the explicit deny rule %+v: want errnoRet 1 (EPERM)", r)
		}
	}
	// The default: ENOSYS when inferring, EPERM with --infer none.
	for _, tc := range []struct {
		args []string
		want uint
	}{
		{nil, 38},
		{[]string{"--infer", "none"}, 1},
		{[]string{"--infer", "go"}, 38},
		{[]string{"--args"}, 1},
	} {
		got := seccompgen(t, append(append([]string{"record", "-o", prof}, tc.args...), "--", "/bin/true")...)
		if got.status != 0 {
			t.Fatalf("record %q: status %d, stderr %q", tc.args, got.status, got.stderr)
		}
		if p := readProfile(t, prof); p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != tc.want {
			t.Errorf("record %q: defaultErrnoRet %v, want %d", tc.args, p.DefaultErrnoRet, tc.want)
		}
	}
	got = seccompgen(t, "record", "--errno", "EIO", "--", "/bin/true")
	if got.status != 125 || !strings.Contains(got.stderr, `--errno: unknown errno "EIO" (want EPERM or ENOSYS)`) {
		t.Errorf("--errno EIO: status %d, stderr %q; want 125 and the error", got.status, got.stderr)
	}
}

// TestInferHelp: record's help lists every level with its line, the
// default level (synth.DefaultInfer) and the default errno.
func TestInferHelp(t *testing.T) {
	got := seccompgen(t, "help", "record")
	help := got.stdout + got.stderr
	for _, l := range synth.InferHelp() {
		if !strings.Contains(help, l) {
			t.Errorf("help record lacks %q", l)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("(default %q)", string(synth.DefaultInfer)),
		"(default ENOSYS; EPERM with --infer none or --args)",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help record lacks %s", want)
		}
	}
}

// TestInferCacheDir: SECCOMPGEN_CACHE_DIR holds binscan's analyses, and a
// second record with it warm gives the same profile.
func TestInferCacheDir(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildC(t, "imports")
	cache := t.TempDir()
	var profs []string
	for i := 0; i < 2; i++ {
		prof := filepath.Join(t.TempDir(), "p.json")
		cmd := exec.Command(filepath.Join(binDir, "seccompgen"), "record", "--infer", "imports", "-o", prof, "--", prog)
		cmd.Env = append(os.Environ(), "SECCOMPGEN_CACHE_DIR="+cache)
		if r := runCmd(t, cmd); r.status != 0 {
			t.Fatalf("record: status %d, stderr %q", r.status, r.stderr)
		}
		data, err := os.ReadFile(prof)
		if err != nil {
			t.Fatal(err)
		}
		profs = append(profs, string(data))
		if i == 0 {
			entries, _ := os.ReadDir(cache)
			if len(entries) == 0 {
				t.Fatalf("SECCOMPGEN_CACHE_DIR %s is empty after a record", cache)
			}
		}
	}
	if diff := cmp.Diff(profs[0], profs[1]); diff != "" {
		t.Errorf("cold and warm profiles differ (-cold +warm):\n%s", diff)
	}
}
