package synth

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/seccompgen/seccompgen/binscan"
	"github.com/seccompgen/seccompgen/goruntime"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

// Infer is what to add beyond what the trace proved: a comma-separated
// list of levels ("go,imports"), as ParseInfer writes it. "" and "none"
// add nothing.
type Infer string

// The inference levels.
const (
	InferNone Infer = "none" // only what was observed
	// InferGo adds, for each Go binary the tree ran, the syscalls its
	// runtime can issue on any path, from lists derived from the Go
	// runtime's source (package goruntime): a short run misses some, and
	// the program dies of them later.
	InferGo Infer = "go"
	// InferImports adds, for each dynamically linked executable the tree
	// ran and every library it loaded, the syscalls behind their imports
	// (package binscan): the libc functions a program imports are the
	// feature paths a short run may not take.
	InferImports Infer = "imports"
	// InferStatic adds the syscall sites in the code of each statically
	// linked (non-Go) executable.
	InferStatic Infer = "static"
	// InferGoSites adds the syscall sites in each Go binary's code, and
	// the numbers it passes to the runtime's and package syscall's
	// wrappers: any Go version, stripped or not.
	InferGoSites Infer = "gosites"
	// InferAll is every level.
	InferAll Infer = "all"
)

// DefaultInfer is the level record and check use unless told otherwise,
// chosen by docs/SUFFICIENCY.md's measurement.
const DefaultInfer = InferAll

// DefaultErrno is the errno record and check give syscalls a profile
// never names when the user does not say (--errno), for inference inf and
// --args: ENOSYS, on which programs fall back to an older syscall (glibc's
// clone3 to clone) or carry on (git without clone3), where EPERM makes
// some die (docs/SUFFICIENCY.md measured it). EPERM with no inference, so
// that an observed-only profile keeps the bytes it always had, and with
// args, whose pinned syscalls called with other values fall to the
// default action and are refused as not permitted (docs/args.md), not as
// missing from the kernel.
func DefaultErrno(inf Infer, args bool) string {
	if len(inf.Levels()) == 0 || args {
		return "EPERM"
	}
	return "ENOSYS"
}

// inferLevels are the levels in the order ParseInfer writes them.
var inferLevels = []struct {
	level Infer
	help  string
}{
	{InferGo, "the Go runtime's syscalls, from lists of its source (go1.26 on any version)"},
	{InferImports, "the syscalls behind the imports of each dynamic executable and every library loaded"},
	{InferStatic, "the syscall sites in each static (non-Go) executable's code"},
	{InferGoSites, "the syscall sites in each Go binary's code (any Go version, stripped too)"},
}

// InferHelp describes the levels, one line each, for --help.
func InferHelp() []string {
	out := []string{"none: only what was observed"}
	for _, l := range inferLevels {
		out = append(out, string(l.level)+": "+l.help)
	}
	return append(out, "all: every level above")
}

// ParseInfer returns the inference named by s, a comma-separated list of
// levels (none, go, imports, static, gosites, all), in a canonical order.
func ParseInfer(s string) (Infer, error) {
	want := map[Infer]bool{}
	none := false
	for _, f := range strings.Split(s, ",") {
		switch l := Infer(strings.TrimSpace(f)); l {
		case InferNone:
			none = true
		case InferAll:
			for _, x := range inferLevels {
				want[x.level] = true
			}
		case InferGo, InferImports, InferStatic, InferGoSites:
			want[l] = true
		default:
			return "", fmt.Errorf("unknown inference %q (want a comma-separated list of none, go, imports, static, gosites, all)", strings.TrimSpace(f))
		}
	}
	if none {
		if len(want) > 0 {
			return "", fmt.Errorf("inference %q: none allows only what was observed and cannot be combined with other levels", s)
		}
		return InferNone, nil
	}
	var out []string
	for _, x := range inferLevels {
		if want[x.level] {
			out = append(out, string(x.level))
		}
	}
	return Infer(strings.Join(out, ",")), nil
}

