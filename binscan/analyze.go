package binscan

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/seccompgen/seccompgen/recording"
)

// ErrNotELF is returned (wrapped) for a file that is not an ELF object,
// such as a script: its interpreter is the binary to analyse.
var ErrNotELF = errors.New("not an ELF file")

// Options tune Analyze.
type Options struct {
	// Loaded are shared libraries the process loaded beyond what the
	// executable's DT_NEEDED entries pull in (dlopen: NSS modules, Python
	// extension modules, plugins), as the tracer saw them. Each counts
	// from all its exports (the process looks them up by name; an NSS
	// module, from its _nss_* entry points only), with what those reach
	// of its imports; the libraries it needs are found and followed from
	// what is bound to them, as any needed library is.
	Loaded []string
	// Cut names the functions whose paths are not followed: nil means
	// DefaultCut(false), or DefaultCut(true) when an analysed object
	// imports pthread_cancel or pthread_exit. An empty, non-nil list cuts
	// nothing at all (not even the functions that only die).
	Cut []string
	// CacheDir holds the per-build-ID analysis of each file;
	// "" means os.UserCacheDir()/seccompgen/binscan.
	CacheDir string
	// NoCache analyses every file afresh and writes nothing.
	NoCache bool
	// Trace appends to each import's explanation the chain of functions
	// inside the library that leads to the syscall, as in
	// "prog → libc.so.6:fork [fork → arch_fork]": slower, for debugging.
	Trace bool
	// Root is the root directory the process ran the executable under,
	// when not the host's (a chroot, a container: /proc/PID/root): the
	// libraries it needs, its dynamic loader and ld.so.cache are looked
	// up under it, and symbolic links in them resolve inside it, as the
	// process's ld.so found them. "" is the host's /.
	Root string
}

// Syscall is one syscall the analysed code can make.
type Syscall struct {
	Nr   int
	Name string
	// Via gives up to three of the most specific explanations, such as
	// "redis-server → libc.so.6:fsync" or "gohello: syscall site in
	// runtime.futex".
	Via []string
}

// Result is what Analyze found for one executable.
type Result struct {
	Binary string
	// Kind is "dynamic", "static", "go", "shared" (a library given as the
	// binary) or "other" (not x86-64: not analysed, see Notes).
	Kind string
	// Syscalls is sorted by number.
	Syscalls []Syscall
	// Libraries lists the shared libraries analysed, in load order.
	Libraries []string
	// Unresolved counts the syscall instructions and wrapper calls in the
	// analysed code whose number data flow could not determine.
	Unresolved int
	Notes      []string
}

// Names returns the syscall names, sorted.
func (r *Result) Names() []string {
	out := make([]string, len(r.Syscalls))
	for i, s := range r.Syscalls {
		out[i] = s.Name
	}
	sort.Strings(out)
	return out
}

// cancellation are the functions through which glibc unwinds a cancelled
// or exiting thread: only a program that cancels threads or calls
// pthread_exit takes those paths without dying.
var cancellation = []string{
	"__pthread_unwind", "__pthread_unwind_next", "__libc_unwind_link_get",
	"_Unwind_ForcedUnwind", "_Unwind_Resume", "_Unwind_Backtrace", "_Unwind_RaiseException",
}

// DefaultCut returns the functions whose paths Analyze does not follow by
// default: those a program calls only to die (abort, __libc_fatal,
// __assert_fail, __chk_fail, __stack_chk_fail, __fortify_fail, ...), and,
// unless cancels is set, glibc's cancellation unwinding.
func DefaultCut(cancels bool) []string {
	out := slices.Clone(dyingSeed)
	if !cancels {
		out = append(out, cancellation...)
	}
	sort.Strings(out)
	return out
}

// precise reports whether a library's exports are mapped one by one to
// the syscalls they reach, with the cut and the models: glibc's own
// libraries, whose few indirect calls are modelled and whose imports (from
// ld.so) all count. Any other library, NSS modules included (glibc's own
// are small, systemd's import much they never reach from their _nss_
// entry points), is followed from what is imported from it, its
// constructors and the functions its data points to.
func precise(o *object) bool {
	s := o.Soname
	if strings.HasPrefix(s, "ld-linux") {
		return true
	}
	return slices.Contains([]string{"libc.so.6", "libpthread.so.0", "librt.so.1", "libm.so.6",
		"libdl.so.2", "libresolv.so.2", "libutil.so.1", "libanl.so.1", "libmvec.so.1"}, s)
}

