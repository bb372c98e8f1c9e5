package binscan

import (
	"sort"

	"golang.org/x/arch/x86/x86asm"
)

// insn is one decoded instruction of a function.
type insn struct {
	addr uint64
	x86asm.Inst
}

// bad marks bytes the decoder rejected (data in code, or an instruction
// x86asm does not know): they are skipped one byte at a time.
const bad x86asm.Op = 0

// decode disassembles code, loaded at start, linearly.
func decode(code []byte, start uint64, buf []insn) []insn {
	return decodeAppend(buf[:0], code, start)
}

// decodeAppend appends code's instructions, loaded at start, to out.
func decodeAppend(out []insn, code []byte, start uint64) []insn {
	for off := 0; off < len(code); {
		in, err := x86asm.Decode(code[off:], 64)
		if err != nil || in.Len == 0 {
			out = append(out, insn{addr: start + uint64(off), Inst: x86asm.Inst{Len: 1}})
			off++
			continue
		}
		out = append(out, insn{addr: start + uint64(off), Inst: in})
		off += in.Len
	}
	return out
}

// family returns the 64-bit general register a register is part of (0 =
// rax ... 15 = r15), or -1 for anything else.
func family(r x86asm.Reg) int {
	switch {
	case r >= x86asm.RAX && r <= x86asm.R15:
		return int(r - x86asm.RAX)
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return int(r - x86asm.EAX)
	case r >= x86asm.AX && r <= x86asm.R15W:
		return int(r - x86asm.AX)
	case r >= x86asm.AL && r <= x86asm.BL:
		return int(r - x86asm.AL)
	case r >= x86asm.AH && r <= x86asm.BH:
		return int(r - x86asm.AH)
	case r >= x86asm.SPB && r <= x86asm.DIB:
		return 4 + int(r-x86asm.SPB)
	case r >= x86asm.R8B && r <= x86asm.R15B:
		return 8 + int(r-x86asm.R8B)
	}
	return -1
}

// wide reports whether a register write defines the whole value a small
// number lives in: 32-bit writes zero the upper half, 8- and 16-bit writes
// keep the old bits.
func wide(r x86asm.Reg) bool { return r >= x86asm.EAX && r <= x86asm.R15 }

const (
	rAX = 0
	rCX = 1
	rDX = 2
	rSP = 4
	rBP = 5
	rSI = 6
	rDI = 7
	r8  = 8
	r9  = 9
	r10 = 10
	r11 = 11
)

// loc is a place a value can be in: a general register, or a stack slot
// [rsp+disp] / [rbp+disp] (Go spills arguments across calls, and old Go's
// ABI0 passes them on the stack).
type loc struct {
	slot bool
	reg  int8 // register family; for a slot, its base (rSP or rBP)
	disp int32
}

func regLoc(r int) loc { return loc{reg: int8(r)} }

// callerSaved are the registers the SysV and Go ABIs let a callee clobber.
var callerSaved = [...]int{rAX, rCX, rDX, rSI, rDI, r8, r9, r10, r11}

// implicit lists registers instructions write without naming them.
var implicit = map[x86asm.Op][]int{
	x86asm.SYSCALL: {rAX, rCX, r11},
	x86asm.CPUID:   {rAX, 3, rCX, rDX},
	x86asm.RDTSC:   {rAX, rDX},
	x86asm.RDTSCP:  {rAX, rCX, rDX},
	x86asm.XGETBV:  {rAX, rDX},
	x86asm.MUL:     {rAX, rDX},
	x86asm.DIV:     {rAX, rDX},
	x86asm.IDIV:    {rAX, rDX},
	x86asm.CWD:     {rDX},
	x86asm.CDQ:     {rDX},
	x86asm.CQO:     {rDX},
	x86asm.LAHF:    {rAX},
	x86asm.CMPXCHG: {rAX},
	x86asm.LODSB:   {rAX, rSI},
	x86asm.LODSW:   {rAX, rSI},
	x86asm.LODSD:   {rAX, rSI},
	x86asm.LODSQ:   {rAX, rSI},
	x86asm.STOSB:   {rDI, rCX},
	x86asm.STOSW:   {rDI, rCX},
	x86asm.STOSD:   {rDI, rCX},
	x86asm.STOSQ:   {rDI, rCX},
	x86asm.MOVSB:   {rSI, rDI, rCX},
	x86asm.MOVSW:   {rSI, rDI, rCX},
	x86asm.MOVSD:   {rSI, rDI, rCX},
	x86asm.MOVSQ:   {rSI, rDI, rCX},
	x86asm.CMPSB:   {rSI, rDI, rCX},
	x86asm.CMPSQ:   {rSI, rDI, rCX},
	x86asm.SCASB:   {rDI, rCX},
	x86asm.SCASQ:   {rDI, rCX},
}

