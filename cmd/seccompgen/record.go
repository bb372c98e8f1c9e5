package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/internal/workload"
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
	errno    string
	runtime  string
	nnp      optBool
	args     string
	// pins are the groups --args pins (set by policy); recordArgs records
	// the arguments even without them (check, for a profile's conditions).
	pins       []string
	recordArgs bool
	// underSeccomp is the hidden measuring mode of
	// scripts/measure-runtime-baseline (tracer.Config.FilteredOnly).
	underSeccomp bool
	fs           *pflag.FlagSet // to tell a --deny given from the default
	// stdout is where CMD's standard output goes; nil is seccompgen's
	// own. A command that writes a document to its stdout sends CMD's to
	// stderr instead, so the document stays whole.
	stdout *os.File
}

func (f *recordFlags) register(fs *pflag.FlagSet) {
	f.fs = fs
	fs.StringVar(&f.deny, "deny", strings.Join(synth.DefaultDeny, ","), "comma-separated syscalls to deny even if used (\"\" for none); io_uring names its three syscalls; with --args the default adds io_uring (docs/io_uring.md)")
	fs.StringVar(&f.user, "user", "", "run CMD as `USER[:GROUP]` (names or numbers); the tracer still runs as root")
	fs.Uint32Var(&f.maxProcs, "max-procs", 32768, "how many processes of the tree can be alive at once, 1 to 4194304 (more are counted as lost)")
	fs.StringVar(&f.infer, "infer", string(synth.DefaultInfer), "what to allow beyond the trace, capped at what Docker's default allows: a comma-separated `LIST` of none, go, imports, static, gosites, all (help record lists them; docs/inference.md)")
	fs.StringVar(&f.errno, "errno", "", "the `errno` (EPERM or ENOSYS) of syscalls the profile never names, its defaultErrnoRet (default ENOSYS; EPERM with --infer none or --args); explicit denies keep EPERM")
	fs.StringVar(&f.runtime, "runtime", synth.RuntimeNone, "also allow what container runtime `R` makes after installing the filter: "+strings.Join(synth.Runtimes(), ", ")+" (docs/runtimes.md)")
	fs.Var(&f.nnp, "no-new-privileges", "with --runtime: add only the runtime's list for this setting of process.noNewPrivileges (default: both)")
	fs.Lookup("no-new-privileges").NoOptDefVal = "true" // as a bool flag: alone it means true
	fs.StringVar(&f.args, "args", "default", "pin these syscall arguments to the values seen: all (--args alone), none, default, or a comma-separated `LIST` of "+strings.Join(recording.PinGroups, ", ")+" (help record; docs/args.md)")
	fs.Lookup("args").NoOptDefVal = "all"
	fs.BoolVar(&f.underSeccomp, "only-under-seccomp", false, "count only syscalls made under a seccomp filter, until the next exec (measures runtime baselines)")
	fs.MarkHidden("only-under-seccomp")
}

// maxMaxProcs bounds --max-procs: PID_MAX_LIMIT on 64-bit kernels. No
// more processes than that can be alive at once, so a larger process map
// would only cost kernel memory (about 50 bytes an entry: 2^24 took 0.8 GB).
const maxMaxProcs = 4 << 20

func (f *recordFlags) policy() (synth.Policy, error) {
	var p synth.Policy
	if f.maxProcs < 1 || f.maxProcs > maxMaxProcs {
		return p, fmt.Errorf("--max-procs %d: want 1 to %d (PID_MAX_LIMIT: no more processes can be alive at once)", f.maxProcs, maxMaxProcs)
	}
	deny, err := f.denyList()
	if err != nil {
		return p, fmt.Errorf("--deny: %w", err)
	}
	p.Deny = deny
	inf, err := synth.ParseInfer(f.infer)
	if err != nil {
		return p, fmt.Errorf("--infer: %w", err)
	}
	p.Infer = inf
	p.CacheDir = os.Getenv("SECCOMPGEN_CACHE_DIR")
	pins, err := synth.ParsePins(f.args)
	if err != nil {
		return p, fmt.Errorf("--args: %w", err)
	}
	f.pins, p.Pin = pins, pins
	p.Args = len(pins) == len(recording.PinGroups)
	if f.underSeccomp {
		// The measuring mode counts exactly what runs under a filter;
		// what the runtime (runc is Go) could also do would falsify it.
		p.Infer = synth.InferNone
	}
	p.Errno = f.errno
	if p.Errno == "" {
		p.Errno = synth.DefaultErrno(p.Infer, f.argsAsked())
	} else if _, err := synth.ParseErrno(p.Errno); err != nil {
		return p, fmt.Errorf("--errno: %w", err)
	}
	p.Runtime, p.NoNewPrivileges = f.runtime, f.nnp.v
	if p.NoNewPrivileges != nil && (p.Runtime == "" || p.Runtime == synth.RuntimeNone) {
		return p, errors.New("--no-new-privileges: needs --runtime (it picks that runtime's list)")
	}
	// The denies, the inference and the errno are checked above, each for
	// its flag:
	// what the whole policy can still fail on is the runtime.
	if err := synth.CheckPolicy(p); err != nil {
		return p, fmt.Errorf("--runtime: %w", err)
	}
	return p, nil
}

