package main

import (
	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/workload"
)

// cmdExec is the launcher `run` starts (workload.Launcher): it installs the
// filter read from --filter-fd and executes CMD (workload.Exec).
var cmdExec = &command{
	Name:      "__exec",
	UsageLine: "__exec --filter-fd FD [--seccomp-flags N] -- PATH ARGV0 [ARG...]",
	Short:     "(internal) install the filter read from FD and exec CMD",
	Long:      "Internal to `seccompgen run`: not for direct use.",
	UsageExit: exitFailure,
	AddFlags:  execOpts.register,
	Run:       execOpts.run,
}

// execFlags are __exec's flags.
type execFlags struct {
	flags    uint
	filterFD int
}

var execOpts execFlags

func (f *execFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&f.filterFD, "filter-fd", -1, "the descriptor to read the compiled filter from (closed before CMD runs)")
	fs.UintVar(&f.flags, "seccomp-flags", 0, "seccomp(2) filter flags")
}

func (f *execFlags) run(c *command, args []string) int {
	if len(args) < 2 {
		return usageError(c, "want PATH ARGV0 [ARG...]")
	}
	if f.filterFD < 3 {
		return usageError(c, "--filter-fd: want the filter's descriptor, 3 or more")
	}
	return workload.Exec(args[0], args[1:], f.filterFD, f.flags)
}