// readsOnly are instructions whose first operand is not written.
var readsOnly = map[x86asm.Op]bool{
	x86asm.CMP: true, x86asm.TEST: true, x86asm.BT: true, x86asm.PUSH: true,
	x86asm.CALL: true, x86asm.JMP: true, x86asm.NOP: true,
}

// effect is what an instruction does to the value of one location, seen
// backwards.
type effect int

const (
	passes   effect = iota // the location keeps its value (maybe renamed: see to)
	constant               // the location gets the constant val
	copies                 // the location gets the value of another location: to
	clobbers               // the location gets something unknown
)

// transfer says where the value l has after in was, before it.
func transfer(in *insn, l loc) (e effect, to loc, val int64) {
	if l.slot {
		return transferSlot(in, l)
	}
	r := int(l.reg)
	if in.Op == x86asm.CALL {
		for _, c := range callerSaved {
			if c == r {
				return clobbers, l, 0
			}
		}
		return passes, l, 0
	}
	if in.Op == x86asm.CDQE || in.Op == x86asm.CWDE {
		return passes, l, 0 // sign-extends eax into rax: a small number stays
	}
	for _, w := range implicit[in.Op] {
		if w == r {
			return clobbers, l, 0
		}
	}
	a0, ok := in.Args[0].(x86asm.Reg)
	if in.Op == x86asm.XCHG || in.Op == x86asm.XADD {
		a1, ok1 := in.Args[1].(x86asm.Reg)
		switch {
		case ok && family(a0) == r && ok1 && in.Op == x86asm.XCHG:
			return copies, regLoc(family(a1)), 0
		case ok1 && family(a1) == r && ok && in.Op == x86asm.XCHG:
			return copies, regLoc(family(a0)), 0
		case (ok && family(a0) == r) || (ok1 && family(a1) == r):
			return clobbers, l, 0
		}
		return passes, l, 0
	}
	if in.Op == x86asm.POP && ok && family(a0) == r {
		return copies, loc{slot: true, reg: rSP}, 0
	}
	if !ok || family(a0) != r || readsOnly[in.Op] {
		return passes, l, 0
	}
	// in writes r.
	if !wide(a0) {
		return clobbers, l, 0
	}
	switch in.Op {
	case x86asm.MOV, x86asm.MOVZX, x86asm.MOVSX, x86asm.MOVSXD:
		switch src := in.Args[1].(type) {
		case x86asm.Imm:
			v := int64(src)
			if a0 >= x86asm.EAX && a0 <= x86asm.R15L {
				v = int64(uint32(v))
			}
			return constant, l, v
		case x86asm.Reg:
			if f := family(src); f >= 0 {
				if in.Op == x86asm.MOV && !wide(src) {
					return clobbers, l, 0
				}
				return copies, regLoc(f), 0
			}
		case x86asm.Mem:
			if s, ok := slotOf(src); ok {
				return copies, s, 0
			}
		}
	case x86asm.XOR, x86asm.SUB:
		if src, ok := in.Args[1].(x86asm.Reg); ok && family(src) == r {
			return constant, l, 0
		}
	case x86asm.LEA:
		// lea eax, [rdi+0]: a copy some compilers emit.
		if m, ok := in.Args[1].(x86asm.Mem); ok && m.Index == 0 && m.Disp == 0 && family(m.Base) >= 0 && m.Segment == 0 {
			return copies, regLoc(family(m.Base)), 0
		}
	}
	return clobbers, l, 0
}

