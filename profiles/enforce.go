package profiles

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// restricted returns the sorted names some rule of p can refuse: an
// action other than ALLOW or LOG, with or without conditions.
func (p *Profile) restricted() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range p.spec.Syscalls {
		if lets(r.Action) {
			continue
		}
		for _, n := range r.Names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// ConfinesNothing reports whether p lets every syscall through: its default
// action allows (SCMP_ACT_ALLOW, or SCMP_ACT_LOG, which only logs) and no
// rule refuses anything.
func (p *Profile) ConfinesNothing() bool {
	return lets(p.spec.DefaultAction) && len(p.restricted()) == 0
}

// DefaultWarning says what a person enforcing p should know about its
// default action, or "" when it denies. An allowing default confines only
// what rules name, and nothing when none refuses; SCMP_ACT_TRACE hands
// every other syscall to a ptrace tracer, and with none attached the kernel
// fails it with ENOSYS. (runc refuses SCMP_ACT_NOTIFY as the default.)
func (p *Profile) DefaultWarning() string {
	switch a := p.spec.DefaultAction; {
	case lets(a):
		if n := len(p.restricted()); n > 0 {
			return fmt.Sprintf("default action %s lets through every syscall no rule names: only the %s its rules name are confined", a, plural(n, "syscall", "syscalls"))
		}
		return fmt.Sprintf("default action %s lets every syscall through and no rule refuses any: the profile confines nothing", a)
	case a == specs.ActTrace:
		return fmt.Sprintf("default action %s hands every syscall no rule names to a ptrace tracer: with none attached they fail with ENOSYS, and a tracer (strace, gdb) may let them through", a)
	}
	return ""
}
