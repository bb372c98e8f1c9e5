package main

import (
	"bufio"
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
	"golang.org/x/sys/unix"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// openPTY opens a pseudo-terminal with echo off and returns its master and
// slave.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	tio.Lflag &^= unix.ECHO | unix.ECHOCTL
	if err := unix.IoctlSetTermios(int(s.Fd()), unix.TCSETS, tio); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// workloadProc is seccompgen started in the background, with the lines of
// its terminal or stdout.
type workloadProc struct {
	cmd    *exec.Cmd
	tty    *os.File // the pty's master, with a pty
	lines  chan string
	stderr *strings.Builder
	done   chan struct{}
}

// next returns the next line, or fails the test when there is none.
func (w *workloadProc) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-w.lines:
		if !ok {
			t.Fatalf("seccompgen's output ended; stderr:\n%s", w.stderr)
		}
		return l
	case <-time.After(time.Minute):
		t.Fatalf("no output from seccompgen in a minute; stderr:\n%s", w.stderr)
	}
	return ""
}

// wait waits for seccompgen to end and returns its status.
func (w *workloadProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(time.Minute):
		t.Fatalf("seccompgen did not end; stderr:\n%s", w.stderr)
	}
	return w.cmd.ProcessState.ExitCode()
}

// startSeccompgen starts seccompgen with args; with a pty it runs as the
// leader of a new session whose controlling terminal that is (as a login
// shell's job), else its stdout is read through a pipe. It waits for the
// workload's "ready".
func startSeccompgen(t *testing.T, pty bool, args ...string) *workloadProc {
	t.Helper()
	w := &workloadProc{lines: make(chan string, 64), stderr: &strings.Builder{}, done: make(chan struct{})}
	w.cmd = exec.Command(filepath.Join(binDir, "seccompgen"), args...)
	// A workload's leftover process may hold stderr open after a failure.
	w.cmd.WaitDelay = time.Second
	var out *os.File
	if pty {
		m, s := openPTY(t)
		w.cmd.Stdin, w.cmd.Stdout, w.cmd.Stderr = s, s, s
		w.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		out, w.tty = m, m
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		s.Close()
	} else {
		r, wr, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		w.cmd.Stdout, w.cmd.Stderr = wr, w.stderr
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wr.Close()
		out = r
		t.Cleanup(func() { r.Close() })
	}
	t.Cleanup(func() { w.cmd.Process.Kill(); <-w.done })
	go func() { w.cmd.Wait(); close(w.done) }()
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			if pty {
				// The terminal also carries seccompgen's stderr.
				fmt.Fprintln(w.stderr, line)
			}
			w.lines <- line
		}
		close(w.lines)
	}()
	for {
		if l := w.next(t); strings.HasPrefix(l, "ready") {
			if pty {
				return w
			}
			w.lines <- l // for tests that read what ready says
			return w
		}
	}
}

// firstSignal returns the workload's first line that reports a signal.
func firstSignal(t *testing.T, w *workloadProc) string {
	t.Helper()
	for {
		if l := w.next(t); strings.HasPrefix(l, "INT ") || strings.HasPrefix(l, "QUIT ") {
			return l
		}
	}
}

// signalsSeen reads the workload's lines up to "TERM" and returns those
// that report a signal.
func signalsSeen(t *testing.T, w *workloadProc) []string {
	t.Helper()
	var got []string
	for {
		l := w.next(t)
		if l == "TERM" {
			return got
		}
		if strings.HasPrefix(l, "INT ") || strings.HasPrefix(l, "QUIT ") {
			got = append(got, l)
		}
	}
}

// TestSignalsReachTheWorkloadOnce: ^C and ^\ typed on the terminal reach
// the workload (which is in seccompgen's foreground process group) once,
// from the terminal, not again through seccompgen; a kill(1) sent to
// seccompgen reaches it once, forwarded.
func TestSignalsReachTheWorkloadOnce(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog := buildC(t, "sigcount")
	for _, mode := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"record", func(t *testing.T) []string {
			return []string{"record", "-o", filepath.Join(t.TempDir(), "p.json"), "--", prog}
		}},
		{"run", func(*testing.T) []string { return []string{"run", "--profile", "docker-default", "--", prog} }},
		{"run --complain", func(*testing.T) []string {
			return []string{"run", "--complain", "--profile", "docker-default", "--", prog}
		}},
	} {
		for _, tc := range []struct {
			name string
			send func(t *testing.T, w *workloadProc, tty *os.File)
			want []string
		}{
			{"^C", func(t *testing.T, w *workloadProc, tty *os.File) { tty.Write([]byte{0x03}) }, []string{"INT kernel"}},
			{"^\\", func(t *testing.T, w *workloadProc, tty *os.File) { tty.Write([]byte{0x1c}) }, []string{"QUIT kernel"}},
			{"kill -INT", func(t *testing.T, w *workloadProc, tty *os.File) { w.cmd.Process.Signal(syscall.SIGINT) }, []string{"INT user"}},
			{"kill -QUIT", func(t *testing.T, w *workloadProc, tty *os.File) { w.cmd.Process.Signal(syscall.SIGQUIT) }, []string{"QUIT user"}},
		} {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				w := startSeccompgen(t, true, mode.args(t)...)
				tc.send(t, w, w.tty)
				// After the first delivery, SIGTERM through seccompgen ends
				// the workload once everything else it was sent arrived.
				got := []string{firstSignal(t, w)}
				w.cmd.Process.Signal(syscall.SIGTERM)
				got = append(got, signalsSeen(t, w)...)
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("signals the workload got (-want +got):\n%s\nterminal:\n%s", diff, w.stderr)
				}
				if st := w.wait(t); st != 0 {
					t.Errorf("status %d, want the workload's 0; terminal:\n%s", st, w.stderr)
				}
			})
		}
	}
}

