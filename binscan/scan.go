package binscan

import (
	"debug/elf"
	"encoding/binary"
	"slices"
	"sort"

	"golang.org/x/arch/x86/x86asm"
)

// maxNr bounds syscall numbers: x86-64's table ends below 512; a larger
// constant in eax is not a syscall number (x32's carry bit 30).
const maxNr = 512

// ctlInsn is an instruction as the noreturn and dying analyses see it.
type ctlInsn struct {
	kind   uint8
	callee int32 // function, or ^import for an import
	next   int32 // jump target index (intra-function), or -1
}

const (
	cOther    uint8 = iota // falls through
	cStop                  // hlt, ud2: no successor
	cRet                   // ret, indirect jmp: leaves normally
	cJcc                   // conditional jump: next and fall-through
	cJmp                   // jump inside the function: next only
	cTail                  // jump to another function or import
	cCall                  // direct call: falls through if the callee returns
	cUnknown               // jump somewhere unknown: treated as leaving normally
	cCondTail              // conditional jump to another function: falls through, or leaves
)

// noCallee marks a control transfer whose target is not known.
const noCallee = -1 << 30

// scan disassembles every function once and records its syscall sites,
// direct calls, address references and control summary.
func (b *builder) scan() error {
	o := b.o
	b.ctl = make([][]ctlInsn, len(o.Funcs))
	b.wcalls = make([][]wcall, len(o.Funcs))
	b.impIdx = map[int]int32{}
	var buf []insn
	ranges := make([]codeRange, len(o.Funcs))
	for fi := range o.Funcs {
		f := &o.Funcs[fi]
		ranges[fi] = codeRange{code: b.code(f), start: f.Start, end: f.End}
		if fi+1 < len(o.Funcs) {
			if next := &o.Funcs[fi+1]; next.Start == f.End && b.gaps[next.Start] {
				ranges[fi].join = true
				ranges[fi].ext = b.code(&fn{Start: f.Start, End: next.End})
			}
		}
	}
	pre := newPredecoder(ranges)
	if pre != nil {
		defer pre.close()
	}
	for fi := range o.Funcs {
		f := &o.Funcs[fi]
		code := b.code(f)
		var joined []insn // decoded with the gap after it, if it falls into one
		if pre != nil {
			// Taken in order even when unused, to move on to the next batch.
			ins, ext, r, ok := pre.get(fi)
			if ok && code != nil && r.code != nil && r.start == f.Start && r.end == f.End {
				buf, joined = ins, ext
				code = r.code
			} else if code != nil {
				buf = decode(code, f.Start, nil)
			}
		} else if code != nil {
			buf = decode(code, f.Start, buf)
		}
		if code == nil {
			continue
		}
		b.scanFunc(fi, buf, joined)
	}
	// IRELATIVE PLT slots call the resolver's choice: resolved once every
	// function's references are known.
	return nil
}

