//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// phase says which run of a program to prepare.
type phase int

const (
	trainingPhase phase = iota
	heldOutPhase
)

func (ph phase) String() string {
	if ph == trainingPhase {
		return "training"
	}
	return "held-out"
}

// program is one workload of the corpus.
type program struct {
	name     string
	debs     []string // Debian packages it comes from (the Makefile's SUFF_DEBS installs them)
	user     string   // run the program as this user; "" for root
	training string   // what the training run does, for the doc
	heldOut  string   // what the held-out run does, for the doc
	// setUp prepares what every run of the program shares (a template
	// database, an upstream server) in dir.
	setUp func(ctx context.Context, dir string) (*programEnv, error)
	// prepare lays out runDir, empty, for one run and says how to run it.
	prepare func(ctx context.Context, env *programEnv, runDir string, ph phase) (*workload, error)
}

// noSetUp is the setUp of a program whose runs share nothing.
func noSetUp(ctx context.Context, dir string) (*programEnv, error) {
	return &programEnv{dir: dir}, nil
}

// programEnv is what setUp made for all the runs of one program.
type programEnv struct {
	dir      string
	template string // a prepared data directory to copy per run
	upstream *upstream
	cleanup  func()
}

// workload is one run of a program.
type workload struct {
	argv  []string
	env   []string // added to the harness's environment
	stdin string
	user  string // set by the harness from the program
	// ready, for a server, returns nil once it serves; nil for a command
	// that runs to completion by itself.
	ready func(context.Context) error
	// drive is the client: for a server it runs once the server is ready,
	// and then the server is sent SIGTERM; for a command it runs while
	// the command does. It returns the first answer that was wrong.
	drive func(context.Context) error
	// wantStatus is the exit status of a healthy run (a server's after
	// SIGTERM).
	wantStatus int
	// check inspects what the run left once it exited: its standard
	// output, its log (standard error), files.
	check   func(stdout, log string) error
	cleanup func()
	web     *web // the HTTP client, whose idle connections close before SIGTERM
	// signal, set by the harness before drive runs, signals seccompgen,
	// which forwards SIGINT, SIGTERM and SIGHUP to the program.
	signal  func(os.Signal) error
	logFile string // the program's own log, when it is not standard error
}

// corpus is every program, in the order of the doc.
func corpus() []*program {
	return []*program{redis(), postgres(), nginx(), node(), caddy(), pythonHTTP(), busyboxHTTPD(), sqlite(), curl(), git()}
}

func selectPrograms(only []string) ([]*program, error) {
	all := corpus()
	if len(only) == 0 {
		return all, nil
	}
	var out []*program
	for _, name := range only {
		found := false
		for _, p := range all {
			if p.name == name {
				out = append(out, p)
				found = true
			}
		}
		if !found {
			var names []string
			for _, p := range all {
				names = append(names, p.name)
			}
			return nil, fmt.Errorf("-only: no program %q in the corpus (%s)", name, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// credential is how to start a process as user name.
func credential(name string) (*syscall.Credential, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

// chownTo gives path, and everything under it, to user name.
func chownTo(path, name string) error {
	c, err := credential(name)
	if err != nil {
		return err
	}
	return filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(c.Uid), int(c.Gid))
	})
}

// writeFiles writes each file (path relative to dir: content), creating
// directories as needed.
func writeFiles(dir string, files map[string]string) error {
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(content, "#!") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			return err
		}
	}
	return nil
}

// writeBig writes a file of size bytes of a repeating, checkable pattern.
func writeBig(path string, size int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, pattern(size), 0o644)
}

func pattern(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// versions names the installed versions of the Debian packages.
func versions(ctx context.Context, debs []string) string {
	var vs []string
	for _, d := range debs {
		out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f", "${Version}", d).Output()
		if err == nil && len(out) > 0 {
			vs = append(vs, d+" "+string(out))
		}
	}
	if len(vs) == 0 {
		return ""
	}
	return strings.Join(vs, ", ")
}

func describeMachine(ctx context.Context, bin string) [][2]string {
	var m [][2]string
	add := func(k, v string) { m = append(m, [2]string{k, v}) }
	var uts syscall.Utsname
	if syscall.Uname(&uts) == nil {
		add("kernel", utsString(uts.Release[:])+" "+utsString(uts.Machine[:]))
	}
	if data, err := os.ReadFile("/etc/debian_version"); err == nil {
		add("Debian", strings.TrimSpace(string(data)))
	}
	add("CPUs", strconv.Itoa(runtime.NumCPU()))
	if out, err := exec.CommandContext(ctx, bin, "version").Output(); err == nil {
		add("seccompgen", strings.TrimSpace(string(out)))
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(data))
		add("load average at the start (1, 5, 15 min)", strings.Join(f[:min(3, len(f))], " "))
	}
	add("date", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	return m
}

func utsString(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}
