package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestLearnFromKernelLog is the whole loop on this kernel: record a
// program, deploy the profile's log-mode copy, run the program where it
// makes a syscall the profile lacks, learn from the kernel's own records
// in /dev/kmsg, and the learned profile lets the program run, enforced.
func TestLearnFromKernelLog(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireKernelLog(t)
	prog := buildC(t, "logged")
	dir := t.TempDir()
	prof, logProf := filepath.Join(dir, "p.json"), filepath.Join(dir, "p.log.json")
	if r := seccompgen(t, "record", "--infer", "none", "-o", prof, "--log-profile", logProf, "--", prog); r.status != 0 {
		t.Fatalf("record: exit %d\n%s", r.status, r.stderr)
	}
	if got := readProfile(t, logProf).DefaultAction; got != "SCMP_ACT_LOG" {
		t.Fatalf("--log-profile: defaultAction %s, want SCMP_ACT_LOG", got)
	}
	if r := seccompgen(t, "run", "--profile", prof, "--", prog, "extra"); r.status != 3 {
		t.Fatalf("enforced before learning: exit %d, want 3 (sched_getscheduler refused)\n%s", r.status, r.stderr)
	}
	learned, rep := filepath.Join(dir, "learned.json"), filepath.Join(dir, "report.json")
	// Without auditd the records reach the kernel log through printk's
	// rate limit (10 messages per 5 s, shared with the whole host): a run
	// whose one record was dropped is run again.
	var r result
	for try := 0; ; try++ {
		if run := seccompgen(t, "run", "--profile", logProf, "--", prog, "extra"); run.status != 0 {
			t.Fatalf("under the log-mode copy: exit %d, want 0\n%s", run.status, run.stderr)
		}
		r = seccompgen(t, "learn", "--from-log", "/dev/kmsg", "--profile", prof, "--exe", prog, "-o", learned, "--report", rep)
		if r.status != 0 {
			t.Fatalf("learn: exit %d\n%s", r.status, r.stderr)
		}
		if strings.Contains(r.stderr, "sched_getscheduler (x86_64)") || try == 20 {
			break
		}
		time.Sleep(time.Second)
	}
	t.Logf("learn:\n%s", r.stderr)
	if !readProfile(t, learned).allowed()["sched_getscheduler"] {
		t.Fatalf("learned profile does not allow sched_getscheduler; learn said:\n%s", r.stderr)
	}
	e, ok := readReport(t, rep).find("sched_getscheduler", "x86_64")
	comm := filepath.Base(prog)
	if !ok || e.Action != "allow" || e.Reason != "logged" || e.Count == 0 || e.FirstComm != comm || e.FirstPID == 0 {
		t.Errorf("report entry %+v (found %v), want allow, logged, count > 0, first_comm %s", e, ok, comm)
	}
	if r := seccompgen(t, "run", "--profile", learned, "--", prog, "extra"); r.status != 0 {
		t.Errorf("enforced after learning: exit %d, want 0\n%s", r.status, r.stderr)
	}
}

