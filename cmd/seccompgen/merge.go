package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/profiles"
)

func init() {
	fs := pflag.NewFlagSet("merge", pflag.ContinueOnError)
	out := fs.StringP("output", "o", "", "write the merged profile to `FILE` (\"-\" for stdout)")
	strict := fs.Bool("strict", false, "fail when libseccomp does not know a syscall name, instead of warning")
	unionArches := fs.Bool("union-arches", false, "merge inputs that admit different architectures even when that allows syscalls on an architecture no input admitting it allowed (warns)")
	caps := fs.String("caps", "", "capabilities Docker-format inputs are resolved for: a comma-separated `LIST` (default: Docker's 14)")
	c := &command{
		Name:      "merge",
		UsageLine: "merge -o OUT [--strict] [--union-arches] [--caps LIST] PROFILE...",
		Short:     "unite several profiles; denies still win",
		Long: `Merge writes one profile that lets through what any PROFILE lets through,
and nothing more: the architectures of all, every syscall some input allows,
and for a syscall allowed only under argument conditions every input's
conditions, so no argument value gets through that no input allowed. A
syscall that any input denies by a rule stays denied.

Use it to combine profiles recorded on different hosts, or from several
runs of the same workload. Inputs may be OCI or Docker format (resolved as
in diff); they must share a default action that denies. The output is
canonical, written atomically.

A profile's rules apply to every architecture it admits: there are no
per-architecture rules. Merging an x86_64-only input with one that admits
i386 would therefore allow on i386 what only the x86_64 input allowed.
merge refuses that and lists the syscalls per architecture; record on every
ABI the workload uses, or pass --union-arches to merge anyway, with the same
list as a warning.

The result is compiled with libseccomp as runc would load it. A syscall
name libseccomp does not know for an architecture is a warning, since runc
skips it; --strict makes it an error. Builds without cgo skip this check.

Exit status: 0 on success, 2 on trouble.`,
		Example:   `	seccompgen merge -o app.json run1.json run2.json run3.json`,
		UsageExit: exitTrouble,
		Flags:     fs,
	}
	c.Run = func(args []string) int {
		if *out == "" {
			return usageError(c, "-o OUT is required (\"-\" for stdout)")
		}
		if len(args) == 0 {
			return usageError(c, "want at least one PROFILE")
		}
		// Before the inputs are read: a bad -o fails at once.
		dst := &outfile.File{Flag: "-o", Path: *out}
		if err := outfile.Prepare(dst); err != nil {
			return outputError(c, err)
		}
		t, err := targetFlag(fs, *caps)
		if err != nil {
			return usageError(c, "--caps: %v", err)
		}
		var ps []*profiles.Profile
		for _, a := range args {
			p, err := profiles.Load(a, t)
			if err != nil {
				return fail(c, err)
			}
			ps = append(ps, p)
		}
		m, err := profiles.Merge(ps...)
		if err != nil {
			return fail(c, err)
		}
		if code, ok := checkArchWidening(c, m, ps, *unionArches); !ok {
			return code
		}
		warnings, err := profiles.Validate(m, *strict)
		for _, w := range warnings {
			if err == nil {
				fmt.Fprintf(os.Stderr, "seccompgen merge: warning: %s\n", w)
			}
		}
		if err != nil && !errors.Is(err, profiles.ErrNoLibseccomp) {
			return fail(c, err)
		}
		if err := dst.Write(m.Bytes()); err != nil {
			return fail(c, err)
		}
		return 0
	}
	register(c)
	// No CMD follows: flags may come after the file names too.
	c.Flags.SetInterspersed(true)
}

// checkArchWidening refuses, or with union warns about, a merge that
// allows syscalls on an architecture beyond what the inputs admitting it
// allowed. It returns false and the status to exit with when it refused.
func checkArchWidening(c *command, m *profiles.Profile, ps []*profiles.Profile, union bool) (int, bool) {
	ws, err := profiles.ArchWidening(m, ps...)
	if err != nil {
		return fail(c, err), false
	}
	if len(ws) == 0 {
		return 0, true
	}
	if union {
		for _, w := range ws {
			fmt.Fprintf(os.Stderr, "seccompgen merge: warning: --union-arches: the merged profile allows %s\n", w)
		}
		return 0, true
	}
	fmt.Fprintf(os.Stderr, "seccompgen merge: the inputs admit different architectures, and a profile applies every rule to every architecture it admits; the merged profile would allow\n")
	for _, w := range ws {
		fmt.Fprintf(os.Stderr, "  %s\n", w)
	}
	fmt.Fprintf(os.Stderr, "Record the inputs on the same architectures, or pass --union-arches to accept this.\n")
	return exitTrouble, false
}
