package verify

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

// Who refused a call, as EnforceReport tells them apart.
const (
	// ByProfile: the profile does not let the syscall through.
	ByProfile = "profile"
	// ByOther: the profile allows it, so something else refused it:
	// a seccomp filter CMD installed itself, or a ptrace tracer that
	// skipped the call.
	ByOther = "other"
	// ByFallback: a rule of the profile answers the syscall ENOSYS on
	// purpose, so that callers take their fallback (clone3 when clone's
	// flags are pinned: glibc then calls clone). Not a failure: the JSON
	// lists it, the text does not.
	ByFallback = "fallback"
)

// x32SyscallBit marks an x32 syscall's number in the return register.
const x32SyscallBit = 0x40000000

// EnforceReport is what an enforcing `run` reports: the calls that
// returned without entering the kernel. Its JSON form is `run --report`
// (docs/report.md).
type EnforceReport struct {
	Profile string `json:"profile"`
	// Traced is false when the refusal tracer could not be loaded: the
	// profile was enforced, but nothing was counted.
	Traced  bool                    `json:"traced"`
	Refused []RefusedEntry          `json:"refused"`
	Losses  recording.RefusalLosses `json:"losses"`
	// Exit is how CMD ended; null when it was not traced.
	Exit *recording.Exit `json:"exit"`
}

// RefusedEntry is one syscall of one ABI refused, how often, the first
// caller and what it got.
type RefusedEntry struct {
	Name      string        `json:"name"`
	ABI       recording.ABI `json:"abi"`
	Nr        int           `json:"nr"`
	Count     uint64        `json:"count"`
	FirstPID  int           `json:"first_pid"`
	FirstComm string        `json:"first_comm"`
	// Errno is the first call's error ("EPERM"), else ""; Signal is
	// "SIGSYS" when the filter trapped or killed it instead (the kernel
	// then returns the syscall's own number), else ""; Ret is the raw
	// return value.
	Errno  string `json:"errno"`
	Signal string `json:"signal"`
	Ret    int64  `json:"ret"`
	By     string `json:"by"`
}

// Refused is the report of the profile called name over what the tracer
// counted; r nil means nothing could be counted.
func Refused(prof *profiles.Profile, name string, r *recording.Refusals) EnforceReport {
	rep := EnforceReport{Profile: name, Refused: []RefusedEntry{}}
	if r == nil {
		return rep
	}
	rep.Traced, rep.Losses = true, r.Losses
	exit := r.Exit
	rep.Exit = &exit
	allowed := map[string]bool{}
	for _, n := range prof.Allowed() {
		allowed[n] = true
	}
	for _, s := range r.Syscalls {
		e := RefusedEntry{Name: s.Name, ABI: s.ABI, Nr: s.Nr, Count: s.Count, FirstPID: s.FirstPID, FirstComm: s.FirstComm, Ret: s.Ret, By: ByProfile}
		switch {
		case s.Ret < 0 && s.Ret >= -4095:
			e.Errno = unix.ErrnoName(unix.Errno(-s.Ret))
			if e.Errno == "" {
				e.Errno = fmt.Sprintf("errno %d", -s.Ret)
			}
		case s.Ret == int64(s.Nr) || s.Ret == int64(s.Nr)|x32SyscallBit:
			// SCMP_ACT_TRAP and SCMP_ACT_KILL*: the kernel rolls the
			// registers back to the call (its number in the return
			// register) and sends SIGSYS.
			e.Signal = "SIGSYS"
		}
		if allowed[s.Name] && prof.AdmitsABI(string(s.ABI)) {
			e.By = ByOther
		} else if t, action := prof.Treats(s.Name); t == profiles.Denied && action == "ENOSYS" && e.Errno == "ENOSYS" {
			e.By = ByFallback
		}
		rep.Refused = append(rep.Refused, e)
	}
	return rep
}

// Text is the report for stderr: nothing when nothing was refused, else
// one line per syscall, the profile's refusals first.
func (r EnforceReport) Text() string {
	var msg strings.Builder
	var mine, others []string
	for _, e := range r.Refused {
		switch e.By {
		case ByFallback:
			// Answered as the profile meant: the caller falls back.
		case ByProfile:
			mine = append(mine, e.line())
		default:
			others = append(others, e.line())
		}
	}
	list := func(head string, lines []string) {
		if len(lines) == 1 {
			fmt.Fprintf(&msg, "seccompgen run: %s: %s\n", head, lines[0])
			return
		}
		fmt.Fprintf(&msg, "seccompgen run: %s:\n", head)
		for _, l := range lines {
			fmt.Fprintf(&msg, "  %s\n", l)
		}
	}
	if len(mine) > 0 {
		list(fmt.Sprintf("the profile refused %d syscall(s)", len(mine)), mine)
	}
	if len(others) > 0 {
		list(fmt.Sprintf("%d syscall(s) the profile allows were refused all the same, by a seccomp filter of CMD's own or a ptrace tracer", len(others)), others)
	}
	if r.Losses.Any() {
		l := r.Losses
		fmt.Fprintf(&msg, "seccompgen run: warning: the refusal count is incomplete: %d process(es) not tracked, %d refused number(s) out of range, %d call(s) possibly miscounted as refused, %d tracer run(s) skipped by the kernel\n",
			l.ProcsDropped, l.NrOutOfRange, l.Unpaired, l.RecursionMisses)
	}
	return msg.String()
}

// line is "name (abi) N call(s), first by pid P (comm), got EPERM".
func (e RefusedEntry) line() string {
	calls := "calls"
	if e.Count == 1 {
		calls = "call"
	}
	got := e.Errno + e.Signal
	if got == "" {
		got = fmt.Sprint(e.Ret)
	}
	return fmt.Sprintf("%s (%s) %d %s, first by pid %d (%s), got %s", e.Name, e.ABI, e.Count, calls, e.FirstPID, recording.Printable(e.FirstComm), got)
}