// denyList is --deny as the policy takes it: the names, io_uring added
// with --args unless --deny was given, io_uring expanded into its
// syscalls; an error names every unknown syscall.
func (f *recordFlags) denyList() ([]string, error) {
	var deny []string
	for _, n := range strings.Split(f.deny, ",") {
		if n = strings.TrimSpace(n); n != "" {
			deny = append(deny, n)
		}
	}
	if f.argsAsked() && (f.fs == nil || !f.fs.Changed("deny")) {
		// An argument-pinned profile that allows io_uring promises what
		// it cannot keep: a ring opens any socket or file, unfiltered.
		deny = append(deny, "io_uring")
	}
	deny = synth.ExpandDeny(deny)
	var errs []error
	for _, n := range deny {
		if err := recording.CheckName(n); err != nil {
			errs = append(errs, err)
		}
	}
	return deny, errors.Join(errs...)
}

// argsAsked reports whether the user asked for argument pinning (--args
// with some group): a profile then refuses what it does not pin with
// EPERM and denies io_uring by default. The default's pinning alone
// changes neither.
func (f *recordFlags) argsAsked() bool {
	if f.fs == nil || !f.fs.Changed("args") {
		return false
	}
	pins, err := synth.ParsePins(f.args)
	return err == nil && len(pins) > 0
}

// pinList is groups as help shows them: "none" for none.
func pinList(groups []string) string {
	if len(groups) == 0 {
		return "none"
	}
	return strings.Join(groups, ",")
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
	rec *recording.Recording
	// files are the executables and libraries of the tree, opened while
	// it ran, for inference; the caller closes them.
	files  *tracer.Files
	status int
	// stoppedBy is the signal sent to seccompgen and passed on that
	// stopped CMD (workload.Forwarder.StoppedBy), or 0.
	stoppedBy syscall.Signal
	err       error
}

// trace runs args under the tracer with stdio passed through and returns
// what it recorded.
func (f *recordFlags) trace(args []string) traced {
	path, status, err := workload.ResolveCmd(args[0])
	if err != nil {
		return traced{status: status, err: err}
	}
	env := os.Environ()
	stdout := os.Stdout
	if f.stdout != nil {
		stdout = f.stdout
	}
	w := tracer.Workload{Path: path, Args: args, Files: []*os.File{os.Stdin, stdout, os.Stderr}}
	if f.user != "" {
		cred, uenv, err := workload.LookupUser(f.user)
		if err != nil {
			return traced{status: exitFailure, err: err}
		}
		w.Credential = cred
		env = workload.WithEnv(env, uenv)
	}
	w.Env = env

	fwd := workload.ForwardSignals()
	defer fwd.Stop()
	t, run, status, err := workload.StartTraced(tracer.Config{MaxProcs: f.maxProcs, FilteredOnly: f.underSeccomp, Args: f.recordArgs || len(f.pins) > 0}, w)
	if t != nil {
		defer t.Close()
	}
	if err != nil {
		return traced{status: status, err: err}
	}
	fwd.To(run.Pid(), run.Signal)
	rec, err := run.Wait()
	if err != nil {
		return traced{status: exitFailure, err: err}
	}
	stop, _ := fwd.StoppedBy(rec.Exit.Status())
	return traced{rec: rec, files: t.Files(), status: rec.Exit.Status(), stoppedBy: stop}
}

