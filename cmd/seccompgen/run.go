package main

import (
	"fmt"
	"os"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/internal/workload"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/tracer"
	"github.com/seccompgen/seccompgen/verify"
)

var cmdRun = &command{
	Name:      "run",
	UsageLine: "run --profile FILE [--complain | --quiet | --report FILE] [--user USER[:GROUP]] -- CMD [ARG...]",
	Short:     "run CMD with a profile enforced, or in complain mode to see what it would deny",
	Long: `
Run runs CMD with the seccomp profile FILE enforced by the kernel. The profile
is compiled with libseccomp exactly as runc compiles it and installed, with
no_new_privs, in a small launcher that then executes CMD: CMD and all its
descendants are confined, seccompgen itself is not. Because the filter is in
place before CMD is executed, the profile must allow execve (a recorded
profile always does: the recorder saw it). A profile whose default action
lets syscalls through (SCMP_ACT_ALLOW, SCMP_ACT_LOG) is enforced with a
warning on stderr that says how little it confines; one longer than the
kernel's 4096 BPF instructions is refused.

While it enforces, seccompgen also counts what the kernel refused CMD's
tree (eBPF on sys_enter and sys_exit: a call that returns without having
entered the kernel was refused) and, when CMD ends, prints each refused
syscall on stderr with its ABI, count, first pid/comm and errno; --report
FILE writes the same as JSON (docs/report.md). A call the filter traps or
kills (SCMP_ACT_TRAP, SCMP_ACT_KILL*, an ABI the profile does not list)
shows as "got SIGSYS". Descendants still running when CMD ends are not
waited for. --quiet attaches no tracer and prints nothing; without eBPF
the profile is enforced all the same, with one line saying refusals
cannot be reported.

--user runs CMD as USER (and GROUP, else the user's), with the groups
that list the user and a login's HOME, USER and LOGNAME, as record
--user does; the filter is installed under no_new_privs either way.

With --complain the profile logs instead of denying, CMD runs under the
tracer, and seccompgen prints every syscall the profile would have denied,
with count and first pid/comm. Where the profile allows socket, clone or
personality only under argument conditions, their arguments are recorded
(as record --args records them) and a value the conditions refuse is
denied too, printed with the value ("socket (x86_64): ...: its argument
conditions refuse arg0 = 16"). It then exits 1 if there was any, else with
CMD's status. (The kernel runs seccomp before the tracer sees a syscall, so
complain mode must not enforce: an enforcing filter would hide what it
denies.) A syscall of an ABI the profile does not list (i386 through int
0x80, x32) is logged and listed too, where an enforcing filter kills the
process. ENOSYS rules stay in force, so callers take their fallback.

The exit status is CMD's own (128+N if signal N killed it); 125 when
seccompgen failed, 126 when CMD cannot be run, 127 when it is not found.
SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to seccompgen are forwarded to CMD;
a ^C typed on the terminal reaches CMD once, from the terminal. Every
descriptor seccompgen inherited reaches CMD at its own number
(docs/signals.md).`,
	Example: `	seccompgen run --profile app.json -- ./app --port 8080
	seccompgen run --report refused.json --profile app.json -- ./app
	sudo seccompgen run --user postgres --profile pg.json -- postgres -D /srv/pg
	seccompgen run --complain --profile app.json -- ./app --selftest`,
	UsageExit: exitFailure,
	AddFlags:  runOpts.register,
	Run:       runOpts.run,
}

// runFlags are run's flags.
type runFlags struct {
	profilePath string
	complain    bool
	quiet       bool
	report      string
	user        string
}

var runOpts runFlags

func (f *runFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.profilePath, "profile", "", "the seccomp profile to enforce (OCI or Docker format, or docker-default)")
	fs.BoolVar(&f.complain, "complain", false, "do not enforce: trace CMD and report what the profile would deny (exit 1 if anything)")
	fs.BoolVar(&f.quiet, "quiet", false, "enforce without counting what the kernel refuses: no tracer, no report")
	fs.StringVar(&f.report, "report", "", "also write what the kernel refused as JSON to `FILE` (docs/report.md)")
	fs.StringVar(&f.user, "user", "", "run CMD as `USER[:GROUP]` (names or numbers), as record --user does")
}

func (f *runFlags) run(c *command, args []string) int {
	if f.profilePath == "" {
		return usageError(c, "--profile is required")
	}
	if err := outfile.CheckName("--profile", f.profilePath); err != nil {
		return usageError(c, "%v", err)
	}
	if len(args) == 0 {
		return usageError(c, "no command to run (want: run --profile FILE -- CMD [ARG...])")
	}
	opts, status, ok := f.enforceOptions(c)
	if !ok {
		return status
	}
	status, err := runConfined(f.profilePath, f.complain, opts, args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen run: %v\n", err)
	}
	return status
}

