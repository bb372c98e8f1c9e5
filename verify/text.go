package verify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
)

// CheckReport is check --format json's document.
type CheckReport struct {
	Profile string  `json:"profile"`
	Verdict Verdict `json:"verdict"`
	// Breaks: what the run needs that the profile does not allow.
	Breaks []synth.Entry `json:"breaks"`
	// Policy: explicit denies the profile lacks or allows.
	Policy []string `json:"policy"`
	// Looser: what the profile allows that the run did not need.
	Looser []string `json:"looser"`
	// Unchecked: syscalls the run made that the profile allows only
	// under argument conditions whose values were not recorded.
	Unchecked []string `json:"unchecked,omitempty"`
	// Status is CMD's exit status.
	Status int `json:"status"`
	// StoppedBy names the signal (SIGTERM, SIGINT, SIGHUP) sent to
	// seccompgen and forwarded that stopped CMD, when one did: a stop,
	// not a failure.
	StoppedBy string `json:"stopped_by,omitempty"`
	ExitCode  int    `json:"exit_code"`
	Message   string `json:"message"`
}

// NewCheckReport is the document for the profile at path before anything
// was compared: every list empty, no verdict.
func NewCheckReport(path string) CheckReport {
	return CheckReport{Profile: path, Breaks: []synth.Entry{}, Policy: []string{}, Looser: []string{}}
}

// Report fills rep's verdict, lists and message from r; status and exit
// code are the caller's.
func (r Result) Report(rep *CheckReport) {
	rep.Verdict = r.Verdict()
	for _, f := range r.Refusals {
		rep.Breaks = append(rep.Breaks, f.Entry)
	}
	rep.Policy = append(rep.Policy, r.policyLines(rep.Profile)...)
	rep.Looser = append(rep.Looser, r.Looser...)
	rep.Unchecked = r.uncheckedNames()
	rep.Message = r.CheckText(rep.Profile)
}

func (r Result) policyLines(path string) []string {
	var out []string
	for _, d := range r.Policy {
		if d.Kind == DenyAllowed {
			out = append(out, fmt.Sprintf("%s allows %s, which policy denies", path, d.Name))
		} else {
			out = append(out, fmt.Sprintf("%s has no explicit deny for %s, which policy denies", path, d.Name))
		}
	}
	sort.Strings(out)
	return out
}

// uncheckedNames are the unchecked needs as "name (abi)", sorted.
func (r Result) uncheckedNames() []string {
	var out []string
	for _, f := range r.Unchecked {
		out = append(out, fmt.Sprintf("%s (%s)", f.Entry.Name, f.Entry.ABI))
	}
	sort.Strings(out)
	return out
}

// CheckText is check's message on stderr for the profile at path.
func (r Result) CheckText(path string) string {
	var msg strings.Builder
	if len(r.Refusals) > 0 {
		var made, can []string
		for _, f := range r.Refusals {
			line := "  " + Describe(f.Entry) + "\n"
			if f.Entry.Reason == synth.ReasonObserved {
				made = append(made, line)
			} else {
				can = append(can, line)
			}
		}
		fmt.Fprintf(&msg, "seccompgen check: %s would make this workload fail:\n", path)
		if len(made) > 0 {
			fmt.Fprintf(&msg, "it does not allow %d syscall(s) the run made:\n%s", len(made), strings.Join(made, ""))
		}
		if len(can) > 0 {
			fmt.Fprintf(&msg, "it does not allow %d syscall(s) the workload can make on paths this run may not have reached (its code's imports and syscall sites, its language runtime, its container runtime):\n%s", len(can), strings.Join(can, ""))
		}
		fmt.Fprintf(&msg, "Add these to %s, or run the same command with --update.\n", path)
	}
	if lines := r.policyLines(path); len(lines) > 0 {
		fmt.Fprintf(&msg, "seccompgen check: policy drift:\n  %s\n", strings.Join(lines, "\n  "))
	}
	if names := r.uncheckedNames(); len(names) > 0 {
		fmt.Fprintf(&msg, "seccompgen check: %s allows these only under argument conditions whose values the tracer does not record, so they went unchecked: %s\n", path, strings.Join(names, " "))
	}
	if len(r.Looser) > 0 {
		fmt.Fprintf(&msg, "seccompgen check: %s allows %d syscall(s) this run did not use (a short run need not reach every path): %s\n", path, len(r.Looser), strings.Join(r.Looser, " "))
	}
	if r.Verdict() == InSync {
		fmt.Fprintf(&msg, "seccompgen check: %s is in sync with the run (%d syscalls allowed)\n", path, r.Needed)
	}
	return msg.String()
}

