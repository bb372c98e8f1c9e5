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
	"github.com/seccompgen/seccompgen/verify"
)

// checkResult is what check found; its JSON form is check --format json.
type checkResult = verify.CheckReport

var cmdCheck = &command{
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

When FILE allows a pinnable syscall (socket, ioctl, prctl, mprotect, ...;
help record) only under argument conditions, check records the arguments
(as --args does) and a value the conditions refuse is a break; conditions
it cannot check are named. The profile check synthesizes pins what record
would (--args).

--update rewrites FILE with the profile this run needs (canonical form,
atomically) and exits 0. A CMD that fails (non-zero status) makes check exit
2 unless --allow-failure: a broken test command must not pass as in sync.
Other trouble (no FILE, a bad FILE, no privileges for the tracer) exits 2.`,
	Example: `	seccompgen check --profile seccomp/app.json -- ./app --selftest
	seccompgen check --profile seccomp/app.json --update -- ./app --selftest
	seccompgen check --format json --profile seccomp/app.json -- make integration-test`,
	UsageExit: exitTrouble,
	AddFlags:  checkOpts.register,
	Run:       checkOpts.run,
}

// checkFlags are check's flags: recordFlags, shared with record, and what
// to compare with and how.
type checkFlags struct {
	rf           recordFlags
	profilePath  string
	update       bool
	strict       bool
	allowFailure bool
	format       string
}

var checkOpts checkFlags

func (f *checkFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.profilePath, "profile", "", "the checked-in profile to compare with (created by --update if missing)")
	fs.BoolVar(&f.update, "update", false, "rewrite FILE with the profile this run needs and exit 0")
	fs.BoolVar(&f.strict, "strict", false, "fail (exit 1) when FILE allows more than the run needed")
	fs.BoolVar(&f.allowFailure, "allow-failure", false, "compare even when CMD exits non-zero")
	fs.StringVar(&f.format, "format", "text", "output: text or json")
	f.rf.register(fs)
}

func (f *checkFlags) run(c *command, args []string) int {
	if f.profilePath == "" {
		return usageError(c, "--profile is required")
	}
	if err := outfile.CheckName("--profile", f.profilePath); err != nil {
		return usageError(c, "%v", err)
	}
	if len(args) == 0 {
		return usageError(c, "no command to check (want: check --profile FILE -- CMD [ARG...])")
	}
	if f.format != "text" && f.format != "json" {
		return usageError(c, "--format %q: want text or json", f.format)
	}
	pol, err := f.rf.policy()
	if err != nil {
		return usageError(c, "%v", err)
	}
	res := f.check(pol, args)
	if f.format == "json" {
		data, _ := json.MarshalIndent(res, "", "  ")
		os.Stdout.Write(append(data, '\n'))
	} else if res.Message != "" {
		fmt.Fprint(os.Stderr, res.Message)
	}
	return res.ExitCode
}

// check records args, synthesizes the profile the run needs and compares
// it with FILE, or with --update writes it to FILE.
func (f *checkFlags) check(pol synth.Policy, args []string) checkResult {
	res := verify.NewCheckReport(f.profilePath)
	want, dst, err := f.checkedIn()
	if err != nil {
		return checkFailed(res, err)
	}
	tr := f.traceFor(want, args)
	if tr.err != nil {
		return checkFailed(res, tr.err)
	}
	res.Status = tr.status
	if tr.status != 0 && !f.allowFailure {
		return checkFailed(res, fmt.Errorf("%s exited with status %d: a failing command cannot vouch for a profile; fix it, or pass --allow-failure", args[0], tr.status))
	}
	defer tr.files.Close()
	got, rep, err := synthesize(tr.rec, tr.files, pol)
	if err != nil {
		return checkFailed(res, err)
	}
	if f.update {
		if err := dst.Write(got.Bytes()); err != nil {
			return checkFailed(res, err)
		}
		res.Verdict = verify.InSync
		res.Message = fmt.Sprintf("seccompgen check: updated %s (%d syscalls allowed)\n", f.profilePath, len(got.Allowed()))
		return res
	}
	r := verify.Check(want, runNeeds(tr.rec, rep), verify.Options{Needed: got.Allowed(), Deny: pol.Deny})
	r.Report(&res)
	if res.Verdict.Fails(f.strict) {
		res.ExitCode = exitDiffers
	}
	return res
}

// checkFailed is res for trouble: err, exit 2.
func checkFailed(res checkResult, err error) checkResult {
	res.ExitCode = exitTrouble
	res.Message = fmt.Sprintf("seccompgen check: %v\n", err)
	return res
}

// checkedIn reads FILE, the profile to compare with, and refuses one the
// kernel would not load; with --update it prepares FILE to be written
// instead.
func (f *checkFlags) checkedIn() (*profiles.Profile, *outfile.File, error) {
	path := f.profilePath
	if f.update {
		dst := &outfile.File{Flag: "--profile", Path: path}
		return nil, dst, outfile.Prepare(dst)
	}
	want, err := profiles.ReadFile(path, profiles.DefaultTarget())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s does not exist: run with --update to create it", path)
	}
	if err != nil {
		return nil, nil, err
	}
	// A profile the kernel would not load breaks every workload: say so
	// before spending a run on it.
	if _, err := profiles.Validate(want, false); err != nil && !errors.Is(err, profiles.ErrNoLibseccomp) {
		return nil, nil, err
	}
	return want, nil, nil
}

// traceFor records args as record would, and also the argument values
// want's conditions are about.
func (f *checkFlags) traceFor(want *profiles.Profile, args []string) traced {
	trf := f.rf
	if want != nil && len(f.rf.pins) == 0 && len(pinnableConditions(want)) > 0 {
		// FILE allows some syscalls only with certain argument values:
		// record those values, or "in sync" would vouch for conditions
		// nothing checked. The synthesized profile stays unpinned.
		trf.recordArgs = true
	}
	return trf.trace(args)
}

// runNeeds is what the run needed, by the report, with the argument
// values recorded (for --args or because FILE has conditions): what
// FILE's conditions are checked against.
func runNeeds(rec *recording.Recording, rep *synth.Report) []synth.Entry {
	needs := slices.Clone(rep.Syscalls)
	for i, e := range needs {
		if len(e.Args) == 0 {
			needs[i].Args = observedArgs(rec, e)
		}
	}
	return needs
}
