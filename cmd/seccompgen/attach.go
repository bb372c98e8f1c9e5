package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/tracer"
)

// attachFlags are record's flags for processes it did not start: --pid
// (with --from-exec) and --cgroup, for --duration at most.
type attachFlags struct {
	pid      int
	fromExec bool
	cgroup   string
	duration time.Duration
	fs       *pflag.FlagSet
}

func (f *attachFlags) register(fs *pflag.FlagSet) {
	f.fs = fs
	fs.IntVar(&f.pid, "pid", 0, "record the running process `PID` (all its threads) and every process it starts from now on, until the last exits, instead of a CMD")
	fs.BoolVar(&f.fromExec, "from-exec", false, "with --pid: count nothing until PID's next execve (that execve included): a container runtime's init process")
	fs.StringVar(&f.cgroup, "cgroup", "", "record every process in the cgroup v2 subtree at `DIR`, those that enter it later included, until it is empty, instead of a CMD")
	fs.DurationVar(&f.duration, "duration", 0, "with --pid or --cgroup: stop recording after `D` (such as 30s, 5m) and write the profile")
}

// used reports whether record attaches instead of running a CMD.
func (f *attachFlags) used() bool {
	return f.fs != nil && (f.fs.Changed("pid") || f.fs.Changed("cgroup"))
}

// check validates the flags against each other and the command line's
// CMD; it returns a usage error's message, or "".
func (f *attachFlags) check(args []string, rf *recordFlags) string {
	switch {
	case f.fs.Changed("pid") && f.fs.Changed("cgroup"):
		return "--pid and --cgroup: give one (a cgroup's processes, or one process's tree)"
	case f.fromExec && !f.fs.Changed("pid"):
		return "--from-exec: needs --pid (the process whose next execve starts the recording)"
	case f.fs.Changed("duration") && !f.used():
		return "--duration: needs --pid or --cgroup (a CMD is recorded until it exits)"
	case !f.used():
		return ""
	case len(args) > 0:
		what := "--pid"
		if f.fs.Changed("cgroup") {
			what = "--cgroup"
		}
		return fmt.Sprintf("%s records running processes: give it or a CMD (-- %s), not both", what, args[0])
	case f.fs.Changed("pid") && f.pid <= 0:
		return fmt.Sprintf("--pid %d: want a process id above 0", f.pid)
	case f.fs.Changed("cgroup") && f.cgroup == "":
		return "--cgroup: want a cgroup v2 directory (such as /sys/fs/cgroup/unified/app)"
	case f.fs.Changed("duration") && f.duration <= 0:
		return fmt.Sprintf("--duration %v: want a positive duration (such as 30s)", f.duration)
	case rf.user != "":
		return "--user: sets who runs CMD; with --pid or --cgroup nothing is started"
	case rf.underSeccomp:
		return "--only-under-seccomp: measures a CMD, not with --pid or --cgroup"
	}
	return ""
}

// target is what the flags ask to attach to.
func (f *attachFlags) target() tracer.Target {
	cg := f.cgroup
	if abs, err := filepath.Abs(cg); err == nil && cg != "" {
		cg = abs // the report names it wherever it is read
	}
	return tracer.Target{PID: f.pid, FromExec: f.fromExec, Cgroup: cg}
}

// attach records target with the tracer until its processes are gone,
// the duration is up, or seccompgen gets SIGINT, SIGTERM or SIGHUP; the
// status is 0 unless seccompgen failed.
func (f *recordFlags) attach(target tracer.Target, duration time.Duration) traced {
	// Catch the signals before attaching, so that one sent meanwhile
	// still ends the recording with a profile.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	t, err := tracer.New(tracer.Config{MaxProcs: f.maxProcs, Args: f.recordArgs || len(f.pins) > 0, Attach: true, Cgroup: target.Cgroup})
	if err != nil {
		return traced{status: exitFailure, err: err}
	}
	defer t.Close()
	a, err := t.Attach(target)
	if err != nil {
		return traced{status: exitFailure, err: err}
	}
	notifyReady()
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, duration, tracer.ErrDuration)
		defer cancel()
	}
	// Said once the tracer is attached: from here on nothing is missed
	// (scripts and tests wait for this line).
	switch {
	case target.Cgroup != "" && cgroupEmpty(target.Cgroup):
		fmt.Fprintf(os.Stderr, "seccompgen record: recording cgroup %s, empty now: what enters it, until it is empty again (SIGINT stops and writes the profile)\n", target.Cgroup)
	case target.Cgroup != "":
		fmt.Fprintf(os.Stderr, "seccompgen record: recording cgroup %s until it is empty (SIGINT stops and writes the profile)\n", target.Cgroup)
	case target.FromExec:
		fmt.Fprintf(os.Stderr, "seccompgen record: recording pid %d from its next execve, and what it starts, until they exit (SIGINT stops and writes the profile)\n", target.PID)
	default:
		fmt.Fprintf(os.Stderr, "seccompgen record: recording pid %d and what it starts, until they exit (SIGINT stops and writes the profile)\n", target.PID)
	}
	rec, err := a.Wait(ctx)
	if err != nil {
		return traced{status: exitFailure, err: err}
	}
	if len(rec.Syscalls) == 0 {
		return traced{status: exitFailure, err: nothingRecorded(target, rec.Attach.Ended)}
	}
	return traced{rec: rec, files: t.Files(), status: 0}
}

// cgroupEmpty reports whether no process is in the cgroup v2 subtree at dir.
func cgroupEmpty(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	return err == nil && strings.Contains(string(data), "populated 0")
}

// nothingRecorded says why an attach recorded no syscall at all.
func nothingRecorded(target tracer.Target, ended string) error {
	var what string
	switch {
	case target.Cgroup != "":
		what = "no process of cgroup " + target.Cgroup + " made a syscall while recorded"
	case target.FromExec:
		what = fmt.Sprintf("pid %d did not execve while recorded (--from-exec counts from its next execve)", target.PID)
	default:
		what = fmt.Sprintf("pid %d made no syscall while recorded", target.PID)
	}
	switch ended {
	case recording.EndedDuration:
		what += ", before --duration was up"
	case recording.EndedStopped:
		what += ", before seccompgen was interrupted"
	default:
		what += ", and it has exited"
	}
	return fmt.Errorf("%s: nothing was recorded, no profile written", what)
}
