package binscan

import (
	"math/bits"
	"slices"
	"strings"
)

// nrset is a set of syscall numbers below maxNr.
type nrset [maxNr / 64]uint64

func (s *nrset) add(nr int32)    { s[nr/64] |= 1 << (nr % 64) }
func (s *nrset) has(nr int) bool { return s[nr/64]&(1<<(nr%64)) != 0 }
func (s *nrset) or(t *nrset) {
	for i := range s {
		s[i] |= t[i]
	}
}
func (s *nrset) count() (n int) {
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}
func (s *nrset) list() []int {
	var out []int
	for i := 0; i < maxNr; i++ {
		if s.has(i) {
			out = append(out, i)
		}
	}
	return out
}

// reach is what a function can reach: syscall numbers, the stdio vtables
// it installs, and the modelled indirect targets.
type reach struct {
	nrs    nrset
	tables uint64
	models uint64
}

func (r *reach) or(t *reach) {
	r.nrs.or(&t.nrs)
	r.tables |= t.tables
	r.models |= t.models
}

// A model stands for code a library reaches only through a pointer binscan
// does not follow: the calls into ld.so that load a library.
type model struct {
	names  []string // functions (any alias) that make the indirect call
	prefix string   // or every function whose name starts with it
	why    string
}

// models is the whole table of modelled indirect targets. Each adds the
// syscalls ld.so makes to load a library (its start-up closure: open,
// read, mmap, mprotect, close, fstat, ...), because each ends in ld.so's
// _dl_open or _dl_catch_error through a function pointer in
// _rtld_global_ro. The modules they load are analysed only when the tracer
// saw them loaded (Options.Loaded).
var models = []model{
	{names: []string{"dlopen", "dlmopen", "__libc_dlopen_mode"},
		why: "dlopen: ld.so maps the library"},
	{prefix: "__nss_",
		why: "NSS: ld.so loads the NSS modules nsswitch.conf names"},
	{names: []string{"_dl_catch_error", "_dl_catch_exception", "__libc_dlsym", "__libc_dlvsym", "dlsym", "dlvsym"},
		why: "calls into ld.so, which may load a library"},
	{names: []string{"iconv_open", "__gconv_open"},
		why: "iconv: ld.so loads gconv modules"},
	{names: []string{"pthread_exit", "pthread_cancel", "backtrace"},
		why: "unwinding: ld.so loads libgcc_s"},
}

// stdio vtable dispatch is modelled from the binary itself (see
// builder.vtables): a function that validates a vtable pointer reaches
// every function of every vtable installed in the program.

// closure computes what every function of o reaches, not following calls
// into cut functions, with dispatching functions reaching the functions of
// the installed vtables.
func closure(o *object, cut []bool, installed uint64) []reach {
	n := len(o.Funcs)
	disp := n // the pseudo-node of the vtable dispatch
	own := make([]reach, n+1)
	for i := range o.Funcs {
		f := &o.Funcs[i]
		for _, nr := range f.Sites {
			own[i].nrs.add(nr)
		}
		for _, nr := range f.CallSites {
			own[i].nrs.add(nr)
		}
		for _, t := range f.TableRefs {
			if t < 64 {
				own[i].tables |= 1 << t
			}
		}
		own[i].models = modelsOf(f)
	}
	succ := func(v int, visit func(int)) { succ(o, installed, v, visit) }
	// Tarjan's strongly connected components; every member of a component
	// reaches the same set.
	index := make([]int32, n+1)
	low := make([]int32, n+1)
	onStack := make([]bool, n+1)
	comp := make([]int32, n+1)
	for i := range index {
		index[i] = -1
		comp[i] = -1
	}
	var stack []int32
	var comps []reach
	next := int32(0)
	var strong func(v int)
	strong = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, int32(v))
		onStack[v] = true
		succ(v, func(w int) {
			if w != disp && cut[w] {
				return
			}
			if index[w] < 0 {
				strong(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		})
		if low[v] != index[v] {
			return
		}
		c := int32(len(comps))
		var r reach
		var members []int32
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			comp[w] = c
			members = append(members, w)
			r.or(&own[w])
			if int(w) == v {
				break
			}
		}
		// Components finish in reverse topological order: successors
		// outside this one are complete.
		for _, w := range members {
			succ(int(w), func(x int) {
				if x != disp && cut[x] {
					return
				}
				if comp[x] != c && comp[x] >= 0 {
					r.or(&comps[comp[x]])
				}
			})
		}
		comps = append(comps, r)
	}
	out := make([]reach, n)
	for v := 0; v < n; v++ {
		if index[v] < 0 {
			strong(v)
		}
		out[v] = comps[comp[v]]
	}
	return out
}

