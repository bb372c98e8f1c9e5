package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/seccompgen/seccompgen/goruntime"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

// DefaultDeny is the explicit deny list when the user gives none: two
// syscalls that exploits favour and that ordinary programs can do without.
var DefaultDeny = []string{"memfd_create", "userfaultfd"}

// Policy is what the user decided, as opposed to what was observed.
type Policy struct {
	// Deny lists syscalls the profile must deny even when the workload
	// used them. Explicit denies win over everything else.
	Deny []string
	// Runtime is the container runtime the profile is for (Runtimes): its
	// Baselines are allowed too. "" or "none" adds nothing.
	Runtime string
	// NoNewPrivileges narrows the baseline to the runtime's list for that
	// setting of process.noNewPrivileges; nil takes both.
	NoNewPrivileges *bool
	// Infer says what to add beyond what the trace proved (a list of
	// levels, see Infer); the zero value adds nothing.
	Infer Infer
	// Errno is the errno of syscalls the profile never mentions
	// (defaultErrnoRet): "EPERM" or "ENOSYS"; "" is EPERM. Explicit
	// denies keep EPERM.
	Errno string
	// CacheDir holds binscan's per-build-ID analyses ("" is its default,
	// under os.UserCacheDir()).
	CacheDir string
	// Args allows the syscalls of recording.PinnedArgs only with the
	// argument values recorded, when the recording has them complete and
	// nothing else (a runtime baseline, an inference, an x32 use) needs
	// the syscall unconditionally: all groups, and the user asked for it
	// (--args), so io_uring is denied and the default errno is EPERM.
	Args bool
	// Pin, when Args is false, lists the groups of recording.PinnedArgs
	// (recording.PinGroups) to pin that way: the default's (DefaultPins).
	Pin []string
}

// Reasons a syscall is in the profile or out of it.
const (
	ReasonObserved = "observed" // the tracer saw the workload make it
	ReasonPolicy   = "policy"   // an explicit allow or deny of the user's
	// ReasonBaseline, followed by the runtime's name ("baseline:runc"):
	// the runtime makes it after installing the filter.
	ReasonBaseline = "baseline:"
	// ReasonInferred prefixes the reasons of inferred syscalls:
	// "inferred:go1.26-runtime", "inferred:cgo-glibc".
	ReasonInferred = "inferred:"
	// ReasonCloneFallback: with Policy.Args and clone pinned, clone3 fails
	// with ENOSYS (a filter cannot read its flags, which are behind a
	// pointer), so the C library and the Go runtime fall back to clone,
	// whose namespace flags the profile checks.
	ReasonCloneFallback = "args:clone3-enosys-falls-back-to-clone"
)

// Action is what a profile does with a syscall of the report.
type Action string

// The actions.
const (
	Allow Action = "allow"
	Deny  Action = "deny"
)

// Entry is one decision of the report: one syscall in one ABI. Every entry
// has every field (docs/report.md): a deny of a syscall the workload never
// made has an entry per ABI of the profile, with that ABI's number and a
// count of 0.
type Entry struct {
	Name   string        `json:"name"`
	ABI    recording.ABI `json:"abi"`
	Nr     int           `json:"nr"` // the number in ABI
	Action Action        `json:"action"`
	Reason string        `json:"reason"`
	Count  uint64        `json:"count"`
	// FirstPID and FirstComm name the first caller of an observed syscall;
	// 0 and "" for the others.
	FirstPID  int    `json:"first_pid"`
	FirstComm string `json:"first_comm"`
	// Args, with Policy.Args, are the argument values the syscall is
	// allowed with; [] means it is allowed with any.
	Args []ArgValues `json:"args"`
	// Via, for an inferred syscall, says where in the code it comes from
	// ("redis-server → libc.so.6:fsync"); [] otherwise.
	Via []string `json:"via"`
}

// ArgValues are the values one argument is allowed to have: compared
// whole, or only under Mask.
type ArgValues struct {
	Index  int      `json:"index"`
	Mask   uint64   `json:"mask,omitempty"`
	Values []uint64 `json:"values"`
}

