package synth

import (
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/goruntime"
	"github.com/seccompgen/seccompgen/internal/golden"
	"github.com/seccompgen/seccompgen/recording"
)

// execOf is the exec record the tracer would make for path.
func execOf(t *testing.T, path string) recording.Exec {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return recording.Exec{PID: 100, Path: path, Dev: st.Dev, Inode: st.Ino}
}

// goRecording is a recording of this test binary, a Go program, that
// observed futex and write but none of the runtime's rarer paths.
func goRecording(t *testing.T) *recording.Recording {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &recording.Recording{
		Syscalls: []recording.Syscall{sys(recording.X86_64, "execve", 1), sys(recording.X86_64, "futex", 9), sys(recording.X86_64, "write", 1)},
		Execs:    []recording.Exec{execOf(t, self)},
	}
}

func TestInferGo(t *testing.T) {
	rec := goRecording(t)
	reason := "inferred:" + goruntime.Versions("amd64")[len(goruntime.Versions("amd64"))-1] + "-runtime"
	prof, rep, err := Synthesize([]*recording.Recording{rec}, Policy{Infer: InferGo})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := find(rep, "futex"); e.Reason != ReasonObserved || e.Count != 9 {
		t.Errorf("futex, observed and inferred: %+v, want reason observed (observed wins), count 9", e)
	}
	for _, n := range []string{"tgkill", "getpid", "rt_sigreturn", "epoll_create1", "epoll_pwait", "madvise", "munmap", "sched_yield", "restart_syscall"} {
		e, ok := find(rep, n)
		if !ok || e.Reason != reason || e.Action != "allow" || e.ABI != recording.X86_64 || e.Count != 0 {
			t.Errorf("%s: %+v (found %v), want allow, reason %s, abi x86_64, count 0", n, e, ok, reason)
		}
		if !strings.Contains(string(prof.Bytes()), `"`+n+`"`) {
			t.Errorf("%s not in the profile", n)
		}
	}
	if len(rep.GoBinaries) != 1 || rep.GoBinaries[0].Path != rec.Execs[0].Path {
		t.Errorf("go binaries %+v, want this test binary", rep.GoBinaries)
	}
	observed, inferred := rep.Allowed()
	if diff := cmp.Diff([]string{"execve", "futex", "write"}, observed); diff != "" {
		t.Errorf("observed (-want +got):\n%s", diff)
	}
	if !slices.Contains(inferred, "tgkill") || slices.Contains(inferred, "futex") {
		t.Errorf("inferred %v: want tgkill, not futex (observed)", inferred)
	}
	// go test strips its binaries unless asked not to: then, and only
	// then, the report says it could not rule anything out.
	var want []string
	if len(rep.GoBinaries) == 1 && rep.GoBinaries[0].Stripped {
		want = []string{rec.Execs[0].Path + " has no symbol table (stripped): seccompgen cannot tell which runtime paths are linked, so it infers all of them (CPU profiler included)"}
	}
	if diff := cmp.Diff(want, rep.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestInferNone(t *testing.T) {
	for _, inf := range []Infer{"", InferNone} {
		_, rep, err := Synthesize([]*recording.Recording{goRecording(t)}, Policy{Infer: inf})
		if err != nil {
			t.Fatal(err)
		}
		observed, inferred := rep.Allowed()
		if len(inferred) != 0 || len(rep.GoBinaries) != 0 || len(observed) != 3 {
			t.Errorf("Infer %q: observed %v, inferred %v, go binaries %v; want 3 observed and nothing else", inf, observed, inferred, rep.GoBinaries)
		}
	}
}

func TestInferNothingForNonGo(t *testing.T) {
	rec := mixed()
	rec.Execs = []recording.Exec{execOf(t, "/bin/true")}
	withInfer, rep, err := Synthesize([]*recording.Recording{rec}, Policy{Deny: DefaultDeny, Infer: InferGo})
	if err != nil {
		t.Fatal(err)
	}
	without, _, err := Synthesize([]*recording.Recording{rec}, Policy{Deny: DefaultDeny})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(without.Bytes()), string(withInfer.Bytes())); diff != "" {
		t.Errorf("--infer go changed a non-Go program's profile (-none +go):\n%s", diff)
	}
	if _, inferred := rep.Allowed(); len(inferred) != 0 || len(rep.GoBinaries) != 0 {
		t.Errorf("inferred %v for /bin/true", inferred)
	}
}

func TestInferDenyWins(t *testing.T) {
	_, rep, err := Synthesize([]*recording.Recording{goRecording(t)}, Policy{Deny: []string{"tgkill"}, Infer: InferGo})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := find(rep, "tgkill"); e.Action != "deny" || e.Reason != ReasonPolicy {
		t.Errorf("tgkill %+v, want deny by policy", e)
	}
	want := "the Go runtime can call tgkill (inferred:" + goruntime.Versions("amd64")[len(goruntime.Versions("amd64"))-1] + "-runtime) but policy denies it: if it does, that call fails with EPERM"
	if !slices.Contains(rep.Warnings, want) {
		t.Errorf("warnings %q lack %q", rep.Warnings, want)
	}
}

func TestParseInfer(t *testing.T) {
	const unknown = "(want a comma-separated list of none, go, imports, static, gosites, all)"
	for _, tc := range []struct {
		in   string
		want Infer
		err  string
	}{
		{"go", InferGo, ""},
		{"none", InferNone, ""},
		{"imports,go", "go,imports", ""},
		{"gosites, static,go,go", "go,static,gosites", ""},
		{"all", "go,imports,static,gosites", ""},
		{"imports,all", "go,imports,static,gosites", ""},
		{"", "", `unknown inference "" ` + unknown},
		{"Go", "", `unknown inference "Go" ` + unknown},
		{"go,,imports", "", `unknown inference "" ` + unknown},
		{"none,go", "", `inference "none,go": none allows only what was observed and cannot be combined with other levels`},
	} {
		got, err := ParseInfer(tc.in)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if got != tc.want || msg != tc.err {
			t.Errorf("ParseInfer(%q) = %q, %q; want %q, %q", tc.in, got, msg, tc.want, tc.err)
		}
	}
	if _, _, err := Synthesize([]*recording.Recording{mixed()}, Policy{Infer: "every"}); err == nil || err.Error() != `unknown inference "every" `+unknown {
		t.Errorf("Synthesize with Infer every: %v", err)
	}
}

// TestInferWithBaseline: a name both a runtime's baseline and the Go
// runtime need has one entry, with the baseline's reason.
func TestInferWithBaseline(t *testing.T) {
	_, rep, err := Synthesize([]*recording.Recording{goRecording(t)}, Policy{Runtime: "runc", Infer: InferGo})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range rep.Syscalls {
		k := string(e.ABI) + ":" + e.Name
		if r, dup := seen[k]; dup {
			t.Errorf("%s twice in the report: %s and %s", k, r, e.Reason)
		}
		seen[k] = e.Reason
	}
	names, _ := baselineNames(Policy{Runtime: "runc"})
	for _, n := range names {
		if r := seen["x86_64:"+n]; r != ReasonObserved && r != ReasonBaseline+"runc" {
			t.Errorf("%s: reason %q, want observed or baseline:runc", n, r)
		}
	}
	if _, inferred := rep.Allowed(); !slices.Contains(inferred, "tgkill") {
		t.Errorf("inferred %v lacks tgkill", inferred)
	}
}

// TestInferNoneGolden: --infer none, and --errno EPERM, give the bytes
// seccompgen wrote before inference took a list (testdata/mixed.json was
// written then), whatever executables and libraries the recording has.
func TestInferNoneGolden(t *testing.T) {
	for _, p := range []Policy{
		{Deny: DefaultDeny, Infer: InferNone},
		{Deny: DefaultDeny, Infer: InferNone, Errno: "EPERM"},
		{Deny: DefaultDeny, Infer: ""},
	} {
		rec := mixed()
		rec.Execs = []recording.Exec{execOf(t, "/bin/ls")}
		rec.Libraries = []recording.Library{{PID: 100, Path: "/bin/ls", Dev: rec.Execs[0].Dev, Inode: rec.Execs[0].Inode}}
		prof, rep, err := Synthesize([]*recording.Recording{rec}, p)
		if err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "mixed.json", prof.Bytes())
		if len(rep.Withheld)+len(rep.Notes) != 0 {
			t.Errorf("%+v: withheld %v, notes %q; want none", p, rep.Withheld, rep.Notes)
		}
	}
}