// succ calls visit for every function v calls, jumps to or takes the
// address of; the pseudo-node len(o.Funcs) is the stdio vtable dispatch,
// which reaches the functions of the installed vtables.
func succ(o *object, installed uint64, v int, visit func(int)) {
	disp := len(o.Funcs)
	if v == disp {
		for t, fs := range o.Tables {
			if installed&(1<<t) != 0 {
				for _, f := range fs {
					visit(int(f))
				}
			}
		}
		return
	}
	f := &o.Funcs[v]
	for _, c := range f.Calls {
		visit(int(c))
	}
	// A function whose address reachable code takes may be called
	// through the pointer (pthread_create's start_thread, sigaction's
	// __restore_rt, ld.so's dl_main).
	for _, c := range f.Refs {
		visit(int(c))
	}
	// An IRELATIVE PLT slot runs one of the implementations its resolver
	// takes the address of.
	for _, r := range f.IRel {
		for _, c := range o.Funcs[r].Refs {
			visit(int(c))
		}
	}
	if f.Dispatch {
		visit(disp)
	}
}

// path returns the shortest chain of functions from one of roots to a
// function whose own code makes syscall nr (or calls into a model when nr
// is -1-model), not entering cut functions.
func path(o *object, cut []bool, installed uint64, roots []int32, nr int32) []string {
	n := len(o.Funcs)
	prev := make([]int32, n+1)
	for i := range prev {
		prev[i] = -2
	}
	var queue []int32
	for _, r := range roots {
		if prev[r] == -2 {
			prev[r] = -1
			queue = append(queue, r)
		}
	}
	hit := func(v int32) bool {
		if int(v) == n {
			return false
		}
		f := &o.Funcs[v]
		if nr < 0 {
			return modelsOf(f)&(1<<(-1-nr)) != 0
		}
		return slices.Contains(f.Sites, nr) || slices.Contains(f.CallSites, nr)
	}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		if hit(v) {
			var out []string
			for ; v >= 0; v = prev[v] {
				if int(v) == n {
					out = append(out, "(stdio vtable)")
				} else {
					out = append(out, o.Funcs[v].name())
				}
			}
			slices.Reverse(out)
			return out
		}
		succ(o, installed, int(v), func(w int) {
			if (w == n || !cut[w]) && prev[w] == -2 {
				prev[w] = v
				queue = append(queue, int32(w))
			}
		})
	}
	return nil
}

func modelsOf(f *fn) uint64 {
	var m uint64
	for i, md := range models {
		for _, name := range f.Names {
			if slices.Contains(md.names, name) || md.prefix != "" && strings.HasPrefix(name, md.prefix) {
				m |= 1 << i
			}
		}
	}
	return m
}

// cutSet marks the functions whose paths are not followed: those named in
// names (any alias), and, when names is not empty, those that only die.
func cutSet(o *object, names []string) []bool {
	cut := make([]bool, len(o.Funcs))
	if len(names) == 0 {
		return cut
	}
	set := map[string]bool{}
	for _, n := range names {
		set[n] = true
	}
	for i := range o.Funcs {
		f := &o.Funcs[i]
		cut[i] = f.Dying
		for _, n := range f.Names {
			cut[i] = cut[i] || set[n]
		}
	}
	return cut
}
