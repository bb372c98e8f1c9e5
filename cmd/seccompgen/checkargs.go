package main

import (
	"slices"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
)

// pinnableConditions returns the syscalls prof allows only under argument
// conditions and whose arguments the tracer can record
// (recording.PinnedArgs).
func pinnableConditions(prof *profiles.Profile) []string {
	var out []string
	for _, n := range prof.Conditional() {
		if slices.ContainsFunc(recording.PinnedArgs, func(p recording.PinnedArg) bool { return p.Name == n }) {
			out = append(out, n)
		}
	}
	return out
}

// observedArgs returns the argument values rec has for e's syscall, as the
// report of an --args synthesis lists them, or nil when it has none.
func observedArgs(rec *recording.Recording, e synth.Entry) []synth.ArgValues {
	i := slices.IndexFunc(recording.PinnedArgs, func(p recording.PinnedArg) bool { return p.ABI == e.ABI && p.Name == e.Name })
	if i < 0 {
		return nil
	}
	pa := recording.PinnedArgs[i]
	keep := ^uint64(0)
	if pa.Mask != 0 {
		keep = pa.Mask
	}
	var values []uint64
	for _, a := range rec.Args {
		if a.ABI == pa.ABI && a.Nr == pa.Nr && a.Index == pa.Index {
			values = append(values, a.Value&keep)
		}
	}
	if len(values) == 0 {
		return nil
	}
	slices.Sort(values)
	return []synth.ArgValues{{Index: pa.Index, Mask: pa.Mask, Values: slices.Compact(values)}}
}