// TestLearnI386FromKernelLog: an i386 program under the log-mode copy of
// a profile recorded for x86_64 is logged, not killed (the copy lists every
// x86 ABI); learn refuses to add i386 unless --add-arches, and with it the
// learned profile runs the program, enforced.
func TestLearnI386FromKernelLog(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireKernelLog(t)
	testenv.RequireIA32(t)
	testenv.RequireTool(t, "gcc")
	hello := buildC(t, "hello32", "-m32")
	dir := t.TempDir()
	prof, logProf := filepath.Join(dir, "p.json"), filepath.Join(dir, "p.log.json")
	if r := seccompgen(t, "record", "--infer", "none", "-o", prof, "--log-profile", logProf, "--", buildC(t, "logged")); r.status != 0 {
		t.Fatalf("record: exit %d\n%s", r.status, r.stderr)
	}
	if r := seccompgen(t, "run", "--profile", prof, "--", hello); r.status == 0 {
		t.Fatalf("the i386 program ran under an x86_64-only profile:\n%s", r.stderr)
	}
	learned, rep := filepath.Join(dir, "learned.json"), filepath.Join(dir, "report.json")
	// The printk rate limit may drop some of the program's records in one
	// run: run it again until the learned profile lets it run.
	refused := false
	for try := 0; ; try++ {
		if r := seccompgen(t, "run", "--profile", logProf, "--", hello); r.status != 0 || r.stdout != "hello from 32 bits\n" {
			t.Fatalf("under the log-mode copy: exit %d, stdout %q\n%s", r.status, r.stdout, r.stderr)
		}
		if !refused {
			r := seccompgen(t, "learn", "--from-log", "/dev/kmsg", "--profile", prof, "--exe", hello, "-o", learned)
			if r.status != 2 || !strings.Contains(r.stderr, "the log has calls of i386, which "+prof+" does not admit") {
				t.Fatalf("learn without --add-arches: exit %d, want 2 and the i386 calls named\n%s", r.status, r.stderr)
			}
			refused = true
		}
		r := seccompgen(t, "learn", "--from-log", "/dev/kmsg", "--profile", prof, "--exe", hello, "--add-arches", "-o", learned, "--report", rep)
		if r.status != 0 {
			t.Fatalf("learn --add-arches: exit %d\n%s", r.status, r.stderr)
		}
		run := seccompgen(t, "run", "--profile", learned, "--", hello)
		if run.status == 0 {
			t.Logf("learned in %d run(s):\n%s", try+1, r.stderr)
			break
		}
		if try == 20 {
			t.Fatalf("the learned profile still refuses the program (exit %d) after %d runs; learn said:\n%s", run.status, try+1, r.stderr)
		}
		time.Sleep(time.Second)
	}
	if got := readProfile(t, learned).Architectures; !slices.Contains(got, "SCMP_ARCH_X86") {
		t.Errorf("learned architectures %v lack SCMP_ARCH_X86", got)
	}
	// set_thread_area exists only in the i386 table, and the program
	// cannot run without it (getpriority, its own, fails harmlessly).
	if e, ok := readReport(t, rep).find("set_thread_area", "i386"); !ok || e.Action != "allow" || e.Reason != "logged" {
		t.Errorf("report entry for set_thread_area (i386): %+v (found %v), want allow, logged", e, ok)
	}
}

// The fields of one record; the tests give it other numbers and names.
func auditLine(serial int, comm, exe string, arch string, nr int, code string) string {
	return fmt.Sprintf("[ 9101.0] audit: type=1326 audit(1796073409.683:%d): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=%d comm=%s exe=%s sig=0 arch=%s syscall=%d compat=0 ip=0x7f95 code=%s", serial, 4000+serial, comm, exe, arch, nr, code)
}