// TestQuitIsForwarded: SIGQUIT to seccompgen reaches the workload, which
// dies of it; seccompgen stays alive to write the profile, exits with the
// workload's status and dumps no goroutines.
func TestQuitIsForwarded(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog := buildC(t, "sigterm")
	for _, mode := range []string{"record", "run", "run --complain"} {
		t.Run(mode, func(t *testing.T) {
			prof := filepath.Join(t.TempDir(), "p.json")
			args := []string{"record", "-o", prof, "--", prog}
			if mode != "record" {
				args = append(strings.Fields(mode), "--profile", "docker-default", "--", prog)
			}
			w := startSeccompgen(t, false, args...)
			w.cmd.Process.Signal(syscall.SIGQUIT)
			if st := w.wait(t); st != 128+int(syscall.SIGQUIT) {
				t.Errorf("status %d, want %d (the workload died of SIGQUIT); stderr:\n%s", st, 128+int(syscall.SIGQUIT), w.stderr)
			}
			if strings.Contains(w.stderr.String(), "goroutine ") {
				t.Errorf("seccompgen dumped its goroutines:\n%s", w.stderr)
			}
			if mode == "record" {
				if p := readProfile(t, prof); !p.allowed()["rt_sigaction"] {
					t.Errorf("profile lacks what the workload did: %v", p.allowed())
				}
			}
		})
	}
}

// procState is the state letter of /proc/PID/stat, or 0 once pid is gone.
func procState(pid int) byte {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 || i+2 >= len(data) {
		return 0
	}
	return data[i+2]
}

// waitState polls until pid's state is one of states (0: gone).
func waitState(t *testing.T, pid int, states string) {
	t.Helper()
	for i := 0; i < 6000; i++ {
		if strings.IndexByte(states, procState(pid)) >= 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("pid %d never reached state %q (it is %q)", pid, states, procState(pid))
}

// TestStoppedProcessGetsTheSignal: a forwarded SIGTERM to a stopped
// process would stay pending forever and record would wait for it; it is
// continued after the signal, so record ends and writes the profile.
func TestStoppedProcessGetsTheSignal(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	stopchild := buildC(t, "stopchild")
	for _, tc := range []struct {
		name   string
		cmd    []string
		status int
	}{
		// The first process exits, leaving a stopped child: the signal
		// goes to the tree.
		{"stopped descendant", []string{stopchild}, 0},
		// The first process itself is stopped.
		{"stopped first process", []string{"/bin/sh", "-c", "echo ready $$; kill -STOP $$; exit 3"}, 128 + int(syscall.SIGTERM)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof := filepath.Join(t.TempDir(), "p.json")
			w := startSeccompgen(t, false, append([]string{"record", "-o", prof, "--"}, tc.cmd...)...)
			f := strings.Fields(w.next(t))
			first, _ := strconv.Atoi(f[1])
			t.Cleanup(func() { syscall.Kill(first, syscall.SIGKILL) })
			if len(f) == 3 {
				child, _ := strconv.Atoi(f[2])
				t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })
				waitState(t, child, "T")
				waitState(t, first, "Z\x00") // exited: seccompgen reaps it
			} else {
				waitState(t, first, "T")
			}
			w.cmd.Process.Signal(syscall.SIGTERM)
			if st := w.wait(t); st != tc.status {
				t.Errorf("status %d, want %d; stderr:\n%s", st, tc.status, w.stderr)
			}
			if p := readProfile(t, prof); !p.allowed()["kill"] && !p.allowed()["tgkill"] {
				t.Errorf("profile lacks the stop: %v", p.allowed())
			}
		})
	}
}

// TestIgnoredSignalsStayIgnored: a signal seccompgen was started with
// ignored (nohup's SIGHUP) is not caught for forwarding, and CMD inherits
// the ignore as it would without seccompgen.
func TestIgnoredSignalsStayIgnored(t *testing.T) {
	testenv.RequireBPF(t)
	sg := filepath.Join(binDir, "seccompgen")
	for _, args := range [][]string{
		{"record", "-o", filepath.Join(t.TempDir(), "p.json")},
		{"run", "--profile", "docker-default"},
	} {
		t.Run(args[0], func(t *testing.T) {
			inner := strings.Join(append([]string{sg}, args...), " ") + ` -- /bin/sh -c 'grep SigIgn /proc/self/status'`
			r := runCmd(t, exec.Command("/bin/sh", "-c", `trap "" HUP; exec `+inner))
			var ign uint64
			if _, err := fmt.Sscanf(r.stdout, "SigIgn:\t%x", &ign); err != nil || r.status != 0 {
				t.Fatalf("status %d, stdout %q (%v), stderr:\n%s", r.status, r.stdout, err, r.stderr)
			}
			if ign&(1<<(syscall.SIGHUP-1)) == 0 {
				t.Errorf("CMD's ignored signals %#x lack SIGHUP", ign)
			}
		})
	}
}
