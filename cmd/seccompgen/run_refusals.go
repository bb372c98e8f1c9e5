package main

import (
	"encoding/json"
	"fmt"
	"os"
	"syscall"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/internal/workload"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/tracer"
	"github.com/seccompgen/seccompgen/verify"
)

// enforceOptions are how run starts the launcher and what it reports
// about the enforced run.
type enforceOptions struct {
	env  []string            // the launcher's, and so CMD's, environment
	cred *syscall.Credential // --user, nil for seccompgen's own
	// quiet: no refusal tracer, no report.
	quiet  bool
	report *outfile.File // --report, prepared
}

// enforceOptions checks run's enforcement flags and resolves --user. When
// not ok it has said why and returns the status to exit with.
func (f *runFlags) enforceOptions(c *command) (opts enforceOptions, status int, ok bool) {
	opts = enforceOptions{env: os.Environ(), quiet: f.quiet, report: &outfile.File{Flag: "--report", Path: f.report}}
	fail := func(status int) (enforceOptions, int, bool) { return opts, status, false }
	switch {
	case f.quiet && f.complain:
		return fail(usageError(c, "--quiet: complain mode exists to report; use one or the other"))
	case f.report != "" && f.quiet:
		return fail(usageError(c, "--report: --quiet turns reporting off; use one or the other"))
	case f.report != "" && f.complain:
		return fail(usageError(c, "--report: only when enforcing (complain mode prints what it finds)"))
	case f.report == "-":
		return fail(usageError(c, "--report -: CMD writes to stdout too; name a file"))
	}
	if err := outfile.Prepare(opts.report); err != nil {
		return fail(outputError(c, err))
	}
	if f.user != "" {
		cred, uenv, err := workload.LookupUser(f.user)
		if err != nil {
			fmt.Fprintf(os.Stderr, "seccompgen run: %v\n", err)
			return fail(exitFailure)
		}
		opts.cred, opts.env = cred, workload.WithEnv(opts.env, uenv)
	}
	return opts, 0, true
}

// launcherPath is the launcher's binary: seccompgen's own, and under
// --user through /proc/self/exe, which the forked child (already USER)
// can execute even where USER cannot reach seccompgen's directory
// (/root/go/bin).
func (o enforceOptions) launcherPath(l *workload.Launcher) string {
	if o.cred != nil {
		return "/proc/self/exe"
	}
	return l.Path
}

// enforceReporting enforces as enforce does, with the refusal tracer
// watching CMD's tree unless --quiet, and says what the kernel refused
// when CMD ends. Without eBPF it enforces all the same and says once that
// it cannot report.
func enforceReporting(l *workload.Launcher, fwd *workload.Forwarder, prof *profiles.Profile, name string, opts enforceOptions) (int, error) {
	if opts.quiet {
		return enforce(l, fwd, opts)
	}
	t, err := tracer.New(tracer.Config{Refusals: true})
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen run: the profile is enforced, but what it refuses cannot be reported (--quiet: do not try): %v\n", err)
		status, err := enforce(l, fwd, opts)
		if err == nil {
			err = writeEnforceReport(opts.report, verify.Refused(prof, name, nil))
		}
		return status, err
	}
	defer t.Close()
	// The launcher's own exec is not CMD's: skip it.
	run, err := t.Start(tracer.Workload{Path: opts.launcherPath(l), Args: l.Argv, Env: opts.env, Files: stdio(), Credential: opts.cred, SkipExecs: 1})
	if err != nil {
		return exitFailure, fmt.Errorf("start the launcher: %w", err)
	}
	l.Started()
	// As enforce: signals go to CMD's first process only.
	fwd.To(run.Pid(), func(s os.Signal) { workload.SignalProcess(run.Pid(), s.(syscall.Signal)) })
	refused, err := run.WaitRefusals()
	if err != nil {
		return exitFailure, err
	}
	rep := verify.Refused(prof, name, refused)
	fmt.Fprint(os.Stderr, rep.Text())
	if err := writeEnforceReport(opts.report, rep); err != nil {
		return exitFailure, err
	}
	return refused.Exit.Status(), nil
}

// writeEnforceReport writes rep to --report, if given.
func writeEnforceReport(f *outfile.File, rep verify.EnforceReport) error {
	if !f.Used() {
		return nil
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := f.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("report NOT written: %w", err)
	}
	return nil
}
