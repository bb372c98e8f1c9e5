package binscan

import (
	"encoding/binary"
	"slices"
	"sort"
)

// A program counts whole: Analyze takes every syscall site and wrapper
// call site in its code, and compact keeps nothing else. Decoding every
// function of an 80 MB executable (node) to find its few hundred syscall
// instructions costs two seconds, so for a program binscan decodes only
// the functions whose bytes can hold what it wants: a syscall instruction
// is 0f 05, and a direct call or jump to a wrapper (syscall(2) through
// its PLT stub or GOT slot, or a function that passes its argument on as
// a syscall number) encodes the target relative to the instruction's
// end. A pattern may match inside other instructions; that only costs
// decoding one function for nothing. Each function is decoded exactly as
// the full scan decodes it (with the gap it falls into), so the sites and
// call sites found are the same (TestSparseScanMatchesFull).

// sparse is the state of a scan that decodes only the functions asked for.
type sparse struct {
	scanned  []bool
	pltSlots map[uint64]uint64 // PLT stub address -> GOT slot (0: none), as found
	slots    map[uint64]bool   // GOT slots of the import syscall(2)
}

// scanSparse scans the functions that can contain a syscall instruction
// or a call to syscall(2); wrappers() asks for the callers of each
// wrapper it finds.
func (b *builder) scanSparse() {
	o := b.o
	b.ctl = make([][]ctlInsn, len(o.Funcs))
	b.wcalls = make([][]wcall, len(o.Funcs))
	b.impIdx = map[int]int32{}
	sp := &sparse{scanned: make([]bool, len(o.Funcs)), pltSlots: map[uint64]uint64{}, slots: map[uint64]bool{}}
	b.sparse = sp
	for slot, s := range b.got {
		if s.sym > 0 && s.sym <= len(b.dynsyms) {
			if d := b.dynsyms[s.sym-1]; d.Name == "syscall" && d.Section == 0 {
				sp.slots[slot] = true
			}
		}
	}
	b.scanAll(b.search(nil, true))
}

// scanAll scans the functions fis (sorted) not scanned yet and returns
// those it scanned.
func (b *builder) scanAll(fis []int) []int {
	var done []int
	for _, fi := range fis {
		done = b.scanAt(fi, done)
	}
	return done
}

// scanAt scans function fi as the full scan would: a gap that the
// function before it falls into is scanned as part of that function.
func (b *builder) scanAt(fi int, done []int) []int {
	sp, o := b.sparse, b.o
	if sp.scanned[fi] {
		return done
	}
	if fi > 0 && b.gaps[o.Funcs[fi].Start] && o.Funcs[fi-1].End == o.Funcs[fi].Start && !sp.scanned[fi-1] {
		done = b.scanAt(fi-1, done)
	}
	if sp.scanned[fi] {
		return done
	}
	sp.scanned[fi] = true
	f := &o.Funcs[fi]
	code := b.code(f)
	if code == nil {
		return done
	}
	b.scanFunc(fi, decode(code, f.Start, nil), nil)
	return append(done, fi)
}

// callersOf scans the functions that may call or jump to the functions
// ws and returns those it scanned.
func (b *builder) callersOf(ws []int32) []int {
	targets := map[uint64]bool{}
	for _, w := range ws {
		targets[b.o.Funcs[w].Start] = true
	}
	return b.scanAll(b.search(targets, false))
}

// search returns, sorted, the functions whose bytes may encode a direct
// call or jump to one of targets or to syscall(2), or, with syscalls, a
// syscall instruction.
func (b *builder) search(targets map[uint64]bool, syscalls bool) []int {
	sp := b.sparse
	lo, hi := ^uint64(0), uint64(0)
	for t := range targets {
		lo, hi = min(lo, t), max(hi, t)
	}
	found := map[int]bool{}
	mark := func(addr uint64) {
		if fi := b.funcAt(addr); fi >= 0 {
			found[fi] = true
		}
	}
	// hit reports whether a transfer to t reaches a target or syscall(2).
	hit := func(t uint64) bool {
		if t >= lo && t <= hi && targets[t] {
			return true
		}
		if len(sp.slots) == 0 || !b.inPLT(t) {
			return false
		}
		slot, ok := sp.pltSlots[t]
		if !ok {
			slot, _ = b.pltSlot(t)
			sp.pltSlots[t] = slot
		}
		return sp.slots[slot]
	}
	for _, s := range b.text {
		d := b.sectionData(s)
		if d == nil {
			continue
		}
		a := s.Addr
		n := len(d)
		rel := func(p int) uint64 { return uint64(int64(int32(binary.LittleEndian.Uint32(d[p:])))) }
		for p := 0; p+1 < n; p++ {
			switch d[p] {
			case 0x0f:
				switch c := d[p+1]; {
				case c == 0x05:
					if syscalls {
						mark(a + uint64(p))
					}
				case c >= 0x80 && c <= 0x8f && p+6 <= n: // jcc rel32
					if hit(a + uint64(p) + 6 + rel(p+2)) {
						mark(a + uint64(p))
					}
				}
			case 0xe8, 0xe9: // call, jmp rel32
				if p+5 <= n && hit(a+uint64(p)+5+rel(p+1)) {
					mark(a + uint64(p))
				}
			case 0xff: // call, jmp [rip+disp32]
				if c := d[p+1]; (c == 0x15 || c == 0x25) && p+6 <= n && sp.slots[a+uint64(p)+6+rel(p+2)] {
					mark(a + uint64(p))
				}
			}
		}
		// Short jumps (jmp, jcc, loop, jrcxz rel8) reach 128 bytes.
		for t := range targets {
			if t < a || t >= a+uint64(n) {
				continue
			}
			at := int(t - a)
			for p := max(0, at-129); p <= at+126 && p+1 < n; p++ {
				if c := d[p]; c == 0xeb || c >= 0x70 && c <= 0x7f || c >= 0xe0 && c <= 0xe3 {
					if a+uint64(p)+2+uint64(int64(int8(d[p+1]))) == t {
						mark(a + uint64(p))
					}
				}
			}
		}
	}
	out := make([]int, 0, len(found))
	for fi := range found {
		out = append(out, fi)
	}
	sort.Ints(out)
	return slices.Compact(out)
}

func (b *builder) inPLT(addr uint64) bool {
	for _, s := range b.plt {
		if addr >= s.Addr && addr < s.Addr+s.Size {
			return true
		}
	}
	return false
}
