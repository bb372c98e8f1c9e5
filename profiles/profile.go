package profiles

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Profile is an OCI seccomp profile (the linux.seccomp object of a runtime
// config).
type Profile struct {
	name  string // where it came from, for messages: a path or "docker-default"
	about string // docker-default: the target it was resolved for
	spec  specs.LinuxSeccomp
	// logBadArch makes Compile log, not kill, a syscall of an
	// architecture spec does not list (LogMode).
	logBadArch bool
	// spo is the identity of the SeccompProfile resource it was read
	// from, nil for a plain profile.
	spo *SPOMeta
}

// EPERM is the errno a generated profile returns for what it does not allow.
const EPERM = 1

// archNames maps the ABI names the tracer reports to libseccomp's names.
var archNames = map[string]specs.Arch{
	"x86_64": specs.ArchX86_64,
	"i386":   specs.ArchX86,
	"x32":    specs.ArchX32,
}

// Spec is a decision to turn into a profile: the ABIs to admit, the
// syscalls to allow, and the syscalls to deny explicitly.
type Spec struct {
	ABIs  []string // "x86_64", "i386", "x32"
	Allow []string
	Deny  []string
	// Conditional allows syscalls only when one argument has one of the
	// given values. A name also in Allow or Deny gets no conditional rule.
	Conditional []Cond
	// NoSys lists syscalls that fail with ENOSYS, as if the kernel lacked
	// them, so that callers fall back to an older syscall the profile can
	// filter (clone3 -> clone). A name also in Allow or Deny is left out.
	NoSys []string
	// DefaultErrno is the errno of the default action, for syscalls no
	// rule names (defaultErrnoRet); 0 is EPERM.
	DefaultErrno uint
}

// ENOSYS is the errno of Spec.NoSys rules: callers take it for "this
// kernel lacks the syscall" and fall back, where EPERM makes them fail.
const ENOSYS = 38

// Cond allows the syscall Name only when argument Index has one of Values:
// compared whole (SCMP_CMP_EQ), or, when Mask is not 0, only the bits of
// Mask (SCMP_CMP_MASKED_EQ, Values already masked). Conds of one name on
// different indexes must all hold: each combination of their values is
// allowed.
type Cond struct {
	Name   string
	Index  uint
	Mask   uint64
	Values []uint64
	// Int says the kernel reads only the low 32 bits of the argument:
	// values compared whole that fold together are compared under a
	// 32-bit mask.
	Int bool
}

// Generate builds the profile for s: default ERRNO(EPERM), one ALLOW rule
// with the sorted names, one ERRNO(EPERM) rule with the explicit denies. A
// name in Deny is never allowed.
func Generate(s Spec) (*Profile, error) {
	errno := uint(EPERM)
	if s.DefaultErrno != 0 {
		errno = s.DefaultErrno
	}
	p := &Profile{spec: specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: &errno,
	}}
	for _, abi := range s.ABIs {
		a, ok := archNames[abi]
		if !ok {
			return nil, fmt.Errorf("unknown abi %q", abi)
		}
		p.spec.Architectures = append(p.spec.Architectures, a)
	}
	sort.Slice(p.spec.Architectures, func(i, j int) bool {
		return archRank(p.spec.Architectures[i]) < archRank(p.spec.Architectures[j])
	})
	denied := set(s.Deny)
	var allow []string
	for name := range set(s.Allow) {
		if !denied[name] {
			allow = append(allow, name)
		}
	}
	conds, always := condRules(s.Conditional, set(allow), denied)
	allow = append(allow, always...)
	sort.Strings(allow)
	if len(allow) > 0 {
		p.spec.Syscalls = append(p.spec.Syscalls, specs.LinuxSyscall{Names: allow, Action: specs.ActAllow})
	}
	p.spec.Syscalls = append(p.spec.Syscalls, conds...)
	var nosys []string
	for name := range set(s.NoSys) {
		if !denied[name] && !slices.Contains(allow, name) {
			nosys = append(nosys, name)
		}
	}
	if len(nosys) > 0 {
		sort.Strings(nosys)
		enosys := uint(ENOSYS)
		p.spec.Syscalls = append(p.spec.Syscalls, specs.LinuxSyscall{Names: nosys, Action: specs.ActErrno, ErrnoRet: &enosys})
	}
	if len(denied) > 0 {
		deny := make([]string, 0, len(denied))
		for name := range denied {
			deny = append(deny, name)
		}
		sort.Strings(deny)
		eperm := uint(EPERM)
		p.spec.Syscalls = append(p.spec.Syscalls, specs.LinuxSyscall{Names: deny, Action: specs.ActErrno, ErrnoRet: &eperm})
	}
	return p, nil
}

