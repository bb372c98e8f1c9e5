package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
	"github.com/seccompgen/seccompgen/tracer"
)

// recordFlags are shared by record and check: how to trace and what policy
// to apply.
type recordFlags struct {
	deny     string
	user     string
	maxProcs uint32
	infer    string
	runtime  string
	nnp      optBool
	args     bool
	// underSeccomp is the hidden measuring mode of
	// scripts/measure-runtime-baseline (tracer.Config.FilteredOnly).
	underSeccomp bool
}

func (f *recordFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.deny, "deny", strings.Join(synth.DefaultDeny, ","), "comma-separated syscalls to deny even if used (\"\" for none)")
	fs.StringVar(&f.user, "user", "", "run CMD as `USER[:GROUP]` (names or numbers); the tracer still runs as root")
	fs.Uint32Var(&f.maxProcs, "max-procs", 32768, "how many processes of the tree can be alive at once (more are counted as lost)")
	fs.StringVar(&f.infer, "infer", string(synth.InferGo), "what to allow beyond the trace: `go|none` (go: what the Go runtime of each Go binary can issue on paths the run missed, see docs/go-runtime.md; none: nothing)")
	fs.StringVar(&f.runtime, "runtime", synth.RuntimeNone, "also allow what container runtime `R` makes after installing the filter: "+strings.Join(synth.Runtimes(), ", ")+" (docs/runtimes.md)")
	fs.Var(&f.nnp, "no-new-privileges", "with --runtime: add only the runtime's list for this setting of process.noNewPrivileges (default: both)")
	fs.Lookup("no-new-privileges").NoOptDefVal = "true" // as a bool flag: alone it means true
	fs.BoolVar(&f.args, "args", false, "also record the first argument of socket (domain), clone (namespace flags) and personality, and allow each only with the values seen (docs/args.md)")
	fs.BoolVar(&f.underSeccomp, "only-under-seccomp", false, "count only syscalls made under a seccomp filter, until the next exec (measures runtime baselines)")
	fs.MarkHidden("only-under-seccomp")
}

func (f *recordFlags) policy() (synth.Policy, error) {
	var p synth.Policy
	for _, n := range strings.Split(f.deny, ",") {
		if n = strings.TrimSpace(n); n != "" {
			p.Deny = append(p.Deny, n)
		}
	}
	if err := synth.CheckPolicy(p); err != nil {
		return p, fmt.Errorf("--deny: %w", err)
	}
	inf, err := synth.ParseInfer(f.infer)
	if err != nil {
		return p, fmt.Errorf("--infer: %w", err)
	}
	p.Infer = inf
	p.Args = f.args
	if f.underSeccomp {
		// The measuring mode counts exactly what runs under a filter;
		// what the runtime (runc is Go) could also do would falsify it.
		p.Infer = synth.InferNone
	}
	p.Runtime, p.NoNewPrivileges = f.runtime, f.nnp.v
	if p.NoNewPrivileges != nil && (p.Runtime == "" || p.Runtime == synth.RuntimeNone) {
		return p, errors.New("--no-new-privileges: needs --runtime (it picks that runtime's list)")
	}
	if err := synth.CheckPolicy(synth.Policy{Runtime: p.Runtime, NoNewPrivileges: p.NoNewPrivileges}); err != nil {
		return p, fmt.Errorf("--runtime: %w", err)
	}
	return p, nil
}

// optBool is a bool flag that can also be left unset.
type optBool struct{ v *bool }

func (b *optBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	b.v = &v
	return nil
}

func (b *optBool) String() string {
	if b.v == nil {
		return ""
	}
	return strconv.FormatBool(*b.v)
}

func (b *optBool) Type() string { return "bool" }

// IsBoolFlag makes the help show --FLAG[=true|false].
func (b *optBool) IsBoolFlag() bool { return true }

// traced is a finished recording, or the status to exit with and why not.
type traced struct {
	rec    *recording.Recording
	status int
	err    error
}

