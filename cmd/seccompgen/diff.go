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
	fs := pflag.NewFlagSet("diff", pflag.ContinueOnError)
	against := fs.String("against", profiles.DockerDefaultName, "profile to compare with: docker-default or a `FILE`")
	caps := fs.String("caps", "", "capabilities Docker-format profiles are resolved for: a comma-separated `LIST` (default: Docker's 14)")
	format := fs.String("format", "text", "output `format`: text or json")
	exitCode := fs.Bool("exit-code", false, "exit 1 when the profiles let different syscalls through")
	c := &command{
		Name:      "diff",
		UsageLine: "diff [--against docker-default|FILE] [--caps LIST] [--format text|json] [--exit-code] PROFILE",
		Short:     "compare what two profiles let through",
		Long: `Diff compares what PROFILE lets through with another profile, Docker's
default profile unless --against names a file, syscall by syscall: allowed
without conditions, allowed only under argument conditions, denied by a
rule, denied by the default action; and the architectures of each.

Either profile may be OCI (runtime-spec) or Docker format. Docker-format
profiles, docker-default included, are resolved for the host architecture
and kernel and for Docker's default capabilities, or those of --caps
("sys_admin,CAP_NET_ADMIN"; "" for none).

The text form starts with a one-line summary, then lists the syscalls only
one side allows (a "*" marks those allowed only under argument conditions),
then the explicit denies of both side by side, and a note for a profile
whose default action lets syscalls through (confines_nothing_a/b in JSON).
The JSON form has sorted arrays and counts for scripts. A profile the
kernel or runc would not load (over 4096 BPF instructions) is compared, with
a warning on stderr.

Exit status: 0, or with --exit-code 1 when the profiles differ; 2 on
trouble.`,
		Example: `	seccompgen diff app.json
	seccompgen diff --against old.json --format json --exit-code new.json`,
		UsageExit: exitTrouble,
		Flags:     fs,
	}
	c.Run = func(args []string) int {
		if len(args) != 1 {
			return usageError(c, "want one PROFILE, got %d arguments", len(args))
		}
		if *format != "text" && *format != "json" {
			return usageError(c, "--format %q: want text or json", *format)
		}
		if err := outfile.CheckName("--against", *against); err != nil {
			return usageError(c, "%v", err)
		}
		t, err := targetFlag(fs, *caps)
		if err != nil {
			return usageError(c, "--caps: %v", err)
		}
		a, err := profiles.Load(args[0], t)
		if err != nil {
			return fail(c, err)
		}
		b, err := profiles.Load(*against, t)
		if err != nil {
			return fail(c, err)
		}
		warnUnloadable(c, a, b)
		cmp := profiles.Diff(a, b)
		if *format == "json" {
			os.Stdout.Write(cmp.JSON("", ""))
		} else {
			fmt.Print(cmp.Text("", ""))
		}
		if *exitCode && cmp.Differs() {
			return exitDiffers
		}
		return 0
	}
	register(c)
	// No CMD follows: flags may come after the file names too.
	c.Flags.SetInterspersed(true)
}

// warnUnloadable says on stderr which of ps runc could not load (a
// filter longer than the kernel takes, an action runc refuses): diff still
// compares what they say.
func warnUnloadable(c *command, ps ...*profiles.Profile) {
	for _, p := range ps {
		if _, err := profiles.Validate(p, false); err != nil && !errors.Is(err, profiles.ErrNoLibseccomp) {
			fmt.Fprintf(os.Stderr, "seccompgen %s: warning: %v\n", c.Name, err)
		}
	}
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