// nssModule reports whether o is an NSS module (libnss_files,
// libnss_systemd, ...): glibc calls one only through its _nss_<module>_*
// entry points, which it looks up by name, whatever else it exports.
func nssModule(o *object) bool {
	return strings.HasPrefix(o.Soname, "libnss_")
}

type analyzer struct {
	opts Options
	dir  string
	objs map[string]*object
}

// prefetch loads files concurrently into a.objs, so that load finds them.
func (a *analyzer) prefetch(paths []string) {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, runtime.GOMAXPROCS(0))
	)
	got := map[string]*object{}
	for _, p := range paths {
		if p == "" {
			continue
		}
		p = a.real(p)
		if _, ok := a.objs[p]; ok || got[p] != nil {
			continue
		}
		got[p] = &object{} // claimed
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			o, err := a.read(p)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				got[p] = o
			} else {
				delete(got, p) // load reports the error in order
			}
		}()
	}
	wg.Wait()
	for p, o := range got {
		a.objs[p] = o
	}
}

// load returns a file's analysis from the cache or by building it.
func (a *analyzer) load(path string) (*object, error) {
	if o, ok := a.objs[path]; ok {
		return o, nil
	}
	o, err := a.read(path)
	if err != nil {
		return nil, err
	}
	a.objs[path] = o
	return o, nil
}

// read analyses one file, through the cache; it touches no shared state
// but the cache directory.
func (a *analyzer) read(path string) (*object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		return nil, fmt.Errorf("%s: %w", path, ErrNotELF)
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key := cacheKey(buildID(ef), st)
	var o *object
	if !a.opts.NoCache {
		o = cacheLoad(a.dir, key)
	}
	if o == nil {
		if o, err = buildObject(path, f); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if o.Kind != kindShared {
			compact(o)
		}
		if !a.opts.NoCache {
			// A cache that cannot be written costs time, not results.
			_ = cacheStore(a.dir, key, o)
		}
	}
	o.Path = path
	return o, nil
}

// Analyze returns the syscalls the executable at path, the libraries it
// needs and opts.Loaded can make.
func Analyze(path string, opts Options) (*Result, error) {
	a := &analyzer{opts: opts, dir: opts.CacheDir, objs: map[string]*object{}}
	if a.dir == "" && !opts.NoCache {
		d, err := os.UserCacheDir()
		if err != nil {
			opts.NoCache, a.opts.NoCache = true, true
		}
		a.dir = filepath.Join(d, "seccompgen", "binscan")
	}
	exe, err := a.load(path)
	if err != nil {
		return nil, fmt.Errorf("binscan: %w", err)
	}
	res := &Result{Binary: path, Kind: exe.Kind}
	c := newCollector(filepath.Base(path))
	switch exe.Kind {
	case kindOther:
		res.Notes = append(res.Notes, fmt.Sprintf("%s: not analysed: binscan reads x86-64 ELF code only (this is a 32-bit or non-x86 file)", path))
		return res, nil
	case kindStatic:
		c.allSites(exe, filepath.Base(path), 0)
		res.Unresolved = exe.Unres
	case kindGo:
		res.Notes = append(res.Notes, fmt.Sprintf("%s: Go binary (%s): every syscall site and constant passed to a syscall wrapper in the functions the linker kept", path, exe.GoVersion))
		if len(exe.Needed) == 0 {
			c.allSites(exe, filepath.Base(path), 0)
			res.Unresolved = exe.Unres
			break
		}
		// cgo: the C side imports from libc like any program.
		if err := a.dynamic(exe, c, res); err != nil {
			return nil, err
		}
	default:
		if err := a.dynamic(exe, c, res); err != nil {
			return nil, err
		}
	}
	res.Syscalls = c.result()
	return res, nil
}

// real is p with its symbolic links resolved, the key of a.objs. Under a
// Root the resolver has resolved them inside it already, and a path
// outside it (a descriptor under /proc/self/fd) must not be resolved: its
// link names the file in another mount namespace.
func (a *analyzer) real(p string) string {
	if a.opts.Root != "" {
		return p
	}
	if rp, err := filepath.EvalSymlinks(p); err == nil {
		return rp
	}
	return p
}

