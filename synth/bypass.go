package synth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

// IOUring lists the syscalls of io_uring. Through a ring a process opens
// files and sockets, connects, sends and more without making the syscalls
// the profile filters: the kernel runs those operations itself, where no
// seccomp filter looks. Docker's default profile denies all three.
var IOUring = []string{"io_uring_setup", "io_uring_enter", "io_uring_register"}

// denyGroups are the names --deny accepts for several syscalls at once.
var denyGroups = map[string][]string{"io_uring": IOUring}

// ExpandDeny returns names with each group name ("io_uring") replaced by
// its syscalls, in order, each name once.
func ExpandDeny(names []string) []string {
	var out []string
	for _, n := range names {
		group, ok := denyGroups[n]
		if !ok {
			group = []string{n}
		}
		for _, g := range group {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// IOUringUse is what the report says of a workload that used io_uring.
type IOUringUse struct {
	// Syscalls are the io_uring syscalls the workload made.
	Syscalls []string `json:"syscalls"`
	// Allowed says whether the profile lets the workload set up a ring;
	// when it does, the profile's other rules do not bind what the ring
	// does.
	Allowed bool `json:"allowed"`
}

// ioUring notes in rep, loudly, a workload that used io_uring: a profile
// that allows it cannot keep the promises of its other rules.
func ioUring(merged *recording.Recording, denied map[string]bool, p Policy, rep *Report) {
	var usedNames []string
	for _, n := range IOUring {
		if used(merged, n) {
			usedNames = append(usedNames, n)
		}
	}
	if len(usedNames) == 0 {
		return
	}
	allowed := !denied["io_uring_setup"]
	rep.IOUring = &IOUringUse{Syscalls: usedNames, Allowed: allowed}
	if !allowed {
		// The deny warnings already say each call fails; say how to undo it.
		rep.Warnings = append(rep.Warnings, fmt.Sprintf(
			"the workload used io_uring, which the profile denies (--deny; by default with --args): unless it falls back to plain syscalls it fails under the profile. To allow io_uring, give --deny without it, e.g. --deny %s",
			strings.Join(DefaultDeny, ",")))
		return
	}
	pinned := ""
	if p.Args {
		pinned = " (the argument conditions of --args included)"
	}
	rep.Warnings = append(rep.Warnings, fmt.Sprintf(
		"the workload used io_uring (%s), so the profile allows it: through io_uring a process opens files and sockets, connects and sends without the syscalls the profile filters, so its other rules%s do not bind what the ring does (Docker's default profile denies io_uring). To deny it: --deny %s,io_uring (docs/io_uring.md)",
		strings.Join(usedNames, ", "), pinned, strings.Join(DefaultDeny, ",")))
}

// cloneFallback makes clone3 fail with ENOSYS when clone is pinned to its
// namespace flags: clone3's flags are behind a pointer, out of a filter's
// reach, so an allowed clone3 would create any namespace. On ENOSYS glibc
// (threads, fork, posix_spawn) and the Go runtime retry with clone, which
// the profile checks; on EPERM, the default, they would fail instead. It
// returns allow without clone3 and the names to fail with ENOSYS.
func cloneFallback(merged *recording.Recording, conds []profiles.Cond, denied map[string]bool, rep *Report, allow []string) ([]string, []string) {
	const clone3 = "clone3"
	if denied[clone3] || !slices.ContainsFunc(conds, func(c profiles.Cond) bool { return c.Name == "clone" }) {
		return allow, nil
	}
	allow = slices.DeleteFunc(slices.Clone(allow), func(n string) bool { return n == clone3 })
	found := false
	for i := range rep.Syscalls {
		if e := &rep.Syscalls[i]; e.Name == clone3 {
			e.Action, e.Reason, found = "deny", ReasonCloneFallback, true
		}
	}
	if !found {
		nr, _ := recording.Number(recording.X86_64, clone3)
		rep.Syscalls = append(rep.Syscalls, Entry{Name: clone3, ABI: recording.X86_64, Nr: nr, Action: "deny", Reason: ReasonCloneFallback})
	}
	return allow, []string{clone3}
}
