package verify

import (
	"cmp"
	"maps"
	"slices"
	"sort"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
)

// Verdict is check's answer, most severe first.
type Verdict string

// The verdicts.
const (
	// Breaks: the run needs what the profile refuses.
	Breaks Verdict = "breaks"
	// PolicyDrift: the profile lacks an explicit deny the policy asks
	// for, or allows what the policy denies.
	PolicyDrift Verdict = "policy-drift"
	// Looser: the profile allows what the run did not need.
	Looser Verdict = "looser-than-needed"
	// InSync: none of the above.
	InSync Verdict = "in-sync"
)

// Fails reports whether the verdict fails a drift check; looser than
// needed fails only when strict.
func (v Verdict) Fails(strict bool) bool {
	return v == Breaks || v == PolicyDrift || v == Looser && strict
}

// Kind is why a profile refuses (or may refuse) a syscall a run needs.
type Kind string

// The kinds of refusal.
const (
	// NameNotAllowed: no rule lets the name through.
	NameNotAllowed Kind = "name-not-allowed"
	// ABINotAdmitted: the profile does not list the syscall's ABI, so
	// the kernel refuses every syscall of it.
	ABINotAdmitted Kind = "abi-not-admitted"
	// ArgRefused: the name is allowed only under argument conditions,
	// and some recorded values do not meet them (Refusal.Entry.Args).
	ArgRefused Kind = "argument-refused"
	// ConditionsUnchecked: the name is allowed only under argument
	// conditions, and no values were recorded to check them against.
	// It is a finding, not a refusal: the run may or may not break.
	ConditionsUnchecked Kind = "conditions-unchecked"
)

// Refusal is one syscall a run needs and what the profile makes of it.
type Refusal struct {
	// Entry is the need; for ArgRefused its Args are only the refused
	// values.
	Entry synth.Entry
	Kind  Kind
}

// PolicyKind is how a profile drifts from the policy's explicit denies.
type PolicyKind string

// The kinds of policy drift.
const (
	// DenyAllowed: the profile allows a name the policy denies.
	DenyAllowed PolicyKind = "allowed"
	// DenyMissing: the profile has no explicit deny for it.
	DenyMissing PolicyKind = "no-explicit-deny"
)

// Drift is one explicit deny of the policy that the profile does not keep.
type Drift struct {
	Name string
	Kind PolicyKind
}

// Options are what Check compares beyond the names a run makes.
type Options struct {
	// Needed are the names the run's own profile allows without
	// conditions; names the checked profile allows beyond them are
	// Looser. Nil skips that comparison.
	Needed []string
	// Deny is the policy's explicit denies; nil skips the comparison.
	Deny []string
}

// Result is what Check found. Every list is in a fixed order: Refusals
// and Unchecked by name then ABI (as the profile reads), Policy and
// Looser sorted.
type Result struct {
	// Refusals are what the run needs and the profile refuses.
	Refusals []Refusal
	// Unchecked are needs allowed only under conditions that nothing
	// recorded can check (Kind ConditionsUnchecked).
	Unchecked []Refusal
	Policy    []Drift
	Looser    []string
	// Needed is len(Options.Needed): how many names the run's profile
	// allows.
	Needed int
}

// Verdict is the most severe of what r found.
func (r Result) Verdict() Verdict {
	switch {
	case len(r.Refusals) > 0:
		return Breaks
	case len(r.Policy) > 0:
		return PolicyDrift
	case len(r.Looser) > 0:
		return Looser
	}
	return InSync
}

// Check compares the profile with what a run needs: each allow entry of
// needs (deny entries are the policy's, not the run's) by ABI, name and,
// when the entry carries recorded argument values, by those values.
func Check(p *profiles.Profile, needs []synth.Entry, o Options) Result {
	k := sets{p: p, allowed: set(p.Allowed()), conditional: set(p.Conditional()), denied: set(p.Denied())}
	var r Result
	for _, e := range needs {
		if e.Action != synth.Allow {
			continue
		}
		f, ok := k.refusal(e)
		switch {
		case !ok:
		case f.Kind == ConditionsUnchecked:
			r.Unchecked = append(r.Unchecked, f)
		default:
			r.Refusals = append(r.Refusals, f)
		}
	}
	byName := func(a, b Refusal) int {
		return cmp.Or(cmp.Compare(a.Entry.Name, b.Entry.Name), cmp.Compare(a.Entry.ABI, b.Entry.ABI))
	}
	slices.SortStableFunc(r.Refusals, byName)
	slices.SortStableFunc(r.Unchecked, byName)
	if o.Needed != nil {
		r.Needed, r.Looser = len(o.Needed), k.looser(o.Needed)
	}
	r.Policy = k.drift(o.Deny)
	return r
}

