package binscan

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"debug/gosym"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// object is what binscan learns from one ELF file's code, independent of
// the program that loads it: the expensive part, cached per build ID.
// Fields are exported for encoding/gob only.
type object struct {
	Path      string
	BuildID   string
	Soname    string
	Kind      string // kindDynamic, kindStatic, kindGo, kindShared, kindOther
	GoVersion string
	Interp    string
	Needed    []string
	Runpath   []string // DT_RUNPATH entries, $ORIGIN not expanded (the cache is per build ID, not per path)
	Rpath     []string // DT_RPATH entries, likewise
	Funcs     []fn     // sorted by Start
	Exports   []export
	Imports   []imp
	Tables    [][]int32 // stdio vtables: the functions in each
	Defaults  []int32   // vtables installed by initialised data (stdin, stdout, stderr)
	Init      []int32   // constructors and destructors
	AtExit    []int32   // functions in glibc's __libc_atexit section, run by exit
	Hooks     []int32   // ld.so: the functions _rtld_global_ro points to (libc calls them: _dl_open, ...)
	DataRefs  []int32   // functions whose address initialised data holds
	DataImps  []int32   // imports whose address initialised data holds
	Entry     int32     // function at e_entry, or -1
	Sites     int       // syscall instructions
	Unres     int       // syscall instructions and wrapper calls whose number is unknown
}

const (
	kindDynamic = "dynamic" // a dynamically linked executable
	kindStatic  = "static"  // a statically linked executable
	kindGo      = "go"      // a Go executable (static or not)
	kindShared  = "shared"  // a shared library
	kindOther   = "other"   // not analysed (another machine, no code)
)

// fn is one function: an .eh_frame FDE, a symbol, a pclntab entry, or a
// stretch of code none of them covers.
type fn struct {
	Start, End uint64
	Names      []string
	Sites      []int32 // numbers at its syscall instructions
	CallSites  []int32 // numbers it passes to a wrapper (syscall(2), Go's Syscall6, ...)
	Calls      []int32 // functions it calls or jumps to directly
	Refs       []int32 // functions whose address it takes
	ImpCalls   []int32 // imports it calls
	ImpRefs    []int32 // imports whose address it loads from the GOT
	IRel       []int32 // IFUNC resolvers of the IRELATIVE PLT slots it calls
	TableRefs  []int32 // stdio vtables it installs
	Dispatch   bool    // it calls through a (validated) stdio vtable
	Params     []param // entry locations whose value becomes a syscall number
	Unres      int32
	Dying      bool // every path ends in abort() & co: see dying.go
}

type param struct {
	Slot bool
	Reg  int8
	Disp int32
}

func (p param) loc() loc  { return loc{slot: p.Slot, reg: p.Reg, disp: p.Disp} }
func paramOf(l loc) param { return param{Slot: l.slot, Reg: l.reg, Disp: l.disp} }
func (f *fn) name() string {
	if len(f.Names) == 0 {
		return fmt.Sprintf("%#x", f.Start)
	}
	return f.Names[0]
}

type export struct {
	Name, Version string
	Hidden        bool // not the default version (name@VER, not name@@VER)
	Func          int32
	IFunc         bool
}

type imp struct {
	Name, Version, Library string
}

// gotSlot is what a GOT entry is relocated to.
type gotSlot struct {
	sym   int   // dynamic symbol index + 1, or 0
	irel  int64 // IRELATIVE: the resolver's address
	isRel bool
}

// builder holds what building an object needs and the cache does not keep.
type builder struct {
	ef       *elf.File
	o        *object
	dynsyms  []elf.Symbol
	got      map[uint64]gotSlot
	relval   map[uint64]uint64 // RELATIVE relocations: offset -> value
	plt      []*elf.Section
	text     []*elf.Section
	data     map[*elf.Section][]byte
	vt       *elf.Section
	vtStart  map[uint64]int32 // table start -> table
	ctl      [][]ctlInsn
	wcalls   [][]wcall
	impIdx   map[int]int32 // dynsym index+1 -> import
	sparse   *sparse       // set when only syscall sites are wanted: see sparse.go
	goNames  map[uint64]string
	dataSym  []int // R_X86_64_64 relocations' symbols: addresses stored in data
	dataImps []int32
	dataOwn  []int32
	gaps     map[uint64]bool // functions no FDE or symbol delimits
}

// wcall is a direct call whose callee may turn out to take a syscall
// number as an argument.
type wcall struct {
	at     uint64
	callee int32 // function, or -1 for the import syscall(2)
}

