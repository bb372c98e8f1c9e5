package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// binDir holds the seccompgen binary and the test programs, built once.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "seccompgen-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// Test programs run as other users too (--user): let them reach it.
	os.Chmod(dir, 0o755)
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "seccompgen"), ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build seccompgen: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// buildC compiles testdata/c/NAME.c with gcc and the given flags, once per
// test run, and returns the program's path.
func buildC(t *testing.T, name string, flags ...string) string {
	t.Helper()
	key := name + " " + strings.Join(flags, " ")
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[key]; ok {
		return p
	}
	out := filepath.Join(binDir, fmt.Sprintf("%s-%d", name, len(built)))
	src := filepath.Join("..", "..", "testdata", "c", name+".c")
	args := append([]string{"-O2", "-Wall", "-pthread", "-o", out, src}, flags...)
	if msg, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	built[key] = out
	return out
}

// buildGo builds the Go program in DIR (relative to the repository root)
// once per test run.
func buildGo(t *testing.T, name string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built["go:"+name]; ok {
		return p
	}
	out := filepath.Join(binDir, filepath.Base(name))
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = filepath.Join("..", "..", name)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, msg)
	}
	built["go:"+name] = out
	return out
}

// result is a finished seccompgen run.
type result struct {
	stdout, stderr string
	status         int
}

// seccompgen runs the built binary with args and a generous time limit.
func seccompgen(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return runCmd(t, exec.CommandContext(ctx, filepath.Join(binDir, "seccompgen"), args...))
}

// runCmd runs cmd to its end and returns its output and exit status; only
// a failure to run it at all fails the test.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.status = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return r
}

// startSpinner starts testdata/c/spin.c outside any traced tree and waits
// until it has made its first sched_rr_get_interval; it is killed when the
// test ends.
func startSpinner(t *testing.T) {
	t.Helper()
	spin := exec.Command(buildC(t, "spin"))
	out, err := spin.StdoutPipe()
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
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		t.Fatalf("spin said %q", line)
	}
}

// ociProfile is the part of an OCI profile the tests look at, decoded
// independently of the profiles package.
type ociProfile struct {
	DefaultAction   string   `json:"defaultAction"`
	DefaultErrnoRet *uint    `json:"defaultErrnoRet"`
	Architectures   []string `json:"architectures"`
	Syscalls        []struct {
		Names    []string `json:"names"`
		Action   string   `json:"action"`
		ErrnoRet *uint    `json:"errnoRet"`
	} `json:"syscalls"`
}

func readProfile(t *testing.T, path string) ociProfile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p ociProfile
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, data)
	}
	return p
}

// names returns the syscalls of the rules with the given action.
func (p ociProfile) names(action string) map[string]bool {
	out := map[string]bool{}
	for _, r := range p.Syscalls {
		if r.Action == action {
			for _, n := range r.Names {
				out[n] = true
			}
		}
	}
	return out
}

func (p ociProfile) allowed() map[string]bool { return p.names("SCMP_ACT_ALLOW") }
func (p ociProfile) denied() map[string]bool  { return p.names("SCMP_ACT_ERRNO") }

type reportEntry struct {
	Name      string `json:"name"`
	ABI       string `json:"abi"`
	Action    string `json:"action"`
	Reason    string `json:"reason"`
	Count     uint64 `json:"count"`
	FirstPID  int    `json:"first_pid"`
	FirstComm string `json:"first_comm"`
}

type report struct {
	Syscalls []reportEntry `json:"syscalls"`
	Losses   map[string]uint64
	Exit     struct {
		Code   int `json:"code"`
		Signal int `json:"signal"`
	} `json:"exit"`
}

func readReport(t *testing.T, path string) report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func (r report) find(name, abi string) (reportEntry, bool) {
	for _, e := range r.Syscalls {
		if e.Name == name && (abi == "" || e.ABI == abi) {
			return e, true
		}
	}
	return reportEntry{}, false
}
