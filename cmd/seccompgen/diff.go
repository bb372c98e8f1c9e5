package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/profiles"
)

var cmdDiff = &command{
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
	UsageExit:    exitTrouble,
	Interspersed: true,
	AddFlags:     diffOpts.register,
	Run:          diffOpts.run,
}

// diffFlags are diff's flags.
type diffFlags struct {
	against, caps, format string
	exitCode              bool
}

var diffOpts diffFlags

func (f *diffFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.against, "against", profiles.DockerDefaultName, "profile to compare with: docker-default or a `FILE`")
	fs.StringVar(&f.caps, "caps", "", "capabilities Docker-format profiles are resolved for: a comma-separated `LIST` (default: Docker's 14)")
	fs.StringVar(&f.format, "format", "text", "output `format`: text or json")
	fs.BoolVar(&f.exitCode, "exit-code", false, "exit 1 when the profiles let different syscalls through")
}

func (f *diffFlags) run(c *command, args []string) int {
	if len(args) != 1 {
		return usageError(c, "want one PROFILE, got %d arguments", len(args))
	}
	if f.format != "text" && f.format != "json" {
		return usageError(c, "--format %q: want text or json", f.format)
	}
	if err := outfile.CheckName("--against", f.against); err != nil {
		return usageError(c, "%v", err)
	}
	t, err := targetFlag(c.Flags, f.caps)
	if err != nil {
		return usageError(c, "--caps: %v", err)
	}
	a, err := profiles.Load(args[0], t)
	if err != nil {
		return fail(c, err)
	}
	b, err := profiles.Load(f.against, t)
	if err != nil {
		return fail(c, err)
	}
	warnUnloadable(c, a, b)
	cmp := profiles.Diff(a, b)
	if f.format == "json" {
		os.Stdout.Write(cmp.JSON("", ""))
	} else {
		fmt.Print(cmp.Text("", ""))
	}
	if f.exitCode && cmp.Differs() {
		return exitDiffers
	}
	return 0
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