// fullScan decodes every function of a program too, as of a library:
// for TestSparseScanMatchesFull.
var fullScan = false

func buildObject(path string, r io.ReaderAt) (*object, error) {
	ef, err := elf.NewFile(r)
	if err != nil {
		return nil, err
	}
	o := &object{Path: path, Entry: -1, BuildID: buildID(ef)}
	if ef.Machine != elf.EM_X86_64 || ef.Class != elf.ELFCLASS64 {
		o.Kind = kindOther
		return o, nil
	}
	b := &builder{ef: ef, o: o, data: map[*elf.Section][]byte{}}
	if err := b.dynamic(path); err != nil {
		return nil, err
	}
	switch {
	case isGo(r):
		o.Kind = kindGo
	case o.Soname != "" || ef.Type == elf.ET_DYN && o.Interp == "" && len(o.Needed) > 0:
		o.Kind = kindShared
	case len(o.Needed) == 0 && o.Interp == "":
		o.Kind = kindStatic
	default:
		o.Kind = kindDynamic
	}
	if o.Kind == kindGo {
		if bi, err := buildinfo.Read(r); err == nil {
			o.GoVersion = bi.GoVersion
		}
	}
	if err := b.relocs(); err != nil {
		return nil, err
	}
	if err := b.functions(); err != nil {
		return nil, err
	}
	b.vtables()
	if o.Kind != kindShared && !fullScan {
		// Taken whole: only the syscall sites are wanted (compact).
		b.scanSparse()
		b.wrappers()
		b.exports()
		b.orphans()
		for i := range o.Funcs {
			o.Unres += int(o.Funcs[i].Unres)
		}
		return o, nil
	}
	if err := b.scan(); err != nil {
		return nil, err
	}
	for _, sym := range b.dataSym {
		if i := b.importOf(sym); i >= 0 {
			b.dataImps = append(b.dataImps, i)
		} else if t := b.ownFunc(sym); t >= 0 {
			b.dataOwn = append(b.dataOwn, t)
		}
	}
	b.wrappers()
	b.exports()
	b.orphans()
	b.roots()
	if o.Kind != kindGo {
		b.dying()
	}
	for i := range o.Funcs {
		o.Unres += int(o.Funcs[i].Unres)
	}
	return o, nil
}

// compact drops what only a library's call graph is for: Analyze takes
// every syscall an executable's code contains, and a big one (node:
// 80 MB) then loads from the cache in a few milliseconds instead of a few
// hundred.
func compact(o *object) {
	var fs []fn
	for _, f := range o.Funcs {
		if len(f.Sites)+len(f.CallSites) > 0 {
			fs = append(fs, fn{Start: f.Start, End: f.End, Names: f.Names[:min(len(f.Names), 1)], Sites: f.Sites, CallSites: f.CallSites})
		}
	}
	o.Funcs = fs
	for i := range o.Exports {
		o.Exports[i].Func = -1
	}
	o.Tables, o.Defaults, o.Init, o.AtExit, o.Hooks, o.Entry = nil, nil, nil, nil, nil, -1
}

func isGo(r io.ReaderAt) bool {
	_, err := buildinfo.Read(r)
	return err == nil
}

// buildID returns the NT_GNU_BUILD_ID note in hex, or "".
func buildID(ef *elf.File) string {
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		d, err := s.Data()
		if err != nil {
			continue
		}
		for len(d) >= 12 {
			nsz := int(binary.LittleEndian.Uint32(d))
			dsz := int(binary.LittleEndian.Uint32(d[4:]))
			typ := binary.LittleEndian.Uint32(d[8:])
			np := (nsz + 3) &^ 3
			dp := (dsz + 3) &^ 3
			if 12+np+dsz > len(d) {
				break
			}
			if typ == 3 && string(d[12:12+nsz]) == "GNU\x00" {
				return hex.EncodeToString(d[12+np : 12+np+dsz])
			}
			if 12+np+dp > len(d) {
				break
			}
			d = d[12+np+dp:]
		}
	}
	return ""
}

func (b *builder) dynamic(path string) error {
	ef, o := b.ef, b.o
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			d, err := io.ReadAll(p.Open())
			if err == nil {
				o.Interp = strings.TrimRight(string(d), "\x00")
			}
		}
	}
	if ef.Section(".dynamic") == nil {
		return nil
	}
	var err error
	if o.Needed, err = ef.DynString(elf.DT_NEEDED); err != nil {
		return fmt.Errorf("dynamic section: %w", err)
	}
	if s, _ := ef.DynString(elf.DT_SONAME); len(s) > 0 {
		o.Soname = s[0]
	}
	expand := func(list []string) []string {
		var out []string
		for _, l := range list {
			for _, d := range strings.Split(l, ":") {
				if d != "" {
					out = append(out, d)
				}
			}
		}
		return out
	}
	rp, _ := ef.DynString(elf.DT_RUNPATH)
	o.Runpath = expand(rp)
	rp, _ = ef.DynString(elf.DT_RPATH)
	o.Rpath = expand(rp)
	return nil
}

