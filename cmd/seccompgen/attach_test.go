package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// startAttachProg starts testdata/c/attach.c with steps, outside any
// recording, and waits for its "ready" (its first wait step). It is killed
// when the test ends; wait returns its exit status.
func startAttachProg(t *testing.T, steps ...string) (pid int, wait func() error) {
	t.Helper()
	cmd := exec.Command(buildC(t, "attach"), steps...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var werr error
	go func() { werr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("attach %v said %q", steps, line)
	}
	return cmd.Process.Pid, func() error { <-done; return werr }
}

// recorder is seccompgen record running in the background.
type recorder struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	done   chan struct{}
}

// startRecorder starts seccompgen with args and waits until it says it
// records (its "seccompgen record: recording" line on stderr).
func startRecorder(t *testing.T, args ...string) *recorder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	r := &recorder{cmd: exec.CommandContext(ctx, filepath.Join(binDir, "seccompgen"), args...), done: make(chan struct{})}
	errPipe, err := r.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(errPipe)
		said := false
		for sc.Scan() {
			r.stderr.WriteString(sc.Text() + "\n")
			if !said && strings.HasPrefix(sc.Text(), "seccompgen record: recording ") {
				said = true
				ready <- true
			}
		}
		if !said {
			ready <- false
		}
	}()
	if !<-ready {
		<-r.done
		r.cmd.Wait()
		t.Fatalf("seccompgen %s did not start recording:\n%s", strings.Join(args, " "), r.stderr.String())
	}
	return r
}

