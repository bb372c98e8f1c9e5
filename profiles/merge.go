package profiles

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Merge returns a profile that allows what any input allows and nothing
// more: architectures united, a name allowed without conditions by one
// input allowed without conditions, a name allowed only under argument
// conditions keeping every input's conditional rules (each rule still
// allows only what it allowed before), and a name any input denies
// explicitly denied, with the first such input's action. The inputs must
// share their default action: an allowlist merged with a denylist has no
// meaningful union. The result is canonical: merging a profile with itself
// gives it back as Generate would write it. A united architecture gets
// every input's rules: ArchWidening says what that allows there beyond the
// inputs that admit it.
func Merge(ps ...*Profile) (*Profile, error) {
	if len(ps) == 0 {
		return nil, errors.New("profiles: merge needs at least one profile")
	}
	first := ps[0]
	out := &Profile{spec: specs.LinuxSeccomp{
		DefaultAction:   first.spec.DefaultAction,
		DefaultErrnoRet: first.spec.DefaultErrnoRet,
		ListenerPath:    first.spec.ListenerPath,
	}}
	if lets(first.spec.DefaultAction) {
		return nil, fmt.Errorf("profiles: %s: default action %s lets every syscall through; merge combines allowlists (a denying default action)", label(first, 0), first.spec.DefaultAction)
	}
	var (
		uncond = map[string]specs.LinuxSeccompAction{}
		conds  = map[string][]specs.LinuxSyscall{}
		denies = map[string]specs.LinuxSyscall{}
	)
	for i, p := range ps {
		if p.defaultText() != first.defaultText() {
			return nil, fmt.Errorf("profiles: %s denies by default with %s, %s with %s; merge needs one default action", label(first, 0), first.defaultText(), label(p, i), p.defaultText())
		}
		if p.spec.ListenerPath != out.spec.ListenerPath {
			return nil, fmt.Errorf("profiles: %s and %s have different listenerPath", label(first, 0), label(p, i))
		}
		out.spec.Architectures = append(out.spec.Architectures, p.spec.Architectures...)
		out.spec.Flags = append(out.spec.Flags, p.spec.Flags...)
		if p.spec.ListenerMetadata != "" && out.spec.ListenerMetadata == "" {
			out.spec.ListenerMetadata = p.spec.ListenerMetadata
		}
		for n, v := range p.verdicts() {
			switch {
			case v.deny != nil:
				if _, ok := denies[n]; !ok {
					denies[n] = *v.deny
				}
			case v.kind == allowed:
				if uncond[n] != specs.ActAllow {
					uncond[n] = specs.LinuxSeccompAction(v.action)
				}
			default:
				conds[n] = append(conds[n], v.rules...)
			}
		}
	}
	// Group names that share a rule body into one rule, as a person would
	// write it; the key orders the rules: unconditional allows, then
	// conditional rules, then denies.
	type group struct {
		rule  specs.LinuxSyscall
		names []string
	}
	groups := map[string]*group{}
	add := func(key, name string, r specs.LinuxSyscall) {
		g := groups[key]
		if g == nil {
			g = &group{rule: r}
			groups[key] = g
		}
		g.names = append(g.names, name)
	}
	for n, r := range denies {
		r.Args = nil
		add("2 "+ruleKey(r), n, r)
	}
	for n, a := range uncond {
		if _, ok := denies[n]; !ok {
			add("0 "+string(a), n, specs.LinuxSyscall{Action: a})
		}
	}
	for n, rs := range conds {
		if _, ok := denies[n]; ok {
			continue
		}
		if _, ok := uncond[n]; ok {
			continue
		}
		seen := map[string]bool{}
		for _, r := range rs {
			k := ruleKey(r)
			if !seen[k] {
				seen[k] = true
				add("1 "+k, n, r)
			}
		}
	}
	// Conditional rules sort by their first name, so one syscall's rules
	// stay together, then by body. The sort keys are built once: building
	// them in the comparison made a merge of 120k rules spend most of its
	// time there.
	type sorted struct{ by, key string }
	keys := make([]sorted, 0, len(groups))
	for k, g := range groups {
		sort.Strings(g.names)
		by := k
		if strings.HasPrefix(k, "1 ") {
			by = "1 " + g.names[0] + " " + k
		}
		keys = append(keys, sorted{by, k})
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].by < keys[j].by })
	for _, sk := range keys {
		g := groups[sk.key]
		r := g.rule
		r.Names = g.names
		out.spec.Syscalls = append(out.spec.Syscalls, r)
	}
	slices.Sort(out.spec.Flags)
	out.spec.Flags = slices.Compact(out.spec.Flags)
	out.canonicalize()
	return out, nil
}

// ruleKey is a rule without its names, as text that sorts and compares.
func ruleKey(r specs.LinuxSyscall) string {
	var b strings.Builder
	b.WriteString(string(r.Action))
	if r.ErrnoRet != nil {
		fmt.Fprintf(&b, " %05d", *r.ErrnoRet)
	}
	for _, a := range r.Args {
		fmt.Fprintf(&b, " %d %s %020d %020d", a.Index, a.Op, a.Value, a.ValueTwo)
	}
	return b.String()
}

func label(p *Profile, i int) string {
	if p.name != "" {
		return p.name
	}
	return fmt.Sprintf("profile %d", i+1)
}
