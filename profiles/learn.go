package profiles

import (
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Treatment is what a profile's rules do with one syscall name.
type Treatment int

// The treatments.
const (
	ByDefault   Treatment = iota // no rule names it: the default action decides
	Allowed                      // allowed without conditions
	Conditional                  // allowed only when its arguments match a rule
	Denied                       // a rule denies it without conditions
)

// Treats returns what p's rules do with name and, for Denied, the action
// as people say it ("EPERM", "ENOSYS", "kill-process"). It reads the rules
// as runc loads them (verdicts).
func (p *Profile) Treats(name string) (Treatment, string) {
	v := p.verdicts()[name]
	switch {
	case v == nil:
		return ByDefault, ""
	case v.kind == allowed:
		return Allowed, ""
	case v.kind == conditional:
		return Conditional, ""
	}
	return Denied, v.action
}

// WithAllowed returns a copy of p that also allows the names of each ABI
// ("x86_64", "i386", "x32") without conditions, with every ABI named
// added to its architectures, in Merge's canonical form; a name p denies
// stays denied. A rule applies to every architecture of a profile, so an
// ABI p did not admit gets all of p's rules: the widenings say what that
// lets through there beyond the names given for it.
func (p *Profile) WithAllowed(names map[string][]string) (*Profile, []Widening, error) {
	q := &Profile{name: "the log", spec: specs.LinuxSeccomp{
		DefaultAction:   p.spec.DefaultAction,
		DefaultErrnoRet: p.spec.DefaultErrnoRet,
		ListenerPath:    p.spec.ListenerPath,
		Architectures:   slices.Clone(p.spec.Architectures),
	}}
	var all []string
	for abi, ns := range names {
		a, ok := archNames[abi]
		if !ok {
			return nil, nil, unknown("abi", abi, []string{"x86_64", "i386", "x32"})
		}
		q.spec.Architectures = append(q.spec.Architectures, a)
		all = append(all, ns...)
	}
	if len(all) > 0 {
		q.spec.Syscalls = []specs.LinuxSyscall{{Names: all, Action: specs.ActAllow}}
	}
	q.canonicalize()
	m, err := Merge(p, q)
	if err != nil {
		return nil, nil, err
	}
	m.name = p.name
	var ws []Widening
	for abi, ns := range names {
		if p.AdmitsABI(abi) {
			continue
		}
		only := &Profile{name: "the log", spec: specs.LinuxSeccomp{
			DefaultAction:   p.spec.DefaultAction,
			DefaultErrnoRet: p.spec.DefaultErrnoRet,
			ListenerPath:    p.spec.ListenerPath,
			Architectures:   []specs.Arch{archNames[abi]},
		}}
		if len(ns) > 0 {
			only.spec.Syscalls = []specs.LinuxSyscall{{Names: ns, Action: specs.ActAllow}}
		}
		only.canonicalize()
		got, err := ArchWidening(m, p, only)
		if err != nil {
			return nil, nil, err
		}
		for _, w := range got {
			if w.Arch == archName(archNames[abi]) {
				ws = append(ws, w)
			}
		}
	}
	slices.SortFunc(ws, func(a, b Widening) int {
		return archRank(specs.Arch("SCMP_ARCH_"+strings.ToUpper(a.Arch))) - archRank(specs.Arch("SCMP_ARCH_"+strings.ToUpper(b.Arch)))
	})
	return m, ws, nil
}

// DeniesByDefault reports whether p's default action refuses what no rule
// names: an allowlist, which learning can add to.
func (p *Profile) DeniesByDefault() bool { return !lets(p.spec.DefaultAction) }

// LogCopy is the log-mode copy of p to write to a file and deploy: LogMode,
// and on x86_64 every x86 ABI listed. LogMode's logging of a syscall of an
// architecture p does not list is no part of the OCI format: runc would
// load the file with libseccomp's default, which kills the process at the
// first i386 or x32 call. Listed, such a call reaches the rules: the
// default logs it, a name p allows is let through, as it would be once
// learn adds the ABI (every rule applies to every architecture).
func (p *Profile) LogCopy() *Profile {
	q := p.LogMode()
	if nativeArch() != specs.ArchX86_64 {
		return q
	}
	q.spec.Architectures = slices.Clone(q.spec.Architectures)
	for _, a := range []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32} {
		if !slices.Contains(q.spec.Architectures, a) {
			q.spec.Architectures = append(q.spec.Architectures, a)
		}
	}
	q.canonicalize()
	return q
}