// ComplainText is run --complain's message about the profile called name
// after a run that made distinct syscalls.
func (r Result) ComplainText(name string, distinct int) string {
	var msg strings.Builder
	if len(r.Unchecked) > 0 {
		lines := make([]string, len(r.Unchecked))
		for i, f := range r.Unchecked {
			lines[i] = complainLine(f)
		}
		fmt.Fprintf(&msg, "seccompgen run: %s allows these only under argument conditions on values the tracer does not record, so they went unchecked:\n%s\n", name, strings.Join(lines, "\n"))
	}
	if len(r.Refusals) == 0 {
		fmt.Fprintf(&msg, "seccompgen run: %s would deny nothing CMD did (%d distinct syscalls)\n", name, distinct)
		return msg.String()
	}
	lines := make([]string, len(r.Refusals))
	for i, f := range r.Refusals {
		lines[i] = complainLine(f)
	}
	sort.Strings(lines)
	fmt.Fprintf(&msg, "seccompgen run: %s would deny %d syscall(s) CMD made:\n%s\n", name, len(lines), strings.Join(lines, "\n"))
	return msg.String()
}

func complainLine(f Refusal) string {
	e := f.Entry
	e.Args = nil
	line := "  " + Describe(e)
	switch f.Kind {
	case ABINotAdmitted:
		line += ": the profile does not admit the " + string(e.ABI) + " ABI"
	case ArgRefused:
		line += ": its argument conditions refuse " + refusedValues(f.Entry.Args)
	}
	return line
}

// refusedValues says which argument values were refused: "arg0 = 16",
// "arg0 in {2, 10}", "arg0 & 0x7e020080 = 0x40000000".
func refusedValues(args []synth.ArgValues) string {
	parts := make([]string, len(args))
	for i, a := range args {
		arg := fmt.Sprintf("arg%d", a.Index)
		if a.Mask != 0 {
			arg += " & " + argNum(a.Mask)
		}
		vals := make([]string, len(a.Values))
		for j, v := range a.Values {
			vals[j] = argNum(v)
		}
		if len(vals) == 1 {
			parts[i] = arg + " = " + vals[0]
		} else {
			parts[i] = arg + " in {" + strings.Join(vals, ", ") + "}"
		}
	}
	return strings.Join(parts, ", ")
}

// Describe is one line about an entry: name and ABI, who made it or why
// it is needed, and its argument values.
func Describe(e synth.Entry) string {
	s := fmt.Sprintf("%s (%s)", e.Name, e.ABI)
	if e.Reason == synth.ReasonObserved {
		s += fmt.Sprintf(": %d call(s), first by pid %d (%s)", e.Count, e.FirstPID, recording.Printable(e.FirstComm))
	} else {
		s += ": " + e.Reason
		if len(e.Via) > 0 {
			s += " (" + recording.Printable(e.Via[0]) + ")"
		}
	}
	for _, a := range e.Args {
		vals := make([]string, len(a.Values))
		for i, v := range a.Values {
			vals[i] = argNum(v)
		}
		if a.Mask != 0 {
			s += fmt.Sprintf(", with arg%d & %s in {%s}", a.Index, argNum(a.Mask), strings.Join(vals, ", "))
		} else {
			s += fmt.Sprintf(", with arg%d in {%s}", a.Index, strings.Join(vals, ", "))
		}
	}
	return s
}

// argNum prints an argument value as the diff does: enumerations in
// decimal, flag sets in hex.
func argNum(v uint64) string {
	if v < 4096 {
		return strconv.FormatUint(v, 10)
	}
	return fmt.Sprintf("%#x", v)
}