// scanFunc records one function's syscall sites, direct calls, address
// references and control summary from its instructions ins; joined, if
// not nil, are its instructions decoded together with the gap after it.
func (b *builder) scanFunc(fi int, ins, joined []insn) {
	o := b.o
	f := &o.Funcs[fi]
	// glibc's clone and clone3 end their FDE just before the syscall
	// (the child's unwind info would be wrong): code that runs on
	// into a stretch no FDE covers belongs to the function.
	if n := len(ins); n > 0 && fallsThrough(&ins[n-1]) && fi+1 < len(o.Funcs) {
		if next := &o.Funcs[fi+1]; next.Start == f.End && b.gaps[next.Start] {
			f.End, next.End = next.End, next.Start
			if len(joined) > 0 {
				ins = joined
			} else {
				ins = decode(b.code(f), f.Start, nil)
			}
		}
	}
	var g *cfg
	ctl := make([]ctlInsn, len(ins))
	refs := map[int32]bool{}
	calls := map[int32]bool{}
	for i := range ins {
		in := &ins[i]
		c := &ctl[i]
		c.next = -1
		switch in.Op {
		case x86asm.SYSCALL:
			if g == nil {
				g = newCFG(ins)
			}
			b.site(f, g.resolve(i, regLoc(rAX)))
			continue
		case x86asm.RET, x86asm.LRET:
			c.kind = cRet
			continue
		case x86asm.HLT, x86asm.UD2:
			c.kind = cStop
			continue
		case bad:
			continue
		}
		// Operands: address references (lea, mov, imm) and GOT loads.
		for _, a := range in.Args {
			switch a := a.(type) {
			case x86asm.Mem:
				if a.Base != x86asm.RIP {
					continue
				}
				addr := in.addr + uint64(in.Len) + uint64(a.Disp)
				if in.Op == x86asm.CALL || in.Op == x86asm.JMP {
					continue // handled below
				}
				if in.Op == x86asm.LEA {
					b.ref(f, addr, refs)
				} else if s, ok := b.got[addr]; ok && s.sym > 0 {
					// mov reg, [rip+GOT]: the address of a symbol.
					if t := b.ownFunc(s.sym); t >= 0 {
						refs[t] = true
					} else if i := b.importOf(s.sym); i >= 0 {
						f.ImpRefs = appendUniq(f.ImpRefs, i)
					}
				}
			case x86asm.Imm:
				// Non-PIE code takes addresses as immediates.
				if a > 0x1000 && b.ef.Type == elf.ET_EXEC {
					if t := b.funcAt(uint64(a)); t >= 0 && o.Funcs[t].Start == uint64(a) {
						refs[int32(t)] = true
					}
				}
			}
		}
		if in.Op != x86asm.CALL && !isJump(in.Op) {
			continue
		}
		t, direct := target(in)
		if !direct {
			// Through memory: a GOT slot is as good as a PLT stub.
			if m, ok := in.Args[0].(x86asm.Mem); ok && m.Base == x86asm.RIP {
				slot := in.addr + uint64(in.Len) + uint64(m.Disp)
				b.callSlot(f, fi, c, in, slot, calls)
			} else if in.Op == x86asm.JMP {
				c.kind = cUnknown
			}
			continue
		}
		if in.Op != x86asm.CALL && t >= f.Start && t < f.End {
			c.kind = cJcc
			if in.Op == x86asm.JMP {
				c.kind = cJmp
			}
			if g == nil {
				g = newCFG(ins)
			}
			c.next = int32(g.index(t))
			if c.next < 0 {
				c.kind = cUnknown // into the middle of an instruction
			}
			continue
		}
		if in.Op != x86asm.CALL && in.Op != x86asm.JMP {
			// A conditional jump to another function: a tail call on
			// one branch.
			c.kind = cCondTail
			c.callee = noCallee
			if tf := b.funcAt(t); tf >= 0 {
				c.callee = int32(tf)
				calls[int32(tf)] = true
				b.wcalls[fi] = append(b.wcalls[fi], wcall{in.addr, int32(tf)})
			}
			continue
		}
		if slot, ok := b.pltSlot(t); ok {
			b.callSlot(f, fi, c, in, slot, calls)
			continue
		}
		c.kind = cCall
		if in.Op == x86asm.JMP {
			c.kind = cTail
		}
		tf := b.funcAt(t)
		if tf < 0 {
			c.kind = cUnknown
			continue
		}
		c.callee = int32(tf)
		if tf != fi {
			calls[int32(tf)] = true
		}
		b.wcalls[fi] = append(b.wcalls[fi], wcall{in.addr, int32(tf)})
	}
	f.Calls = sortedKeys(calls)
	delete(refs, int32(fi))
	f.Refs = sortedKeys(refs)
	b.ctl[fi] = ctl
}

// site records what data flow found for one syscall instruction.
func (b *builder) site(f *fn, v values) {
	b.o.Sites++
	for _, c := range v.consts {
		if c >= 0 && c < maxNr {
			f.Sites = appendUniq(f.Sites, int32(c))
		} else {
			v.unknown = true
		}
	}
	v = plausible(v)
	for _, p := range v.params {
		f.Params = appendParam(f.Params, paramOf(p))
	}
	if v.unknown || len(v.consts)+len(v.params) == 0 {
		f.Unres++
	}
}