var cmdRecord = &command{
	Name:      "record",
	UsageLine: "record [-o FILE] [--report FILE] [--deny LIST] [--user USER[:GROUP]] [--runtime R] [--infer LIST] [--errno E] [--args[=LIST]] -- CMD [ARG...]\n       seccompgen record [flags] --pid PID [--from-exec] [--duration D]\n       seccompgen record [flags] --cgroup DIR [--duration D]",
	Short:     "trace CMD's process tree and write the smallest profile that lets it run",
	Long: `
Record runs CMD under an eBPF tracer that sees every syscall of CMD, of every
thread it starts and of every descendant, from CMD's first execve until the
last process of the tree exits; nothing else on the host is counted. It then
writes the smallest OCI seccomp profile that lets that run succeed and what
the code can reach besides (--infer): default action ERRNO(ENOSYS; see
--errno), the architectures of the ABIs seen, one ALLOW rule with
the syscalls used, and one ERRNO(EPERM) rule with the explicit denies.

CMD's standard input, output and error pass through untouched, and so does
every other descriptor seccompgen inherited, at its own number; but when
the profile (or --report, --save-recording) goes to seccompgen's stdout (no
-o, -o -), CMD's stdout goes to stderr, so that stdout carries the profile
alone. SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to seccompgen are forwarded
to CMD (a stopped target is continued); a ^C typed on the terminal reaches
CMD once, from the terminal. The profile is still written for what ran (see
docs/signals.md). The exit status is CMD's own (128+N if a signal N
killed it); 125 if seccompgen failed, 126 if CMD cannot be run, 127 if it is
not found.

The tracer needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF. Use
--user to run CMD itself unprivileged: its groups are GROUP (or the user's
own) and the groups that list the user as a member, as setpriv --init-groups
sets them.

A syscall that an active seccomp filter denies never reaches the tracer:
record CMD unconfined.

A container runtime installs the filter and then still makes a few syscalls
before it starts the container's process. --runtime runc (crun, podman) adds
them, with reason "baseline:runc" in the report, for both settings of
process.noNewPrivileges unless --no-new-privileges=true|false names the one
the container uses. docs/runtimes.md has the lists and how they were made.

A short run does not take every path production will. --infer (default
all) also allows what each binary the tree ran can reach in its own code:
the syscalls behind the imports of every dynamic executable and library it
loaded (imports), the syscall sites of static and Go binaries (static,
gosites), and the Go runtime's source-derived lists (go, docs/go-runtime.md).
Each inferred name has its reason ("inferred:import") and where it comes
from ("via": "redis-server → libc.so.6:fsync") in the report. A name is
inferred only if Docker's default profile allows it too; the others are
listed as "withheld". --infer none allows only what was observed. See
docs/inference.md. The levels:

` + indent(synth.InferHelp()) + `

--errno sets the errno of every syscall the profile does not name: ENOSYS
by default, on which programs fall back (glibc from clone3 to clone); EPERM
with --infer none or --args. Explicit denies always get EPERM.

--args[=LIST] pins syscall arguments to the values the run used: one ALLOW
rule per value (values one bit apart folded into one masked comparison),
so anything else gets the default errno. LIST: all (--args alone), none,
default (what record does without the flag: ` + pinList(synth.DefaultPins) + `), or a
comma-separated list of groups:

  socket        socket's domain and type (SOCK_RAW refused unless used),
                socketpair's domain, i386 socketcall's call
  clone         clone's namespace flags
  namespaces    unshare's namespace flags, setns's nstype
  personality   personality's persona
  ioctl         ioctl's request (TIOCSTI refused unless used)
  prctl         prctl's option
  exec-memory   PROT_EXEC of mprotect, pkey_mprotect (W^X after start-up)
  exec-mmap     PROT_EXEC of mmap, mmap2 (breaks a static or Go program
                that later execs a dynamically linked one)

An argument stays free (warned about, "unpinned" in the report) when it
took more than 64 distinct values, when its values may be incomplete, or
when the pinned filter would exceed the kernel's 4096 instructions; a
syscall stays unconditional when an x32 call used it or --runtime or
--infer go needs it. When clone is pinned, clone3 (whose flags are behind a
pointer) fails with ENOSYS, and the C library and the Go runtime fall back
to clone. With --args given the default --errno is EPERM and the default
--deny also denies io_uring, whose rings open sockets and files no filter
sees. See docs/args.md and docs/io_uring.md.

--pid PID records a process that already runs instead of a CMD: PID, all
its threads and every process it starts from now on, until the last of them
exits, --duration D is up, or seccompgen gets SIGINT, SIGTERM or SIGHUP;
then the profile is written and the status is 0. Such a profile misses what
PID did before the attach (its start-up): the report says so ("attach",
"started_late") and so does a warning; merge it with a profile recorded
from the start before enforcing it. With --from-exec nothing is counted
until PID's next execve, that execve included: the cut for a container
runtime's init process, which waits to exec the container's entrypoint
(what ` + "`seccompgen oci-hook`" + ` uses). --cgroup DIR records every process in the
cgroup v2 subtree at DIR, those that enter it later included, until it is
empty (one empty at the start is waited for). Both need seccompgen in the
host's pid namespace. The executables and libraries of such processes are
read through /proc/PID (exe, map_files, root), as the processes see them.
See docs/attach.md.

A workload that uses io_uring gets a warning (and "io_uring" in the
report): a profile that allows io_uring does not bind what the ring does.
--deny memfd_create,userfaultfd,io_uring denies it.

--format spo (the default for a .yaml or .yml output) writes the profile as
a security-profiles-operator SeccompProfile resource for Kubernetes; the
resource has no defaultErrnoRet, so a default errno other than EPERM
becomes one explicit rule (docs/containers.md).`,
	Example: `	seccompgen record -o app.json -- ./app --port 8080
	seccompgen record --report why.json --deny memfd_create,ptrace -o app.json -- make test
	sudo seccompgen record --user nobody -o ls.json -- ls -l /
	seccompgen record --runtime runc --no-new-privileges -o probe.json -- ./probe
	seccompgen record --args -o app.json -- ./app
	seccompgen record --runtime runc -o app.yaml --spo-name app -- ./app
	seccompgen record --pid 4242 --duration 5m -o app.json
	seccompgen record --cgroup /sys/fs/cgroup/unified/app.slice -o app.json`,
	UsageExit: exitFailure,
	AddFlags:  recordOpts.register,
	Run:       recordOpts.run,
}

