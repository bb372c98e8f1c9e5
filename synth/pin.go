package synth

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/seccompgen/seccompgen/goruntime"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

// DefaultPins are the groups of recording.PinnedArgs pinned when the user
// does not say (--args not given): those whose held-out runs of
// docs/SUFFICIENCY.md's corpus all still pass pinned (docs/args.md has
// the measurement). ioctl is not: nginx and node made requests in
// production their smoke tests never made. Nor is exec-mmap, which the
// corpus could not measure (its programs all map libraries executable,
// which leaves mmap free) and which breaks a static or Go program that
// later execs a dynamically linked one.
var DefaultPins = []string{
	recording.PinSocket, recording.PinClone, recording.PinNamespaces,
	recording.PinPersonality, recording.PinPrctl, recording.PinExecMemory,
}

// ParsePins parses --args: "all" (or "" for --args alone), "none",
// "default" (DefaultPins) or a comma-separated list of groups
// (recording.PinGroups). It returns the groups in PinGroups order.
func ParsePins(s string) ([]string, error) {
	var out []string
	for _, w := range strings.Split(s, ",") {
		switch w = strings.TrimSpace(w); w {
		case "", "all":
			out = append(out, recording.PinGroups...)
		case "none":
		case "default":
			out = append(out, DefaultPins...)
		default:
			if !slices.Contains(recording.PinGroups, w) {
				return nil, fmt.Errorf("unknown group %q: want all, none, default or a list of %s", w, strings.Join(recording.PinGroups, ", "))
			}
			out = append(out, w)
		}
	}
	var sorted []string
	for _, g := range recording.PinGroups {
		if slices.Contains(out, g) {
			sorted = append(sorted, g)
		}
	}
	return sorted, nil
}

func (p Policy) pinGroups() map[string]bool {
	groups := p.Pin
	if p.Args {
		groups = recording.PinGroups
	}
	out := map[string]bool{}
	for _, g := range groups {
		out[g] = true
	}
	return out
}

// Reasons of Unpinned: why a pinnable syscall stays allowed with any
// value of an argument.
const (
	// UnpinnedTooMany: the argument took more distinct values than the
	// tracer keeps (recording.ArgOverflow).
	UnpinnedTooMany = "too-many-values"
	// UnpinnedIncomplete: fewer values were recorded than calls counted
	// (a recording merged with one made without --args).
	UnpinnedIncomplete = "values-incomplete"
	// UnpinnedTooLong: the pinned profile's filter would be longer than
	// the kernel loads (profiles.MaxInsns).
	UnpinnedTooLong = "filter-too-long"
)

// Unpinned is a syscall argument the policy would pin that the profile
// leaves free, and why (Unpinned* reasons).
type Unpinned struct {
	Name   string        `json:"name"`
	ABI    recording.ABI `json:"abi"`
	Index  int           `json:"index"`
	Reason string        `json:"reason"`
}

// pinArgs moves the syscalls whose argument values the recording has, in
// full, from allow to conditional rules on those values, and records the
// values in their report entries. It errs on the side of running: an
// argument stays free when its values may be incomplete (fewer values
// counted than calls, more distinct values than the tracer keeps, a full
// map of values), and a syscall stays unconditional when an ABI whose
// arguments are not recorded (x32) used it, when a runtime baseline or a
// Go runtime inference needs it (with other arguments, for all we know),
// or when policy denies it. Values of one name in several ABIs are one
// set: a profile's rules name syscalls, not ABIs.
func pinArgs(merged *recording.Recording, p Policy, groups, denied map[string]bool, inferred []goruntime.Syscall, rep *Report, allow []string) ([]profiles.Cond, []string) {
	if merged.Losses.ArgsDropped > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"%d argument value(s) were not recorded (the map of values was full): no syscall is pinned to its arguments", merged.Losses.ArgsDropped))
		return nil, allow
	}
	type abiName struct {
		abi  recording.ABI
		name string
	}
	pinnable := map[abiName]bool{}
	for _, pa := range recording.PinnedArgs {
		if groups[pa.Group] {
			pinnable[abiName{pa.ABI, pa.Name}] = true
		}
	}
	keep := map[string]bool{} // needed unconditionally
	calls := map[abiName]uint64{}
	for _, s := range merged.Syscalls {
		calls[abiName{s.ABI, s.Name}] = s.Count
		if !pinnable[abiName{s.ABI, s.Name}] {
			keep[s.Name] = true
		}
	}
	base, _ := baselineNames(p)
	for _, n := range base {
		keep[n] = true
	}
	for _, s := range inferred {
		keep[s.Name] = true
	}
	type nameIndex struct {
		name  string
		index int
	}
	sets := map[nameIndex]*profiles.Cond{}
	free := map[nameIndex]bool{}
	var order []nameIndex
	for _, pa := range recording.PinnedArgs {
		ni := nameIndex{pa.Name, pa.Index}
		n := calls[abiName{pa.ABI, pa.Name}]
		if !groups[pa.Group] || keep[pa.Name] || denied[pa.Name] || n == 0 {
			continue
		}
		if sets[ni] == nil {
			sets[ni] = &profiles.Cond{Name: pa.Name, Index: uint(pa.Index), Mask: pa.Mask, Int: pa.Int}
			order = append(order, ni)
		}
		values, counted := argValues(merged, pa)
		switch {
		case overflowed(merged, pa):
			free[ni] = true
			rep.Unpinned = append(rep.Unpinned, Unpinned{Name: pa.Name, ABI: pa.ABI, Index: pa.Index, Reason: UnpinnedTooMany})
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"%s (%s): arg%d took more than %d distinct values, more than seccompgen records: it stays allowed with any", pa.Name, pa.ABI, pa.Index, len(values)))
		case counted != n:
			free[ni] = true
			if counted > 0 {
				rep.Unpinned = append(rep.Unpinned, Unpinned{Name: pa.Name, ABI: pa.ABI, Index: pa.Index, Reason: UnpinnedIncomplete})
				rep.Warnings = append(rep.Warnings, fmt.Sprintf(
					"%s (%s): %d call(s) but %d value(s) of arg%d recorded: it stays allowed with any", pa.Name, pa.ABI, n, counted, pa.Index))
			}
		default:
			sets[ni].Values = append(sets[ni].Values, values...)
		}
	}
	var conds []profiles.Cond
	for _, ni := range order {
		if free[ni] {
			continue
		}
		c := *sets[ni]
		slices.Sort(c.Values)
		c.Values = slices.Compact(c.Values)
		conds = append(conds, c)
	}
	pinned := map[string]bool{}
	for _, c := range conds {
		pinned[c.Name] = true
	}
	setReportArgs(rep, conds)
	out := allow[:0:0]
	for _, n := range allow {
		if !pinned[n] {
			out = append(out, n)
		}
	}
	return conds, out
}