// Report says why each syscall is in the profile or denied in it. Its JSON
// is one schema (docs/report.md): every key always present, arrays [] when
// empty.
type Report struct {
	Syscalls []Entry          `json:"syscalls"`
	Execs    []recording.Exec `json:"execs"`
	// Libraries are the files the tree mapped executable (recording.Library).
	Libraries []recording.Library `json:"libraries"`
	Losses    recording.Losses    `json:"losses"`
	// Exit is CMD's exit; null when several recordings were merged, or
	// for an attach (record --pid, --cgroup).
	Exit *recording.Exit `json:"exit"`
	// Attach says the recording joined running processes (record --pid,
	// --cgroup) and how it ended; null when it saw the workload start.
	Attach *recording.Attach `json:"attach"`
	// StartedLate: the recording joined the workload after its start
	// (Attach without from_exec), so its start-up is missing.
	StartedLate bool     `json:"started_late"`
	Warnings    []string `json:"warnings"`
	// GoBinaries are the Go executables of the tree, inspected for
	// Policy.Infer == InferGo.
	GoBinaries []goruntime.Binary `json:"go_binaries"`
	// DeniedButUsed lists explicit denies the workload made: under the
	// profile those calls fail with EPERM.
	DeniedButUsed []Entry `json:"denied_but_used"`
	// IOUring says the workload used io_uring, and whether the profile
	// allows it; nil when it did not use it.
	IOUring *IOUringUse `json:"io_uring,omitempty"`
	// Withheld are syscalls an inference found that the profile does not
	// allow, because Docker's default profile does not either.
	Withheld []Withheld `json:"withheld"`
	// Notes are what the analyses of the binaries said that needs no
	// action (withheld names, libraries not analysed).
	Notes []string `json:"notes"`
	// Unpinned are syscall arguments the policy pins that the profile
	// leaves free, and why.
	Unpinned []Unpinned `json:"unpinned"`
}

// MarshalJSON writes r with every array present: [] rather than null, so
// a consumer needs no case for a missing list.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report // without this method
	c := plain(*r)
	c.Syscalls = orEmpty(c.Syscalls)
	c.DeniedButUsed = orEmpty(c.DeniedButUsed)
	c.Execs = orEmpty(c.Execs)
	c.Libraries = orEmpty(c.Libraries)
	c.Warnings = orEmpty(c.Warnings)
	c.GoBinaries = orEmpty(c.GoBinaries)
	c.Withheld = orEmpty(c.Withheld)
	c.Notes = orEmpty(c.Notes)
	c.Unpinned = orEmpty(c.Unpinned)
	return json.Marshal(c)
}

// MarshalJSON writes e with Args [] when the syscall has no conditions.
func (e Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	c := plain(e)
	c.Args = orEmpty(c.Args)
	c.Via = orEmpty(c.Via)
	return json.Marshal(c)
}