// relocs reads the dynamic relocations: what each GOT slot will hold, and
// where RELATIVE relocations put addresses (vtables, init arrays).
func (b *builder) relocs() error {
	b.got = map[uint64]gotSlot{}
	b.relval = map[uint64]uint64{}
	ds, err := b.ef.DynamicSymbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return fmt.Errorf("dynamic symbols: %w", err)
	}
	b.dynsyms = ds
	for _, s := range b.ef.Sections {
		if s.Type != elf.SHT_RELA {
			continue
		}
		d, err := s.Data()
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		for i := 0; i+24 <= len(d); i += 24 {
			off := binary.LittleEndian.Uint64(d[i:])
			info := binary.LittleEndian.Uint64(d[i+8:])
			add := int64(binary.LittleEndian.Uint64(d[i+16:]))
			switch elf.R_X86_64(info & 0xffffffff) {
			case elf.R_X86_64_JMP_SLOT, elf.R_X86_64_GLOB_DAT:
				b.got[off] = gotSlot{sym: int(info >> 32)}
			case elf.R_X86_64_64:
				b.got[off] = gotSlot{sym: int(info >> 32)}
				b.dataSym = append(b.dataSym, int(info>>32))
			case elf.R_X86_64_IRELATIVE:
				b.got[off] = gotSlot{irel: add, isRel: true}
			case elf.R_X86_64_RELATIVE:
				b.relval[off] = uint64(add)
			}
		}
	}
	return nil
}

// word returns the address-sized value at addr as the loaded program sees
// it after RELATIVE relocation (RELR and REL keep it in place, RELA in the
// addend).
func (b *builder) word(addr uint64) uint64 {
	if v, ok := b.relval[addr]; ok {
		return v
	}
	for _, s := range b.ef.Sections {
		if s.Addr <= addr && addr+8 <= s.Addr+s.Size && s.Type != elf.SHT_NOBITS && s.Flags&elf.SHF_ALLOC != 0 {
			d := b.sectionData(s)
			if d == nil {
				return 0
			}
			return binary.LittleEndian.Uint64(d[addr-s.Addr:])
		}
	}
	return 0
}

func (b *builder) sectionData(s *elf.Section) []byte {
	if d, ok := b.data[s]; ok {
		return d
	}
	d, err := s.Data()
	if err != nil {
		d = nil
	}
	b.data[s] = d
	return d
}