// Levels returns the levels of i; none for "" and "none". i must be valid
// (CheckPolicy).
func (i Infer) Levels() []Infer {
	p, err := ParseInfer(string(i))
	if i == "" || err != nil || p == InferNone {
		return nil
	}
	var out []Infer
	for _, s := range strings.Split(string(p), ",") {
		out = append(out, Infer(s))
	}
	return out
}

// Has reports whether level l is one of i's.
func (i Infer) Has(l Infer) bool { return slices.Contains(i.Levels(), l) }

// ParseErrno returns the errno number named s ("EPERM", "ENOSYS"; "" is
// EPERM).
func ParseErrno(s string) (uint, error) {
	switch s {
	case "", "EPERM":
		return profiles.EPERM, nil
	case "ENOSYS":
		return profiles.ENOSYS, nil
	}
	return 0, fmt.Errorf("unknown errno %q (want EPERM or ENOSYS)", s)
}

// Reasons of the inferences binscan makes.
const (
	ReasonImport     = ReasonInferred + "import"      // behind an import of a dynamic executable or library
	ReasonStaticSite = ReasonInferred + "static-site" // a syscall site in a static binary
	ReasonGoSite     = ReasonInferred + "go-site"     // a syscall site in a Go binary
	// ReasonSignalReturn: rt_sigaction is allowed, so a handler may
	// return through rt_sigreturn.
	ReasonSignalReturn = ReasonInferred + "signal-return"
)

// Withheld is a syscall an inference found but the profile does not allow:
// Docker's default profile does not allow it either, and inference never
// allows more than Docker's default does.
type Withheld struct {
	Name   string        `json:"name"`
	ABI    recording.ABI `json:"abi"`
	Nr     int           `json:"nr"`
	Reason string        `json:"reason"`
	Via    []string      `json:"via"`
	Why    string        `json:"why"`
}

// MarshalJSON writes w with Via [] when empty.
func (w Withheld) MarshalJSON() ([]byte, error) {
	type plain Withheld
	c := plain(w)
	c.Via = orEmpty(c.Via)
	return jsonMarshal(c)
}

// candidate is one syscall an inference would add.
type candidate struct {
	abi    recording.ABI
	name   string
	reason string
	via    []string
	// anyArgs: the name is needed with any arguments (the Go runtime's
	// lists), so --args must not pin it to the values a run used.
	anyArgs bool
}

var dockerAllowed = sync.OnceValues(func() (map[string]bool, error) {
	d, err := profiles.DockerDefault(profiles.DefaultTarget())
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, n := range d.Allowed() {
		out[n] = true
	}
	// Docker's default allows clone, socket and personality with some
	// argument values: it allows the syscall, as far as a cap on names goes.
	for _, n := range d.Conditional() {
		out[n] = true
	}
	return out, nil
})

