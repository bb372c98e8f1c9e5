package goruntime

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
	"github.com/seccompgen/seccompgen/recording"
)

func TestListsAreValid(t *testing.T) {
	if len(lists) == 0 {
		t.Fatal("no runtime lists embedded")
	}
	for _, l := range append(append([]*list{}, lists...), cgoLists["amd64"]) {
		abi := abiOf[l.goarch]
		if abi == "" {
			t.Errorf("list %s/%s: GOARCH without an ABI", l.version, l.goarch)
		}
		var names []string
		for _, e := range l.entries {
			if _, ok := recording.Number(abi, e.name); !ok {
				t.Errorf("list %s/%s: %s is not a %s syscall", l.version, l.goarch, e.name, abi)
			}
			names = append(names, e.name)
		}
		if !sort.StringsAreSorted(names) {
			t.Errorf("list %s/%s is not sorted by name", l.version, l.goarch)
		}
	}
}

// TestSupportedVersionsAreCovered fails when the repository moves to a Go
// version (go.mod's go line, or the toolchain running the tests) whose
// runtime has no list: run `go generate ./goruntime` with it.
func TestSupportedVersionsAreCovered(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	for _, v := range []string{"go" + string(m[1]), runtime.Version()} {
		minor, ok := Minor(v)
		if !ok {
			t.Fatalf("cannot read the minor version of %q", v)
		}
		for _, goarch := range []string{"amd64", "386"} {
			want := fmt.Sprintf("go1.%d", minor)
			if !contains(Versions(goarch), want) {
				t.Errorf("no Go runtime list for %s linux/%s (have %v): run `go generate ./goruntime` with Go 1.%d", want, goarch, Versions(goarch), minor)
			}
		}
	}
}