// trace runs args under the tracer with stdio passed through and returns
// what it recorded.
func (f *recordFlags) trace(args []string) traced {
	path, status, err := resolveCmd(args[0])
	if err != nil {
		return traced{status: status, err: err}
	}
	env := os.Environ()
	w := tracer.Workload{Path: path, Args: args, Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}}
	if f.user != "" {
		cred, uenv, err := lookupUser(f.user)
		if err != nil {
			return traced{status: exitFailure, err: err}
		}
		w.Credential = cred
		env = withEnv(env, uenv)
	}
	w.Env = env

	t, err := tracer.New(tracer.Config{MaxProcs: f.maxProcs, FilteredOnly: f.underSeccomp, Args: f.args})
	if err != nil {
		return traced{status: exitFailure, err: err}
	}
	defer t.Close()
	fwd := forwardSignals()
	defer fwd.stop()
	run, err := t.Start(w)
	if err != nil {
		return traced{status: startStatus(err), err: fmt.Errorf("%s: %w", args[0], err)}
	}
	fwd.to(run.Pid(), run.Signal)
	rec, err := run.Wait()
	if err != nil {
		return traced{status: exitFailure, err: err}
	}
	return traced{rec: rec, status: rec.Exit.Status()}
}

func init() {
	var (
		rf         recordFlags
		output     string
		reportPath string
		recPath    string
		diff       bool
	)
	c := &command{
		Name:      "record",
		UsageLine: "record [-o FILE] [--report FILE] [--deny LIST] [--user USER[:GROUP]] [--runtime R] [--args] -- CMD [ARG...]",
		Short:     "trace CMD's process tree and write the smallest profile that lets it run",
		Long: `
Record runs CMD under an eBPF tracer that sees every syscall of CMD, of every
thread it starts and of every descendant, from CMD's first execve until the
last process of the tree exits; nothing else on the host is counted. It then
writes the smallest OCI seccomp profile that lets that run succeed: default
action ERRNO(EPERM), the architectures of the ABIs seen, one ALLOW rule with
the syscalls used, and one ERRNO(EPERM) rule with the explicit denies.

CMD's standard input, output and error pass through untouched, and so does
every other descriptor seccompgen inherited, at its own number. SIGINT,
SIGTERM, SIGHUP and SIGQUIT sent to seccompgen are forwarded to CMD (a
stopped target is continued); a ^C typed on the terminal reaches CMD once,
from the terminal. The profile is still written for what ran (see
docs/signals.md). The exit status is CMD's own (128+N if a signal N
killed it); 125 if seccompgen failed, 126 if CMD cannot be run, 127 if it is
not found.

The tracer needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF. Use
--user to run CMD itself unprivileged.

A syscall that an active seccomp filter denies never reaches the tracer:
record CMD unconfined.

A container runtime installs the filter and then still makes a few syscalls
before it starts the container's process. --runtime runc (crun, podman) adds
them, with reason "baseline:runc" in the report, for both settings of
process.noNewPrivileges unless --no-new-privileges=true|false names the one
the container uses. docs/runtimes.md has the lists and how they were made.

A Go program's runtime makes syscalls on paths a short run may never reach
(preemption signals, the scavenger's timers, restarted sleeps). With --infer
go (the default) the profile also allows, for every Go binary the tree ran,
what its runtime can issue (reason "inferred:go1.N-runtime" in the report);
--infer none allows only what was observed. Nothing is inferred for non-Go
programs. See docs/go-runtime.md.

--args also records the first argument of socket (the domain), clone (its
namespace flags) and personality, on x86_64, and allows each only with the
values seen: one ALLOW rule per value (SCMP_CMP_EQ; for clone
SCMP_CMP_MASKED_EQ on the namespace flags). A syscall stays unconditional
when the values may be incomplete, when an i386 call used it, or when
--runtime or --infer go needs it. clone3 (a pointer) is never pinned. See
docs/args.md.`,
		Example: `	seccompgen record -o app.json -- ./app --port 8080
	seccompgen record --report why.json --deny memfd_create,ptrace -o app.json -- make test
	sudo seccompgen record --user nobody -o ls.json -- ls -l /
	seccompgen record --runtime runc --no-new-privileges -o probe.json -- ./probe
	seccompgen record --args -o app.json -- ./app`,
		UsageExit: exitFailure,
	}
	c.Flags = pflag.NewFlagSet("record", pflag.ContinueOnError)
	c.Flags.StringVarP(&output, "output", "o", "", "write the profile to `FILE` (\"-\" or unset: stdout)")
	c.Flags.StringVar(&reportPath, "report", "", "write a JSON report to `FILE`: every syscall with count, ABI, first pid/comm and why it is in")
	c.Flags.StringVar(&recPath, "save-recording", "", "also save the raw recording to `FILE`")
	c.Flags.BoolVar(&diff, "diff", false, "print how the profile compares with Docker's default profile to stderr")
	rf.register(c.Flags)
	c.Run = func(args []string) int {
		if len(args) == 0 {
			return usageError(c, "no command to record (want: record [flags] -- CMD [ARG...])")
		}
		pol, err := rf.policy()
		if err != nil {
			return usageError(c, "%v", err)
		}
		// Fail before a long run, not after it, when the outputs cannot be written.
		for _, p := range []string{output, reportPath, recPath} {
			if err := checkWritableDir(p); err != nil {
				fmt.Fprintf(os.Stderr, "seccompgen record: %v\n", err)
				return exitFailure
			}
		}
		tr := rf.trace(args)
		if tr.err != nil {
			fmt.Fprintf(os.Stderr, "seccompgen record: %v\n", tr.err)
			return tr.status
		}
		if err := writeOutputs(tr.rec, pol, output, reportPath, recPath, diff); err != nil {
			fmt.Fprintf(os.Stderr, "seccompgen record: %v\n", err)
			return exitFailure
		}
		return tr.status
	}
	register(c)
}