// functions delimits the functions: .eh_frame FDEs (or pclntab), then
// symbols, then whatever executable bytes nothing covers.
func (b *builder) functions() error {
	ef, o := b.ef, b.o
	type rng struct {
		start, end uint64
	}
	var rs []rng
	for _, s := range ef.Sections {
		if s.Flags&elf.SHF_EXECINSTR == 0 || s.Type != elf.SHT_PROGBITS {
			continue
		}
		switch s.Name {
		case ".plt", ".plt.sec", ".plt.got", ".iplt":
			b.plt = append(b.plt, s)
		default:
			b.text = append(b.text, s)
		}
	}
	if o.Kind == kindGo {
		if err := b.goFuncs(func(s, e uint64) { rs = append(rs, rng{s, e}) }); err != nil {
			return err
		}
	} else if s := ef.Section(".eh_frame"); s != nil {
		d, err := s.Data()
		if err != nil {
			return fmt.Errorf(".eh_frame: %w", err)
		}
		fdes, err := parseEHFrame(d, s.Addr)
		if err != nil {
			return fmt.Errorf(".eh_frame: %w", err)
		}
		for _, f := range fdes {
			if f.signal {
				f.start++
			}
			rs = append(rs, rng{f.start, f.end})
		}
	}
	syms, _ := ef.Symbols()
	all := append(syms, b.dynsyms...)
	for _, s := range all {
		t := elf.ST_TYPE(s.Info)
		if (t == elf.STT_FUNC || t == elf.STT_GNU_IFUNC) && s.Value != 0 && s.Size > 0 && s.Section != elf.SHN_UNDEF {
			rs = append(rs, rng{s.Value, s.Value + s.Size})
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].start != rs[j].start {
			return rs[i].start < rs[j].start
		}
		return rs[i].end > rs[j].end
	})
	// Keep the first range at each start; a symbol inside an FDE (an
	// alternative entry point) stays part of the FDE's function. Ranges
	// first, functions (272 bytes each: node has 150,000) made once.
	var kept []rng
	var covered uint64
	for _, r := range rs {
		if r.start < covered || !b.inText(r.start) {
			continue
		}
		kept = append(kept, r)
		covered = r.end
	}
	// Code no range covers becomes a function of its own so that no
	// syscall instruction goes unseen.
	var gaps []rng
	for _, s := range b.text {
		at := s.Addr
		i := sort.Search(len(kept), func(i int) bool { return kept[i].end > s.Addr })
		for ; at < s.Addr+s.Size; i++ {
			next := s.Addr + s.Size
			if i < len(kept) && kept[i].start < next {
				next = kept[i].start
			}
			if next > at {
				gaps = append(gaps, rng{at, next})
			}
			if i >= len(kept) || kept[i].start >= s.Addr+s.Size {
				break
			}
			at = kept[i].end
		}
	}
	b.gaps = make(map[uint64]bool, len(gaps))
	for _, g := range gaps {
		b.gaps[g.start] = true
	}
	kept = append(kept, gaps...)
	sort.Slice(kept, func(i, j int) bool { return kept[i].start < kept[j].start })
	fs := make([]fn, len(kept))
	for i, r := range kept {
		fs[i].Start, fs[i].End = r.start, r.end
	}
	o.Funcs = fs
	for i := range o.Funcs {
		if n, ok := b.goNames[o.Funcs[i].Start]; ok {
			o.Funcs[i].Names = []string{n}
		}
	}
	// Names: every symbol at a function's start, best first.
	for _, s := range all {
		t := elf.ST_TYPE(s.Info)
		if t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC && t != elf.STT_NOTYPE || s.Name == "" {
			continue
		}
		if i := b.funcAt(s.Value); i >= 0 && o.Funcs[i].Start == s.Value {
			f := &o.Funcs[i]
			dup := false
			for _, n := range f.Names {
				dup = dup || n == s.Name
			}
			if !dup {
				f.Names = append(f.Names, s.Name)
			}
		}
	}
	for i := range o.Funcs {
		sort.Slice(o.Funcs[i].Names, func(a, c int) bool { return nameLess(o.Funcs[i].Names[a], o.Funcs[i].Names[c]) })
	}
	return nil
}

