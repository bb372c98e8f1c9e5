package binscan

import "slices"

// dyingSeed are the functions a program calls only to die: a path into
// them is not followed (the syscalls abort() makes on the way out are not
// the program's). Functions every path of which ends in one of them (such
// as glibc's hidden __libc_message and malloc_printerr) are found by
// dying() and cut as well.
var dyingSeed = []string{
	"abort", "__libc_fatal", "__assert_fail", "__assert_perror_fail",
	"__chk_fail", "__stack_chk_fail", "__stack_chk_fail_local", "__fortify_fail",
	"__libc_message", "_dl_fatal_printf",
}

// noreturnImports never return to their caller; whether they die is
// dyingSeed's business.
var noreturnImports = map[string]bool{
	"exit": true, "_exit": true, "_Exit": true, "quick_exit": true, "abort": true,
	"__assert_fail": true, "__assert_perror_fail": true, "__stack_chk_fail": true,
	"__chk_fail": true, "__fortify_fail": true, "__libc_fatal": true,
	"pthread_exit": true, "longjmp": true, "siglongjmp": true, "_longjmp": true,
	"__longjmp_chk": true, "err": true, "errx": true, "verr": true, "verrx": true,
	"__libc_start_main": true, "__cxa_throw": true, "__cxa_rethrow": true,
	"_Unwind_Resume": true, "__pthread_unwind_next": true,
}

// dying marks the functions that only die. It first finds which functions
// can return (a least fixpoint: a function returns when some path reaches
// ret, an unknown jump, or a call or tail call of a function that
// returns), then which cannot return and end, on every path that ends at
// all, in a call of a dying function.
func (b *builder) dying() {
	o := b.o
	n := len(o.Funcs)
	returns := make([]bool, n)
	dying := make([]bool, n)
	for i := range o.Funcs {
		for _, name := range o.Funcs[i].Names {
			if slices.Contains(dyingSeed, name) {
				dying[i] = true
			}
		}
	}
	impDying := func(c int32) bool { return slices.Contains(dyingSeed, o.Imports[^c].Name) }
	calleeReturns := func(c int32) bool {
		switch {
		case c == noCallee:
			return true
		case c < 0:
			return !noreturnImports[o.Imports[^c].Name]
		}
		return returns[c] && !dying[c]
	}
	calleeDying := func(c int32) bool {
		switch {
		case c == noCallee:
			return false
		case c < 0:
			return impDying(c)
		}
		return dying[c]
	}
	// walk explores fi from its entry and reports whether it reaches a
	// normal exit, a dying end, and a non-dying end (a call of something
	// that never returns but does not die: exit, _exit, longjmp).
	seen := make([]bool, 0, 1024)
	var stack []int32
	walk := func(fi int) (exit, die, other bool) {
		ctl := b.ctl[fi]
		if len(ctl) == 0 {
			return true, false, false
		}
		seen = seen[:0]
		for range ctl {
			seen = append(seen, false)
		}
		stack = append(stack[:0], 0)
		seen[0] = true
		push := func(i int32) {
			if int(i) >= len(ctl) {
				exit = true // falls off the end into whatever follows
				return
			}
			if i >= 0 && !seen[i] {
				seen[i] = true
				stack = append(stack, i)
			}
		}
		for len(stack) > 0 && !exit {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			c := ctl[i]
			switch c.kind {
			case cOther:
				push(i + 1)
			case cStop:
			case cRet, cUnknown:
				exit = true
			case cJcc:
				push(c.next)
				push(i + 1)
			case cJmp:
				push(c.next)
			case cCall, cTail, cCondTail:
				switch {
				case calleeReturns(c.callee):
					if c.kind == cTail {
						exit = true
					} else {
						push(i + 1)
					}
				case calleeDying(c.callee):
					die = true
				default:
					other = true
				}
				if c.kind == cCondTail {
					push(i + 1)
				}
			}
		}
		return exit, die, other
	}
	for changed, round := true, 0; changed && round < 200; round++ {
		changed = false
		for fi := range o.Funcs {
			if returns[fi] || dying[fi] {
				continue
			}
			if exit, _, _ := walk(fi); exit {
				returns[fi] = true
				changed = true
			}
		}
	}
	for changed, round := true, 0; changed && round < 200; round++ {
		changed = false
		for fi := range o.Funcs {
			if returns[fi] || dying[fi] {
				continue
			}
			if exit, die, other := walk(fi); !exit && die && !other {
				dying[fi] = true
				changed = true
			}
		}
	}
	for i := range o.Funcs {
		o.Funcs[i].Dying = dying[i]
	}
}