// TestLearnFromFixedLogs: what learn adds, keeps and refuses, and its exit
// status, from logs written here.
func TestLearnFromFixedLogs(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.json")
	// read, execve and exit_group allowed; memfd_create denied (EPERM);
	// clone3 ENOSYS; socket only for AF_INET.
	const p = `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[
{"names":["execve","exit_group","read"],"action":"SCMP_ACT_ALLOW"},
{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]},
{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
{"names":["memfd_create"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`
	if err := os.WriteFile(prof, []byte(p), 0o644); err != nil {
		t.Fatal(err)
	}
	logCopy := strings.Replace(p, `"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1`, `"defaultAction":"SCMP_ACT_LOG"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "p.log.json"), []byte(logCopy), 0o644); err != nil {
		t.Fatal(err)
	}
	app := `"app"`
	exe := `"/usr/bin/app"`
	logs := map[string]string{
		"getppid": auditLine(1, app, exe, "c000003e", 110, "0x7ffc0000") + "\n" +
			auditLine(2, app, exe, "c000003e", 110, "0x7ffc0000") + "\n" +
			auditLine(2, app, exe, "c000003e", 110, "0x7ffc0000") + "\n" + // the same record twice
			auditLine(3, `"other"`, `"/usr/bin/other"`, "c000003e", 39, "0x7ffc0000") + "\n" +
			"[ 9101.1] audit: type=1326 audit(1796073409.683:9): garbage\n" +
			"[ 9101.2] eth0: link up\n",
		"clone3": auditLine(1, app, exe, "c000003e", 110, "0x7ffc0000") + "\n" +
			auditLine(2, app, exe, "c000003e", 435, "0x50026") + "\n",
		"memfd":  auditLine(1, app, exe, "c000003e", 319, "0x7ffc0000") + "\n",
		"socket": auditLine(1, app, exe, "c000003e", 41, "0x7ffc0000") + "\n",
		"i386":   auditLine(1, app, exe, "40000003", 20, "0x7ffc0000") + "\n",
		// "my app", as audit writes a name with a space.
		"hex":  auditLine(1, "6D7920617070", "2F7573722F62696E2F6D7920617070", "c000003e", 110, "0x7ffc0000") + "\n",
		"none": "[ 0.0] Linux version 6.18\n[ 1.0] eth0: link up\n",
	}
	for name, text := range logs {
		if err := os.WriteFile(filepath.Join(dir, name+".log"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		args    []string
		status  int
		added   []string // newly allowed
		archs   []string // of the learned profile
		stderr  []string // substrings of stderr
		reasons map[string]string
	}{
		{
			name: "added, others filtered out, garbage counted", args: []string{"--from-log", "getppid.log", "--exe", "/usr/bin/app"}, status: 0,
			added:   []string{"getppid"},
			stderr:  []string{"getppid.log: 6 line(s), 3 seccomp record(s) (and 1 duplicate(s) counted once), 2 of them of --exe /usr/bin/app, 1 malformed line(s) skipped", "malformed seccomp record skipped: getppid.log:5: no arch, syscall, code field", "getppid (x86_64) 2 call(s), first by pid 4001 (app)"},
			reasons: map[string]string{"getppid": "allow logged"},
		},
		{
			name: "by comm", args: []string{"--from-log", "getppid.log", "--comm", "other"}, status: 0,
			added: []string{"getpid"}, reasons: map[string]string{"getpid": "allow logged"},
		},
		{
			name: "hex-encoded name", args: []string{"--from-log", "hex.log", "--exe", "/usr/bin/my app", "--comm", "my app"}, status: 0,
			added: []string{"getppid"}, stderr: []string{"first by pid 4001 (my app)"},
		},
		{
			name: "ENOSYS is a fallback", args: []string{"--from-log", "clone3.log"}, status: 0,
			added:   []string{"getppid"},
			stderr:  []string{"note: clone3 (x86_64) logged 1 time(s), first by pid 4002 (app), stays refused: p.json makes it fail with ENOSYS on purpose, so callers fall back"},
			reasons: map[string]string{"getppid": "allow logged", "clone3": "deny policy"},
		},
		{
			name: "denies win", args: []string{"--from-log", "memfd.log"}, status: 1,
			stderr:  []string{"warning: memfd_create (x86_64) logged 1 time(s), first by pid 4001 (app), stays refused: p.json denies it explicitly (EPERM); remove it from the deny rule (or --deny) to allow it"},
			reasons: map[string]string{"memfd_create": "deny policy"},
		},
		{
			name: "argument pins stay", args: []string{"--from-log", "socket.log"}, status: 1,
			stderr: []string{"socket (x86_64) logged 1 time(s), first by pid 4001 (app), stays refused: p.json allows it only for some argument values"},
		},
		{
			name: "no architecture widening", args: []string{"--from-log", "i386.log"}, status: 2,
			stderr: []string{"seccompgen learn: the log has calls of i386, which p.json does not admit: getpid (i386); adding an architecture applies every rule of the profile to it too. Pass --add-arches to add it"},
		},
		{
			name: "--add-arches", args: []string{"--from-log", "i386.log", "--add-arches"}, status: 0,
			added: []string{"getpid"}, archs: []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"},
			stderr: []string{"added architecture i386 (--add-arches)", "warning: --add-arches: the profile now allows on x86, 4 syscalls no input that admits x86 allows (execve exit_group read socket)"},
		},
		{
			name: "no records", args: []string{"--from-log", "none.log"}, status: 0,
			stderr: []string{"none.log: 2 line(s), 0 seccomp record(s): no seccomp records, nothing to learn"},
		},
		{
			name: "filtered to nothing", args: []string{"--from-log", "getppid.log", "--comm", "nobody"}, status: 0,
			stderr: []string{"0 of them of --comm nobody, 1 malformed line(s) skipped: none to learn from; the records are of exe /usr/bin/app (2), exe /usr/bin/other (1)"},
		},
		{
			name: "no log", args: []string{"--from-log", "missing.log"}, status: 2,
			stderr: []string{"seccompgen learn: read the log: open missing.log: no such file or directory"},
		},
		{
			name: "log-mode copy given as the profile", args: []string{"--from-log", "getppid.log", "--profile", "p.log.json"}, status: 2,
			stderr: []string{"p.log.json lets through what no rule names (its default action does not deny): learn adds to an allowlist; give the profile the log-mode copy was made from"},
		},
		{name: "no --from-log", args: []string{}, status: 2, stderr: []string{"--from-log FILE is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out.json")
			rep := filepath.Join(dir, "report.json")
			os.Remove(out)
			os.Remove(rep)
			args := append([]string{"learn", "-o", out, "--report", rep}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "--profile") {
				args = append(args, "--profile", "p.json")
			}
			r := seccompgenIn(t, dir, args...)
			if r.status != tc.status {
				t.Errorf("exit %d, want %d\n%s", r.status, tc.status, r.stderr)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			if tc.status == 2 {
				if _, err := os.Stat(out); err == nil {
					t.Errorf("trouble, yet %s was written", out)
				}
				return
			}
			got := readProfile(t, out)
			var added []string
			for n := range got.allowed() {
				if !map[string]bool{"execve": true, "exit_group": true, "read": true, "socket": true}[n] {
					added = append(added, n)
				}
			}
			sort.Strings(added)
			if diff := cmp.Diff(tc.added, added); diff != "" {
				t.Errorf("added (-want +got):\n%s", diff)
			}
			if !got.denied()["memfd_create"] {
				t.Errorf("memfd_create is no longer denied")
			}
			archs := tc.archs
			if archs == nil {
				archs = []string{"SCMP_ARCH_X86_64"}
			}
			if diff := cmp.Diff(archs, got.Architectures); diff != "" {
				t.Errorf("architectures (-want +got):\n%s", diff)
			}
			if tc.reasons != nil {
				reasons := map[string]string{}
				for _, e := range readReport(t, rep).Syscalls {
					reasons[e.Name] = e.Action + " " + e.Reason
				}
				if diff := cmp.Diff(tc.reasons, reasons); diff != "" {
					t.Errorf("report (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// seccompgenIn runs seccompgen in dir.
func seccompgenIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "seccompgen"), args...)
	cmd.Dir = dir
	return runCmd(t, cmd)
}

// TestLearnReportJSON: the report has every key of docs/report.md.
func TestLearnReportJSON(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.log"), []byte(auditLine(1, `"a"`, `"/a"`, "c000003e", 110, "0x7ffc0000")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := seccompgenIn(t, dir, "learn", "--from-log", "a.log", "--profile", "p.json", "-o", "out.json", "--report", "r.json"); r.status != 0 {
		t.Fatalf("exit %d\n%s", r.status, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"syscalls", "execs", "libraries", "losses", "exit", "warnings", "go_binaries", "denied_but_used", "withheld", "notes"} {
		if _, ok := m[k]; !ok {
			t.Errorf("report lacks %q:\n%s", k, data)
		}
	}
}

// TestMergeLogMode: merge --log-mode writes the log-mode copy: the default
// action and the explicit denies log, so the kernel reports what the denies
// would hit too; an ENOSYS rule stays, since its callers fall back.
func TestMergeLogMode(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "p.json")
	const p = `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[
{"names":["execve","read"],"action":"SCMP_ACT_ALLOW"},
{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
{"names":["memfd_create"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`
	if err := os.WriteFile(in, []byte(p), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "log.json")
	if r := seccompgen(t, "merge", "--log-mode", "-o", out, in); r.status != 0 {
		t.Fatalf("exit %d\n%s", r.status, r.stderr)
	}
	got := readProfile(t, out)
	if got.DefaultAction != "SCMP_ACT_LOG" || got.DefaultErrnoRet != nil {
		t.Errorf("defaultAction %s, defaultErrnoRet %v; want SCMP_ACT_LOG and none", got.DefaultAction, got.DefaultErrnoRet)
	}
	want := map[string]bool{"memfd_create": true}
	if diff := cmp.Diff(want, got.names("SCMP_ACT_LOG")); diff != "" {
		t.Errorf("logged names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]bool{"clone3": true}, got.denied()); diff != "" {
		t.Errorf("ERRNO names (-want +got):\n%s", diff)
	}
	// Listed, an i386 or x32 call is logged; unlisted, runc would kill.
	if diff := cmp.Diff([]string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}, got.Architectures); diff != "" {
		t.Errorf("architectures (-want +got):\n%s", diff)
	}
}
