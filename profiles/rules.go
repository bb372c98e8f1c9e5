package profiles

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/seccompgen/seccompgen/recording"
)

// canonicalize puts what reading may have left in any order into the order
// Bytes promises: names sorted and unique within each rule, architectures
// in archRank order. Rule order is kept: it is the author's grouping and
// does not change what the filter does.
func (p *Profile) canonicalize() {
	for i := range p.spec.Syscalls {
		r := &p.spec.Syscalls[i]
		names := slices.Clone(r.Names)
		sort.Strings(names)
		r.Names = slices.Compact(names)
	}
	archs := slices.Clone(p.spec.Architectures)
	sort.SliceStable(archs, func(i, j int) bool { return archRank(archs[i]) < archRank(archs[j]) })
	p.spec.Architectures = slices.Compact(archs)
}

// kind is what a profile does with one syscall name.
type kind int

const (
	byDefault   kind = iota // no rule names it: the default action decides
	allowed                 // an unconditional ALLOW or LOG rule
	conditional             // let through only when its arguments match
	denied                  // a rule denies it without conditions
)

// verdict is what a profile does with one syscall name, and why.
type verdict struct {
	kind   kind
	action string               // allowed/denied: the unconditional rule's action
	rules  []specs.LinuxSyscall // conditional: its rules, one name each
	conds  []string             // conditional: the rules as canonical text, sorted
	deny   *specs.LinuxSyscall  // denied: the rule, for Merge to keep
}

func lets(a specs.LinuxSeccompAction) bool {
	return a == specs.ActAllow || a == specs.ActLog
}

// describe names an action the way people talk about it: "EPERM",
// "ENOSYS", "kill-process".
func describe(a specs.LinuxSeccompAction, errno *uint) string {
	switch a {
	case specs.ActErrno:
		n := uint(unix.EPERM) // runc's choice when errnoRet is unset
		if errno != nil {
			n = *errno
		}
		if name := unix.ErrnoName(syscall.Errno(n)); name != "" {
			return name
		}
		return fmt.Sprintf("errno %d", n)
	case specs.ActKill:
		return "kill-thread"
	}
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ACT_")), "_", "-")
}

// verdicts says, for every name some rule mentions, what the profile does
// with it once runc has loaded it. runc skips a rule whose action is the
// default action, and libseccomp lets the first unconditional rule for a
// syscall decide, ignoring later and conditional ones; conditional rules
// decide only when there is no unconditional one. A skipped rule still
// counts as an explicit deny when nothing else names the syscall: that is
// what the author meant, and what Generate writes for --deny.
func (p *Profile) verdicts() map[string]*verdict {
	out := map[string]*verdict{}
	type names struct {
		first, redundant *specs.LinuxSyscall // unconditional rules
		rules            []specs.LinuxSyscall
	}
	seen := map[string]*names{}
	var order []string
	deflt := describe(p.spec.DefaultAction, p.spec.DefaultErrnoRet)
	for i := range p.spec.Syscalls {
		r := &p.spec.Syscalls[i]
		redundant := r.Action == p.spec.DefaultAction && describe(r.Action, r.ErrnoRet) == deflt
		for _, n := range r.Names {
			x := seen[n]
			if x == nil {
				x = &names{}
				seen[n] = x
				order = append(order, n)
			}
			switch {
			case redundant && len(r.Args) == 0:
				if x.redundant == nil {
					x.redundant = r
				}
			case redundant:
			case len(r.Args) == 0:
				if x.first == nil {
					x.first = r
				}
			default:
				x.rules = append(x.rules, splitRule(*r, n)...)
			}
		}
	}
	defaultLets := lets(p.spec.DefaultAction)
	for _, n := range order {
		x := seen[n]
		v := &verdict{}
		switch {
		case x.first != nil && lets(x.first.Action):
			v.kind, v.action = allowed, string(x.first.Action)
		case x.first != nil:
			v.kind, v.action, v.deny = denied, describe(x.first.Action, x.first.ErrnoRet), x.first
		case len(x.rules) > 0:
			v.kind, v.rules = conditional, x.rules
			letsSome := defaultLets
			have := map[string]bool{}
			for _, r := range x.rules {
				letsSome = letsSome || lets(r.Action)
				if t := ruleText(r); !have[t] {
					have[t] = true
					v.conds = append(v.conds, t)
				}
			}
			if !letsSome {
				// Every condition picks some way to deny: denied all the same.
				v.kind, v.action = denied, describe(x.rules[0].Action, x.rules[0].ErrnoRet)+" (by argument)"
			}
		case x.redundant != nil && !defaultLets:
			v.kind, v.action, v.deny = denied, deflt, x.redundant
		case x.redundant != nil:
			v.kind, v.action = allowed, string(x.redundant.Action)
		default:
			continue // only conditional rules runc skips: the default decides
		}
		out[n] = v
	}
	return out
}

// splitRule returns r for the one name n as runc applies it: conditions on
// distinct arguments all have to hold, but when an argument repeats runc
// adds one rule per condition, so any one of them is enough.
func splitRule(r specs.LinuxSyscall, n string) []specs.LinuxSyscall {
	r.Names = []string{n}
	seen := map[uint]bool{}
	repeated := false
	for _, a := range r.Args {
		repeated = repeated || seen[a.Index]
		seen[a.Index] = true
	}
	if !repeated {
		return []specs.LinuxSyscall{r}
	}
	out := make([]specs.LinuxSyscall, len(r.Args))
	for i, a := range r.Args {
		out[i] = r
		out[i].Args = []specs.LinuxSeccompArg{a}
	}
	return out
}

