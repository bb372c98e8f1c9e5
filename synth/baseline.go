package synth

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/seccompgen/seccompgen/recording"
)

// A container runtime installs the container's seccomp filter in its own
// init process and then still makes a few syscalls before it execs the
// container's process. A profile recorded from the workload alone lacks
// them, and the container fails to start. Where the filter goes in, and so
// what follows it, depends on process.noNewPrivileges: with it the filter
// goes in as late as possible, without it before capabilities and
// credentials are set (installing a filter without no_new_privs needs
// CAP_SYS_ADMIN, which the container may not keep).
//
// The lists are x86_64 names. How they were made, and how to remake them
// for another runtime version, is in docs/runtimes.md
// (scripts/measure-runtime-baseline).

// Baseline is what one runtime version makes after installing the filter,
// for one setting of noNewPrivileges.
type Baseline struct {
	Runtime         string
	Version         string // the runtime version the list is from
	NoNewPrivileges bool
	// Source says how the list was made: "measured" with seccompgen's
	// tracer here, or "from source, not measured here".
	Source   string
	Syscalls []string // sorted
}

const (
	sourceMeasured = "measured"
	sourceCode     = "from source, not measured here"
)

// baselines is the data. runc's lists are the union of 40 measured runs per
// setting (scripts/measure-runtime-baseline); futex and rt_sigreturn came
// from runc init's Go runtime in a few runs only, so a single run can miss
// them, and without them runc init fails now and then.
var baselines = []Baseline{
	{
		Runtime: "runc", Version: "1.1.5", NoNewPrivileges: true, Source: sourceMeasured,
		Syscalls: []string{"close", "epoll_ctl", "execve", "fstatfs", "futex", "getdents64", "getpid", "openat", "rt_sigreturn", "write"},
	},
	{
		Runtime: "runc", Version: "1.1.5", NoNewPrivileges: false, Source: sourceMeasured,
		Syscalls: []string{"capget", "capset", "chdir", "close", "epoll_ctl", "execve", "faccessat2", "fcntl", "fstat", "fstatfs", "futex", "getcwd", "getdents64", "getpid", "getppid", "newfstatat", "openat", "prctl", "read", "rt_sigreturn", "setgid", "setgroups", "setuid", "write"},
	},
	// crun cannot run on the machines seccompgen is tested on (cgroups in
	// hybrid mode), so its lists are read from crun 1.8.1's source
	// (src/libcrun/container.c, linux.c, utils.c), Debian 12's version.
	{
		// container_init: the filter goes in after the exec fifo wait,
		// then the seccomp fds are closed and the process is exec'ed.
		Runtime: "crun", Version: "1.8.1", NoNewPrivileges: true, Source: sourceCode,
		Syscalls: []string{"close", "execve"},
	},
	{
		// container_init_setup: the filter goes in before the
		// capabilities and credentials (libcrun_set_caps), a second
		// executable lookup when the first failed (check_access), a
		// late chdir, unblock_signals, the sync socket and the exec
		// fifo wait of create/start.
		Runtime: "crun", Version: "1.8.1", NoNewPrivileges: false, Source: sourceCode,
		Syscalls: []string{"capset", "chdir", "close", "execve", "faccessat", "faccessat2", "getcwd", "newfstatat", "prctl", "pselect6", "read", "rt_sigaction", "rt_sigprocmask", "select", "setresgid", "setresuid", "statx", "write"},
	},
}

// aliases are runtimes that run containers through another one: podman
// runs them with its OCI runtime, runc on the machines seccompgen is tested
// on (crun cannot run there).
var aliases = map[string]string{"podman": "runc"}

// RuntimeNone is the --runtime value that adds no baseline.
const RuntimeNone = "none"

// Runtimes returns the runtime names a Policy accepts, sorted, "none" first.
func Runtimes() []string {
	seen := map[string]bool{}
	for _, b := range baselines {
		seen[b.Runtime] = true
	}
	for a := range aliases {
		seen[a] = true
	}
	return append([]string{RuntimeNone}, sortedKeys(seen)...)
}

// Baselines returns the lists for runtime (an alias gives its target's),
// both noNewPrivileges settings unless nnp says which. "" and "none" have
// none.
func Baselines(runtime string, nnp *bool) ([]Baseline, error) {
	if err := checkRuntime(runtime, nnp); err != nil {
		return nil, err
	}
	if t, ok := aliases[runtime]; ok {
		runtime = t
	}
	var out []Baseline
	for _, b := range baselines {
		if b.Runtime == runtime && (nnp == nil || *nnp == b.NoNewPrivileges) {
			out = append(out, b)
		}
	}
	return out, nil
}

func checkRuntime(runtime string, nnp *bool) error {
	if runtime == "" || runtime == RuntimeNone {
		if nnp != nil {
			return errors.New("no-new-privileges chooses a runtime's baseline, but no runtime is given")
		}
		return nil
	}
	for _, r := range Runtimes() {
		if r == runtime {
			return nil
		}
	}
	return fmt.Errorf("unknown runtime %q (want one of: %s)", runtime, strings.Join(Runtimes(), ", "))
}

// baselineNames is the union of the lists p asks for.
func baselineNames(p Policy) ([]string, error) {
	bs, err := Baselines(p.Runtime, p.NoNewPrivileges)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, b := range bs {
		for _, n := range b.Syscalls {
			set[n] = true
		}
	}
	return sortedKeys(set), nil
}

// addBaseline allows the runtime's baseline: a name the workload was seen
// making keeps its observed entry, an explicit deny still wins (with a
// warning: the container may not start), any other name gets an entry with
// reason baseline:RUNTIME. The lists are x86_64 names, so that ABI is added
// when the recording lacks it.
func addBaseline(rep *Report, allow []string, abis []recording.ABI, rec *recording.Recording, denied map[string]bool, p Policy) ([]string, []recording.ABI) {
	names, _ := baselineNames(p) // checked by CheckPolicy
	if len(names) == 0 {
		return allow, abis
	}
	reason := ReasonBaseline + p.Runtime
	for _, n := range names {
		switch {
		case denied[n]:
			rep.Warnings = append(rep.Warnings, fmt.Sprintf(
				"%s makes %s after installing the filter, but policy denies it: the container may fail to start", p.Runtime, n))
		case used(rec, n):
		default:
			nr, _ := recording.Number(recording.X86_64, n)
			rep.Syscalls = append(rep.Syscalls, Entry{Name: n, ABI: recording.X86_64, Nr: nr, Action: Allow, Reason: reason})
			allow = append(allow, n)
		}
	}
	if !slices.Contains(abis, recording.X86_64) {
		abis = append([]recording.ABI{recording.X86_64}, abis...)
	}
	return allow, abis
}