// argValues returns pa's recorded values, masked, and how many calls they
// account for.
func argValues(r *recording.Recording, pa recording.PinnedArg) (values []uint64, counted uint64) {
	for _, a := range r.Args {
		if a.ABI == pa.ABI && a.Nr == pa.Nr && a.Index == pa.Index {
			counted += a.Count
			values = append(values, a.Value&keptBits(pa.Mask))
		}
	}
	return values, counted
}

func overflowed(r *recording.Recording, pa recording.PinnedArg) bool {
	return slices.ContainsFunc(r.ArgOverflows, func(o recording.ArgOverflow) bool {
		return o.ABI == pa.ABI && o.Nr == pa.Nr && o.Index == pa.Index
	})
}

// setReportArgs gives every allowed entry of a conditional syscall the
// values the profile allows it with.
func setReportArgs(rep *Report, conds []profiles.Cond) {
	for i := range rep.Syscalls {
		e := &rep.Syscalls[i]
		if e.Action != Allow {
			continue
		}
		e.Args = nil
		for _, c := range conds {
			if c.Name == e.Name {
				e.Args = append(e.Args, ArgValues{Index: int(c.Index), Mask: c.Mask, Values: c.Values})
			}
		}
	}
}

// fitFilter generates the profile of spec, unpinning conditional
// syscalls, those with the most rules first, while its filter is longer
// than the kernel loads; each is warned about and listed in
// rep.Unpinned. A syscall whose values cover all an argument can be
// (profiles folds them) loses its report values: it has no condition.
func fitFilter(spec profiles.Spec, rep *Report) (*profiles.Profile, *Report, error) {
	for {
		prof, err := profiles.Generate(spec)
		if err != nil {
			return nil, nil, err
		}
		name := ""
		if len(spec.Conditional) > 0 {
			if _, _, err := profiles.Compile(prof); errors.Is(err, profiles.ErrTooLong) {
				name = mostRules(prof, spec.Conditional)
			}
		}
		if name == "" {
			clearUnconditional(rep, prof)
			return prof, rep, nil
		}
		spec.Conditional = slices.DeleteFunc(slices.Clone(spec.Conditional), func(c profiles.Cond) bool { return c.Name == name })
		spec.Allow = append(slices.Clone(spec.Allow), name)
		for _, pa := range recording.PinnedArgs {
			if pa.Name == name && slices.ContainsFunc(rep.Syscalls, func(e Entry) bool { return e.Name == name && e.ABI == pa.ABI && e.Action == Allow }) {
				rep.Unpinned = append(rep.Unpinned, Unpinned{Name: name, ABI: pa.ABI, Index: pa.Index, Reason: UnpinnedTooLong})
			}
		}
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"the profile with %s pinned to its recorded values compiles to more than %d BPF instructions, more than the kernel loads: %s stays allowed with any arguments", name, profiles.MaxInsns, name))
	}
}

// mostRules returns the conditional syscall of conds with the most values.
func mostRules(prof *profiles.Profile, conds []profiles.Cond) string {
	n := map[string]int{}
	for _, c := range conds {
		if n[c.Name] == 0 {
			n[c.Name] = 1
		}
		n[c.Name] *= len(c.Values)
	}
	names := make([]string, 0, len(n))
	for k := range n {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if n[names[i]] != n[names[j]] {
			return n[names[i]] > n[names[j]]
		}
		return names[i] < names[j]
	})
	if len(names) == 0 || !slices.Contains(prof.Conditional(), names[0]) {
		return ""
	}
	return names[0]
}

func clearUnconditional(rep *Report, prof *profiles.Profile) {
	cond := map[string]bool{}
	for _, n := range prof.Conditional() {
		cond[n] = true
	}
	for i := range rep.Syscalls {
		if e := &rep.Syscalls[i]; !cond[e.Name] {
			e.Args = nil
		}
	}
}