// condRules writes the ALLOW rules of conds: per syscall, one rule per
// combination of the allowed values of its arguments (a condition on each
// of its pinned arguments; the cross product of the sets, since each set
// was recorded on its own), and per argument as few masked comparisons as
// cover exactly its values (foldValues). Separate rules are alternatives
// in every runtime and in libseccomp itself, where several conditions on
// one argument in one rule mean "all" except under runc's special case for
// a repeated argument. Rules come sorted, so equal decisions give equal
// bytes. A syscall whose values cover every value of its arguments comes
// back in always: it needs no condition.
func condRules(conds []Cond, allow, denied map[string]bool) (rules []specs.LinuxSyscall, always []string) {
	byName := map[string][]Cond{}
	for _, c := range conds {
		if allow[c.Name] || denied[c.Name] {
			continue
		}
		byName[c.Name] = append(byName[c.Name], c)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		args := argChoices(byName[n])
		if len(args) == 0 {
			always = append(always, n)
			continue
		}
		for _, combo := range crossProduct(args) {
			rules = append(rules, specs.LinuxSyscall{Names: []string{n}, Action: specs.ActAllow, Args: combo})
		}
	}
	return rules, always
}

// argChoices returns, per argument index in order, the comparisons any
// one of which the argument must meet; an argument whose values cover
// all it can be is left out. Conditions on one index are one set (their
// values joined); different masks on one index keep only the bits both
// compare.
func argChoices(conds []Cond) [][]specs.LinuxSeccompArg {
	type set struct {
		mask   uint64
		values []uint64
		int    bool
	}
	byIndex := map[uint]*set{}
	for _, c := range conds {
		m := c.Mask
		if m == 0 {
			m = ^uint64(0)
		}
		s := byIndex[c.Index]
		if s == nil {
			s = &set{mask: m, int: c.Int}
			byIndex[c.Index] = s
		}
		s.int = s.int && c.Int
		if m != s.mask {
			s.mask &= m
			for i := range s.values {
				s.values[i] &= s.mask
			}
		}
		for _, v := range c.Values {
			s.values = append(s.values, v&s.mask)
		}
	}
	indexes := make([]uint, 0, len(byIndex))
	for i := range byIndex {
		indexes = append(indexes, i)
	}
	slices.Sort(indexes)
	var out [][]specs.LinuxSeccompArg
	for _, i := range indexes {
		s := byIndex[i]
		mask, whole := s.mask, s.mask == ^uint64(0)
		if whole && s.int && slices.IndexFunc(s.values, func(v uint64) bool { return v > math.MaxUint32 }) < 0 {
			// The kernel ignores the high half: so may a folded
			// comparison, and an unfolded one is still compared whole.
			mask = math.MaxUint32
		}
		var choices []specs.LinuxSeccompArg
		for _, c := range foldValues(mask, s.values) {
			if c.mask == 0 {
				choices = nil // always holds: the argument is free
				break
			}
			arg := specs.LinuxSeccompArg{Index: i, Value: c.mask, ValueTwo: c.value, Op: specs.OpMaskedEqual}
			if whole && c.mask == mask {
				arg = specs.LinuxSeccompArg{Index: i, Value: c.value, Op: specs.OpEqualTo}
			}
			choices = append(choices, arg)
		}
		if len(choices) > 0 {
			out = append(out, choices)
		}
	}
	return out
}

// cube is the values v with v&mask == value.
type cube struct{ mask, value uint64 }

