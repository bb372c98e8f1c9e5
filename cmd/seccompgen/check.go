package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
	"github.com/seccompgen/seccompgen/tracer"
)

// Verdicts of check, most severe first.
const (
	verdictBreaks = "breaks"
	verdictPolicy = "policy-drift"
	verdictLooser = "looser-than-needed"
	verdictInSync = "in-sync"
)

// checkResult is what check found; its JSON form is check --format json.
type checkResult struct {
	Profile string `json:"profile"`
	Verdict string `json:"verdict"`
	// Breaks: what the run needs that the profile does not allow.
	Breaks []synth.Entry `json:"breaks"`
	// Policy: explicit denies the profile lacks or allows.
	Policy []string `json:"policy"`
	// Looser: what the profile allows that the run did not need.
	Looser []string `json:"looser"`
	// Status is CMD's exit status.
	Status   int    `json:"status"`
	ExitCode int    `json:"exit_code"`
	Message  string `json:"message"`
}

func init() {
	var (
		rf           recordFlags
		profilePath  string
		update       bool
		strict       bool
		allowFailure bool
		format       string
	)
	c := &command{
		Name:      "check",
		UsageLine: "check --profile FILE [--update] [--strict] [--allow-failure] [--format text|json] [record flags] -- CMD [ARG...]",
		Short:     "record CMD and compare with a checked-in profile: the CI drift check",
		Long: `
Check records CMD exactly as record would (same flags), synthesizes the
profile it needs, and compares that with FILE, the profile checked in beside
the code. Verdicts, most severe first:

  breaks              CMD used syscalls FILE does not allow: under FILE the
                      workload would fail. Exit 1.
  policy-drift        FILE lacks an explicit deny the policy (--deny) asks for,
                      or allows a syscall the policy denies. Exit 1.
  looser-than-needed  FILE allows syscalls this run did not use. A short run
                      need not reach every path, so this is a warning (exit 0);
                      with --strict, exit 1.
  in-sync             exit 0, one line.

--update rewrites FILE with the profile this run needs (canonical form,
atomically) and exits 0. A CMD that fails (non-zero status) makes check exit
2 unless --allow-failure: a broken test command must not pass as in sync.
Other trouble (no FILE, a bad FILE, no privileges for the tracer) exits 2.`,
		Example: `	seccompgen check --profile seccomp/app.json -- ./app --selftest
	seccompgen check --profile seccomp/app.json --update -- ./app --selftest
	seccompgen check --format json --profile seccomp/app.json -- make integration-test`,
		UsageExit: exitTrouble,
	}
	c.Flags = pflag.NewFlagSet("check", pflag.ContinueOnError)
	c.Flags.StringVar(&profilePath, "profile", "", "the checked-in profile to compare with (created by --update if missing)")
	c.Flags.BoolVar(&update, "update", false, "rewrite FILE with the profile this run needs and exit 0")
	c.Flags.BoolVar(&strict, "strict", false, "fail (exit 1) when FILE allows more than the run needed")
	c.Flags.BoolVar(&allowFailure, "allow-failure", false, "compare even when CMD exits non-zero")
	c.Flags.StringVar(&format, "format", "text", "output: text or json")
	rf.register(c.Flags)
	c.Run = func(args []string) int {
		if profilePath == "" {
			return usageError(c, "--profile is required")
		}
		if len(args) == 0 {
			return usageError(c, "no command to check (want: check --profile FILE -- CMD [ARG...])")
		}
		if format != "text" && format != "json" {
			return usageError(c, "--format %q: want text or json", format)
		}
		pol, err := rf.policy()
		if err != nil {
			return usageError(c, "%v", err)
		}
		res := runCheck(&rf, pol, profilePath, update, strict, allowFailure, args)
		if format == "json" {
			data, _ := json.MarshalIndent(res, "", "  ")
			os.Stdout.Write(append(data, '\n'))
		} else if res.Message != "" {
			fmt.Fprint(os.Stderr, res.Message)
		}
		return res.ExitCode
	}
	register(c)
}

