package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The harness reads what the CLI writes (profile, report, diff --format
// json) as a user's script would, rather than calling the packages behind
// it: it measures the command people run.

// profileNames are the syscall names a profile lets through.
type profileNames struct {
	allowed     []string // allowed by any ALLOW rule, sorted
	conditional []string // of those, allowed only under argument conditions
}

// parseProfile reads an OCI seccomp profile and returns the names its ALLOW
// rules let through: the unconditional rule's and the conditional ones'
// (a conditional name counts as allowed: some calls to it pass).
func parseProfile(data []byte) (profileNames, error) {
	var p struct {
		DefaultAction string `json:"defaultAction"`
		Syscalls      []struct {
			Names  []string          `json:"names"`
			Action string            `json:"action"`
			Args   []json.RawMessage `json:"args"`
		} `json:"syscalls"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return profileNames{}, fmt.Errorf("parse profile: %w", err)
	}
	if p.DefaultAction == "" {
		return profileNames{}, fmt.Errorf("parse profile: no defaultAction: not an OCI seccomp profile")
	}
	if p.DefaultAction == "SCMP_ACT_ALLOW" || p.DefaultAction == "SCMP_ACT_LOG" {
		return profileNames{}, fmt.Errorf("parse profile: defaultAction %s allows everything: not a recorded profile", p.DefaultAction)
	}
	uncond, cond := map[string]bool{}, map[string]bool{}
	for _, r := range p.Syscalls {
		if r.Action != "SCMP_ACT_ALLOW" {
			continue
		}
		for _, n := range r.Names {
			if len(r.Args) == 0 {
				uncond[n] = true
			} else {
				cond[n] = true
			}
		}
	}
	var names profileNames
	all := map[string]bool{}
	for n := range uncond {
		all[n] = true
	}
	for n := range cond {
		all[n] = true
		if !uncond[n] {
			names.conditional = append(names.conditional, n)
		}
	}
	names.allowed = sortedKeys(all)
	slices.Sort(names.conditional)
	return names, nil
}

// reportSummary is what the harness needs from a `record --report` file.
type reportSummary struct {
	used     []string // every syscall the tree made (count > 0), sorted
	inferred []string // allowed for a reason other than being observed
	losses   []string // loss counters that are not zero, "name=n"
}

// parseReport reads a `seccompgen record --report` JSON file.
func parseReport(data []byte) (reportSummary, error) {
	var r struct {
		Syscalls []struct {
			Name   string `json:"name"`
			Action string `json:"action"`
			Reason string `json:"reason"`
			Count  uint64 `json:"count"`
		} `json:"syscalls"`
		Losses map[string]uint64 `json:"losses"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return reportSummary{}, fmt.Errorf("parse report: %w", err)
	}
	used, inferred := map[string]bool{}, map[string]bool{}
	for _, s := range r.Syscalls {
		if s.Count > 0 {
			used[s.Name] = true
		}
		if s.Action == "allow" && s.Reason != "observed" {
			inferred[s.Name] = true
		}
	}
	var sum reportSummary
	sum.used = sortedKeys(used)
	sum.inferred = sortedKeys(inferred)
	for _, k := range sortedKeys(r.Losses) {
		if r.Losses[k] != 0 {
			sum.losses = append(sum.losses, fmt.Sprintf("%s=%d", k, r.Losses[k]))
		}
	}
	return sum, nil
}

// dockerComparison is what `seccompgen diff --format json P` says of P
// against Docker's default profile.
type dockerComparison struct {
	allowed       int // names P allows
	docker        int // names Docker's default allows (resolved for this host)
	onlyInProfile []string
	names         []string // every name P allows: in both, or only in P
}

func parseDiff(data []byte) (dockerComparison, error) {
	var d struct {
		B              string   `json:"b"`
		AllowedOnlyInA []string `json:"allowed_only_in_a"`
		AllowedInBoth  []string `json:"allowed_in_both"`
		Counts         struct {
			AllowedA *int `json:"allowed_a"`
			AllowedB *int `json:"allowed_b"`
		} `json:"counts"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return dockerComparison{}, fmt.Errorf("parse diff: %w", err)
	}
	if d.Counts.AllowedA == nil || d.Counts.AllowedB == nil {
		return dockerComparison{}, fmt.Errorf("parse diff: no counts.allowed_a/allowed_b")
	}
	if d.B != "docker-default" {
		return dockerComparison{}, fmt.Errorf("parse diff: compared with %q, want docker-default", d.B)
	}
	all := map[string]bool{}
	for _, n := range append(d.AllowedInBoth, d.AllowedOnlyInA...) {
		all[n] = true
	}
	return dockerComparison{allowed: *d.Counts.AllowedA, docker: *d.Counts.AllowedB, onlyInProfile: d.AllowedOnlyInA, names: sortedKeys(all)}, nil
}

// minus returns the names of a (sorted) that are not in b.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, n := range b {
		in[n] = true
	}
	var out []string
	for _, n := range a {
		if !in[n] {
			out = append(out, n)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// hasFlag reports whether `seccompgen help CMD` lists --flag.
func hasFlag(help, flag string) bool {
	for _, line := range strings.Split(help, "\n") {
		f := strings.Fields(line)
		for _, w := range f {
			if w == "--"+flag || strings.HasPrefix(w, "--"+flag+"=") || strings.HasPrefix(w, "--"+flag+"[") {
				return true
			}
		}
	}
	return false
}

// defaultOf reads the default of --flag from `seccompgen help CMD`
// (pflag writes `(default "go")`).
func defaultOf(help, flag string) string {
	for _, line := range strings.Split(help, "\n") {
		if !hasFlag(line, flag) {
			continue
		}
		if _, after, ok := strings.Cut(line, `(default "`); ok {
			if v, _, ok := strings.Cut(after, `"`); ok {
				return v
			}
		}
	}
	return ""
}