// nameLess orders a function's aliases so the one a reader knows comes
// first: fewer leading underscores, then shorter, then alphabetical.
func nameLess(a, b string) bool {
	ua, ub := len(a)-len(strings.TrimLeft(a, "_")), len(b)-len(strings.TrimLeft(b, "_"))
	if ua != ub {
		return ua < ub
	}
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (b *builder) goFuncs(add func(start, end uint64)) error {
	d, err := b.pclntab()
	if err != nil {
		return err
	}
	t, err := gosym.NewTable(nil, gosym.NewLineTable(d, b.goText(d)))
	if err != nil {
		return fmt.Errorf("pclntab: %w", err)
	}
	if len(t.Funcs) == 0 {
		return errors.New("pclntab lists no functions")
	}
	names := map[uint64]string{}
	for _, f := range t.Funcs {
		add(f.Entry, f.End)
		names[f.Entry] = f.Name
	}
	b.goNames = names
	return nil
}

// pclntabMagics start the pclntab header of Go 1.2, 1.16, 1.18 and 1.20+,
// followed by two zero bytes, the instruction size quantum (1 on x86) and
// the pointer size.
var pclntabMagics = [][]byte{
	{0xfb, 0xff, 0xff, 0xff, 0, 0, 1, 8}, {0xfa, 0xff, 0xff, 0xff, 0, 0, 1, 8},
	{0xf0, 0xff, 0xff, 0xff, 0, 0, 1, 8}, {0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8},
}

// pclntab returns a Go binary's function table: the .gopclntab section,
// or, where the linker folded it into read-only data (PIE with external
// linking), the bytes from its header on.
func (b *builder) pclntab() ([]byte, error) {
	if s := b.ef.Section(".gopclntab"); s != nil {
		return s.Data()
	}
	for _, name := range []string{".data.rel.ro", ".rodata"} {
		s := b.ef.Section(name)
		if s == nil {
			continue
		}
		d := b.sectionData(s)
		for _, m := range pclntabMagics {
			for off := 0; off+len(m) <= len(d); {
				i := bytes.Index(d[off:], m)
				if i < 0 {
					break
				}
				if (off+i)%8 == 0 {
					return d[off+i:], nil
				}
				off += i + 1
			}
		}
	}
	return nil, errors.New("Go binary without a pclntab")
}

// goText returns the address pclntab's function offsets count from: the
// header says since Go 1.18 (when the linker fills it in); otherwise it is
// runtime.text, which is the start of .text unless a C linker put code
// before it.
func (b *builder) goText(d []byte) uint64 {
	if len(d) >= 32 && (d[0] == 0xf0 || d[0] == 0xf1) {
		// Zero where the linker left it to a relocation (Go 1.26, internal
		// linking): then .text's start is right.
		if v := binary.LittleEndian.Uint64(d[24:]); v != 0 {
			return v
		}
	}
	if syms, err := b.ef.Symbols(); err == nil {
		for _, s := range syms {
			if s.Name == "runtime.text" {
				return s.Value
			}
		}
	}
	return b.ef.Section(".text").Addr
}

func (b *builder) inText(addr uint64) bool {
	for _, s := range b.text {
		if addr >= s.Addr && addr < s.Addr+s.Size {
			return true
		}
	}
	return false
}

// funcAt returns the function containing addr, or -1.
func (b *builder) funcAt(addr uint64) int {
	return funcAt(b.o.Funcs, addr)
}

func funcAt(fs []fn, addr uint64) int {
	i := sort.Search(len(fs), func(i int) bool { return fs[i].End > addr })
	if i < len(fs) && fs[i].Start <= addr {
		return i
	}
	return -1
}

func (b *builder) code(f *fn) []byte {
	for _, s := range b.text {
		if f.Start >= s.Addr && f.End <= s.Addr+s.Size {
			d := b.sectionData(s)
			if d == nil {
				return nil
			}
			return d[f.Start-s.Addr : f.End-s.Addr]
		}
	}
	return nil
}

// pltSlot returns the GOT slot a PLT stub at addr jumps through.
func (b *builder) pltSlot(addr uint64) (uint64, bool) {
	for _, s := range b.plt {
		if addr < s.Addr || addr >= s.Addr+s.Size {
			continue
		}
		d := b.sectionData(s)
		if d == nil {
			return 0, false
		}
		off := addr - s.Addr
		for k := 0; k < 3 && off < uint64(len(d)); k++ {
			in, err := x86asm.Decode(d[off:], 64)
			if err != nil {
				return 0, false
			}
			if in.Op == x86asm.JMP {
				if m, ok := in.Args[0].(x86asm.Mem); ok && m.Base == x86asm.RIP {
					return s.Addr + off + uint64(in.Len) + uint64(m.Disp), true
				}
				return 0, false
			}
			off += uint64(in.Len)
		}
	}
	return 0, false
}

// vtables finds glibc's stdio vtables: the section __libc_IO_vtables
// holds all of them (glibc validates every vtable pointer against it), as
// a row of tables of function pointers, each led by two unused words.
func (b *builder) vtables() {
	s := b.ef.Section("__libc_IO_vtables")
	if s == nil {
		return
	}
	b.vt = s
	b.vtStart = map[uint64]int32{}
	var cur []int32
	zeros := 2
	flush := func() {
		if len(cur) > 0 {
			b.o.Tables = append(b.o.Tables, cur)
			cur = nil
		}
	}
	for a := s.Addr; a+8 <= s.Addr+s.Size; a += 8 {
		v := b.word(a)
		if v == 0 {
			zeros++
			continue
		}
		if zeros >= 2 { // a new table: its two unused words lie behind
			flush()
			b.vtStart[a-16] = int32(len(b.o.Tables))
			b.vtStart[a] = int32(len(b.o.Tables))
		}
		zeros = 0
		if i := b.funcAt(v); i >= 0 {
			cur = append(cur, int32(i))
		}
	}
	flush()
	// Tables that initialised data points to (the standard streams) are
	// installed whatever the program calls.
	seen := map[int32]bool{}
	for _, sec := range b.ef.Sections {
		if sec.Flags&elf.SHF_WRITE == 0 || sec == s || sec.Type != elf.SHT_PROGBITS {
			continue
		}
		for a := sec.Addr; a+8 <= sec.Addr+sec.Size; a += 8 {
			if t, ok := b.vtStart[b.word(a)]; ok && b.word(a) != s.Addr && !seen[t] {
				seen[t] = true
				b.o.Defaults = append(b.o.Defaults, t)
			}
		}
	}
	sort.Slice(b.o.Defaults, func(i, j int) bool { return b.o.Defaults[i] < b.o.Defaults[j] })
}
