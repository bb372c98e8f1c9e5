package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/profiles"
)

var cmdMerge = &command{
	Name:      "merge",
	UsageLine: "merge -o OUT [--format oci|spo] [--strict] [--union-arches] [--caps LIST] [--log-mode] PROFILE...",
	Short:     "unite several profiles; denies still win",
	Long: `Merge writes one profile that lets through what any PROFILE lets through,
and nothing more: the architectures of all, every syscall some input allows,
and for a syscall allowed only under argument conditions every input's
conditions, so no argument value gets through that no input allowed. A
syscall that any input denies by a rule stays denied.

Use it to combine profiles recorded on different hosts, or from several
runs of the same workload. Inputs may be OCI or Docker format (resolved as
in diff) or SeccompProfile resources; they must share a default action
that denies. The output is canonical, written atomically: OCI JSON, or
with --format spo (the default for a .yaml or .yml OUT) one
security-profiles-operator SeccompProfile resource.

A profile's rules apply to every architecture it admits: there are no
per-architecture rules. Merging an x86_64-only input with one that admits
i386 would therefore allow on i386 what only the x86_64 input allowed.
merge refuses that and lists the syscalls per architecture; record on every
ABI the workload uses, or pass --union-arches to merge anyway, with the same
list as a warning.

The result is compiled with libseccomp as runc would load it. A syscall
name libseccomp does not know for an architecture is a warning, since runc
skips it; --strict makes it an error. Builds without cgo skip this check.

--log-mode writes the log-mode copy of the result, to deploy before
enforcing it: what the profile would refuse, by its default action or by
an explicit deny, is let through and logged (SCMP_ACT_LOG); ENOSYS rules
stay, since their callers fall back. The copy lists every x86 ABI, so that
an i386 or x32 call is logged, not killed for its architecture. 'seccompgen learn' reads the kernel's
records back into the profile (docs/learn.md). Merging one profile with
--log-mode converts it.

Exit status: 0 on success, 2 on trouble.`,
	Example: `	seccompgen merge -o app.json run1.json run2.json run3.json
	seccompgen merge --log-mode -o app.log.json app.json
	seccompgen merge -o app.yaml --spo-name app node-a.json node-b.json`,
	UsageExit:    exitTrouble,
	Interspersed: true,
	AddFlags:     mergeOpts.register,
	Run:          mergeOpts.run,
}

// mergeFlags are merge's flags.
type mergeFlags struct {
	out, caps           string
	strict, unionArches bool
	logMode             bool
	pf                  profileFormat
}

var mergeOpts mergeFlags

func (f *mergeFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.out, "output", "o", "", "write the merged profile to `FILE` (\"-\" for stdout)")
	fs.BoolVar(&f.strict, "strict", false, "fail when libseccomp does not know a syscall name, instead of warning")
	fs.BoolVar(&f.unionArches, "union-arches", false, "merge inputs that admit different architectures even when that allows syscalls on an architecture no input admitting it allowed (warns)")
	fs.StringVar(&f.caps, "caps", "", "capabilities Docker-format inputs are resolved for: a comma-separated `LIST` (default: Docker's 14)")
	fs.BoolVar(&f.logMode, "log-mode", false, "write the result's log-mode copy: what it would refuse is logged (SCMP_ACT_LOG) instead, explicit denies included (docs/learn.md)")
	f.pf.register(fs, "format")
}

func (f *mergeFlags) run(c *command, args []string) int {
	if f.out == "" {
		return usageError(c, "-o OUT is required (\"-\" for stdout)")
	}
	if len(args) == 0 {
		return usageError(c, "want at least one PROFILE")
	}
	// Before the inputs are read: a bad -o fails at once.
	dst := &outfile.File{Flag: "-o", Path: f.out}
	if err := outfile.Prepare(dst); err != nil {
		return outputError(c, err)
	}
	enc, err := f.pf.encoder("--format", f.out, args[0], nil)
	if err != nil {
		return usageError(c, "%v", err)
	}
	t, err := targetFlag(c.Flags, f.caps)
	if err != nil {
		return usageError(c, "--caps: %v", err)
	}
	ps, err := loadAll(args, t)
	if err != nil {
		return fail(c, err)
	}
	m, err := profiles.Merge(ps...)
	if err != nil {
		return fail(c, err)
	}
	if code, ok := checkArchWidening(c, m, ps, f.unionArches); !ok {
		return code
	}
	if err := validateMerged(m, f.strict); err != nil {
		return fail(c, err)
	}
	if f.logMode {
		m = m.LogCopy()
	}
	data, err := enc(m)
	if err != nil {
		return fail(c, err)
	}
	if err := dst.Write(data); err != nil {
		return fail(c, err)
	}
	return 0
}

// loadAll loads the profiles at paths, resolved for t.
func loadAll(paths []string, t profiles.Target) ([]*profiles.Profile, error) {
	var ps []*profiles.Profile
	for _, a := range paths {
		p, err := profiles.Load(a, t)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// validateMerged compiles m as runc would: a syscall name libseccomp does
// not know is a warning on stderr, or with strict an error. Without
// libseccomp (no cgo) there is nothing to check.
func validateMerged(m *profiles.Profile, strict bool) error {
	warnings, err := profiles.Validate(m, strict)
	for _, w := range warnings {
		if err == nil {
			fmt.Fprintf(os.Stderr, "seccompgen merge: warning: %s\n", w)
		}
	}
	if err != nil && !errors.Is(err, profiles.ErrNoLibseccomp) {
		return err
	}
	return nil
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
