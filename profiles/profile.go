package profiles

import (
	"encoding/json"
	"fmt"
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
// Mask (SCMP_CMP_MASKED_EQ, Values already masked).
type Cond struct {
	Name   string
	Index  uint
	Mask   uint64
	Values []uint64
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
	sort.Strings(allow)
	if len(allow) > 0 {
		p.spec.Syscalls = append(p.spec.Syscalls, specs.LinuxSyscall{Names: allow, Action: specs.ActAllow})
	}
	p.spec.Syscalls = append(p.spec.Syscalls, condRules(s.Conditional, set(allow), denied)...)
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

// condRules writes one ALLOW rule per value, as Docker's default does for
// personality: separate rules are alternatives in every runtime and in
// libseccomp itself, where several conditions in one rule mean "all" except
// under runc's special case for a repeated argument. Rules come sorted by
// name, index and value, so equal decisions give equal bytes.
func condRules(conds []Cond, allow, denied map[string]bool) []specs.LinuxSyscall {
	type rule struct {
		name  string
		index uint
		mask  uint64
		value uint64
	}
	seen := map[rule]bool{}
	var rules []rule
	for _, c := range conds {
		if allow[c.Name] || denied[c.Name] {
			continue
		}
		for _, v := range c.Values {
			r := rule{c.Name, c.Index, c.Mask, v}
			if !seen[r] {
				seen[r] = true
				rules = append(rules, r)
			}
		}
	}
	sort.Slice(rules, func(i, j int) bool {
		a, b := rules[i], rules[j]
		switch {
		case a.name != b.name:
			return a.name < b.name
		case a.index != b.index:
			return a.index < b.index
		case a.mask != b.mask:
			return a.mask < b.mask
		}
		return a.value < b.value
	})
	out := make([]specs.LinuxSyscall, 0, len(rules))
	for _, r := range rules {
		arg := specs.LinuxSeccompArg{Index: r.index, Value: r.value, Op: specs.OpEqualTo}
		if r.mask != 0 {
			arg = specs.LinuxSeccompArg{Index: r.index, Value: r.mask, ValueTwo: r.value, Op: specs.OpMaskedEqual}
		}
		out = append(out, specs.LinuxSyscall{Names: []string{r.name}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg}})
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