// TestListsMatchGOROOT derives the lists again from the toolchain's own
// source: a checked-in list that was edited by hand, or that a patch
// release changed, fails here.
func TestListsMatchGOROOT(t *testing.T) {
	goroot := runtime.GOROOT()
	if _, err := os.Stat(filepath.Join(goroot, "src", "runtime", "proc.go")); err != nil {
		t.Skipf("no runtime source at %s: %v", goroot, err)
	}
	minor, _ := Minor(runtime.Version())
	dir := t.TempDir()
	for _, goarch := range []string{"amd64", "386"} {
		cmd := exec.Command("go", "run", "./internal/gen", "-goroot", goroot, "-goarch", goarch, "-o", dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		name := fmt.Sprintf("go1.%d-linux-%s.txt", minor, goarch)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("data", name))
		if err != nil {
			t.Fatalf("%v (run go generate ./goruntime)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("data/%s differs from what %s's source gives (-checked-in +derived); run go generate ./goruntime:\n%s", name, goroot, diff)
		}
	}
}

func TestLookup(t *testing.T) {
	newest := Versions("amd64")[len(Versions("amd64"))-1]
	oldest := Versions("amd64")[0]
	nm, _ := Minor(newest)
	om, _ := Minor(oldest)
	for _, tc := range []struct {
		version, list, note string
	}{
		{newest + ".3", newest, ""},
		{newest + "rc1", newest, ""},
		{fmt.Sprintf("go1.%d.1", nm+1), newest, fmt.Sprintf("go1.%d is newer than any Go runtime seccompgen has a list for: using %s's list, which may miss syscalls go1.%d's runtime added (update seccompgen, or run `go generate ./goruntime` with Go 1.%d)", nm+1, newest, nm+1, nm+1)},
		{fmt.Sprintf("devel go1.%d-0123abcd Mon Jan 1 00:00:00 2030 +0000", nm+3), newest, fmt.Sprintf("go1.%d is newer", nm+3)},
		{fmt.Sprintf("go1.%d.5", om-5), oldest, fmt.Sprintf("go1.%d is older than any Go runtime seccompgen has a list for: using %s's list, which may differ from go1.%d's runtime", om-5, oldest, om-5)},
		{"gccgo", "", `its Go version "gccgo" cannot be read`},
	} {
		t.Run(tc.version, func(t *testing.T) {
			l, note := lookup(tc.version, "amd64")
			got := ""
			if l != nil {
				got = l.version
			}
			if got != tc.list || !strings.HasPrefix(note, tc.note) || (tc.note == "") != (note == "") {
				t.Errorf("lookup(%q) = %q, %q; want %q, %q", tc.version, got, note, tc.list, tc.note)
			}
		})
	}
	if l, note := lookup("go1.26.1", "arm64"); l != nil || note != "seccompgen has no Go runtime list for linux/arm64" {
		t.Errorf("arm64: %v, %q", l, note)
	}
}

var (
	buildMu  sync.Mutex
	built    = map[string]string{}
	buildDir string // outlives every test that shares a build
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "goruntime-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build builds testdata/NAME with extra go build flags, once per test run.
func build(t *testing.T, name string, env []string, flags ...string) string {
	t.Helper()
	key := name + strings.Join(env, " ") + strings.Join(flags, " ")
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[key]; ok {
		return p
	}
	out := filepath.Join(buildDir, fmt.Sprintf("%s-%d", name, len(built)))
	args := append(append([]string{"build", "-o", out}, flags...), "./testdata/"+name)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	built[key] = out
	return out
}

// execOf is the exec record the tracer would make for path.
func execOf(t *testing.T, path string) recording.Exec {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return recording.Exec{PID: 1234, Path: path, Dev: st.Dev, Inode: st.Ino}
}

func names(inf Inference, reason string) map[string]bool {
	out := map[string]bool{}
	for _, s := range inf.Syscalls {
		if reason == "" || s.Reason == reason {
			out[s.Name] = true
		}
	}
	return out
}

// runtimeCore are syscalls the issue measured the runtime making on rare
// paths (preemption, the scavenger's netpoller, sysmon, thread exit): every
// Go binary must get them.
var runtimeCore = []string{
	"getpid", "tgkill", "rt_sigreturn", "epoll_create1", "epoll_ctl", "epoll_pwait", "eventfd2",
	"munmap", "madvise", "sched_yield", "restart_syscall", "nanosleep", "futex", "clone", "mmap",
	"rt_sigaction", "rt_sigprocmask", "sigaltstack", "exit", "exit_group", "gettid", "clock_gettime",
}

func TestInferGoBinaries(t *testing.T) {
	reason := "inferred:" + Versions("amd64")[len(Versions("amd64"))-1] + "-runtime"
	nocgo := []string{"CGO_ENABLED=0"}
	for _, tc := range []struct {
		name       string
		prog       string
		env, flags []string
		want       Binary // Path and GoVersion are filled in
		has, lacks []string
		warn       string // a warning must start with this path-relative text
	}{
		{name: "plain", prog: "hello", env: nocgo,
			want: Binary{GOARCH: "amd64"},
			has:  runtimeCore,
			// Android-only (socket, connect) and CPU-profiler syscalls
			// are not linked into a plain binary.
			lacks: []string{"socket", "connect", "setitimer", "timer_create", "timer_settime", "timer_delete", "clone3", "rseq"}},
		{name: "cpu profiler", prog: "pprof", env: nocgo,
			want: Binary{GOARCH: "amd64", CPUProfiler: true},
			has:  append([]string{"setitimer", "timer_create", "timer_settime", "timer_delete"}, runtimeCore...), lacks: []string{"clone3"}},
		{name: "stripped", prog: "hello", env: nocgo, flags: []string{"-ldflags=-s"},
			want: Binary{GOARCH: "amd64", CPUProfiler: true, Stripped: true},
			has:  append([]string{"setitimer", "timer_create"}, runtimeCore...), lacks: []string{"clone3"},
			warn: " has no symbol table (stripped): seccompgen cannot tell which runtime paths are linked, so it infers all of them (CPU profiler included)"},
		{name: "cgo", prog: "cgo", env: []string{"CGO_ENABLED=1"},
			want: Binary{GOARCH: "amd64", Cgo: true},
			has:  append([]string{"clone3", "rseq", "set_robust_list"}, runtimeCore...), lacks: []string{"setitimer"}},
		{name: "cgo stripped", prog: "cgo", env: []string{"CGO_ENABLED=1"}, flags: []string{"-ldflags=-s"},
			want: Binary{GOARCH: "amd64", Cgo: true, CPUProfiler: true, Stripped: true},
			has:  append([]string{"clone3", "rseq", "setitimer"}, runtimeCore...),
			warn: " has no symbol table (stripped): seccompgen cannot tell which runtime paths are linked, so it infers all of them (CPU profiler included)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prog == "cgo" {
				testenv.RequireTool(t, "gcc")
			}
			path := build(t, tc.prog, tc.env, tc.flags...)
			inf := Infer([]recording.Exec{execOf(t, path), execOf(t, path)})
			tc.want.Path, tc.want.GoVersion, tc.want.List = path, runtime.Version(), Versions("amd64")[len(Versions("amd64"))-1]
			if diff := cmp.Diff([]Binary{tc.want}, inf.Binaries); diff != "" {
				t.Errorf("binaries (-want +got):\n%s", diff)
			}
			got := names(inf, "")
			for _, n := range tc.has {
				if !got[n] {
					t.Errorf("%s not inferred", n)
				}
			}
			for _, n := range tc.lacks {
				if got[n] {
					t.Errorf("%s inferred, but the binary cannot issue it", n)
				}
			}
			for _, s := range inf.Syscalls {
				if s.ABI != recording.X86_64 || (s.Reason != reason && s.Reason != "inferred:cgo-glibc") {
					t.Errorf("%+v: want ABI x86_64, reason %s or inferred:cgo-glibc", s, reason)
				}
			}
			if tc.prog != "cgo" && len(names(inf, "inferred:cgo-glibc")) != 0 {
				t.Errorf("cgo syscalls inferred for a binary without cgo")
			}
			var wantWarn []string
			if tc.warn != "" {
				wantWarn = []string{path + tc.warn}
			}
			if diff := cmp.Diff(wantWarn, inf.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInfer386 checks that a 32-bit Go binary gets the 386 list, in the
// i386 ABI, where the runtime's calls have other names.
func TestInfer386(t *testing.T) {
	path := build(t, "hello", []string{"CGO_ENABLED=0", "GOARCH=386"})
	inf := Infer([]recording.Exec{execOf(t, path)})
	if len(inf.Binaries) != 1 || inf.Binaries[0].GOARCH != "386" || len(inf.Warnings) != 0 {
		t.Fatalf("binaries %+v, warnings %q", inf.Binaries, inf.Warnings)
	}
	got := map[string]bool{}
	for _, s := range inf.Syscalls {
		if s.ABI != recording.I386 {
			t.Errorf("%+v: want ABI i386", s)
		}
		got[s.Name] = true
	}
	for _, n := range []string{"mmap2", "set_thread_area", "futex", "tgkill", "rt_sigreturn", "epoll_create1", "restart_syscall"} {
		if !got[n] {
			t.Errorf("%s not inferred for a 386 binary", n)
		}
	}
	if got["socketcall"] || got["setitimer"] {
		t.Errorf("socketcall or setitimer inferred, but a plain 386 binary links neither")
	}
}

func TestInferNothingForNonGo(t *testing.T) {
	for _, p := range []string{"/bin/true", "/bin/sh"} {
		inf := Infer([]recording.Exec{execOf(t, p)})
		if len(inf.Binaries) != 0 || len(inf.Syscalls) != 0 || len(inf.Warnings) != 0 {
			t.Errorf("%s: inferred %+v", p, inf)
		}
	}
}

func TestInferReplacedOrMissing(t *testing.T) {
	path := build(t, "hello", []string{"CGO_ENABLED=0"})
	x := execOf(t, path)
	x.Inode++
	inf := Infer([]recording.Exec{x})
	want := fmt.Sprintf("%s is no longer the file pid 1234 ran (device/inode %d/%d, now %d/%d): it was replaced, so nothing is inferred for it; record again with the binary left in place", path, x.Dev, x.Inode, x.Dev, x.Inode-1)
	if len(inf.Syscalls) != 0 || len(inf.Warnings) != 1 || inf.Warnings[0] != want {
		t.Errorf("replaced binary: %d syscalls, warnings %q; want none and %q", len(inf.Syscalls), inf.Warnings, want)
	}
	missing := filepath.Join(t.TempDir(), "gone")
	inf = Infer([]recording.Exec{{PID: 7, Path: missing}})
	want = "cannot inspect " + missing + " (run by pid 7) for Go runtime syscalls: no such file or directory"
	if len(inf.Syscalls) != 0 || len(inf.Warnings) != 1 || inf.Warnings[0] != want {
		t.Errorf("missing binary: warnings %q, want %q", inf.Warnings, want)
	}
}

// TestCgoListCoversGlibcThreads measures with strace what glibc adds to
// start threads, malloc in them and end them, and fails when the cgo list
// misses one of those syscalls.
func TestCgoListCoversGlibcThreads(t *testing.T) {
	testenv.RequireTool(t, "gcc")
	testenv.RequireTool(t, "strace")
	prog := filepath.Join(t.TempDir(), "threads")
	if out, err := exec.Command("gcc", "-O2", "-pthread", "-o", prog, "testdata/c/threads.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	calls := func(arg string) map[string]bool {
		log := filepath.Join(t.TempDir(), "strace")
		if out, err := exec.Command("strace", "-f", "-qq", "-o", log, prog, arg).CombinedOutput(); err != nil {
			t.Fatalf("strace %s %s: %v\n%s", prog, arg, err, out)
		}
		data, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		re := regexp.MustCompile(`(?m)^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]`)
		for _, m := range re.FindAllSubmatch(data, -1) {
			out[string(m[1])] = true
		}
		return out
	}
	single, threaded := calls("none"), calls("threads")
	if !threaded["clone3"] && !threaded["clone"] {
		t.Fatalf("strace saw no clone3/clone: the measurement is broken; saw %v", threaded)
	}
	var have []string
	for _, e := range cgoLists["amd64"].entries {
		have = append(have, e.name)
	}
	var missing []string
	for n := range threaded {
		if !single[n] && !contains(have, n) {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("glibc's threads here make %v, which data/cgo-glibc-linux-amd64.txt lacks", missing)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