// dynamic analyses an executable and the libraries it loads.
func (a *analyzer) dynamic(exe *object, c *collector, res *Result) error {
	scope := []*object{exe}
	seen := map[string]bool{exe.Path: true}
	if exe.Soname != "" {
		seen[exe.Soname] = true
	}
	r := newResolver(a.opts.Root)
	var ldso *object
	add := func(p string) {
		p = a.real(p)
		if seen[p] {
			return
		}
		o, err := a.load(p)
		if err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: not analysed: %v", p, err))
			return
		}
		seen[p] = true
		if o.Soname != "" {
			if seen["so:"+o.Soname] {
				return
			}
			seen["so:"+o.Soname] = true
		}
		scope = append(scope, o)
	}
	needs := func(from int) {
		boundary := from
		for i := from; i < len(scope); i++ {
			if i == boundary {
				boundary = len(scope)
				// Load the next level of the tree in parallel: decoding
				// cached maps is most of a warm Analyze.
				var next []string
				for _, o := range scope[i:] {
					for _, n := range o.Needed {
						if !seen["so:"+n] {
							next = append(next, r.find(n, o.Path, o.Runpath, o.Rpath, exe.Rpath))
						}
					}
				}
				a.prefetch(next)
			}
			o := scope[i]
			for _, n := range o.Needed {
				if seen["so:"+n] {
					continue
				}
				p := r.find(n, o.Path, o.Runpath, o.Rpath, exe.Rpath)
				if p == "" {
					res.Notes = append(res.Notes, fmt.Sprintf("%s needs %s, which was not found: its syscalls are missing", filepath.Base(o.Path), n))
					continue
				}
				add(p)
			}
		}
	}
	needs(0)
	if exe.Interp != "" {
		add(r.in(exe.Interp))
	}
	n := len(scope)
	// Only the libraries dlopen'ed themselves are looked up by name; their
	// own dependencies, loaded after them, count from what is bound to
	// them, as any needed library does.
	loaded := map[*object]bool{}
	for _, p := range a.opts.Loaded {
		add(p)
	}
	for _, o := range scope[n:] {
		loaded[o] = true
	}
	needs(n)
	for _, o := range scope {
		if strings.HasPrefix(o.Soname, "ld-linux") {
			ldso = o
		}
		if o != exe {
			res.Libraries = append(res.Libraries, o.Path)
		}
		res.Unresolved += o.Unres
		if o.Kind == kindOther {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: not analysed: not x86-64 code", o.Path))
		}
	}

	cut := a.opts.Cut
	if cut == nil {
		cancels := false
		for _, o := range scope {
			for _, m := range o.Imports {
				cancels = cancels || m.Name == "pthread_cancel" || m.Name == "pthread_exit"
			}
		}
		cut = DefaultCut(cancels)
	}

	// Roots: every import of every object, bound as ld.so binds it.
	type root struct {
		funcs []int32
		via   string
		rank  int // how specific the explanation is: lower is better
	}
	roots := map[*object][]root{}
	exports := map[*object]map[string][]int{}
	for _, o := range scope {
		m := map[string][]int{}
		for i, e := range o.Exports {
			m[e.Name] = append(m[e.Name], i)
		}
		exports[o] = m
	}
	bind := func(m imp) (*object, *export) {
		for _, o := range scope {
			var fallback *export
			for _, i := range exports[o][m.Name] {
				e := &o.Exports[i]
				switch {
				case m.Version != "" && e.Version == m.Version:
					return o, e
				case m.Version == "" && !e.Hidden, e.Version == "":
					if fallback == nil {
						fallback = e
					}
				}
			}
			if fallback != nil {
				return o, fallback
			}
		}
		return nil, nil
	}
	cuts := map[*object][]bool{}
	cutOf := func(o *object) []bool {
		if cuts[o] == nil {
			cuts[o] = cutSet(o, cut)
		}
		return cuts[o]
	}
	unbound := map[*object]int{}
	// Libraries not from glibc are followed from what the others import
	// from them: pending holds the functions reached, not yet explored.
	pending := map[*object][]int32{}
	reached := map[*object][]bool{}
	use := func(o *object, m imp, far int) {
		l, e := bind(m)
		if l == nil {
			unbound[o]++
			return
		}
		funcs := []int32{e.Func}
		if e.IFunc {
			// The resolver picks one of the implementations whose
			// address it takes: reach them all.
			funcs = l.Funcs[e.Func].Refs
		}
		switch {
		case l == exe || e.Func < 0:
			// Taken whole already.
		case !precise(l):
			pending[l] = append(pending[l], funcs...)
		default:
			// Calling abort() & co. only dies.
			funcs = slices.DeleteFunc(slices.Clone(funcs), func(f int32) bool { return cutOf(l)[f] })
			if len(funcs) > 0 {
				roots[l] = append(roots[l], root{funcs, fmt.Sprintf("%s → %s:%s", base(o), base(l), e.Name), far})
			}
		}
	}
	for _, o := range scope {
		// The program's own code explains best; a library's, after it.
		far := 0
		if o != exe {
			far = libraryRank
		}
		switch {
		case o == exe || wholeLibraries && !precise(o) || o.Kind != kindShared:
			c.allSites(o, base(o), far)
			for _, m := range o.Imports {
				use(o, m, far)
			}
		case precise(o):
			for _, m := range o.Imports {
				use(o, m, far)
			}
			if loaded[o] {
				// dlopen'ed: looked up by name.
				for _, e := range o.Exports {
					if !cutOf(o)[e.Func] {
						roots[o] = append(roots[o], root{[]int32{e.Func}, fmt.Sprintf("%s (loaded) %s", base(o), e.Name), libraryRank})
					}
				}
			}
		default:
			// Reachable whatever the program calls: constructors,
			// functions whose address data holds, and, in a library the
			// program dlopened, every export (it looks them up by name;
			// glibc looks up only an NSS module's _nss_* entry points).
			pending[o] = append(pending[o], o.Init...)
			pending[o] = append(pending[o], o.DataRefs...)
			if loaded[o] {
				nss := nssModule(o)
				for _, e := range o.Exports {
					if !nss || strings.HasPrefix(e.Name, "_nss_") {
						pending[o] = append(pending[o], e.Func)
					}
				}
			}
			for _, i := range o.DataImps {
				use(o, o.Imports[i], far)
			}
		}
	}
	for progress := true; progress; {
		progress = false
		for _, o := range scope {
			if len(pending[o]) == 0 {
				continue
			}
			progress = true
			work := pending[o]
			pending[o] = nil
			if reached[o] == nil {
				reached[o] = make([]bool, len(o.Funcs))
			}
			seen := reached[o]
			cs := cutOf(o)
			for len(work) > 0 {
				f := work[len(work)-1]
				work = work[:len(work)-1]
				if f < 0 || int(f) >= len(o.Funcs) || seen[f] || cs[f] {
					continue
				}
				seen[f] = true
				fn := &o.Funcs[f]
				for _, nr := range fn.Sites {
					c.add(int(nr), fmt.Sprintf("%s: syscall site in %s", base(o), fn.name()), libraryRank)
				}
				for _, nr := range fn.CallSites {
					c.add(int(nr), fmt.Sprintf("%s: syscall(SYS_%s) call site in %s", base(o), recording.Name(recording.X86_64, int(nr)), fn.name()), libraryRank)
				}
				for _, i := range fn.ImpCalls {
					use(o, o.Imports[i], libraryRank)
				}
				for _, i := range fn.ImpRefs {
					use(o, o.Imports[i], libraryRank)
				}
				succ(o, 0, int(f), func(w int) {
					if w < len(o.Funcs) && !seen[w] {
						work = append(work, int32(w))
					}
				})
			}
		}
	}
	for _, o := range scope {
		if !precise(o) {
			continue
		}
		for _, f := range o.Init {
			roots[o] = append(roots[o], root{[]int32{f}, fmt.Sprintf("%s (constructor %s)", base(o), o.Funcs[f].name()), startupRank})
		}
		for _, f := range o.AtExit {
			roots[o] = append(roots[o], root{[]int32{f}, fmt.Sprintf("%s (exit handler %s)", base(o), o.Funcs[f].name()), startupRank})
		}
		for _, e := range o.Exports {
			if e.Name == "__libc_early_init" {
				roots[o] = append(roots[o], root{[]int32{e.Func}, fmt.Sprintf("ld.so start-up → %s:%s", base(o), e.Name), startupRank})
			}
		}
	}
	// ld.so's own start-up: what its entry point reaches, following the
	// functions whose address reachable code takes (dl_main is passed to
	// _dl_sysdep_start as a pointer).
	// What libc reaches through those pointers (dlopen, NSS, gconv) is
	// what the functions _rtld_global_ro points to reach: the loader.
	var loader nrset
	if ldso != nil && ldso.Entry >= 0 {
		reach := closure(ldso, cutOf(ldso), 0)
		for _, nr := range reach[ldso.Entry].nrs.list() {
			c.add(nr, base(ldso)+" (start-up)", startupRank)
		}
		for _, h := range ldso.Hooks {
			loader.or(&reach[h].nrs)
		}
	}
	for _, o := range scope {
		rs := roots[o]
		if len(rs) == 0 {
			continue
		}
		cs := cutOf(o)
		installed := uint64(0)
		for _, t := range o.Defaults {
			installed |= 1 << t
		}
		var rch []reach
		for {
			rch = closure(o, cs, installed)
			more := installed
			for _, r := range rs {
				for _, f := range r.funcs {
					more |= rch[f].tables
				}
			}
			if more == installed {
				break
			}
			installed = more
		}
		for _, r := range rs {
			var u reach
			for _, f := range r.funcs {
				u.or(&rch[f])
			}
			rank := r.rank + u.nrs.count()
			for _, nr := range u.nrs.list() {
				via := r.via
				if a.opts.Trace {
					via += " [" + strings.Join(path(o, cs, installed, r.funcs, int32(nr)), " → ") + "]"
				}
				c.add(nr, via, rank)
			}
			for i, m := range models {
				if u.models&(1<<i) == 0 {
					continue
				}
				via := fmt.Sprintf("%s (%s)", r.via, m.why)
				if a.opts.Trace {
					via += " [" + strings.Join(path(o, cs, installed, r.funcs, int32(-1-i)), " → ") + "]"
				}
				for _, nr := range loader.list() {
					c.add(nr, via, rank+startupRank)
				}
			}
		}
	}
	for _, o := range scope {
		if unbound[o] > 0 && o == exe {
			res.Notes = append(res.Notes, fmt.Sprintf("%s: %d imports bound to no analysed library (weak or provided by a library loaded later)", base(o), unbound[o]))
		}
	}
	if exe.Interp == "" && exe.Kind == kindDynamic {
		res.Notes = append(res.Notes, "no program interpreter: ld.so's start-up is not included")
	}
	for _, o := range scope {
		for _, m := range o.Imports {
			if strings.HasPrefix(m.Name, "getpw") || strings.HasPrefix(m.Name, "getaddrinfo") || strings.HasPrefix(m.Name, "gethostby") || strings.HasPrefix(m.Name, "getgr") {
				res.Notes = append(res.Notes, "NSS modules (libnss_*) are analysed when the tracer saw them loaded (Options.Loaded); ld.so's loading syscalls stand in for them")
				return nil
			}
		}
	}
	return nil
}