// inferAll adds to rep what p's levels infer and returns the names to
// allow, and the inferred syscalls needed with any arguments (for pinArgs:
// the Go runtime's). What binscan finds does not unpin a syscall --args
// pinned to the values the run used: the user asked for those values, and
// a call site's arguments are not known. A reason already given (observed, or a runtime's baseline)
// stays the reason; an explicit deny wins over an inference, with a
// warning; a name Docker's default does not allow is withheld.
func inferAll(merged *recording.Recording, p Policy, denied map[string]bool, rep *Report, files goruntime.Files) ([]string, []goruntime.Syscall, error) {
	var cands []candidate
	if p.Infer.Has(InferGo) {
		inf := goruntime.InferFiles(merged.Execs, files)
		rep.GoBinaries = inf.Binaries
		rep.Warnings = append(rep.Warnings, inf.Warnings...)
		var via []string
		for _, b := range inf.Binaries {
			if b.List != "" && len(via) < 3 {
				via = append(via, fmt.Sprintf("%s: %s (%s), the %s runtime's list", filepath.Base(b.Path), b.GoVersion, b.GOARCH, b.List))
			}
		}
		for _, s := range inf.Syscalls {
			cands = append(cands, candidate{abi: s.ABI, name: s.Name, reason: s.Reason, via: via, anyArgs: true})
		}
	}
	if p.Infer.Has(InferImports) || p.Infer.Has(InferStatic) || p.Infer.Has(InferGoSites) {
		cands = append(cands, scan(merged, p, rep, files)...)
		cands = append(cands, sigreturn(rep, cands)...)
	}
	if len(cands) == 0 {
		return nil, nil, nil
	}
	docker, err := dockerAllowed()
	if err != nil {
		return nil, nil, fmt.Errorf("inference allows only what Docker's default profile allows too, and that could not be resolved for this host: %w (record with --infer none)", err)
	}
	type key struct {
		abi  recording.ABI
		name string
	}
	decided := map[key]bool{}
	for _, e := range rep.Syscalls {
		decided[key{e.ABI, e.Name}] = true
	}
	warned := map[string]bool{}
	var allow []string
	var inferred []goruntime.Syscall
	for _, c := range cands {
		k := key{c.abi, c.name}
		if decided[k] {
			if c.anyArgs && !denied[c.name] && docker[c.name] && !slices.ContainsFunc(inferred, func(s goruntime.Syscall) bool { return s.ABI == c.abi && s.Name == c.name }) {
				inferred = append(inferred, goruntime.Syscall{ABI: c.abi, Name: c.name, Reason: c.reason})
			}
			continue
		}
		decided[k] = true
		nr, _ := recording.Number(c.abi, c.name)
		switch {
		case denied[c.name]:
			if !warned[c.name] {
				warned[c.name] = true
				rep.Warnings = append(rep.Warnings, denyWarning(c))
			}
		case !docker[c.name]:
			rep.Withheld = append(rep.Withheld, Withheld{Name: c.name, ABI: c.abi, Nr: nr, Reason: c.reason, Via: c.via,
				Why: "Docker's default profile does not allow it: inference allows only what Docker's default does"})
		default:
			rep.Syscalls = append(rep.Syscalls, Entry{Name: c.name, ABI: c.abi, Nr: nr, Action: Allow, Reason: c.reason, Via: c.via})
			allow = append(allow, c.name)
			if c.anyArgs {
				inferred = append(inferred, goruntime.Syscall{ABI: c.abi, Name: c.name, Reason: c.reason})
			}
		}
	}
	if n := len(rep.Withheld); n > 0 {
		var names []string
		for _, w := range rep.Withheld {
			names = append(names, w.Name)
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d inferred syscall(s) withheld because Docker's default profile does not allow them either (see withheld): %s; record a run that makes them to allow them", n, strings.Join(names, " ")))
	}
	return allow, inferred, nil
}

// sigreturn infers rt_sigreturn where rt_sigaction is allowed: a signal
// handler returns through the restorer the C library installs with it,
// code no call graph reaches (the kernel jumps to it), and that a short
// run may never take.
func sigreturn(rep *Report, cands []candidate) []candidate {
	has := func(n string) bool {
		return slices.ContainsFunc(rep.Syscalls, func(e Entry) bool { return e.Name == n && e.Action == Allow }) ||
			slices.ContainsFunc(cands, func(c candidate) bool { return c.name == n })
	}
	if !has("rt_sigaction") || has("rt_sigreturn") {
		return nil
	}
	return []candidate{{abi: recording.X86_64, name: "rt_sigreturn", reason: ReasonSignalReturn,
		via: []string{"rt_sigaction → a handler returns through the restorer (rt_sigreturn)"}}}
}

func denyWarning(c candidate) string {
	if strings.HasPrefix(c.reason, ReasonInferred+"go1.") || c.reason == ReasonInferred+"cgo-glibc" {
		return fmt.Sprintf("the Go runtime can call %s (%s) but policy denies it: if it does, that call fails with EPERM", c.name, c.reason)
	}
	via := ""
	if len(c.via) > 0 {
		via = ", " + c.via[0]
	}
	return fmt.Sprintf("the code can call %s (%s%s) but policy denies it: if it does, that call fails with EPERM", c.name, c.reason, via)
}

// scan analyses every distinct executable of merged with binscan, with
// the libraries its processes loaded, and returns the syscalls of the
// kinds p asks for (imports: dynamic executables; static: static ones;
// gosites: Go binaries).
func scan(merged *recording.Recording, p Policy, rep *Report, files goruntime.Files) []candidate {
	type fkey struct{ dev, ino uint64 }
	type target struct {
		x    recording.Exec
		pids map[int]bool
		libs []recording.Library
	}
	var targets []*target
	byFile := map[fkey]*target{}
	byPID := map[int][]*target{}
	for _, x := range merged.Execs {
		k := fkey{x.Dev, x.Inode}
		t := byFile[k]
		if t == nil {
			t = &target{x: x, pids: map[int]bool{}}
			byFile[k] = t
			targets = append(targets, t)
		}
		if !t.pids[x.PID] {
			t.pids[x.PID] = true
			byPID[x.PID] = append(byPID[x.PID], t)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	// A library goes with the executables its process ran; one the tree
	// mapped otherwise (its process's exec was not seen) with the first.
	for _, l := range merged.Libraries {
		ts := byPID[l.PID]
		if len(ts) == 0 {
			ts = targets[:1]
		}
		for _, t := range ts {
			t.libs = append(t.libs, l)
		}
	}
	opts := binscan.Options{CacheDir: p.CacheDir}
	var out []candidate
	seenNote := map[string]bool{}
	note := func(s string) {
		if !seenNote[s] {
			seenNote[s] = true
			rep.Notes = append(rep.Notes, s)
		}
	}
	// Said once for the tree, not once per executable: every program
	// has a few (glibc's own, weak symbols).
	var unresolved, unbound []string
	defer func() {
		if len(unresolved) > 0 {
			rep.Notes = append(rep.Notes, "syscall sites whose number could not be determined, so their syscalls are not inferred (per executable, its libraries included): "+strings.Join(unresolved, ", "))
		}
		if len(unbound) > 0 {
			rep.Notes = append(rep.Notes, "imports bound to no analysed library (weak symbols, or provided by a library loaded later): "+strings.Join(unbound, ", "))
		}
	}()
	for _, t := range targets {
		path, closeFn, err := openFor(t.x.Path, t.x.PID, t.x.Dev, t.x.Inode, files)
		if err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("cannot analyse %s (run by pid %d) for the syscalls its code can make: %v; nothing is inferred from it", t.x.Path, t.x.PID, err))
			continue
		}
		o := opts
		o.Root = rootOf(files, t.x)
		var closers []func()
		var libs []dynInfo
		for _, l := range t.libs {
			lp, c, err := openFor(l.Path, l.PID, l.Dev, l.Inode, files)
			if err != nil {
				note(fmt.Sprintf("library %s (mapped by pid %d) not analysed: %v", l.Path, l.PID, err))
				continue
			}
			closers = append(closers, c)
			libs = append(libs, readDyn(lp, l.Path))
		}
		o.Loaded = dlopened(readDyn(path, t.x.Path), libs)
		res, err := analyze(path, o)
		for _, c := range closers {
			c()
		}
		closeFn()
		if errors.Is(err, binscan.ErrNotELF) {
			continue // no code of its own to analyse (the kernel ran it through binfmt_misc)
		}
		if err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("cannot analyse %s (run by pid %d) for the syscalls its code can make: %v; nothing is inferred from it", t.x.Path, t.x.PID, err))
			continue
		}
		var reason string
		switch res.Kind {
		case "dynamic", "shared":
			if p.Infer.Has(InferImports) {
				reason = ReasonImport
			}
		case "static":
			if p.Infer.Has(InferStatic) {
				reason = ReasonStaticSite
			}
		case "go":
			if p.Infer.Has(InferGoSites) {
				reason = ReasonGoSite
			}
		}
		if reason == "" && res.Kind != "other" {
			continue
		}
		name := filepath.Base(t.x.Path)
		for _, n := range res.Notes {
			n = strings.ReplaceAll(n, path, t.x.Path)
			n = strings.ReplaceAll(n, " (Options.Loaded)", "")
			n = rename(n, filepath.Base(path), t.x.Path)
			if m := unboundNote.FindStringSubmatch(n); m != nil {
				unbound = append(unbound, name+" "+m[1])
				continue
			}
			note(n)
		}
		if res.Unresolved > 0 {
			unresolved = append(unresolved, fmt.Sprintf("%s %d", name, res.Unresolved))
		}
		for _, s := range res.Syscalls {
			if s.Name == "" || recording.IsNrName(s.Name) {
				continue
			}
			var via []string
			for _, v := range s.Via {
				via = append(via, rename(v, filepath.Base(path), name))
			}
			r := reason
			if res.Kind == "go" && len(s.Via) > 0 && !strings.HasPrefix(s.Via[0], filepath.Base(path)+": ") {
				// cgo: found behind the program's libc imports (or ld.so's
				// start-up), not at a site in its Go code.
				r = ReasonImport
			}
			out = append(out, candidate{abi: recording.X86_64, name: s.Name, reason: r, via: via})
		}
	}
	return out
}