func runCheck(rf *recordFlags, pol synth.Policy, path string, update, strict, allowFailure bool, args []string) checkResult {
	res := checkResult{Profile: path, Breaks: []synth.Entry{}, Policy: []string{}, Looser: []string{}}
	fail := func(format string, a ...any) checkResult {
		res.ExitCode = exitTrouble
		res.Message = "seccompgen check: " + fmt.Sprintf(format, a...) + "\n"
		return res
	}
	var want *profiles.Profile
	if !update {
		var err error
		if want, err = profiles.ReadFile(path, profiles.DefaultTarget()); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fail("%s does not exist: run with --update to create it", path)
			}
			return fail("%v", err)
		}
	} else if err := checkWritableDir(path); err != nil {
		return fail("%v", err)
	}

	tr := rf.trace(args)
	if tr.err != nil {
		return fail("%v", tr.err)
	}
	res.Status = tr.status
	if tr.status != 0 && !allowFailure {
		return fail("%s exited with status %d: a failing command cannot vouch for a profile; fix it, or pass --allow-failure", args[0], tr.status)
	}
	defer tr.files.Close()
	got, rep, err := synthesize(tr.rec, tr.files, pol)
	if err != nil {
		return fail("%v", err)
	}
	if update {
		if err := profiles.WriteFile(path, got.Bytes()); err != nil {
			return fail("write %s: %v", path, err)
		}
		res.Verdict = verdictInSync
		res.Message = fmt.Sprintf("seccompgen check: updated %s (%d syscalls allowed)\n", path, len(got.Allowed()))
		return res
	}

	allowed, conditional, denied := set(want.Allowed()), set(want.Conditional()), set(want.Denied())
	for _, e := range rep.Syscalls {
		if e.Action != "allow" {
			continue
		}
		if !want.AdmitsABI(string(e.ABI)) || (!allowed[e.Name] && !conditional[e.Name]) {
			res.Breaks = append(res.Breaks, e)
		} else if conditional[e.Name] && len(e.Args) > 0 {
			// With --args the run's values are known: a value FILE's
			// conditions refuse breaks the workload as surely as a name.
			if refused := refusedArgs(want, e.Name, e.Args); refused != nil {
				e.Args = refused
				res.Breaks = append(res.Breaks, e)
			}
		}
	}
	needed := set(got.Allowed())
	for _, n := range want.Allowed() {
		if !needed[n] && !denied[n] {
			res.Looser = append(res.Looser, n)
		}
	}
	for _, n := range pol.Deny {
		switch {
		case allowed[n] || conditional[n]:
			res.Policy = append(res.Policy, fmt.Sprintf("%s allows %s, which policy denies", path, n))
		case !denied[n]:
			res.Policy = append(res.Policy, fmt.Sprintf("%s has no explicit deny for %s, which policy denies", path, n))
		}
	}
	sort.Strings(res.Policy)

	var msg strings.Builder
	if len(res.Breaks) > 0 {
		var made, can []string
		for _, e := range res.Breaks {
			if e.Reason == synth.ReasonObserved {
				made = append(made, "  "+describeEntry(e)+"\n")
			} else {
				can = append(can, "  "+describeEntry(e)+"\n")
			}
		}
		fmt.Fprintf(&msg, "seccompgen check: %s would make this workload fail:\n", path)
		if len(made) > 0 {
			fmt.Fprintf(&msg, "it does not allow %d syscall(s) the run made:\n%s", len(made), strings.Join(made, ""))
		}
		if len(can) > 0 {
			fmt.Fprintf(&msg, "it does not allow %d syscall(s) the workload can make on paths this run may not have reached (its language runtime, its container runtime):\n%s", len(can), strings.Join(can, ""))
		}
		fmt.Fprintf(&msg, "Add these to %s, or run the same command with --update.\n", path)
	}
	if len(res.Policy) > 0 {
		fmt.Fprintf(&msg, "seccompgen check: policy drift:\n  %s\n", strings.Join(res.Policy, "\n  "))
	}
	if len(res.Looser) > 0 {
		fmt.Fprintf(&msg, "seccompgen check: %s allows %d syscall(s) this run did not use (a short run need not reach every path): %s\n", path, len(res.Looser), strings.Join(res.Looser, " "))
	}
	switch {
	case len(res.Breaks) > 0:
		res.Verdict, res.ExitCode = verdictBreaks, exitDiffers
	case len(res.Policy) > 0:
		res.Verdict, res.ExitCode = verdictPolicy, exitDiffers
	case len(res.Looser) > 0:
		res.Verdict = verdictLooser
		if strict {
			res.ExitCode = exitDiffers
		}
	default:
		res.Verdict = verdictInSync
		fmt.Fprintf(&msg, "seccompgen check: %s is in sync with the run (%d syscalls allowed)\n", path, len(needed))
	}
	res.Message = msg.String()
	return res
}

func describeEntry(e synth.Entry) string {
	s := fmt.Sprintf("%s (%s)", e.Name, e.ABI)
	if e.Reason == synth.ReasonObserved {
		s += fmt.Sprintf(": %d call(s), first by pid %d (%s)", e.Count, e.FirstPID, e.FirstComm)
	} else {
		s += ": " + e.Reason
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

// refusedArgs returns the values of args that prof's conditions for name
// refuse, or nil.
func refusedArgs(prof *profiles.Profile, name string, args []synth.ArgValues) []synth.ArgValues {
	var out []synth.ArgValues
	for _, a := range args {
		var bad []uint64
		for _, v := range a.Values {
			if !prof.AllowsArg(name, uint(a.Index), a.Mask, v) {
				bad = append(bad, v)
			}
		}
		if bad != nil {
			out = append(out, synth.ArgValues{Index: a.Index, Mask: a.Mask, Values: bad})
		}
	}
	return out
}

// argNum prints an argument value as the diff does: enumerations in
// decimal, flag sets in hex.
func argNum(v uint64) string {
	if v < 4096 {
		return strconv.FormatUint(v, 10)
	}
	return fmt.Sprintf("%#x", v)
}

// synthesize is record's synthesis step: profile and report, with the
// report's warnings printed to stderr.
// synthesize reads the executables from files, the tracer's open ones.
func synthesize(rec *recording.Recording, files *tracer.Files, pol synth.Policy) (*profiles.Profile, *synth.Report, error) {
	prof, rep, err := synth.SynthesizeFiles([]*recording.Recording{rec}, pol, files)
	if err != nil {
		return nil, nil, err
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(os.Stderr, "seccompgen: warning: %s\n", w)
	}
	return prof, rep, nil
}