func base(o *object) string {
	if o.Soname != "" {
		return o.Soname
	}
	return filepath.Base(o.Path)
}

// collector gathers syscalls with their explanations.
type collector struct {
	prog string
	via  map[int]map[string]int // nr -> explanation -> rank
}

func newCollector(prog string) *collector {
	return &collector{prog: prog, via: map[int]map[string]int{}}
}

func (c *collector) add(nr int, via string, rank int) {
	m := c.via[nr]
	if m == nil {
		m = map[string]int{}
		c.via[nr] = m
	}
	if r, ok := m[via]; !ok || rank < r {
		m[via] = rank
	}
}

// allSites adds every syscall instruction and constant wrapper argument in
// o's code.
func (c *collector) allSites(o *object, name string, rank int) {
	for i := range o.Funcs {
		f := &o.Funcs[i]
		for _, nr := range f.Sites {
			c.add(int(nr), fmt.Sprintf("%s: syscall site in %s", name, f.name()), rank)
		}
		for _, nr := range f.CallSites {
			c.add(int(nr), fmt.Sprintf("%s: syscall(SYS_%s) call site in %s", name, recording.Name(recording.X86_64, int(nr)), f.name()), rank)
		}
	}
}

// Ranks order a syscall's explanations: the program's own import or site
// first, then the most specific (an import that reaches few syscalls), a
// library's imports after the program's, start-up and models last.
const (
	libraryRank = 100
	startupRank = 1000
)

// wholeLibraries takes every syscall site and import of a library not
// from glibc, instead of following it from what is imported from it: the
// coarser rule, kept to measure what following gains.
const wholeLibraries = false

// maxVia bounds the explanations kept per syscall.
const maxVia = 3

func (c *collector) result() []Syscall {
	var out []Syscall
	for nr, m := range c.via {
		type v struct {
			s    string
			rank int
		}
		var vs []v
		for s, r := range m {
			vs = append(vs, v{s, r})
		}
		sort.Slice(vs, func(i, j int) bool {
			if vs[i].rank != vs[j].rank {
				return vs[i].rank < vs[j].rank
			}
			return vs[i].s < vs[j].s
		})
		s := Syscall{Nr: nr, Name: recording.Name(recording.X86_64, nr)}
		for i := 0; i < len(vs) && i < maxVia; i++ {
			s.Via = append(s.Via, vs[i].s)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Nr < out[j].Nr })
	return out
}