// sets are a profile's names by verdict, computed once per Check.
type sets struct {
	p                            *profiles.Profile
	allowed, conditional, denied map[string]bool
}

// refusal says what the profile makes of one need, if anything.
func (k sets) refusal(e synth.Entry) (Refusal, bool) {
	switch {
	case !k.p.AdmitsABI(string(e.ABI)):
		return Refusal{Entry: e, Kind: ABINotAdmitted}, true
	case k.allowed[e.Name]:
		return Refusal{}, false
	case !k.conditional[e.Name]:
		return Refusal{Entry: e, Kind: NameNotAllowed}, true
	case len(e.Args) == 0:
		return Refusal{Entry: e, Kind: ConditionsUnchecked}, true
	}
	// The run's values are known: a value the conditions refuse breaks
	// the workload as surely as a name.
	refused := refusedArgs(k.p, e.Name, e.Args)
	if refused == nil {
		return Refusal{}, false
	}
	e.Args = refused
	return Refusal{Entry: e, Kind: ArgRefused}, true
}

// looser returns, sorted, what the profile allows unconditionally beyond
// needed, explicit denies aside.
func (k sets) looser(needed []string) []string {
	need := set(needed)
	var out []string
	for _, n := range k.p.Allowed() {
		if !need[n] && !k.denied[n] {
			out = append(out, n)
		}
	}
	return out
}

// drift returns the explicit denies of the policy the profile does not
// keep: allowed ones first, each kind sorted by name.
func (k sets) drift(deny []string) []Drift {
	var out []Drift
	for _, n := range deny {
		switch {
		case k.allowed[n] || k.conditional[n]:
			out = append(out, Drift{Name: n, Kind: DenyAllowed})
		case !k.denied[n]:
			out = append(out, Drift{Name: n, Kind: DenyMissing})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind == DenyAllowed
		}
		return a.Name < b.Name
	})
	return out
}

// Needs turns what a recording saw into needs for Check: each syscall,
// observed, with its count and first process, and the argument values the
// recording has for it (RecordedArgs), which Check holds against the
// profile's conditions.
func Needs(rec *recording.Recording) []synth.Entry {
	out := make([]synth.Entry, 0, len(rec.Syscalls))
	for _, s := range rec.Syscalls {
		out = append(out, synth.Entry{
			Name: s.Name, ABI: s.ABI, Nr: s.Nr, Action: synth.Allow, Reason: synth.ReasonObserved,
			Count: s.Count, FirstPID: s.FirstPID, FirstComm: s.FirstComm,
			Args: RecordedArgs(rec, s.ABI, s.Nr),
		})
	}
	return out
}

// RecordedArgs returns the values rec has for the arguments of syscall nr
// of abi: one ArgValues per argument index, in index order, each with the
// mask it was recorded under (recording.PinnedArgs) and its distinct
// values sorted; nil when rec has none.
func RecordedArgs(rec *recording.Recording, abi recording.ABI, nr int) []synth.ArgValues {
	byIndex := map[int][]uint64{}
	for _, a := range rec.Args {
		if a.ABI == abi && a.Nr == nr {
			byIndex[a.Index] = append(byIndex[a.Index], a.Value)
		}
	}
	var out []synth.ArgValues
	for _, i := range slices.Sorted(maps.Keys(byIndex)) {
		var mask uint64
		for _, p := range recording.PinnedArgs {
			if p.ABI == abi && p.Nr == nr && p.Index == i {
				mask = p.Mask
			}
		}
		values := byIndex[i]
		if mask != 0 {
			for j := range values {
				values[j] &= mask
			}
		}
		slices.Sort(values)
		out = append(out, synth.ArgValues{Index: i, Mask: mask, Values: slices.Compact(values)})
	}
	return out
}

// refusedArgs returns the values of args that p's conditions for name
// refuse, or nil.
func refusedArgs(p *profiles.Profile, name string, args []synth.ArgValues) []synth.ArgValues {
	var out []synth.ArgValues
	for _, a := range args {
		var bad []uint64
		for _, v := range a.Values {
			if !p.AllowsArg(name, uint(a.Index), a.Mask, v) {
				bad = append(bad, v)
			}
		}
		if bad != nil {
			out = append(out, synth.ArgValues{Index: a.Index, Mask: a.Mask, Values: bad})
		}
	}
	return out
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
