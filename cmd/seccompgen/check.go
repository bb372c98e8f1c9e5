package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

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
	UsageLine: "check --profile FILE [--update] [--strict] [--allow-failure] [--format text|json] [--json FILE] [record flags] -- CMD [ARG...]",
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
atomically) and exits 0. FILE may be a security-profiles-operator
SeccompProfile resource: --update keeps it one, with its name (a new .yaml
or .yml FILE, or --profile-format spo, makes one). A CMD that fails (non-zero status) makes check exit
2 unless --allow-failure: a broken test command must not pass as in sync.
Other trouble (no FILE, a bad FILE, no privileges for the tracer) exits 2.

A CMD stopped by SIGTERM, SIGINT or SIGHUP sent to seccompgen (and
forwarded to it), the way CI stops a server, has not failed: check compares
what it did until then and says it was stopped. That holds when the signal
killed CMD and when CMD exited 128+N itself after getting signal N (as a
shell script or a JVM does). A CMD killed by a signal nobody sent to
seccompgen (SIGSEGV, a SIGTERM sent straight to it), or by SIGQUIT, failed.

The verdict never shares a stream with CMD's output. The text goes to
stderr. --format json writes the JSON verdict to stdout instead and sends
CMD's stdout to stderr, so stdout carries the JSON alone (seccompgen check
--format json ... | jq works whatever CMD prints). --json FILE also writes
the JSON verdict to FILE and leaves CMD's stdout alone; "-" (or any name of
seccompgen's stdout) is stdout, and CMD's stdout then goes to stderr too.`,
	Example: `	seccompgen check --profile seccomp/app.json -- ./app --selftest
	seccompgen check --profile seccomp/app.json --update -- ./app --selftest
	seccompgen check --format json --profile seccomp/app.json -- make integration-test
	seccompgen check --json verdict.json --profile seccomp/app.json -- ./server --port 8080`,
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
	jsonPath     string
	pf           profileFormat
}

var checkOpts checkFlags

func (f *checkFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.profilePath, "profile", "", "the checked-in profile to compare with (created by --update if missing)")
	fs.BoolVar(&f.update, "update", false, "rewrite FILE with the profile this run needs and exit 0")
	fs.BoolVar(&f.strict, "strict", false, "fail (exit 1) when FILE allows more than the run needed")
	fs.BoolVar(&f.allowFailure, "allow-failure", false, "compare even when CMD exits non-zero")
	fs.StringVar(&f.format, "format", "text", "output: text (on stderr) or json (on stdout; CMD's stdout then goes to stderr)")
	fs.StringVar(&f.jsonPath, "json", "", "also write the JSON verdict to `FILE` (\"-\": stdout; CMD's stdout then goes to stderr)")
	f.pf.register(fs, "profile-format")
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
	if p := f.pf.format; p != "" && p != formatOCI && p != formatSPO {
		return usageError(c, "--profile-format %q: want oci or spo", p)
	}
	pol, err := f.rf.policy()
	if err != nil {
		return usageError(c, "%v", err)
	}
	jsonOut := &outfile.File{Flag: "--json", Path: f.jsonPath}
	if err := outfile.Prepare(jsonOut); err != nil {
		return outputError(c, err)
	}
	if err := f.apart(jsonOut); err != nil {
		return usageError(c, "%v", err)
	}
	res := f.check(pol, args)
	data, _ := json.MarshalIndent(res, "", "  ")
	data = append(data, '\n')
	status := res.ExitCode
	if f.format == "json" {
		os.Stdout.Write(data)
	} else if res.Message != "" {
		fmt.Fprint(os.Stderr, res.Message)
	}
	if jsonOut.Used() && !(f.format == "json" && jsonOut.Shares(os.Stdout)) {
		if err := jsonOut.Write(data); err != nil {
			fmt.Fprintf(os.Stderr, "seccompgen check: the JSON verdict was NOT written: %v\n", err)
			status = exitTrouble
		}
	}
	return status
}

// apart keeps the JSON verdict apart from CMD's output: when it goes to
// seccompgen's stdout, CMD's stdout goes to stderr. A --json FILE that is
// seccompgen's stderr alone (where CMD's errors go) or the profile is
// refused.
func (f *checkFlags) apart(jsonOut *outfile.File) error {
	if jsonOut.Shares(os.Stderr) && !jsonOut.Shares(os.Stdout) {
		return fmt.Errorf("--json %s is seccompgen's stderr, where CMD's errors go too: give a file, or - for stdout", f.jsonPath)
	}
	if jsonOut.Used() && sameFile(f.jsonPath, f.profilePath) {
		return fmt.Errorf("--json %s and --profile %s are the same file: give the verdict its own", f.jsonPath, f.profilePath)
	}
	if f.format == "json" || jsonOut.Shares(os.Stdout) {
		f.rf.stdout = os.Stderr
	}
	return nil
}

// sameFile reports whether paths a and b name the same file, existing or
// not.
func sameFile(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		fb, err := os.Stat(b)
		return err == nil && os.SameFile(fa, fb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
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
	stopped := ""
	if tr.stoppedBy != 0 {
		res.StoppedBy = unix.SignalName(tr.stoppedBy)
		stopped = stoppedNote(args[0], tr)
	} else if tr.status != 0 && !f.allowFailure {
		return checkFailed(res, fmt.Errorf("%s exited with status %d: a failing command cannot vouch for a profile; fix it, or pass --allow-failure", args[0], tr.status))
	}
	defer tr.files.Close()
	got, rep, err := synthesize(tr.rec, tr.files, pol)
	if err != nil {
		return checkFailed(res, err)
	}
	if f.update {
		data, err := f.updated(got)
		if err != nil {
			return checkFailed(res, err)
		}
		if err := dst.Write(data); err != nil {
			return checkFailed(res, err)
		}
		res.Verdict = verify.InSync
		res.Message = stopped + fmt.Sprintf("seccompgen check: updated %s (%d syscalls allowed)\n", f.profilePath, len(got.Allowed()))
		return res
	}
	r := verify.Check(want, runNeeds(tr.rec, rep), verify.Options{Needed: got.Allowed(), Deny: pol.Deny})
	r.Report(&res)
	res.Message = stopped + res.Message
	if res.Verdict.Fails(f.strict) {
		res.ExitCode = exitDiffers
	}
	return res
}

// stoppedNote says that CMD was stopped by the signal seccompgen
// forwarded, and how it ended.
func stoppedNote(cmd string, tr traced) string {
	name := unix.SignalName(tr.stoppedBy)
	if tr.rec.Exit.Signal != 0 {
		return fmt.Sprintf("seccompgen check: %s was stopped by %s, sent to seccompgen and forwarded: comparing what it did until then\n", cmd, name)
	}
	return fmt.Sprintf("seccompgen check: %s exited with status %d after %s was sent to seccompgen and forwarded: taken as stopped by it (128+%d, as a shell exits on a signal it handled); comparing what it did until then\n", cmd, tr.status, name, int(tr.stoppedBy))
}

// updated is the profile --update writes, in FILE's format: the
// SeccompProfile resource FILE is stays one, with its name.
func (f *checkFlags) updated(got *profiles.Profile) ([]byte, error) {
	var prev *profiles.SPOMeta
	if old, err := profiles.ReadFile(f.profilePath, profiles.DefaultTarget()); err == nil {
		if m, ok := old.SPO(); ok {
			prev = &m
		}
	}
	enc, err := f.pf.encoder("--profile-format", f.profilePath, f.profilePath, prev)
	if err != nil {
		return nil, err
	}
	return enc(got)
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