// wait waits for the recorder's end and returns its status and stderr.
func (r *recorder) wait(t *testing.T) result {
	t.Helper()
	<-r.done
	err := r.cmd.Wait()
	res := result{stderr: r.stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.status = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// attachReport is the part of the report about an attach.
type attachReport struct {
	Attach *struct {
		PID      int    `json:"pid"`
		FromExec bool   `json:"from_exec"`
		Cgroup   string `json:"cgroup"`
		Ended    string `json:"ended"`
	} `json:"attach"`
	StartedLate bool     `json:"started_late"`
	Warnings    []string `json:"warnings"`
	Execs       []struct {
		Path string `json:"path"`
	} `json:"execs"`
}

func readAttachReport(t *testing.T, path string) attachReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r attachReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// observed returns which of names the report has as observed.
func observed(t *testing.T, rep string, names ...string) map[string]bool {
	t.Helper()
	r := readReport(t, rep)
	got := map[string]bool{}
	for _, n := range names {
		e, ok := r.find(n, "x86_64")
		got[n] = ok && e.Reason == "observed" && e.Count > 0
	}
	return got
}

// TestRecordPID attaches to a program started outside seccompgen while it
// waits: what it does after the attach (in its main thread, in a thread
// that was there before, in a child forked after) is recorded; what it did
// before is not.
func TestRecordPID(t *testing.T) {
	testenv.RequireBPF(t)
	pid, progWait := startAttachProg(t, "sysinfo", "thread", "wait", "getpriority", "fork", "getpgid")
	dir := t.TempDir()
	out, rep := filepath.Join(dir, "p.json"), filepath.Join(dir, "r.json")
	rec := startRecorder(t, "record", "--pid", strconv.Itoa(pid), "--infer", "none", "-o", out, "--report", rep)
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if err := progWait(); err != nil {
		t.Fatalf("attach program: %v", err)
	}
	r := rec.wait(t)
	if r.status != 0 {
		t.Fatalf("record --pid: status %d\n%s", r.status, r.stderr)
	}
	want := map[string]bool{"sysinfo": false, "getpriority": true, "getsid": true, "getpgid": true}
	if diff := cmp.Diff(want, observed(t, rep, "sysinfo", "getpriority", "getsid", "getpgid")); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
	ar := readAttachReport(t, rep)
	if ar.Attach == nil || ar.Attach.PID != pid || ar.Attach.FromExec || ar.Attach.Ended != "exit" || !ar.StartedLate {
		t.Errorf("report: attach %+v, started_late %v; want pid %d, ended exit, started late", ar.Attach, ar.StartedLate, pid)
	}
	// Inference needs the executable the process ran before the attach.
	if len(ar.Execs) == 0 || filepath.Base(ar.Execs[0].Path) != filepath.Base(buildC(t, "attach")) {
		t.Errorf("report execs %+v: want the attached program's executable first", ar.Execs)
	}
	if !strings.Contains(r.stderr, "warning: the recording started late") || !strings.Contains(r.stderr, "merge the profile with one recorded from the start") {
		t.Errorf("stderr does not say the profile misses the start-up:\n%s", r.stderr)
	}
}

// TestRecordPIDFromExec: with --from-exec nothing before the process's
// next execve is recorded, even what it does after the attach.
func TestRecordPIDFromExec(t *testing.T) {
	testenv.RequireBPF(t)
	pid, progWait := startAttachProg(t, "sysinfo", "wait", "times", "spawn", "exec", "getpriority")
	dir := t.TempDir()
	out, rep := filepath.Join(dir, "p.json"), filepath.Join(dir, "r.json")
	rec := startRecorder(t, "record", "--pid", strconv.Itoa(pid), "--from-exec", "--infer", "none", "-o", out, "--report", rep)
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if err := progWait(); err != nil {
		t.Fatalf("attach program: %v", err)
	}
	r := rec.wait(t)
	if r.status != 0 {
		t.Fatalf("record --pid --from-exec: status %d\n%s", r.status, r.stderr)
	}
	// The child forked before the exec (getsid) is not the exec'd
	// program's, nor is the wait for it.
	want := map[string]bool{"sysinfo": false, "times": false, "getsid": false, "wait4": false, "execve": true, "getpriority": true}
	if diff := cmp.Diff(want, observed(t, rep, "sysinfo", "times", "getsid", "wait4", "execve", "getpriority")); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
	ar := readAttachReport(t, rep)
	if ar.Attach == nil || !ar.Attach.FromExec || ar.StartedLate {
		t.Errorf("report: attach %+v, started_late %v; want from_exec, not started late", ar.Attach, ar.StartedLate)
	}
	if strings.Contains(r.stderr, "started late") {
		t.Errorf("stderr warns of a late start for --from-exec:\n%s", r.stderr)
	}
}

// TestRecordPIDFromExecNoExec: a process that exits without the execve
// --from-exec waits for leaves nothing to record, and record says so.
func TestRecordPIDFromExecNoExec(t *testing.T) {
	testenv.RequireBPF(t)
	pid, progWait := startAttachProg(t, "wait", "getpriority")
	out := filepath.Join(t.TempDir(), "p.json")
	rec := startRecorder(t, "record", "--pid", strconv.Itoa(pid), "--from-exec", "-o", out)
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if err := progWait(); err != nil {
		t.Fatalf("attach program: %v", err)
	}
	r := rec.wait(t)
	want := fmt.Sprintf("seccompgen record: pid %d did not execve while recorded (--from-exec counts from its next execve), and it has exited: nothing was recorded, no profile written\n", pid)
	if got := r.stderr[strings.Index(r.stderr, "\n")+1:]; r.status != 125 || got != want {
		t.Errorf("status %d, stderr %q; want 125, %q", r.status, got, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s written", out)
	}
}

// TestRecordPIDDuration: --duration ends the recording of a process that
// goes on running (spin.c, in a loop of sched_rr_get_interval), and the
// report says why it ended.
func TestRecordPIDDuration(t *testing.T) {
	testenv.RequireBPF(t)
	spin := exec.Command(buildC(t, "spin"))
	spinOut, err := spin.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := spin.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		spin.Process.Kill()
		spin.Wait()
	})
	if line, _ := bufio.NewReader(spinOut).ReadString('\n'); line != "ready\n" {
		t.Fatalf("spin said %q", line)
	}
	dir := t.TempDir()
	out, rep := filepath.Join(dir, "p.json"), filepath.Join(dir, "r.json")
	r := seccompgen(t, "record", "--pid", strconv.Itoa(spin.Process.Pid), "--duration", "300ms", "--infer", "none", "-o", out, "--report", rep)
	if r.status != 0 {
		t.Fatalf("record --duration: status %d\n%s", r.status, r.stderr)
	}
	if diff := cmp.Diff(map[string]bool{"sched_rr_get_interval": true}, observed(t, rep, "sched_rr_get_interval")); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
	if ar := readAttachReport(t, rep); ar.Attach == nil || ar.Attach.Ended != "duration" {
		t.Errorf("report attach %+v: want ended duration", ar.Attach)
	}
	if !strings.Contains(r.stderr, "the recording stopped when --duration was up") {
		t.Errorf("stderr does not say the recording was cut:\n%s", r.stderr)
	}
}

// TestRecordPIDErrors: what cannot be attached to fails with 125 and says
// why, before anything is recorded.
func TestRecordPIDErrors(t *testing.T) {
	testenv.RequireBPF(t)
	// A zombie: exited, not yet reaped.
	zombie := exec.Command(buildC(t, "attach"), "getsid")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zombie.Wait() })
	zpid := zombie.Process.Pid
	for i := 0; ; i++ {
		data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", zpid))
		if i := strings.LastIndexByte(string(data), ')'); i > 0 && strings.HasPrefix(string(data[i:]), ") Z") {
			break
		}
		if i > 1000 {
			t.Fatalf("pid %d never became a zombie", zpid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	notRunning := 2147483647 // beyond any pid_max
	cgv1 := "/sys/fs/cgroup/cpu"
	if _, err := os.Stat(cgv1); err != nil {
		cgv1 = ""
	}
	cases := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"nonexistent pid", []string{"--pid", strconv.Itoa(notRunning)},
			fmt.Sprintf("seccompgen record: pid %d: no such process (it is not running, or it is not in seccompgen's pid namespace)\n", notRunning)},
		{"exited pid", []string{"--pid", strconv.Itoa(zpid)},
			fmt.Sprintf("seccompgen record: pid %d: no such process: it has exited (it is a zombie, not yet reaped); nothing was recorded\n", zpid)},
		{"not a cgroup", []string{"--cgroup", os.TempDir()},
			"seccompgen record: tracer: cgroup " + os.TempDir() + ": not on a cgroup2 file system"},
		{"cgroup v1", []string{"--cgroup", cgv1},
			"seccompgen record: tracer: cgroup " + cgv1 + " is in a cgroup v1 hierarchy; --cgroup records a cgroup v2 subtree"},
		{"pid and CMD", []string{"--pid", "1", "--", "true"},
			"seccompgen record: --pid records running processes: give it or a CMD (-- true), not both\nRun 'seccompgen help record' for details.\n"},
		{"pid and cgroup", []string{"--pid", "1", "--cgroup", "/x"},
			"seccompgen record: --pid and --cgroup: give one (a cgroup's processes, or one process's tree)\nRun 'seccompgen help record' for details.\n"},
		{"from-exec alone", []string{"--from-exec", "--", "true"},
			"seccompgen record: --from-exec: needs --pid (the process whose next execve starts the recording)\nRun 'seccompgen help record' for details.\n"},
		{"duration with CMD", []string{"--duration", "1s", "--", "true"},
			"seccompgen record: --duration: needs --pid or --cgroup (a CMD is recorded until it exits)\nRun 'seccompgen help record' for details.\n"},
		{"pid 0", []string{"--pid", "0"},
			"seccompgen record: --pid 0: want a process id above 0\nRun 'seccompgen help record' for details.\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.name, "v1") && cgv1 == "" {
				t.Skip("no cgroup v1 hierarchy at /sys/fs/cgroup/cpu")
			}
			out := filepath.Join(t.TempDir(), "p.json")
			r := seccompgen(t, append([]string{"record", "-o", out}, tc.args...)...)
			if r.status != 125 || !strings.HasPrefix(r.stderr, tc.stderr) {
				t.Errorf("status %d, stderr %q; want 125, %q...", r.status, r.stderr, tc.stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s written after a failed attach", out)
			}
		})
	}
}

