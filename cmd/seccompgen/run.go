package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/tracer"
	"github.com/seccompgen/seccompgen/verify"
)

func init() {
	var (
		profilePath string
		complain    bool
	)
	c := &command{
		Name:      "run",
		UsageLine: "run --profile FILE [--complain] -- CMD [ARG...]",
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

With --complain the profile logs instead of denying, CMD runs under the
tracer, and seccompgen prints every syscall the profile would have denied,
with count and first pid/comm. It then exits 1 if there was any, else with
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
	seccompgen run --complain --profile app.json -- ./app --selftest`,
		UsageExit: exitFailure,
	}
	c.Flags = pflag.NewFlagSet("run", pflag.ContinueOnError)
	c.Flags.StringVar(&profilePath, "profile", "", "the seccomp profile to enforce (OCI or Docker format, or docker-default)")
	c.Flags.BoolVar(&complain, "complain", false, "do not enforce: trace CMD and report what the profile would deny (exit 1 if anything)")
	c.Run = func(args []string) int {
		if profilePath == "" {
			return usageError(c, "--profile is required")
		}
		if err := outfile.CheckName("--profile", profilePath); err != nil {
			return usageError(c, "%v", err)
		}
		if len(args) == 0 {
			return usageError(c, "no command to run (want: run --profile FILE -- CMD [ARG...])")
		}
		status, err := runConfined(profilePath, complain, args)
		if err != nil {
			fmt.Fprintf(os.Stderr, "seccompgen run: %v\n", err)
		}
		return status
	}
	register(c)
}

// runConfined runs args under the profile and returns the status to exit
// with, and an error to print when seccompgen (not CMD) failed.
func runConfined(profilePath string, complain bool, args []string) (int, error) {
	prof, err := profiles.Load(profilePath, profiles.DefaultTarget())
	if err != nil {
		return exitFailure, err
	}
	if w := prof.DefaultWarning(); w != "" {
		fmt.Fprintf(os.Stderr, "seccompgen run: warning: %s: %s\n", profilePath, w)
	}
	enforced := prof
	if complain {
		enforced = prof.LogMode()
	} else if !set(prof.Allowed())["execve"] && !set(prof.Conditional())["execve"] {
		// Under such a profile the launcher could not even say why CMD
		// did not start.
		return exitNoExec, fmt.Errorf("%s does not allow execve: seccompgen installs the filter before it executes CMD, so the profile must allow execve", profilePath)
	}
	prog, flags, err := profiles.Compile(enforced)
	if err != nil {
		return exitFailure, err
	}
	path, status, err := resolveCmd(args[0])
	if err != nil {
		return status, err
	}
	self, err := os.Executable()
	if err != nil {
		return exitFailure, fmt.Errorf("find seccompgen's own binary for the launcher: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return exitFailure, err
	}
	defer r.Close()
	// The launcher inherits the filter's pipe at the number it has here:
	// a descriptor seccompgen opened, so it takes no number that CMD is to
	// inherit. Files stays stdio only, so every descriptor seccompgen was
	// given passes through untouched at its own number.
	filterFD, err := inheritable(r)
	if err != nil {
		w.Close()
		return exitFailure, err
	}
	go func() {
		w.Write(prog) // the launcher reports a short program
		w.Close()
	}()
	launcher := append([]string{"seccompgen", "__exec", "--filter-fd", strconv.Itoa(filterFD), "--seccomp-flags", strconv.FormatUint(uint64(flags), 10), "--", path}, args...)
	files := []*os.File{os.Stdin, os.Stdout, os.Stderr}

	fwd := forwardSignals()
	defer fwd.stop()
	if !complain {
		proc, err := os.StartProcess(self, launcher, &os.ProcAttr{Env: os.Environ(), Files: files})
		if err != nil {
			return exitFailure, fmt.Errorf("start the launcher: %w", err)
		}
		r.Close()
		fwd.to(proc.Pid, func(s os.Signal) { signalProcess(proc.Pid, s.(syscall.Signal)) })
		st, err := proc.Wait()
		if err != nil {
			return exitFailure, err
		}
		return exitStatus(st.Sys().(syscall.WaitStatus)), nil
	}

	t, err := tracer.New(tracer.Config{})
	if err != nil {
		return exitFailure, err
	}
	defer t.Close()
	// The launcher's own exec is not CMD's: skip it.
	run, err := t.Start(tracer.Workload{Path: self, Args: launcher, Env: os.Environ(), Files: files, SkipExecs: 1})
	if err != nil {
		return exitFailure, fmt.Errorf("start the launcher: %w", err)
	}
	r.Close()
	fwd.to(run.Pid(), run.Signal)
	rec, err := run.Wait()
	if err != nil {
		return exitFailure, err
	}
	if complaints(os.Stderr, prof, profilePath, rec) > 0 {
		return exitDiffers, nil
	}
	return rec.Exit.Status(), nil
}

func exitStatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// complaints prints what the profile would have denied of rec and returns
// how many distinct syscalls that is.
func complaints(w *os.File, prof *profiles.Profile, name string, rec *recording.Recording) int {
	r := verify.Check(prof, verify.Needs(rec), verify.Options{})
	fmt.Fprint(w, r.ComplainText(name, len(rec.Syscalls)))
	return len(r.Refusals)
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