var jsonMarshal = json.Marshal

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// CheckPolicy validates p: the deny names (an unknown one is an error that
// suggests the closest real name), the runtime and what to infer.
func CheckPolicy(p Policy) error {
	var errs []error
	for _, name := range p.Deny {
		if err := recording.CheckName(name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := checkRuntime(p.Runtime, p.NoNewPrivileges); err != nil {
		errs = append(errs, err)
	}
	if p.Infer != "" {
		if _, err := ParseInfer(string(p.Infer)); err != nil {
			errs = append(errs, err)
		}
	}
	if _, err := ParseErrno(p.Errno); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Synthesize merges the recordings and applies p. The profile allows every
// observed syscall except the explicit denies, for the ABIs observed.
// Inference opens the executables by their recorded paths.
func Synthesize(recs []*recording.Recording, p Policy) (*profiles.Profile, *Report, error) {
	return SynthesizeFiles(recs, p, nil)
}

// SynthesizeFiles is Synthesize with inference reading the executables the
// tracer opened while the tree ran (goruntime.Files) instead of opening
// their paths afterwards.
func SynthesizeFiles(recs []*recording.Recording, p Policy, files goruntime.Files) (*profiles.Profile, *Report, error) {
	if err := CheckPolicy(p); err != nil {
		return nil, nil, err
	}
	denied := map[string]bool{}
	for _, n := range p.Deny {
		denied[n] = true
	}

	merged := merge(recs)
	rep := &Report{Losses: merged.Losses, Execs: merged.Execs, Libraries: merged.Libraries}
	if len(recs) == 1 {
		exit := recs[0].Exit
		rep.Exit = &exit
	}
	attachReport(recs, rep)
	abis := merged.UsedABIs()
	if len(abis) == 0 {
		return nil, nil, errors.New("the recording has no syscalls: nothing ran under the tracer")
	}
	var allow []string
	for _, s := range merged.Syscalls {
		e := Entry{Name: s.Name, ABI: s.ABI, Nr: s.Nr, Count: s.Count, FirstPID: s.FirstPID, FirstComm: s.FirstComm, Action: Allow, Reason: ReasonObserved}
		if denied[s.Name] {
			e.Action, e.Reason = Deny, ReasonPolicy
			rep.DeniedButUsed = append(rep.DeniedButUsed, e)
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"the workload called %s %d time(s) (first by pid %d, %s) but policy denies it: under this profile that call fails with EPERM",
				s.Name, s.Count, s.FirstPID, recording.Printable(s.FirstComm)))
		} else if recording.IsNrName(s.Name) {
			// A number the syscall table does not know cannot be named in
			// an OCI profile; say so instead of dropping it silently.
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"%s syscall number %d is not in seccompgen's table (a newer kernel?): it cannot be named in the profile, so the workload gets EPERM for it",
				s.ABI, s.Nr))
		} else {
			allow = append(allow, s.Name)
		}
		rep.Syscalls = append(rep.Syscalls, e)
	}
	allow, abis = addBaseline(rep, allow, abis, merged, denied, p)
	var inferred []goruntime.Syscall
	if len(p.Infer.Levels()) > 0 {
		added, inf, err := inferAll(merged, p, denied, rep, files)
		if err != nil {
			return nil, nil, err
		}
		inferred = inf
		allow = append(allow, added...)
		for _, a := range rep.inferredABIs() {
			if !slices.Contains(abis, a) {
				abis = append(abis, a)
			}
		}
	}
	rep.Syscalls = append(rep.Syscalls, unusedDenies(rep.Syscalls, sortedKeys(denied), abis)...)
	if merged.Losses.Any() {
		rep.Warnings = append(rep.Warnings, lossWarning(merged.Losses))
	}
	ioUring(merged, denied, p, rep)

	errno, _ := ParseErrno(p.Errno)
	spec := profiles.Spec{Allow: allow, Deny: p.Deny, DefaultErrno: errno}
	groups := p.pinGroups()
	if len(groups) > 0 {
		var conds []profiles.Cond
		conds, allow = pinArgs(merged, p, groups, denied, inferred, rep, allow)
		spec.Allow, spec.Conditional = allow, conds
		spec.Allow, spec.NoSys = cloneFallback(merged, conds, denied, rep, spec.Allow)
	}
	for _, a := range abis {
		spec.ABIs = append(spec.ABIs, string(a))
	}
	return fitFilter(spec, rep)
}

// keptBits is what a pinned argument compares: the bits of its mask, or
// all of them. The tracer masks already; a recording read from a file may
// not have been made by it.
func keptBits(m uint64) uint64 {
	if m == 0 {
		return ^uint64(0)
	}
	return m
}

func (r *Report) inferredABIs() []recording.ABI {
	var out []recording.ABI
	for _, e := range r.Syscalls {
		if strings.HasPrefix(e.Reason, ReasonInferred) && !slices.Contains(out, e.ABI) {
			out = append(out, e.ABI)
		}
	}
	return out
}

// Allowed returns the names the profile allows because they were observed
// and, apart, those it allows only by inference, each sorted and once.
func (r *Report) Allowed() (observed, inferred []string) {
	obs, inf := map[string]bool{}, map[string]bool{}
	for _, e := range r.Syscalls {
		switch {
		case e.Action != Allow || recording.IsNrName(e.Name):
		case e.Reason == ReasonObserved:
			obs[e.Name] = true
		case strings.HasPrefix(e.Reason, ReasonInferred):
			inf[e.Name] = true
		}
	}
	// A name observed in one ABI and inferred in another was observed.
	for n := range obs {
		delete(inf, n)
	}
	return sortedKeys(obs), sortedKeys(inf)
}