// runConfined runs args under the profile and returns the status to exit
// with, and an error to print when seccompgen (not CMD) failed.
func runConfined(profilePath string, complain bool, opts enforceOptions, args []string) (int, error) {
	prof, err := profiles.Load(profilePath, profiles.DefaultTarget())
	if err != nil {
		return exitFailure, err
	}
	prog, flags, status, err := compileFilter(prof, profilePath, complain)
	if err != nil {
		return status, err
	}
	path, status, err := workload.ResolveCmd(args[0])
	if err != nil {
		return status, err
	}
	l, err := workload.NewLauncher(prog, flags, path, args)
	if err != nil {
		return exitFailure, err
	}
	defer l.Close()
	fwd := workload.ForwardSignals()
	defer fwd.Stop()
	if !complain {
		return enforceReporting(l, fwd, prof, profilePath, opts)
	}
	// A profile that allows some syscalls only with certain argument
	// values: record those values, as record --args does, so that a value
	// the conditions refuse is a complaint like a name.
	rec, err := traceLauncher(l, fwd, opts, tracer.Config{Args: len(pinnableConditions(prof)) > 0})
	if err != nil {
		return exitFailure, err
	}
	if complaints(os.Stderr, prof, profilePath, rec) > 0 {
		return exitDiffers, nil
	}
	return rec.Exit.Status(), nil
}

// compileFilter compiles the filter the launcher installs: prof, or in
// complain mode prof logging instead of denying. It warns about a profile
// that confines little and refuses one that does not allow execve.
func compileFilter(prof *profiles.Profile, name string, complain bool) ([]byte, uint, int, error) {
	if w := prof.DefaultWarning(); w != "" {
		fmt.Fprintf(os.Stderr, "seccompgen run: warning: %s: %s\n", name, w)
	}
	enforced := prof
	if complain {
		enforced = prof.LogMode()
	} else if !set(prof.Allowed())["execve"] && !set(prof.Conditional())["execve"] {
		// Under such a profile the launcher could not even say why CMD
		// did not start.
		return nil, 0, exitNoExec, fmt.Errorf("%s does not allow execve: seccompgen installs the filter before it executes CMD, so the profile must allow execve", name)
	}
	prog, flags, err := profiles.Compile(enforced)
	if err != nil {
		return nil, 0, exitFailure, err
	}
	return prog, flags, 0, nil
}

// stdio are the only files the launcher is given explicitly: every other
// descriptor seccompgen inherited passes on at its own number.
func stdio() []*os.File { return []*os.File{os.Stdin, os.Stdout, os.Stderr} }

// enforce starts the launcher, which confines CMD, and waits for it.
func enforce(l *workload.Launcher, fwd *workload.Forwarder, opts enforceOptions) (int, error) {
	proc, err := os.StartProcess(opts.launcherPath(l), l.Argv, &os.ProcAttr{Env: opts.env, Files: stdio(), Sys: &syscall.SysProcAttr{Credential: opts.cred}})
	if err != nil {
		return exitFailure, fmt.Errorf("start the launcher: %w", err)
	}
	l.Started()
	fwd.To(proc.Pid, func(s os.Signal) { workload.SignalProcess(proc.Pid, s.(syscall.Signal)) })
	st, err := proc.Wait()
	if err != nil {
		return exitFailure, err
	}
	return workload.ExitStatus(st.Sys().(syscall.WaitStatus)), nil
}

// traceLauncher starts the launcher, which installs the logging filter,
// under the tracer and returns what CMD did.
func traceLauncher(l *workload.Launcher, fwd *workload.Forwarder, opts enforceOptions, cfg tracer.Config) (*recording.Recording, error) {
	t, err := tracer.New(cfg)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	// The launcher's own exec is not CMD's: skip it.
	run, err := t.Start(tracer.Workload{Path: opts.launcherPath(l), Args: l.Argv, Env: opts.env, Files: stdio(), Credential: opts.cred, SkipExecs: 1})
	if err != nil {
		return nil, fmt.Errorf("start the launcher: %w", err)
	}
	l.Started()
	fwd.To(run.Pid(), run.Signal)
	return run.Wait()
}

// complaints prints what the profile would have denied of rec and returns
// how many distinct syscalls that is.
func complaints(w *os.File, prof *profiles.Profile, name string, rec *recording.Recording) int {
	r := verify.Check(prof, verify.Needs(rec), verify.Options{})
	if n := rec.Losses.ArgsDropped; n > 0 {
		fmt.Fprintf(w, "seccompgen run: warning: %d argument value(s) were not recorded (the map of values was full): values %s's conditions refuse may be missing below\n", n, name)
	}
	fmt.Fprint(w, r.ComplainText(name, len(rec.Syscalls)))
	return len(r.Refusals)
}