// TestRecordCgroup: the processes of a cgroup v2 made by the test are
// recorded, the one that was in it at the start and the one moved in
// after; one outside, making its syscall at the same time, is not.
func TestRecordCgroup(t *testing.T) {
	testenv.RequireBPF(t)
	root := testenv.Cgroup2(t)
	cg := filepath.Join(root, fmt.Sprintf("seccompgen-test-%d", os.Getpid()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatalf("make a cgroup: %v", err)
	}
	t.Cleanup(func() {
		// rmdir fails while a process is in it: the programs are killed
		// by their own cleanups, registered later, so they run first.
		for i := 0; i < 200 && os.Remove(cg) != nil; i++ {
			time.Sleep(10 * time.Millisecond)
		}
	})
	move := func(pid int) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			t.Fatalf("move pid %d into %s: %v", pid, cg, err)
		}
	}
	before, beforeWait := startAttachProg(t, "sysinfo", "wait", "getpriority")
	move(before)
	outside, outsideWait := startAttachProg(t, "wait", "getsid")
	dir := t.TempDir()
	out, rep := filepath.Join(dir, "p.json"), filepath.Join(dir, "r.json")
	rec := startRecorder(t, "record", "--cgroup", cg, "--infer", "none", "-o", out, "--report", rep)
	after, afterWait := startAttachProg(t, "wait", "fork", "getpgid")
	move(after)
	for _, pid := range []int{before, outside, after} {
		if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []func() error{beforeWait, outsideWait, afterWait} {
		if err := w(); err != nil {
			t.Fatalf("attach program: %v", err)
		}
	}
	r := rec.wait(t)
	if r.status != 0 {
		t.Fatalf("record --cgroup: status %d\n%s", r.status, r.stderr)
	}
	want := map[string]bool{"sysinfo": false, "getpriority": true, "getpgid": true, "getsid": false}
	if diff := cmp.Diff(want, observed(t, rep, "sysinfo", "getpriority", "getpgid", "getsid")); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
	ar := readAttachReport(t, rep)
	if ar.Attach == nil || ar.Attach.Cgroup != cg || ar.Attach.Ended != "exit" || !ar.StartedLate {
		t.Errorf("report: attach %+v, started_late %v; want cgroup %s, ended exit, started late", ar.Attach, ar.StartedLate, cg)
	}
}