// analyze is binscan.Analyze that turns a panic (a file binscan's decoder
// did not expect) into an error: the recording, and the profile of what
// was observed, must survive any binary the workload ran.
func analyze(path string, o binscan.Options) (res *binscan.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("binscan failed on it (%v): please report this with the file", r)
		}
	}()
	return binscan.Analyze(path, o)
}

// dynInfo is what ld.so reads of a mapped object: its soname and needs.
type dynInfo struct {
	path   string // where binscan reads it
	soname string // DT_SONAME, or the file's name
	needed []string
}

func readDyn(path, name string) dynInfo {
	d := dynInfo{path: path, soname: filepath.Base(name)}
	ef, err := elf.Open(path)
	if err != nil {
		return d
	}
	defer ef.Close()
	if s, _ := ef.DynString(elf.DT_SONAME); len(s) > 0 {
		d.soname = s[0]
	}
	d.needed, _ = ef.DynString(elf.DT_NEEDED)
	return d
}

// dlopened returns the libraries the process loaded at run time, which
// nothing else mapped needs: binscan counts such a library from all its
// exports (the program looks them up by name), and finds the others
// itself, from the DT_NEEDED entries, following only what is imported
// from them. The tracer reports every library mapped, needed or not.
func dlopened(exe dynInfo, libs []dynInfo) []string {
	needed := map[string]bool{}
	for _, d := range append([]dynInfo{exe}, libs...) {
		for _, n := range d.needed {
			needed[n] = true
		}
	}
	var out []string
	for _, d := range libs {
		if !needed[d.soname] && !strings.HasPrefix(d.soname, "ld-linux") {
			out = append(out, d.path)
		}
	}
	return out
}

