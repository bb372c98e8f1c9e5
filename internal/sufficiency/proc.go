//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// groups are the process groups the harness started and has not yet
// killed: on an interrupt, killAll ends every one of them.
var groups struct {
	sync.Mutex
	m map[int]bool
}

func addGroup(pgid int) {
	groups.Lock()
	defer groups.Unlock()
	if groups.m == nil {
		groups.m = map[int]bool{}
	}
	groups.m[pgid] = true
}

// killGroup kills the group and every descendant of its leader, and
// forgets the group. It reports whether anything was still alive in the
// group. Descendants are found through /proc while the leader lives,
// because some leave the group: postgres's children call setsid.
func killGroup(pgid int) bool {
	groups.Lock()
	delete(groups.m, pgid)
	groups.Unlock()
	return killTree(pgid)
}

func killAll() {
	groups.Lock()
	pgids := sortedKeysInt(groups.m)
	groups.m = nil
	groups.Unlock()
	for _, pgid := range pgids {
		killTree(pgid)
	}
}

func killTree(pgid int) bool {
	// Stop first, so that nothing forks between finding and killing.
	for _, pid := range descendants(pgid) {
		syscall.Kill(pid, syscall.SIGSTOP)
	}
	syscall.Kill(-pgid, syscall.SIGSTOP)
	for _, pid := range descendants(pgid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	return syscall.Kill(-pgid, syscall.SIGKILL) == nil
}

// descendants lists the processes below pid, from /proc.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], n)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

func sortedKeysInt(m map[int]bool) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// dialable is a ready check: something accepts TCP connections on port.
func dialable(port int) func(context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// Times the harness allows beyond the run's own limit.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
	logTailLines = 12
)

// invocation is how the workload is started: seccompgen's argv before the
// workload's, and the credentials to start seccompgen with (seccompgen run
// has no --user: a workload that must not run as root runs it as its user).
type invocation struct {
	prefix []string
	cred   *syscall.Credential
}

// execute runs w under inv in dir and says how it went. It always leaves
// no process of the run behind.
func execute(parent context.Context, inv invocation, w *workload, dir string, limit time.Duration) outcome {
	start := time.Now()
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	logPath, stdoutPath := dir+"/log.txt", dir+"/stdout.txt"
	res := outcome{}
	fail := func(format string, args ...any) {
		if res.symptom == "" {
			res.symptom = fmt.Sprintf(format, args...)
		}
	}
	finish := func() outcome {
		res.elapsed = time.Since(start)
		res.passed = res.symptom == ""
		if !res.passed {
			res.logTail = tail(logPath, logTailLines)
			if w.logFile != "" {
				res.logTail = strings.TrimSpace(tail(w.logFile, logTailLines) + "\n" + tail(logPath, 3))
			}
		}
		return res
	}

	logf, err := os.Create(logPath)
	if err != nil {
		fail("harness: %v", err)
		return finish()
	}
	defer logf.Close()
	outf, err := os.Create(stdoutPath)
	if err != nil {
		fail("harness: %v", err)
		return finish()
	}
	defer outf.Close()
	if w.user != "" {
		// The workload's user writes its logs too (postgres's stderr is
		// its log); the harness reads them as root.
		os.Chmod(logPath, 0o666)
		os.Chmod(stdoutPath, 0o666)
	}

	argv := append(append([]string{}, inv.prefix...), w.argv...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), w.env...)
	cmd.Stdin = strings.NewReader(w.stdin)
	cmd.Stdout, cmd.Stderr = outf, logf
	if w.ready != nil {
		// A server's standard output is a log too (redis logs there).
		cmd.Stdout = logf
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: inv.cred}
	// Descendants inherit the stdin pipe; Wait must not wait for them.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		fail("start %s: %v", argv[0], err)
		return finish()
	}
	pgid := cmd.Process.Pid
	addGroup(pgid)
	w.signal = cmd.Process.Signal
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	exited := func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	defer func() {
		if killGroup(pgid) {
			<-done
		}
	}()

	if w.ready != nil {
		if err := waitReady(ctx, w.ready, exited); err != nil {
			fail("never ready: %v", err)
		}
	}
	if res.symptom == "" && w.drive != nil {
		if err := w.drive(ctx); err != nil {
			fail("%v", err)
			if ctx.Err() != nil {
				res.symptom = fmt.Sprintf("timed out after %s: %v", limit, err)
			}
		}
	}
	if w.web != nil {
		// The client hangs up before the server stops, as clients do.
		w.web.c.CloseIdleConnections()
	}
	if w.ready != nil && !exited() {
		// Even when the time is up, the server gets its SIGTERM and a
		// moment to stop cleanly (postgres killed outright leaves its
		// shared memory behind); less of one when the harness is
		// interrupted.
		wait := stopTimeout
		if parent.Err() != nil {
			wait = 5 * time.Second
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(wait):
			fail("still running %s after SIGTERM", wait)
		}
	} else {
		select {
		case <-done:
		case <-ctx.Done():
			fail("timed out after %s", limit)
		}
	}
	if !exited() {
		killGroup(pgid)
		<-done
		return finish()
	}
	// Descendants may outlive the program for a moment (busybox httpd's
	// connection handlers finish their connection): give them that
	// moment, then kill what is left.
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if syscall.Kill(-pgid, 0) != nil {
			break
		}
	}
	killGroup(pgid)

	st := cmd.ProcessState
	status := st.ExitCode()
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		status = 128 + int(ws.Signal())
	}
	if status != w.wantStatus {
		if last := lastLine(readFile(logPath)); last != "" {
			fail("exit status %d, a healthy run exits %d; last words: %s", status, w.wantStatus, last)
		}
		fail("exit status %d, a healthy run exits %d", status, w.wantStatus)
	}
	if w.check != nil {
		out, _ := os.ReadFile(stdoutPath)
		log, _ := os.ReadFile(logPath)
		if err := w.check(string(out), string(log)); err != nil {
			fail("%v", err)
		}
	}
	return finish()
}

// waitReady polls ready until it succeeds, the program exits, or the
// time is up.
func waitReady(ctx context.Context, ready func(context.Context) error, exited func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		err := ready(pctx)
		pcancel()
		if err == nil {
			return nil
		}
		if exited() {
			return fmt.Errorf("the program exited (last check: %v)", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nothing after %s (last check: %v)", readyTimeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// tail returns the last n non-empty lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 200 {
			lines[i] = l[:197] + "..."
		}
	}
	return strings.Join(lines, "\n")
}

// output runs a helper command of the harness (a client such as psql, or a
// set-up step such as initdb), bounded by ctx, and returns its output.
func output(ctx context.Context, cred *syscall.Credential, stdin string, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		name := filepath.Base(argv[0])
		var ee *exec.ExitError
		if errors.As(err, &ee) && msg != "" {
			return stdout.String(), fmt.Errorf("%s: %s", name, worstLine(msg))
		}
		return stdout.String(), fmt.Errorf("%s: %w %s", name, err, worstLine(msg))
	}
	return stdout.String(), nil
}

// worstLine picks the line of a client's error output that says most:
// the first PANIC, FATAL or ERROR, else all of a short message, else the
// last line.
func worstLine(s string) string {
	for _, level := range []string{"PANIC", "FATAL", "ERROR"} {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, level) {
				return strings.TrimSpace(l)
			}
		}
	}
	if lines := strings.Split(strings.TrimSpace(s), "\n"); len(lines) <= 3 {
		return strings.Join(lines, " ")
	}
	return lastLine(s)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
