package goruntime

import (
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"

	"github.com/seccompgen/seccompgen/recording"
)

// Binary is what seccompgen found out about one Go executable the tree ran.
type Binary struct {
	Path      string `json:"path"`
	GoVersion string `json:"go_version"` // as the binary says: "go1.26.8"
	GOARCH    string `json:"goarch"`
	// List is the Go version whose runtime list was applied ("go1.26"), or
	// "" when none could be.
	List string `json:"list,omitempty"`
	Cgo  bool   `json:"cgo"`
	// CPUProfiler says the binary links the CPU profiler
	// (runtime.SetCPUProfileRate, reached through runtime/pprof).
	CPUProfiler bool `json:"cpu_profiler"`
	// Stripped: no symbol table, so nothing could be ruled out and every
	// feature is assumed present.
	Stripped bool `json:"stripped,omitempty"`
}

// Syscall is one inferred syscall and why.
type Syscall struct {
	ABI    recording.ABI
	Name   string
	Reason string // "inferred:go1.26-runtime" or "inferred:cgo-glibc"
}

// Inference is what Infer adds for a recording's executables.
type Inference struct {
	Binaries []Binary
	// Syscalls is sorted by ABI, then name; each syscall once per ABI, with
	// the reason of the first binary that needed it.
	Syscalls []Syscall
	Warnings []string
}

var abiOf = map[string]recording.ABI{"amd64": recording.X86_64, "386": recording.I386}

// Files gives the executables a tracer opened while the tree ran
// (tracer.Files): File returns the open file with this device and inode
// (shared: Infer reads it and does not close it), the reason the tracer
// could not open it, or (nil, nil) when it never saw it.
type Files interface {
	File(dev, ino uint64) (*os.File, error)
}

// Infer inspects every distinct executable of execs and returns the
// syscalls the Go runtime of each Go binary among them can issue. Non-Go
// executables add nothing. An executable that cannot be opened, or that is
// no longer the file that ran (device or inode differ), adds nothing and
// gets a warning. Infer opens each executable by its path, as for a saved
// recording; InferFiles reads the files the tracer opened.
func Infer(execs []recording.Exec) Inference {
	return InferFiles(execs, nil)
}

// InferFiles is Infer reading each executable from files when it has it,
// and opening its path only when files never saw it (or is nil).
func InferFiles(execs []recording.Exec, files Files) Inference {
	var inf Inference
	type key struct{ dev, ino uint64 }
	seen := map[key]bool{}
	have := map[recording.ABI]map[string]bool{}
	for _, x := range execs {
		k := key{x.Dev, x.Inode}
		if seen[k] {
			continue
		}
		seen[k] = true
		b, syscalls, warns := inspect(x, files)
		inf.Warnings = append(inf.Warnings, warns...)
		if b == nil {
			continue
		}
		inf.Binaries = append(inf.Binaries, *b)
		for _, s := range syscalls {
			if have[s.ABI] == nil {
				have[s.ABI] = map[string]bool{}
			}
			if !have[s.ABI][s.Name] {
				have[s.ABI][s.Name] = true
				inf.Syscalls = append(inf.Syscalls, s)
			}
		}
	}
	rank := map[recording.ABI]int{}
	for i, a := range recording.ABIs {
		rank[a] = i
	}
	sort.SliceStable(inf.Syscalls, func(i, j int) bool {
		a, b := inf.Syscalls[i], inf.Syscalls[j]
		if a.ABI != b.ABI {
			return rank[a.ABI] < rank[b.ABI]
		}
		return a.Name < b.Name
	})
	return inf
}

