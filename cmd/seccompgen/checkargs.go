package main

import (
	"slices"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
	"github.com/seccompgen/seccompgen/verify"
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
	return verify.RecordedArgs(rec, e.ABI, e.Nr)
}