// foldValues returns cubes that together hold exactly the values under
// mask: values that differ in one bit merge into one comparison that
// ignores that bit (Quine-McCluskey's merging step), repeated while any
// merge, so {0, 4} under mask 4 is the one cube of mask 0, always true,
// and {0x5401, 0x5403} is arg & ^0x2 == 0x5401. Never more cubes than
// values; sorted by mask, then value. Sets of more than maxFold values
// are not folded: the merging keeps every implicant, which for a dense set
// grows as 3^bits.
func foldValues(mask uint64, values []uint64) []cube {
	cur := map[cube]bool{}
	for _, v := range values {
		cur[cube{mask, v & mask}] = true
	}
	plain := len(cur)
	for plain <= maxFold {
		next := map[cube]bool{}
		merged := map[cube]bool{}
		for c := range cur {
			for bits := c.mask; bits != 0; bits &= bits - 1 {
				b := bits & -bits
				if c.value&b != 0 {
					continue
				}
				if o := (cube{c.mask, c.value | b}); cur[o] {
					next[cube{c.mask &^ b, c.value}] = true
					merged[c], merged[o] = true, true
				}
			}
		}
		if len(next) == 0 {
			break
		}
		for c := range cur {
			if !merged[c] {
				next[c] = true
			}
		}
		cur = next
	}
	// What is left merged with nothing: each is a prime implicant, which
	// no other cube holds.
	out := make([]cube, 0, len(cur))
	for c := range cur {
		out = append(out, c)
	}
	if len(out) > plain {
		out = out[:0]
		for _, v := range values {
			out = append(out, cube{mask, v & mask})
		}
		slices.SortFunc(out, cmpCube)
		return slices.Compact(out)
	}
	slices.SortFunc(out, cmpCube)
	return out
}

// maxFold bounds the values foldValues merges: the tracer keeps 64 of
// an argument.
const maxFold = 256

func cmpCube(a, b cube) int {
	switch {
	case a.mask != b.mask:
		if a.mask < b.mask {
			return -1
		}
		return 1
	case a.value < b.value:
		return -1
	case a.value > b.value:
		return 1
	}
	return 0
}

// crossProduct returns every way to pick one comparison per argument.
func crossProduct(args [][]specs.LinuxSeccompArg) [][]specs.LinuxSeccompArg {
	out := [][]specs.LinuxSeccompArg{nil}
	for _, choices := range args {
		var next [][]specs.LinuxSeccompArg
		for _, prefix := range out {
			for _, c := range choices {
				next = append(next, append(slices.Clone(prefix), c))
			}
		}
		out = next
	}
	return out
}

// archRank orders architectures: the x86 family first as the tracer
// reports it, then the others in specArches order.
func archRank(a specs.Arch) int {
	switch a {
	case specs.ArchX86_64:
		return 0
	case specs.ArchX86:
		return 1
	case specs.ArchX32:
		return 2
	}
	for i, s := range specArches {
		if s == a {
			return 3 + i
		}
	}
	return 3 + len(specArches)
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Bytes returns the profile in canonical form: runtime-spec key order, two
// space indent, trailing newline. Equal profiles give equal bytes.
func (p *Profile) Bytes() []byte {
	data, err := json.MarshalIndent(&p.spec, "", "  ")
	if err != nil {
		panic(err) // plain values only: cannot fail
	}
	return append(data, '\n')
}

// LogMode returns a copy of p that logs instead of denying: the default
// action, every rule that does not allow, and the action for a syscall of
// an architecture p does not list (libseccomp kills by default) become
// SCMP_ACT_LOG. Under it a workload runs as if unconfined, and the kernel
// still sees a filter.
//
// An unconditional ERRNO(ENOSYS) rule is kept as it is: it says "this
// kernel lacks the syscall", and callers fall back to an older one
// (clone3 -> clone, as under Spec.NoSys and Docker's default). Logging it
// would run a path the enforced profile never lets run and report the
// fallback's absence as a denial.
func (p *Profile) LogMode() *Profile {
	q := &Profile{name: p.name, spec: p.spec, logBadArch: true}
	q.spec.DefaultAction, q.spec.DefaultErrnoRet = specs.ActLog, nil
	q.spec.Syscalls = make([]specs.LinuxSyscall, len(p.spec.Syscalls))
	for i, r := range p.spec.Syscalls {
		if r.Action != specs.ActAllow && !isNoSys(r) {
			r.Action, r.ErrnoRet = specs.ActLog, nil
		}
		q.spec.Syscalls[i] = r
	}
	return q
}

func isNoSys(r specs.LinuxSyscall) bool {
	return r.Action == specs.ActErrno && r.ErrnoRet != nil && *r.ErrnoRet == ENOSYS && len(r.Args) == 0
}

// AdmitsABI reports whether a syscall of the named ABI ("x86_64", "i386",
// "x32") gets past p's architecture check. libseccomp always admits the
// native architecture; the others must be listed.
func (p *Profile) AdmitsABI(abi string) bool {
	a, ok := archNames[abi]
	if !ok {
		return false
	}
	if a == specs.ArchX86_64 {
		return true
	}
	for _, have := range p.spec.Architectures {
		if have == a {
			return true
		}
	}
	return false
}