func lossWarning(l recording.Losses) string {
	var parts []string
	if l.ProcsDropped > 0 {
		parts = append(parts, fmt.Sprintf("%d process(es) not tracked (process map full)", l.ProcsDropped))
	}
	if l.NrOutOfRange > 0 {
		parts = append(parts, fmt.Sprintf("%d syscall(s) with a number beyond the table", l.NrOutOfRange))
	}
	if l.ExecEventsLost > 0 {
		parts = append(parts, fmt.Sprintf("%d exec event(s) lost", l.ExecEventsLost))
	}
	if l.RecursionMisses > 0 {
		parts = append(parts, fmt.Sprintf("%d tracer run(s) skipped by the kernel (recursion)", l.RecursionMisses))
	}
	if l.ArgsDropped > 0 {
		parts = append(parts, fmt.Sprintf("%d argument value(s) not recorded (map of values full)", l.ArgsDropped))
	}
	if l.LibsDropped+l.LibEventsLost > 0 {
		parts = append(parts, fmt.Sprintf("%d library event(s) lost", l.LibsDropped+l.LibEventsLost))
	}
	return "the recording may be incomplete: " + strings.Join(parts, ", ")
}

func used(r *recording.Recording, name string) bool {
	for _, s := range r.Syscalls {
		if s.Name == name {
			return true
		}
	}
	return false
}

// unusedDenies returns an entry for each explicit deny in each ABI of the
// profile that has no entry yet (the workload did not make it there), with
// the syscall's number in that ABI. A name that exists in none of them (an
// x86_64 profile denying an i386-only call) gets its x86_64 entry.
func unusedDenies(have []Entry, names []string, abis []recording.ABI) []Entry {
	type key struct {
		abi  recording.ABI
		name string
	}
	done := map[key]bool{}
	for _, e := range have {
		done[key{e.ABI, e.Name}] = true
	}
	var out []Entry
	for _, n := range names {
		added := false
		for _, a := range abis {
			nr, ok := recording.Number(a, n)
			if !ok {
				continue
			}
			added = true
			if !done[key{a, n}] {
				out = append(out, Entry{Name: n, ABI: a, Nr: nr, Action: Deny, Reason: ReasonPolicy})
			}
		}
		if !added {
			nr, _ := recording.Number(recording.X86_64, n)
			out = append(out, Entry{Name: n, ABI: recording.X86_64, Nr: nr, Action: Deny, Reason: ReasonPolicy})
		}
	}
	return out
}

// merge sums recordings: counts add up, the first pid/comm of a syscall is
// taken from the first recording that has it.
func merge(recs []*recording.Recording) *recording.Recording {
	type key struct {
		abi recording.ABI
		nr  int
	}
	out := &recording.Recording{}
	idx := map[key]int{}
	type argKey struct {
		abi       recording.ABI
		nr, index int
		value     uint64
	}
	argIdx := map[argKey]int{}
	type libKey struct {
		path     string
		dev, ino uint64
	}
	libSeen := map[libKey]bool{}
	for _, r := range recs {
		for _, s := range r.Syscalls {
			k := key{s.ABI, s.Nr}
			if i, ok := idx[k]; ok {
				out.Syscalls[i].Count += s.Count
				continue
			}
			idx[k] = len(out.Syscalls)
			out.Syscalls = append(out.Syscalls, s)
		}
		out.Execs = append(out.Execs, r.Execs...)
		out.Losses.ProcsDropped += r.Losses.ProcsDropped
		out.Losses.NrOutOfRange += r.Losses.NrOutOfRange
		out.Losses.ExecEventsLost += r.Losses.ExecEventsLost
		out.Losses.RecursionMisses += r.Losses.RecursionMisses
		out.Losses.ArgsDropped += r.Losses.ArgsDropped
		out.Losses.LibsDropped += r.Losses.LibsDropped
		out.Losses.LibEventsLost += r.Losses.LibEventsLost
		out.ArgOverflows = append(out.ArgOverflows, r.ArgOverflows...)
		for _, l := range r.Libraries {
			k := libKey{l.Path, l.Dev, l.Inode}
			if !libSeen[k] {
				libSeen[k] = true
				out.Libraries = append(out.Libraries, l)
			}
		}
		for _, a := range r.Args {
			k := argKey{a.ABI, a.Nr, a.Index, a.Value}
			if i, ok := argIdx[k]; ok {
				out.Args[i].Count += a.Count
				continue
			}
			argIdx[k] = len(out.Args)
			out.Args = append(out.Args, a)
		}
	}
	out.Sort()
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