// slotOf returns the stack slot a memory operand names, if it is one.
func slotOf(m x86asm.Mem) (loc, bool) {
	if m.Index != 0 || m.Segment != 0 {
		return loc{}, false
	}
	if f := family(m.Base); (f == rSP || f == rBP) && m.Base >= x86asm.RAX {
		return loc{slot: true, reg: int8(f), disp: int32(m.Disp)}, true
	}
	return loc{}, false
}

func transferSlot(in *insn, l loc) (effect, loc, int64) {
	if m, ok := in.Args[0].(x86asm.Mem); ok {
		if s, ok := slotOf(m); ok && s == l {
			if in.Op == x86asm.MOV {
				switch src := in.Args[1].(type) {
				case x86asm.Imm:
					return constant, l, int64(src)
				case x86asm.Reg:
					if f := family(src); f >= 0 && wide(src) {
						return copies, regLoc(f), 0
					}
				}
			}
			if !readsOnly[in.Op] {
				return clobbers, l, 0
			}
		}
	}
	base := int(l.reg)
	switch in.Op {
	case x86asm.PUSH:
		if base != rSP {
			return passes, l, 0
		}
		if l.disp == 0 {
			switch src := in.Args[0].(type) {
			case x86asm.Imm:
				return constant, l, int64(src)
			case x86asm.Reg:
				if f := family(src); f >= 0 {
					return copies, regLoc(f), 0
				}
			}
			return clobbers, l, 0
		}
		return passes, loc{slot: true, reg: rSP, disp: l.disp - 8}, 0
	case x86asm.POP:
		if base == rSP {
			return passes, loc{slot: true, reg: rSP, disp: l.disp + 8}, 0
		}
	case x86asm.CALL, x86asm.RET:
		return passes, l, 0 // a call leaves rsp as it was
	}
	a0, ok := in.Args[0].(x86asm.Reg)
	if !ok || family(a0) != base || readsOnly[in.Op] {
		return passes, l, 0
	}
	if imm, ok := in.Args[1].(x86asm.Imm); ok && base == rSP && a0 == x86asm.RSP {
		switch in.Op {
		case x86asm.SUB:
			return passes, loc{slot: true, reg: rSP, disp: l.disp - int32(imm)}, 0
		case x86asm.ADD:
			return passes, loc{slot: true, reg: rSP, disp: l.disp + int32(imm)}, 0
		}
	}
	if src, ok := in.Args[1].(x86asm.Reg); ok && in.Op == x86asm.MOV && base == rBP && src == x86asm.RSP {
		return passes, loc{slot: true, reg: rSP, disp: l.disp}, 0 // mov rbp, rsp
	}
	return clobbers, l, 0
}

// fallsThrough reports whether execution can continue with the next
// instruction.
func fallsThrough(in *insn) bool {
	switch in.Op {
	case x86asm.JMP, x86asm.RET, x86asm.UD2, x86asm.HLT, x86asm.LJMP, x86asm.IRET, x86asm.IRETQ:
		return false
	}
	return true
}

func isJump(op x86asm.Op) bool {
	switch op {
	case x86asm.JMP, x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JNE,
		x86asm.JG, x86asm.JGE, x86asm.JL, x86asm.JLE, x86asm.JO, x86asm.JNO, x86asm.JP,
		x86asm.JNP, x86asm.JS, x86asm.JNS, x86asm.JCXZ, x86asm.JECXZ, x86asm.JRCXZ,
		x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE:
		return true
	}
	return false
}