// inspect returns the binary's facts and syscalls, or nil when it is not a
// Go binary or cannot be inspected (then with a warning).
func inspect(x recording.Exec, files Files) (*Binary, []Syscall, []string) {
	var f *os.File
	if files != nil {
		var err error
		f, err = files.File(x.Dev, x.Inode)
		if f == nil && err != nil {
			return nil, nil, []string{fmt.Sprintf("cannot inspect %s (run by pid %d) for Go runtime syscalls: %v; nothing is inferred for it", x.Path, x.PID, err)}
		}
	}
	if f == nil {
		var warn string
		f, warn = openPath(x)
		if f == nil {
			return nil, nil, []string{warn}
		}
		defer f.Close()
	}
	bi, err := buildinfo.Read(f)
	if err != nil {
		return nil, nil, nil // not a Go binary: nothing to infer, nothing to say
	}
	b := &Binary{Path: x.Path, GoVersion: bi.GoVersion}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	b.GOARCH = settings["GOARCH"]

	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, nil, []string{fmt.Sprintf("%s: a Go binary but not ELF (%v): nothing inferred for it", x.Path, err)}
	}
	defer ef.Close()
	if b.GOARCH == "" {
		b.GOARCH = map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_386: "386"}[ef.Machine]
	}
	abi, ok := abiOf[b.GOARCH]
	if !ok {
		return b, nil, []string{fmt.Sprintf("%s: a Go binary for %s, which seccompgen has no runtime list for: nothing inferred for it", x.Path, b.GOARCH)}
	}
	l, note := lookup(bi.GoVersion, b.GOARCH)
	var warns []string
	if l == nil {
		return b, nil, []string{fmt.Sprintf("%s: %s: nothing inferred for it", x.Path, note)}
	}
	if note != "" {
		warns = append(warns, fmt.Sprintf("%s: %s", x.Path, note))
	}
	b.List = l.version

	syms, err := symbols(ef)
	if err != nil {
		b.Stripped = true
		warns = append(warns, fmt.Sprintf("%s has no symbol table (stripped): seccompgen cannot tell which runtime paths are linked, so it infers all of them (CPU profiler included)", x.Path))
	}
	has := func(name string) bool { return b.Stripped || syms[name] }
	b.CPUProfiler = has("runtime.SetCPUProfileRate")
	b.Cgo = syms["x_cgo_init"] || (b.Stripped && usesLibc(ef))

	var out []Syscall
	reason := "inferred:" + l.version + "-runtime"
	for _, e := range l.entries {
		if reachable(e, has) {
			out = append(out, Syscall{ABI: abi, Name: e.name, Reason: reason})
		}
	}
	if b.Cgo {
		if cl := cgoLists[b.GOARCH]; cl != nil {
			for _, e := range cl.entries {
				out = append(out, Syscall{ABI: abi, Name: e.name, Reason: "inferred:cgo-glibc"})
			}
		} else {
			warns = append(warns, fmt.Sprintf("%s uses cgo, but seccompgen has no list of libc's thread start-up syscalls for %s", x.Path, b.GOARCH))
		}
	}
	return b, out, warns
}

// openPath opens x by its path and checks it is still the file that ran,
// or returns why not.
func openPath(x recording.Exec) (*os.File, string) {
	f, err := os.Open(x.Path)
	if err != nil {
		return nil, fmt.Sprintf("cannot inspect %s (run by pid %d) for Go runtime syscalls: %v", x.Path, x.PID, unwrap(err))
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Sprintf("cannot inspect %s: %v", x.Path, err)
	}
	if st.Dev != x.Dev || st.Ino != x.Inode {
		f.Close()
		return nil, fmt.Sprintf("%s is no longer the file pid %d ran (device/inode %d/%d, now %d/%d): it was replaced, so nothing is inferred for it; record again with the binary left in place", x.Path, x.PID, x.Dev, x.Inode, st.Dev, st.Ino)
	}
	return f, ""
}

func reachable(e entry, has func(string) bool) bool {
	for _, group := range e.needs {
		ok := false
		for _, sym := range group {
			if has(sym) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// symbols returns the names in the binary's symbol table, with the ".abi0"
// suffix the linker gives assembly functions removed.
func symbols(ef *elf.File) (map[string]bool, error) {
	syms, err := ef.Symbols()
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(syms))
	for _, s := range syms {
		out[strings.TrimSuffix(s.Name, ".abi0")] = true
	}
	return out, nil
}

// usesLibc tells a stripped cgo binary by what survives stripping: the
// dynamic import of pthread_create, through which the runtime starts
// threads with cgo.
func usesLibc(ef *elf.File) bool {
	if dyn, err := ef.DynamicSymbols(); err == nil {
		for _, s := range dyn {
			if s.Name == "pthread_create" {
				return true
			}
		}
	}
	return false
}

func unwrap(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