// recordCmdFlags are record's flags: recordFlags, shared with check, and
// its outputs.
type recordCmdFlags struct {
	rf         recordFlags
	output     string
	reportPath string
	recPath    string
	logProfile string
	diff       bool
	pf         profileFormat
	at         attachFlags
}

var recordOpts recordCmdFlags

func (f *recordCmdFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.output, "output", "o", "", "write the profile to `FILE` (\"-\" or unset: stdout; CMD's stdout then goes to stderr)")
	fs.StringVar(&f.reportPath, "report", "", "write a JSON report to `FILE`: every syscall with count, ABI, first pid/comm and why it is in; the executables and libraries the tree ran")
	fs.StringVar(&f.recPath, "save-recording", "", "also save the raw recording to `FILE`")
	fs.StringVar(&f.logProfile, "log-profile", "", "also write the profile's log-mode copy to `FILE`, to deploy first: what it would refuse is logged instead (docs/learn.md)")
	fs.BoolVar(&f.diff, "diff", false, "print how the profile compares with Docker's default profile to stderr")
	f.pf.register(fs, "format")
	f.rf.register(fs)
	f.at.register(fs)
}

func (f *recordCmdFlags) run(c *command, args []string) int {
	if msg := f.at.check(args, &f.rf); msg != "" {
		return usageError(c, "%s", msg)
	}
	if len(args) == 0 && !f.at.used() {
		return usageError(c, "no command to record (want: record [flags] -- CMD [ARG...], or --pid PID, or --cgroup DIR)")
	}
	pol, err := f.rf.policy()
	if err != nil {
		return usageError(c, "%v", err)
	}
	// Fail before a long run, not after it, when the outputs cannot be written.
	output := f.output
	if output == "" {
		output = "-"
	}
	cmdName := ""
	if len(args) > 0 {
		cmdName = args[0]
	}
	enc, err := f.pf.encoder("--format", output, cmdName, nil)
	if err != nil {
		return usageError(c, "%v", err)
	}
	outs := recordOutputs{
		encode:  enc,
		profile: &outfile.File{Flag: "-o", Path: output},
		report:  &outfile.File{Flag: "--report", Path: f.reportPath},
		rec:     &outfile.File{Flag: "--save-recording", Path: f.recPath},
		logProf: &outfile.File{Flag: "--log-profile", Path: f.logProfile},
	}
	if err := outfile.Prepare(outs.profile, outs.report, outs.rec, outs.logProf); err != nil {
		return outputError(c, err)
	}
	if outs.profile.Shares(os.Stdout) || outs.report.Shares(os.Stdout) || outs.rec.Shares(os.Stdout) {
		// CMD's output would be mixed into the document.
		f.rf.stdout = os.Stderr
	}
	var tr traced
	if f.at.used() {
		tr = f.rf.attach(f.at.target(), f.at.duration)
	} else {
		tr = f.rf.trace(args)
	}
	if tr.err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen record: %v\n", tr.err)
		return tr.status
	}
	defer tr.files.Close()
	if err := writeOutputs(tr.rec, tr.files, pol, outs, f.diff); err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen record: %v\n", err)
		return exitFailure
	}
	return tr.status
}