func writeOutputs(rec *recording.Recording, pol synth.Policy, output, reportPath, recPath string, diff bool) error {
	if recPath != "" {
		if err := profiles.WriteFile(recPath, rec.Marshal()); err != nil {
			return fmt.Errorf("save recording: %w", err)
		}
	}
	prof, rep, err := synthesize(rec, pol)
	if err != nil {
		return err
	}
	if reportPath != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := profiles.WriteFile(reportPath, append(data, '\n')); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	if output == "" || output == "-" {
		if _, err := os.Stdout.Write(prof.Bytes()); err != nil {
			return err
		}
	} else if err := profiles.WriteFile(output, prof.Bytes()); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	if diff {
		d, err := profiles.DockerDefault(profiles.DefaultTarget())
		if err != nil {
			return fmt.Errorf("--diff: %w", err)
		}
		name := output
		if name == "" || name == "-" {
			name = "the profile"
		}
		fmt.Fprint(os.Stderr, observedInferred(rep, name))
		fmt.Fprint(os.Stderr, profiles.Diff(prof, d).Text(name, ""))
	}
	return nil
}

// observedInferred says how much of the profile the trace proved and what
// inference added, by reason, so the two are never confused.
func observedInferred(rep *synth.Report, name string) string {
	observed, inferred := rep.Allowed()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d syscalls observed, %d inferred\n", name, len(observed), len(inferred))
	byReason := map[string][]string{}
	var reasons []string
	for _, e := range rep.Syscalls {
		if e.Action == "allow" && strings.HasPrefix(e.Reason, synth.ReasonInferred) && slices.Contains(inferred, e.Name) && !slices.Contains(byReason[e.Reason], e.Name) {
			if byReason[e.Reason] == nil {
				reasons = append(reasons, e.Reason)
			}
			byReason[e.Reason] = append(byReason[e.Reason], e.Name)
		}
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		names := byReason[r]
		sort.Strings(names)
		fmt.Fprintf(&b, "  %s: %s\n", r, strings.Join(names, " "))
	}
	return b.String()
}

// checkWritableDir fails when path's directory does not exist or is not a
// directory, so no run is wasted on an output that cannot be written.
func checkWritableDir(path string) error {
	if path == "" || path == "-" {
		return nil
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s: directory %s: %w", path, dir, unwrapPath(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s: is a directory (give a file name)", path)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
