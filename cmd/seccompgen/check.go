package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
	"github.com/seccompgen/seccompgen/tracer"
	"github.com/seccompgen/seccompgen/verify"
)

// checkResult is what check found; its JSON form is check --format json.
type checkResult = verify.CheckReport

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

When FILE allows socket, clone or personality only under argument
conditions, check records their arguments (as --args does) and a value the
conditions refuse is a break; conditions it cannot check are named.

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
		if err := outfile.CheckName("--profile", profilePath); err != nil {
			return usageError(c, "%v", err)
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
	res := verify.NewCheckReport(path)
	fail := func(format string, a ...any) checkResult {
		res.ExitCode = exitTrouble
		res.Message = "seccompgen check: " + fmt.Sprintf(format, a...) + "\n"
		return res
	}
	var want *profiles.Profile
	dst := &outfile.File{Flag: "--profile", Path: path}
	if !update {
		var err error
		if want, err = profiles.ReadFile(path, profiles.DefaultTarget()); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fail("%s does not exist: run with --update to create it", path)
			}
			return fail("%v", err)
		}
		// A profile the kernel would not load breaks every workload:
		// say so before spending a run on it.
		if _, err := profiles.Validate(want, false); err != nil && !errors.Is(err, profiles.ErrNoLibseccomp) {
			return fail("%v", err)
		}
	} else if err := outfile.Prepare(dst); err != nil {
		return fail("%v", err)
	}

	trf := *rf
	if want != nil && !rf.args && len(pinnableConditions(want)) > 0 {
		// FILE allows some syscalls only with certain argument values:
		// record those values, or "in sync" would vouch for conditions
		// nothing checked. The synthesized profile stays unpinned.
		trf.args = true
	}
	tr := trf.trace(args)
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
		if err := dst.Write(got.Bytes()); err != nil {
			return fail("%v", err)
		}
		res.Verdict = verify.InSync
		res.Message = fmt.Sprintf("seccompgen check: updated %s (%d syscalls allowed)\n", path, len(got.Allowed()))
		return res
	}

	// The run's argument values, recorded for --args or because FILE has
	// conditions, are what FILE's conditions are checked against.
	needs := slices.Clone(rep.Syscalls)
	for i, e := range needs {
		if len(e.Args) == 0 {
			needs[i].Args = observedArgs(tr.rec, e)
		}
	}
	r := verify.Check(want, needs, verify.Options{Needed: got.Allowed(), Deny: pol.Deny})
	r.Report(&res)
	if res.Verdict.Fails(strict) {
		res.ExitCode = exitDiffers
	}
	return res
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
		fmt.Fprintf(os.Stderr, "seccompgen: warning: %s\n", recording.EscapeControls(w))
	}
	return prof, rep, nil
}