// recordOutputs are the files record writes, prepared.
type recordOutputs struct {
	profile, report, rec *outfile.File
	logProf              *outfile.File // the profile's log-mode copy
	// encode writes the profile in the chosen format; nil is OCI JSON.
	encode func(*profiles.Profile) ([]byte, error)
}

// writeOutputs writes each output on its own, the profile first, so one
// that fails loses none of the others; the error says what was written and
// what was not.
func writeOutputs(rec *recording.Recording, files *tracer.Files, pol synth.Policy, outs recordOutputs, diff bool) error {
	var wrote, failed []string
	write := func(f *outfile.File, what string, data func() ([]byte, error)) {
		if f == nil || !f.Used() {
			return
		}
		b, err := data()
		if err == nil {
			err = f.Write(b)
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s NOT written: %v", what, err))
			return
		}
		wrote = append(wrote, fmt.Sprintf("%s written to %s", what, f.Path))
	}
	prof, rep, synthErr := synthesize(rec, files, pol)
	if synthErr == nil {
		write(outs.profile, "profile", func() ([]byte, error) {
			if outs.encode != nil {
				return outs.encode(prof)
			}
			return prof.Bytes(), nil
		})
		write(outs.logProf, "log-mode profile", func() ([]byte, error) { return prof.LogCopy().Bytes(), nil })
		write(outs.report, "report", func() ([]byte, error) {
			data, err := json.MarshalIndent(rep, "", "  ")
			return append(data, '\n'), err
		})
	}
	// Even when synthesis failed: the raw recording is what to look at.
	write(outs.rec, "recording", func() ([]byte, error) { return rec.Marshal(), nil })
	if synthErr != nil {
		if len(wrote) > 0 {
			return fmt.Errorf("%w (%s)", synthErr, strings.Join(wrote, "; "))
		}
		return synthErr
	}
	if len(failed) > 0 {
		msg := strings.Join(failed, "; ")
		if len(wrote) > 0 {
			msg += "; " + strings.Join(wrote, "; ")
		}
		return errors.New(msg)
	}
	if diff {
		d, err := profiles.DockerDefault(profiles.DefaultTarget())
		if err != nil {
			return fmt.Errorf("--diff: %w", err)
		}
		name := outs.profile.Path
		if name == "-" {
			name = "the profile"
		}
		fmt.Fprint(os.Stderr, observedInferred(rep, name))
		fmt.Fprint(os.Stderr, profiles.Diff(prof, d).Text(name, ""))
	}
	return nil
}

// indent returns lines, each indented by two spaces, one per line.
func indent(lines []string) string {
	return "  " + strings.Join(lines, "\n  ")
}

// observedInferred says how much of the profile the trace proved and what
// inference added, by reason, each name with where it comes from, and what
// inference found but withheld, so the two are never confused.
func observedInferred(rep *synth.Report, name string) string {
	observed, inferred := rep.Allowed()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d syscalls observed, %d inferred\n", name, len(observed), len(inferred))
	byReason := map[string][]string{}
	via := map[string]string{}
	var reasons []string
	for _, e := range rep.Syscalls {
		if e.Action == "allow" && strings.HasPrefix(e.Reason, synth.ReasonInferred) && slices.Contains(inferred, e.Name) && !slices.Contains(byReason[e.Reason], e.Name) {
			if byReason[e.Reason] == nil {
				reasons = append(reasons, e.Reason)
			}
			byReason[e.Reason] = append(byReason[e.Reason], e.Name)
			if len(e.Via) > 0 {
				via[e.Reason+"\x00"+e.Name] = e.Via[0]
			}
		}
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		names := byReason[r]
		sort.Strings(names)
		fmt.Fprintf(&b, "  %s: %s\n", r, strings.Join(names, " "))
		for _, n := range names {
			if v := via[r+"\x00"+n]; v != "" {
				fmt.Fprintf(&b, "    %-24s %s\n", n, recording.Printable(v))
			}
		}
	}
	if len(rep.Withheld) > 0 {
		fmt.Fprintf(&b, "  withheld (Docker's default does not allow them): %d\n", len(rep.Withheld))
		for _, w := range rep.Withheld {
			v := ""
			if len(w.Via) > 0 {
				v = w.Via[0]
			}
			fmt.Fprintf(&b, "    %-24s %s\n", w.Name, recording.Printable(v))
		}
	}
	return b.String()
}