// TestRecordPIDOtherMountNamespace: a Go program running from a tmpfs only
// its own mount namespace has is attached to; its executable, which the
// tracer never saw exec, is read through /proc/PID/exe (on the host its
// path names nothing), and gets its Go-runtime inference.
func TestRecordPIDOtherMountNamespace(t *testing.T) {
	testenv.RequireBPF(t)
	unshare := testenv.RequireTool(t, "unshare")
	prog := buildGo(t, "testdata/go/stdin")
	dir := t.TempDir() // empty on the host
	app := filepath.Join(dir, "app")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, unshare, "-m", "--propagation", "private", "sh", "-c",
		"mount -t tmpfs tmpfs "+dir+" && cp "+prog+" "+app+" && exec "+app)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); strings.HasSuffix(exe, "/app") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never ran %s", pid, app)
		}
	}
	if _, err := os.Stat(app); err == nil {
		t.Fatalf("%s exists on the host: the mount namespace is not private", app)
	}
	rep := filepath.Join(t.TempDir(), "r.json")
	rec := startRecorder(t, "record", "--pid", strconv.Itoa(pid), "--infer", "go", "-o", os.DevNull, "--report", rep)
	stdin.Close()
	if err := cmd.Wait(); err != nil || stdout.String() != "ok\n" {
		t.Fatalf("the program: %v, stdout %q", err, stdout.String())
	}
	r := rec.wait(t)
	if r.status != 0 {
		t.Fatalf("record --pid: status %d\n%s", r.status, r.stderr)
	}
	if got := readFileReport(t, rep).goBinaries(); len(got) != 1 || !strings.HasSuffix(got[0], "/app") {
		t.Errorf("go_binaries %q: want the attached program\n%s", got, r.stderr)
	}
	if len(inferredNames(t, rep)) == 0 {
		t.Errorf("nothing inferred for the Go program\n%s", r.stderr)
	}
}

// TestRecordPIDFromExecRunc: attached with --from-exec to the init process
// of a container runc has created (it waits to exec the entrypoint until
// `runc start`), record sees the entrypoint's tree and none of runc's own
// set-up before that exec.
func TestRecordPIDFromExecRunc(t *testing.T) {
	testenv.RequireBPF(t)
	b := newBundle(t)
	writeConfig(t, b, "", false, "/bin/sh", "-c", "uname -a; id")
	id := fmt.Sprintf("seccompgen-test-attach-%d", os.Getpid())
	t.Cleanup(func() { exec.Command("runc", "delete", "-f", id).Run() })
	// The container's stdio: files, so that runc create does not wait for
	// a pipe the container holds open.
	logf, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	create := exec.Command("runc", "create", "--bundle", b.dir, id)
	create.Stdout, create.Stderr = logf, logf
	if err := create.Run(); err != nil {
		data, _ := os.ReadFile(logf.Name())
		t.Fatalf("runc create: %v\n%s", err, data)
	}
	state, err := exec.Command("runc", "state", id).Output()
	if err != nil {
		t.Fatalf("runc state: %v", err)
	}
	var st struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal(state, &st); err != nil || st.Pid <= 0 {
		t.Fatalf("runc state %s: %v", state, err)
	}
	rep := filepath.Join(t.TempDir(), "r.json")
	rec := startRecorder(t, "record", "--pid", strconv.Itoa(st.Pid), "--from-exec", "--infer", "none", "-o", os.DevNull, "--report", rep)
	if out, err := exec.Command("runc", "start", id).CombinedOutput(); err != nil {
		t.Fatalf("runc start: %v\n%s", err, out)
	}
	r := rec.wait(t)
	if r.status != 0 {
		t.Fatalf("record --pid --from-exec: status %d\n%s", r.status, r.stderr)
	}
	names := []string{"mount", "pivot_root", "sethostname", "unshare", "execve", "uname", "wait4"}
	want := map[string]bool{"mount": false, "pivot_root": false, "sethostname": false, "unshare": false, "execve": true, "uname": true, "wait4": true}
	if diff := cmp.Diff(want, observed(t, rep, names...)); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
}