// ruleText is a conditional rule as text: its action, then its conditions,
// all of which must hold.
func ruleText(r specs.LinuxSyscall) string {
	return describe(r.Action, r.ErrnoRet) + " if " + argsText(r.Args)
}

func argsText(args []specs.LinuxSeccompArg) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteString(" && ")
		}
		fmt.Fprintf(&b, "arg%d %s %s", a.Index, opText[a.Op], num(a.Value))
		if a.Op == specs.OpMaskedEqual {
			fmt.Fprintf(&b, " == %s", num(a.ValueTwo))
		}
	}
	return b.String()
}

// num prints small values, which are mostly enumerations (socket domains,
// personalities), in decimal, and larger ones, mostly flag sets, in hex.
func num(v uint64) string {
	if v < 4096 {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%#x", v)
}

var opText = map[specs.LinuxSeccompOperator]string{
	specs.OpEqualTo: "==", specs.OpNotEqual: "!=", specs.OpGreaterThan: ">",
	specs.OpGreaterEqual: ">=", specs.OpLessThan: "<", specs.OpLessEqual: "<=",
	specs.OpMaskedEqual: "&",
}

// sets splits what p does into sorted name sets. A profile whose default
// action lets syscalls through allows every name it does not otherwise
// mention; "every name" is then every name of the ABIs p admits.
func (p *Profile) sets() (allow, cond, deny []string, v map[string]*verdict) {
	v = p.verdicts()
	for n, x := range v {
		switch x.kind {
		case allowed:
			allow = append(allow, n)
		case conditional:
			cond = append(cond, n)
		case denied:
			deny = append(deny, n)
		}
	}
	if lets(p.spec.DefaultAction) {
		for _, n := range p.universe() {
			if v[n] == nil {
				allow = append(allow, n)
			}
		}
	}
	sort.Strings(allow)
	sort.Strings(cond)
	sort.Strings(deny)
	return allow, cond, deny, v
}

// universe returns the names of syscalls that exist for an ABI p admits:
// recv, send or riscv_hwprobe are no x86 syscalls, so an allow-all x86
// profile does not allow them. A profile that lists an architecture
// seccompgen has no table for gets every name it knows.
func (p *Profile) universe() []string {
	for _, a := range p.spec.Architectures {
		if a != specs.ArchX86_64 && a != specs.ArchX86 && a != specs.ArchX32 {
			return recording.Names()
		}
	}
	var out []string
	for _, n := range recording.Names() {
		for _, abi := range recording.ABIs {
			if _, ok := recording.Number(abi, n); ok && p.AdmitsABI(string(abi)) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// Allowed returns the sorted names the profile lets through without
// conditions.
func (p *Profile) Allowed() []string {
	a, _, _, _ := p.sets()
	return nonNil(a)
}

// Conditional returns the sorted names the profile lets through only when
// their arguments match a rule (Docker's socket, clone, personality; a
// pinned profile's).
func (p *Profile) Conditional() []string {
	_, c, _, _ := p.sets()
	return nonNil(c)
}

// Denied returns the sorted names a rule denies explicitly, not just by
// the default action.
func (p *Profile) Denied() []string {
	_, _, d, _ := p.sets()
	return nonNil(d)
}

// Architectures returns the profile's architectures as it lists them
// ("SCMP_ARCH_X86_64"); none means the native one only.
func (p *Profile) Architectures() []string {
	out := []string{}
	for _, a := range p.spec.Architectures {
		out = append(out, string(a))
	}
	return out
}

// defaultText describes the default action: "EPERM", "kill-process".
func (p *Profile) defaultText() string {
	return describe(p.spec.DefaultAction, p.spec.DefaultErrnoRet)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AllowsArg reports whether p can let the syscall name through when its
// argument index has value; with mask not 0 only the bits of mask are
// known (value is already masked). It says false only when sure: every
// rule that could allow the call compares that argument with something
// value does not match. A condition it cannot decide from what is known
// (another argument, bits outside mask) counts as met.
func (p *Profile) AllowsArg(name string, index uint, mask, value uint64) bool {
	v := p.verdicts()[name]
	switch {
	case v == nil:
		return lets(p.spec.DefaultAction)
	case v.kind == allowed:
		return true
	case v.kind == denied:
		return false
	case lets(p.spec.DefaultAction):
		return true // a rule that denies by argument: not worth deciding
	}
	for _, r := range v.rules {
		if !lets(r.Action) {
			continue
		}
		met := true
		for _, a := range r.Args {
			if a.Index == index && !mayHold(a, mask, value) {
				met = false
			}
		}
		if met {
			return true
		}
	}
	return false
}

// mayHold reports whether condition a can hold for an argument whose bits
// under known (all of them when known is 0) are value.
func mayHold(a specs.LinuxSeccompArg, known, value uint64) bool {
	if known == 0 {
		switch a.Op {
		case specs.OpEqualTo:
			return value == a.Value
		case specs.OpNotEqual:
			return value != a.Value
		case specs.OpGreaterThan:
			return value > a.Value
		case specs.OpGreaterEqual:
			return value >= a.Value
		case specs.OpLessThan:
			return value < a.Value
		case specs.OpLessEqual:
			return value <= a.Value
		case specs.OpMaskedEqual:
			return value&a.Value == a.ValueTwo
		}
		return true
	}
	if a.Op == specs.OpMaskedEqual && a.Value&^known == 0 {
		return value&a.Value == a.ValueTwo
	}
	return true
}