// target returns the destination of a direct jump or call.
func target(in *insn) (uint64, bool) {
	if rel, ok := in.Args[0].(x86asm.Rel); ok {
		return in.addr + uint64(in.Len) + uint64(int64(rel)), true
	}
	return 0, false
}

// cfg is the predecessor relation of one function's instructions.
type cfg struct {
	ins []insn
	// The predecessors of instruction i are pred[off[i]:off[i+1]]: two
	// slices for the function, not one per instruction.
	off  []int32
	pred []int32
}

func (g *cfg) preds(i int32) []int32 { return g.pred[g.off[i]:g.off[i+1]] }

func newCFG(ins []insn) *cfg {
	n := len(ins)
	g := &cfg{ins: ins, off: make([]int32, n+1)}
	tgt := make([]int32, n) // jump target, or -1
	for i := range ins {
		tgt[i] = -1
		if i > 0 && fallsThrough(&ins[i-1]) {
			g.off[i+1]++
		}
		if !isJump(ins[i].Op) {
			continue
		}
		if t, ok := target(&ins[i]); ok {
			if j := g.index(t); j >= 0 {
				tgt[i] = int32(j)
				g.off[j+1]++
			}
		}
	}
	for i := 1; i <= n; i++ {
		g.off[i] += g.off[i-1]
	}
	g.pred = make([]int32, g.off[n])
	pos := make([]int32, n) // where each instruction's next predecessor goes
	copy(pos, g.off[:n])
	for i := range ins {
		if i > 0 && fallsThrough(&ins[i-1]) {
			g.pred[pos[i]] = int32(i - 1)
			pos[i]++
		}
		if j := tgt[i]; j >= 0 {
			g.pred[pos[j]] = int32(i)
			pos[j]++
		}
	}
	return g
}

// index returns the instruction at addr, or -1.
func (g *cfg) index(addr uint64) int {
	i := sort.Search(len(g.ins), func(i int) bool { return g.ins[i].addr >= addr })
	if i < len(g.ins) && g.ins[i].addr == addr {
		return i
	}
	return -1
}

// values is what backward data flow found a location can hold.
type values struct {
	consts  []int64
	params  []loc // the location's value at function entry flows here
	unknown bool
}

// resolveBudget bounds the states one query visits: enough for the
// longest glibc functions, and a cut-off against pathological code.
const resolveBudget = 20000

type state struct {
	i int32
	l loc
}

// resolve returns the values l can hold just before instruction i, by
// walking every path backwards to the instruction that defines it.
func (g *cfg) resolve(i int, l loc) values {
	var v values
	seen := map[state]bool{}
	work := []state{{int32(i), l}}
	seen[work[0]] = true
	addConst := func(c int64) {
		for _, x := range v.consts {
			if x == c {
				return
			}
		}
		v.consts = append(v.consts, c)
	}
	for len(work) > 0 {
		s := work[len(work)-1]
		work = work[:len(work)-1]
		if len(seen) > resolveBudget {
			v.unknown = true
			break
		}
		if s.i == 0 {
			add := true
			for _, p := range v.params {
				if p == s.l {
					add = false
				}
			}
			if add {
				v.params = append(v.params, s.l)
			}
		} else if len(g.preds(s.i)) == 0 && g.ins[s.i].Op != x86asm.NOP {
			// Reached only through an indirect jump (a jump table):
			// nothing to follow. (Alignment padding after a jump is
			// never reached at all, and adds nothing.)
			v.unknown = true
		}
		for _, p := range g.preds(s.i) {
			e, to, val := transfer(&g.ins[p], s.l)
			switch e {
			case constant:
				addConst(val)
			case clobbers:
				v.unknown = true
			case passes, copies:
				n := state{p, to}
				if !seen[n] {
					seen[n] = true
					work = append(work, n)
				}
			}
		}
	}
	sort.Slice(v.consts, func(a, b int) bool { return v.consts[a] < v.consts[b] })
	return v
}