// TestErrno: Errno ENOSYS is the default errno; explicit denies keep EPERM.
func TestErrno(t *testing.T) {
	prof, _, err := Synthesize([]*recording.Recording{mixed()}, Policy{Deny: DefaultDeny, Errno: "ENOSYS"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		DefaultErrnoRet int `json:"defaultErrnoRet"`
		Syscalls        []struct {
			Names    []string `json:"names"`
			ErrnoRet *int     `json:"errnoRet"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(prof.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.DefaultErrnoRet != 38 {
		t.Errorf("defaultErrnoRet %d, want 38", doc.DefaultErrnoRet)
	}
	for _, r := range doc.Syscalls {
		if slices.Contains(r.Names, "userfaultfd") && (r.ErrnoRet == nil || *r.ErrnoRet != 1) {
			t.Errorf("deny rule %+v: want errnoRet 1", r)
		}
	}
	if _, _, err := Synthesize([]*recording.Recording{mixed()}, Policy{Errno: "EIO"}); err == nil || err.Error() != `unknown errno "EIO" (want EPERM or ENOSYS)` {
		t.Errorf("Errno EIO: %v", err)
	}
}

// TestInferImportsSavedRecording: a saved recording (no open files) is
// analysed by its paths: /bin/ls's imports are inferred with their via,
// what Docker's default denies (libselinux's mount) is withheld, and a
// file replaced since it ran is not analysed, with a warning.
func TestInferImportsSavedRecording(t *testing.T) {
	rec := &recording.Recording{
		Syscalls: []recording.Syscall{sys(recording.X86_64, "execve", 1), sys(recording.X86_64, "exit_group", 1)},
		Execs:    []recording.Exec{execOf(t, "/bin/ls")},
	}
	prof, rep, err := Synthesize([]*recording.Recording{rec}, Policy{Infer: InferImports, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	e, ok := find(rep, "getdents64")
	if !ok || e.Reason != ReasonImport || e.Count != 0 || !slices.ContainsFunc(e.Via, func(v string) bool { return strings.HasPrefix(v, "ls → libc.so.6:") }) {
		t.Errorf("getdents64: %+v (found %v), want inferred:import via ls → libc.so.6:...", e, ok)
	}
	if !slices.Contains(prof.Allowed(), "getdents64") {
		t.Errorf("getdents64 not in the profile")
	}
	for _, w := range rep.Withheld {
		if _, ok := find(rep, w.Name); ok || slices.Contains(prof.Allowed(), w.Name) {
			t.Errorf("%s withheld and allowed", w.Name)
		}
	}
	if _, inferred := rep.Allowed(); slices.Contains(inferred, "mount") {
		t.Errorf("mount inferred: Docker's default denies it")
	}
	rec.Execs[0].Inode++
	_, rep, err = Synthesize([]*recording.Recording{rec}, Policy{Infer: InferImports, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, inferred := rep.Allowed(); len(inferred) != 0 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "/bin/ls is no longer the file pid 100 ran") {
		t.Errorf("replaced file: inferred %v, warnings %q", inferred, rep.Warnings)
	}
}

// TestDlopened: of the libraries a process mapped, only those nothing
// else mapped needs were loaded at run time (an NSS module, not the
// libcap it needs, nor libc or ld.so).
func TestDlopened(t *testing.T) {
	exe := dynInfo{path: "/proc/self/fd/3", soname: "nginx", needed: []string{"libc.so.6", "libcrypt.so.1"}}
	libs := []dynInfo{
		{path: "/l/libc.so.6", soname: "libc.so.6", needed: []string{"ld-linux-x86-64.so.2"}},
		{path: "/l/ld.so", soname: "ld-linux-x86-64.so.2"},
		{path: "/l/libcrypt.so.1", soname: "libcrypt.so.1", needed: []string{"libc.so.6"}},
		{path: "/l/libnss_systemd.so.2", soname: "libnss_systemd.so.2", needed: []string{"libcap.so.2", "libc.so.6"}},
		{path: "/l/libcap.so.2", soname: "libcap.so.2", needed: []string{"libc.so.6"}},
		{path: "/l/plugin.so", soname: "plugin.so"},
	}
	if diff := cmp.Diff([]string{"/l/libnss_systemd.so.2", "/l/plugin.so"}, dlopened(exe, libs)); diff != "" {
		t.Errorf("dlopened (-want +got):\n%s", diff)
	}
}

// TestInferCgoReasons: in a Go binary linked with libc (this test binary,
// through libseccomp's cgo), a syscall found behind a libc import is
// labelled inferred:import, one at a Go syscall site inferred:go-site:
// the reason follows the explanation, as --diff groups by reason.
func TestInferCgoReasons(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if ef, err := elf.Open(self); err != nil {
		t.Fatal(err)
	} else if libs, _ := ef.ImportedLibraries(); len(libs) == 0 {
		ef.Close()
		t.Skip("this test binary is not linked with libc (built without cgo)")
	} else {
		ef.Close()
	}
	_, rep, err := Synthesize([]*recording.Recording{goRecording(t)}, Policy{Infer: InferAll, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var imports, sites int
	for _, e := range rep.Syscalls {
		if e.Reason != ReasonImport && e.Reason != ReasonGoSite || len(e.Via) == 0 {
			continue
		}
		site := strings.Contains(e.Via[0], ": syscall site in ") || strings.Contains(e.Via[0], " call site in ")
		switch {
		case e.Reason == ReasonGoSite && !site:
			t.Errorf("%s: %s via %q, not a site in the Go code", e.Name, e.Reason, e.Via)
		case e.Reason == ReasonImport && site && strings.HasPrefix(e.Via[0], filepath.Base(self)+":"):
			t.Errorf("%s: %s via %q, a site in the Go code", e.Name, e.Reason, e.Via)
		case e.Reason == ReasonImport:
			imports++
		default:
			sites++
		}
	}
	if imports == 0 || sites == 0 {
		t.Errorf("%d names inferred from imports, %d from Go sites: want both", imports, sites)
	}
}