// maxParams bounds the entry locations one function may pass on as a
// syscall number: real wrappers take it in one place.
const maxParams = 2

// plausible keeps the entry locations that can hold an argument: a
// register, or a stack slot above the return address. Anything else (the
// return address itself, below the stack pointer) is garbage, and so is
// a value that comes from more places than a wrapper's one argument.
func plausible(v values) values {
	var ps []loc
	for _, p := range v.params {
		if p.slot && (p.reg != rSP || p.disp < 8) {
			v.unknown = true
			continue
		}
		ps = append(ps, p)
	}
	if len(ps) > maxParams {
		v.unknown = true
		ps = nil
	}
	v.params = ps
	return v
}

// ref records an address the function takes.
func (b *builder) ref(f *fn, addr uint64, refs map[int32]bool) {
	if b.vt != nil && addr >= b.vt.Addr && addr <= b.vt.Addr+b.vt.Size {
		if addr == b.vt.Addr {
			f.Dispatch = true // the start of the section: vtable validation
		} else if t, ok := b.vtStart[addr]; ok {
			f.TableRefs = appendUniq(f.TableRefs, t)
		}
		return
	}
	if t := b.funcAt(addr); t >= 0 && b.o.Funcs[t].Start == addr {
		refs[int32(t)] = true
	}
}

// callSlot records a call or jump through a GOT slot (directly, or via a
// PLT stub).
func (b *builder) callSlot(f *fn, fi int, c *ctlInsn, in *insn, slot uint64, calls map[int32]bool) {
	c.kind = cCall
	if in.Op == x86asm.JMP {
		c.kind = cTail
	} else if in.Op != x86asm.CALL {
		c.kind = cOther
	}
	s, ok := b.got[slot]
	switch {
	case !ok:
		c.kind = cUnknown
	case s.isRel:
		if r := b.funcAt(uint64(s.irel)); r >= 0 {
			f.IRel = appendUniq(f.IRel, int32(r))
		}
		c.kind = cUnknown // whichever implementation: it returns
		if in.Op == x86asm.CALL {
			c.kind = cOther
		}
	default:
		if t := b.ownFunc(s.sym); t >= 0 {
			// A call to one of its own exports through the PLT: bound
			// to itself unless another object interposes (then that
			// object's code is analysed as its own import).
			calls[t] = true
			c.callee = t
			b.wcalls[fi] = append(b.wcalls[fi], wcall{in.addr, t})
			return
		}
		i, ok := b.impIdx[s.sym]
		if !ok {
			i = b.importOf(s.sym)
			b.impIdx[s.sym] = i
		}
		if i < 0 {
			c.kind = cUnknown
			return
		}
		f.ImpCalls = appendUniq(f.ImpCalls, i)
		c.callee = ^i
		if b.o.Imports[i].Name == "syscall" {
			b.wcalls[fi] = append(b.wcalls[fi], wcall{in.addr, -1})
		}
	}
}

// ownFunc returns the function a defined dynamic symbol names, or -1.
func (b *builder) ownFunc(sym int) int32 {
	if sym <= 0 || sym > len(b.dynsyms) {
		return -1
	}
	s := b.dynsyms[sym-1]
	if s.Section == elf.SHN_UNDEF || s.Value == 0 {
		return -1
	}
	t := elf.ST_TYPE(s.Info)
	if t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC {
		return -1
	}
	i := b.funcAt(s.Value)
	if i < 0 || b.o.Funcs[i].Start != s.Value {
		return -1
	}
	return int32(i)
}

// importOf returns the import an undefined dynamic symbol is, adding it.
func (b *builder) importOf(sym int) int32 {
	if sym <= 0 || sym > len(b.dynsyms) {
		return -1
	}
	s := b.dynsyms[sym-1]
	if s.Section != elf.SHN_UNDEF {
		return -1
	}
	for i, m := range b.o.Imports {
		if m.Name == s.Name && m.Version == s.Version {
			return int32(i)
		}
	}
	b.o.Imports = append(b.o.Imports, imp{Name: s.Name, Version: s.Version, Library: s.Library})
	return int32(len(b.o.Imports) - 1)
}

