package profiles

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccompgen/seccompgen/recording"
)

// Widening is what a merged profile lets through on one architecture that
// no input admitting that architecture let through: libseccomp applies
// every rule of a filter to every architecture in it, and the OCI profile
// has no per-architecture rules, so a name an x86_64-only input allows is
// allowed on i386 too once another input adds i386.
type Widening struct {
	Arch  string   // libseccomp's short name: "x86", "x32"
	Names []string // sorted; a name that does not exist there is left out
}

func (w Widening) String() string {
	const show = 8
	names := w.Names
	more := ""
	if len(names) > show {
		names, more = names[:show], fmt.Sprintf(" and %d more", len(w.Names)-show)
	}
	return fmt.Sprintf("on %s, %s no input that admits %s allows (%s%s)", w.Arch, plural(len(w.Names), "syscall", "syscalls"), w.Arch, strings.Join(names, " "), more)
}

// ArchWidening compares merged, the result of Merge(ps...), with the
// inputs architecture by architecture and returns what merging let through
// beyond them, sorted by architecture. The host's native architecture is
// left out: libseccomp admits it in every filter, so every input admitted
// it already. A name allowed under other argument conditions than the
// inputs admitting the architecture allowed counts as widened too.
func ArchWidening(merged *Profile, ps ...*Profile) ([]Widening, error) {
	native := nativeArch()
	var out []Widening
	for _, a := range merged.spec.Architectures {
		if a == native {
			continue
		}
		var admit []*Profile
		for _, p := range ps {
			if slices.Contains(p.spec.Architectures, a) {
				admit = append(admit, p)
			}
		}
		if len(admit) == len(ps) {
			continue
		}
		var before map[string]*verdict
		if len(admit) > 0 {
			m, err := Merge(admit...)
			if err != nil {
				return nil, err
			}
			before = m.verdicts()
		}
		var names []string
		for n, v := range merged.verdicts() {
			if (v.kind == allowed || v.kind == conditional) && existsOn(a, n) && widens(v, before[n]) {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			slices.Sort(names)
			out = append(out, Widening{Arch: archName(a), Names: names})
		}
	}
	return out, nil
}

// widens reports whether after lets through more than before: a name
// before did not let through, or only under other conditions. Merge's
// inputs deny by default, so a name before does not mention is denied.
func widens(after, before *verdict) bool {
	switch {
	case before == nil || before.kind == denied || before.kind == byDefault:
		return true
	case before.kind == allowed:
		return false
	case after.kind == allowed:
		return true
	}
	for _, c := range after.conds {
		if !slices.Contains(before.conds, c) {
			return true
		}
	}
	return false
}

// existsOn reports whether name is a syscall of architecture a, as far as
// seccompgen's tables know; for architectures without a table it says yes.
func existsOn(a specs.Arch, name string) bool {
	for abi, spec := range archNames {
		if spec == a {
			_, ok := recording.Number(recording.ABI(abi), name)
			return ok
		}
	}
	return true
}

// nativeArch is the architecture libseccomp adds to every filter here.
func nativeArch() specs.Arch {
	a, err := resolveArch(runtime.GOARCH)
	if err != nil {
		return ""
	}
	return a.spec
}
