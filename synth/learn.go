package synth

import (
	"fmt"
	"sort"
	"strings"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

// ReasonLogged: the kernel logged the syscall for a process under a
// log-mode copy of the profile (or a filter that logs what it refuses):
// production made it.
const ReasonLogged = "logged"

// Learned is what Learn made of a profile and the syscalls a log holds.
type Learned struct {
	// Profile is the input profile with Added allowed.
	Profile *profiles.Profile
	Report  *Report
	// Added are the logged syscalls the profile refused by its default
	// action and now allows; Already those it allowed before.
	Added, Already []recording.Syscall
	// Kept are the logged syscalls the profile still refuses.
	Kept []Kept
	// NewABIs are the ABIs added to the profile's architectures, and
	// Widenings what their addition lets through there beyond the log.
	NewABIs   []recording.ABI
	Widenings []profiles.Widening
}

// Kept is a logged syscall Learn did not allow, and why.
type Kept struct {
	recording.Syscall
	// By is the profile's treatment of it: Denied or Conditional, or
	// ByDefault for a number seccompgen's tables do not name.
	By profiles.Treatment
	// Action is a Denied call's action ("EPERM", "ENOSYS").
	Action string
	Why    string
}

// Fallback reports whether an ENOSYS rule refuses k on purpose, so that
// callers fall back to a syscall the profile can filter: nothing to do.
func (k Kept) Fallback() bool { return k.By == profiles.Denied && k.Action == "ENOSYS" }

// ArchError refuses to add ABIs a profile does not admit: every rule of
// the profile would apply to them too.
type ArchError struct {
	Profile string
	ABIs    []recording.ABI
	Calls   []recording.Syscall // the logged calls of those ABIs
}

func (e *ArchError) Error() string {
	abis := make([]string, len(e.ABIs))
	for i, a := range e.ABIs {
		abis[i] = string(a)
	}
	names := make([]string, len(e.Calls))
	for i, c := range e.Calls {
		names[i] = fmt.Sprintf("%s (%s)", c.Name, c.ABI)
	}
	return fmt.Sprintf("the log has calls of %s, which %s does not admit: %s; adding an architecture applies every rule of the profile to it too. Pass --add-arches to add it, or record the workload on that ABI",
		strings.Join(abis, ", "), e.Profile, strings.Join(names, " "))
}

// Learn allows in p the logged calls that p's default action refused:
// each with reason "logged" in the report. A call p denies by a rule, or
// allows only for some argument values (a log has no arguments), is kept
// refused; so is one whose number seccompgen's tables do not name. A call
// of an ABI p does not admit is an *ArchError unless addArches. name is
// p's name for messages.
func Learn(p *profiles.Profile, name string, calls []recording.Syscall, addArches bool) (*Learned, error) {
	l := &Learned{Report: &Report{}}
	var foreign []recording.Syscall
	newABI := map[recording.ABI]bool{}
	for _, c := range calls {
		if !p.AdmitsABI(string(c.ABI)) {
			foreign = append(foreign, c)
			if !newABI[c.ABI] {
				newABI[c.ABI] = true
				l.NewABIs = append(l.NewABIs, c.ABI)
			}
		}
	}
	if len(foreign) > 0 && !addArches {
		return nil, &ArchError{Profile: name, ABIs: l.NewABIs, Calls: foreign}
	}
	allow := map[string][]string{}
	for _, c := range calls {
		if _, ok := allow[string(c.ABI)]; !ok && newABI[c.ABI] {
			// The ABI is added even when nothing of it is new.
			allow[string(c.ABI)] = nil
		}
		if recording.IsNrName(c.Name) {
			l.Kept = append(l.Kept, Kept{Syscall: c, By: profiles.ByDefault, Why: fmt.Sprintf("number %d is not in seccompgen's %s table (a kernel newer than seccompgen?): add it to the profile by name by hand", c.Nr, c.ABI)})
			continue
		}
		t, action := p.Treats(c.Name)
		switch t {
		case profiles.ByDefault:
			l.Added = append(l.Added, c)
			allow[string(c.ABI)] = append(allow[string(c.ABI)], c.Name)
		case profiles.Allowed:
			if newABI[c.ABI] {
				// Allowed there now too, and logged there: no
				// widening.
				l.Added = append(l.Added, c)
				allow[string(c.ABI)] = append(allow[string(c.ABI)], c.Name)
			} else {
				l.Already = append(l.Already, c)
			}
		case profiles.Conditional:
			l.Kept = append(l.Kept, Kept{Syscall: c, By: t, Why: fmt.Sprintf("%s allows it only for some argument values, and an audit record has no arguments: record the workload with --args, or widen the rule by hand", name)})
		case profiles.Denied:
			k := Kept{Syscall: c, By: t, Action: action, Why: fmt.Sprintf("%s denies it explicitly (%s); remove it from the deny rule (or --deny) to allow it", name, action)}
			if k.Fallback() {
				k.Why = fmt.Sprintf("%s makes it fail with ENOSYS on purpose, so callers fall back", name)
			}
			l.Kept = append(l.Kept, k)
		}
	}
	if len(allow) == 0 {
		l.Profile = p
	} else {
		m, ws, err := p.WithAllowed(allow)
		if err != nil {
			return nil, err
		}
		l.Profile, l.Widenings = m, ws
	}
	l.report()
	return l, nil
}

// report fills l.Report: an entry for each added and each kept call the
// profile denies, the others as warnings and notes.
func (l *Learned) report() {
	r := l.Report
	entry := func(c recording.Syscall, a Action, reason string) Entry {
		return Entry{Name: c.Name, ABI: c.ABI, Nr: c.Nr, Action: a, Reason: reason, Count: c.Count, FirstPID: c.FirstPID, FirstComm: c.FirstComm}
	}
	for _, c := range l.Added {
		r.Syscalls = append(r.Syscalls, entry(c, Allow, ReasonLogged))
	}
	for _, k := range l.Kept {
		msg := fmt.Sprintf("%s (%s) logged %d time(s), first by pid %d (%s), stays refused: %s", k.Name, k.ABI, k.Count, k.FirstPID, recording.Printable(k.FirstComm), k.Why)
		if k.By == profiles.Denied {
			e := entry(k.Syscall, Deny, ReasonPolicy)
			r.Syscalls = append(r.Syscalls, e)
			r.DeniedButUsed = append(r.DeniedButUsed, e)
		}
		if k.Fallback() {
			r.Notes = append(r.Notes, msg)
		} else {
			r.Warnings = append(r.Warnings, msg)
		}
	}
	if len(l.Already) > 0 {
		names := make([]string, len(l.Already))
		for i, c := range l.Already {
			names[i] = fmt.Sprintf("%s (%s)", c.Name, c.ABI)
		}
		r.Notes = append(r.Notes, fmt.Sprintf("%d logged syscall(s) the profile already allowed: %s", len(names), strings.Join(names, " ")))
	}
	for _, w := range l.Widenings {
		r.Warnings = append(r.Warnings, "--add-arches: the profile now allows "+w.String())
	}
	byName(r.Syscalls)
	byName(r.DeniedButUsed)
}

// byName sorts entries by name, then ABI.
func byName(es []Entry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Name != es[j].Name {
			return es[i].Name < es[j].Name
		}
		return es[i].ABI < es[j].ABI
	})
}

// Refused reports whether the log shows calls the learned profile still
// refuses, apart from ENOSYS fallbacks: production would fail there.
func (l *Learned) Refused() bool {
	for _, k := range l.Kept {
		if !k.Fallback() {
			return true
		}
	}
	return false
}