// wrappers finds the functions that take a syscall number as an argument
// (syscall(2), Go's Syscall6 and the chain of wrappers above it) and
// resolves the numbers their callers pass, until nothing changes.
func (b *builder) wrappers() {
	o := b.o
	isWrapper := func(c int32) bool { return c == -1 || len(o.Funcs[c].Params) > 0 }
	callers := map[int32][]int32{}
	addCallers := func(fi int) {
		for _, w := range b.wcalls[fi] {
			callers[w.callee] = append(callers[w.callee], int32(fi))
		}
	}
	for fi := range b.wcalls {
		addCallers(fi)
	}
	// A sparse scan decodes a new wrapper's callers only once it is one.
	grow := func(ws []int32) {
		if b.sparse != nil && len(ws) > 0 {
			for _, fi := range b.callersOf(ws) {
				addCallers(fi)
			}
		}
	}
	queue := map[int32]bool{}
	var ws []int32
	for fi := range o.Funcs {
		if len(o.Funcs[fi].Params) > 0 {
			ws = append(ws, int32(fi))
		}
	}
	grow(ws)
	for _, w := range ws {
		for _, c := range callers[w] {
			queue[c] = true
		}
	}
	for _, c := range callers[-1] {
		queue[c] = true
	}
	unres := map[int32]int32{} // call sites of wrappers left unknown, per function
	var buf []insn
	for round := 0; len(queue) > 0 && round < 50; round++ {
		next := map[int32]bool{}
		var changed, grown []int32
		for _, fi := range sortedKeys(queue) {
			f := &o.Funcs[fi]
			buf = decode(b.code(f), f.Start, buf)
			g := newCFG(buf)
			before := len(f.Params)
			unres[fi] = 0
			for _, w := range b.wcalls[fi] {
				if !isWrapper(w.callee) {
					continue
				}
				i := g.index(w.at)
				if i < 0 {
					continue
				}
				ps := []param{{Reg: rDI}} // syscall(2): the number is the first argument
				if w.callee >= 0 {
					ps = o.Funcs[w.callee].Params
				}
				for _, p := range ps {
					l := p.loc()
					if l.slot {
						if l.reg != rSP {
							unres[fi]++
							continue
						}
						l.disp -= 8 // the return address the call pushes
					}
					v := plausible(g.resolve(i, l))
					for _, c := range v.consts {
						if c >= 0 && c < maxNr {
							f.CallSites = appendUniq(f.CallSites, int32(c))
						} else {
							v.unknown = true
						}
					}
					for _, q := range v.params {
						if len(f.Params) < maxParams {
							f.Params = appendParam(f.Params, paramOf(q))
						} else {
							v.unknown = true
						}
					}
					if v.unknown || len(v.consts)+len(v.params) == 0 {
						unres[fi]++
					}
				}
			}
			if len(f.Params) != before {
				changed = append(changed, fi)
				if before == 0 {
					grown = append(grown, fi)
				}
			}
		}
		grow(grown)
		for _, fi := range changed {
			for _, c := range callers[fi] {
				next[c] = true
			}
		}
		queue = next
	}
	for fi, n := range unres {
		o.Funcs[fi].Unres += n
	}
}

// orphans counts as unresolved the syscall sites of wrappers nothing
// calls directly nor exports: their numbers come from callers binscan
// does not see (a function pointer), or from code it decoded wrongly.
func (b *builder) orphans() {
	o := b.o
	used := make([]bool, len(o.Funcs))
	for _, ws := range b.wcalls {
		for _, w := range ws {
			if w.callee >= 0 {
				used[w.callee] = true
			}
		}
	}
	for _, e := range o.Exports {
		used[e.Func] = true
	}
	for i := range o.Funcs {
		if f := &o.Funcs[i]; len(f.Params) > 0 && !used[i] {
			f.Unres++
		}
	}
}