// unboundNote is binscan's note on imports no library defines.
var unboundNote = regexp.MustCompile(`^.*: (\d+) imports bound to no analysed library`)

// rename gives an explanation that names the analysed file by its
// descriptor ("7 → libc.so.6:fork") the executable's own name.
func rename(via, from, to string) string {
	if from == to {
		return via
	}
	for _, sep := range []string{" → ", ": ", " ("} {
		if strings.HasPrefix(via, from+sep) {
			return to + via[len(from):]
		}
	}
	return via
}

// openFor returns a path binscan can read the file with this device and
// inode by: the tracer's open file (through /proc/self/fd, valid until
// the returned function runs), or, for a saved recording, the recorded
// path when it still names that file.
func openFor(path string, pid int, dev, ino uint64, files goruntime.Files) (string, func(), error) {
	if files != nil {
		f, err := files.File(dev, ino)
		if f != nil {
			return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())), func() {}, nil
		}
		if err != nil {
			return "", nil, err
		}
	}
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return "", nil, unwrap(err)
	}
	if st.Dev != dev || st.Ino != ino {
		return "", nil, fmt.Errorf("%s is no longer the file pid %d ran (device/inode %d/%d, now %d/%d): record again with the binary left in place", path, pid, dev, ino, st.Dev, st.Ino)
	}
	return path, func() {}, nil
}

func unwrap(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
