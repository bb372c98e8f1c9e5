package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/internal/workload"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
	"github.com/seccompgen/seccompgen/tracer"
)

// The helpers every command shares: exit statuses, how errors are
// reported, and the steps more than one command takes.

// Exit statuses shared by the commands that start a workload (as env(1) and
// timeout(1) use them) and by the diff(1)-style commands.
const (
	exitFailure  = workload.ExitFailure  // seccompgen itself failed, usage errors included
	exitNoExec   = workload.ExitNoExec   // CMD was found but cannot be run
	exitNotFound = workload.ExitNotFound // CMD was not found
	exitDiffers  = 1                     // diff/merge/check: different, drift
	exitTrouble  = 2                     // diff/merge/check: trouble
)

// usageError prints a usage error for c and returns its usage exit status.
func usageError(c *command, format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "seccompgen %s: %s\nRun 'seccompgen help %s' for details.\n", c.Name, fmt.Sprintf(format, a...), c.Name)
	return c.UsageExit
}

// targetFlag is the target Docker-format profiles are resolved for: the
// host with Docker's default capabilities, or those of --caps if given.
func targetFlag(fs *pflag.FlagSet, caps string) (profiles.Target, error) {
	t := profiles.DefaultTarget()
	if fs.Changed("caps") {
		c, err := profiles.ParseCaps(caps)
		if err != nil {
			return t, err
		}
		t.Caps = c
	}
	return t, nil
}

// fail reports err and returns the trouble status. A ParseError already
// starts with FILE:LINE:COLUMN, which editors and CI annotators parse only
// at the start of a line, so it is printed alone.
func fail(c *command, err error) int {
	var pe *profiles.ParseError
	if errors.As(err, &pe) {
		fmt.Fprintln(os.Stderr, err)
	} else {
		fmt.Fprintf(os.Stderr, "seccompgen %s: %v\n", c.Name, err)
	}
	return exitTrouble
}

// outputError reports an error of outfile.Prepare: a usage error, or an
// output that cannot be written.
func outputError(c *command, err error) int {
	var ue *outfile.UsageError
	if errors.As(err, &ue) {
		return usageError(c, "%v", err)
	}
	fmt.Fprintf(os.Stderr, "seccompgen %s: %v\n", c.Name, err)
	return c.UsageExit
}

// synthesize is record's synthesis step: profile and report, with the
// report's warnings printed to stderr. It reads the executables from
// files, the tracer's open ones.
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

// set is names as a set.
func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