// exports lists the object's defined dynamic functions.
func (b *builder) exports() {
	o := b.o
	for i, s := range b.dynsyms {
		t := elf.ST_TYPE(s.Info)
		if s.Section == elf.SHN_UNDEF {
			if t == elf.STT_FUNC || t == elf.STT_NOTYPE || t == elf.STT_GNU_IFUNC {
				b.importOf(i + 1)
			}
			continue
		}
		if t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC {
			continue
		}
		fi := b.funcAt(s.Value)
		if fi < 0 {
			continue
		}
		o.Exports = append(o.Exports, export{
			Name: s.Name, Version: s.Version, Func: int32(fi),
			Hidden: s.HasVersion && s.VersionIndex.IsHidden(),
			IFunc:  t == elf.STT_GNU_IFUNC,
		})
	}
	sort.Slice(o.Exports, func(i, j int) bool {
		a, c := o.Exports[i], o.Exports[j]
		if a.Name != c.Name {
			return a.Name < c.Name
		}
		return a.Version < c.Version
	})
}

// roots records the entry point, constructors, destructors and glibc's
// exit hooks.
func (b *builder) roots() {
	o := b.o
	// Functions and imports whose address initialised data holds
	// (method tables, callbacks): reachable whenever the object is.
	for _, sec := range b.ef.Sections {
		if sec.Flags&elf.SHF_ALLOC == 0 || sec.Flags&elf.SHF_EXECINSTR != 0 || sec.Type == elf.SHT_NOBITS || sec == b.vt {
			continue
		}
		if sec.Flags&elf.SHF_WRITE == 0 && sec.Name != ".data.rel.ro" {
			continue
		}
		d := b.sectionData(sec)
		for off := 0; off+8 <= len(d); off += 8 {
			v := binary.LittleEndian.Uint64(d[off:])
			if v == 0 {
				v = b.relval[sec.Addr+uint64(off)]
			}
			if v != 0 && b.inText(v) {
				if i := b.funcAt(v); i >= 0 && o.Funcs[i].Start == v {
					o.DataRefs = appendUniqSorted(o.DataRefs, int32(i))
				}
			}
		}
	}
	for _, i := range b.dataImps {
		o.DataImps = appendUniq(o.DataImps, i)
	}
	for _, t := range b.dataOwn {
		o.DataRefs = appendUniqSorted(o.DataRefs, t)
	}
	if b.ef.Entry != 0 {
		if i := b.funcAt(b.ef.Entry); i >= 0 {
			o.Entry = int32(i)
		}
	}
	add := func(list *[]int32, addr uint64) {
		if i := b.funcAt(addr); i >= 0 && o.Funcs[i].Start == addr {
			*list = appendUniq(*list, int32(i))
		}
	}
	for _, tag := range []elf.DynTag{elf.DT_INIT, elf.DT_FINI} {
		if v, err := b.ef.DynValue(tag); err == nil {
			for _, a := range v {
				add(&o.Init, a)
			}
		}
	}
	for _, name := range []string{".init_array", ".fini_array", ".preinit_array", ".ctors", ".dtors"} {
		if s := b.ef.Section(name); s != nil {
			for a := s.Addr; a+8 <= s.Addr+s.Size; a += 8 {
				add(&o.Init, b.word(a))
			}
		}
	}
	// ld.so hands libc its loader through function pointers in
	// _rtld_global_ro: dlopen, NSS and gconv reach ld.so only that way.
	for _, s := range b.dynsyms {
		if s.Name == "_rtld_global_ro" && elf.ST_TYPE(s.Info) == elf.STT_OBJECT {
			for a := s.Value; a+8 <= s.Value+s.Size; a += 8 {
				add(&o.Hooks, b.word(a))
			}
		}
	}
	if s := b.ef.Section("__libc_atexit"); s != nil {
		for a := s.Addr; a+8 <= s.Addr+s.Size; a += 8 {
			add(&o.AtExit, b.word(a))
		}
	}
}

func sortedKeys(m map[int32]bool) []int32 {
	if len(m) == 0 {
		return nil
	}
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func appendUniq(s []int32, v int32) []int32 {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func appendUniqSorted(s []int32, v int32) []int32 {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

func appendParam(s []param, p param) []param {
	for _, x := range s {
		if x == p {
			return s
		}
	}
	return append(s, p)
}
