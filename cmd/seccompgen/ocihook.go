package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/seccompgen/seccompgen/internal/ocihook"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/synth"
)

var cmdOCIHook = &command{
	Name:      "oci-hook",
	UsageLine: "oci-hook [--runtime R] [--wait D] [-- RECORD-FLAGS...] < STATE",
	Short:     "an OCI prestart/createRuntime hook: record the containers whose annotations ask for it",
	Long: `
This command is an OCI runtime hook for the prestart or createRuntime stage
(podman and CRI-O read it from a hooks.d file; runc from config.json's
hooks). It reads the container's state JSON on stdin, and when the
container's annotations ask for it,

  io.seccompgen.record=of:/abs/out.json[;if:/abs/base.json]
  io.containers.trace-syscall=of:/abs/out.json[;if:/abs/base.json]   (oci-seccomp-bpf-hook's)

it starts a recorder, detached from the hook (its own session, in the
runtime's cgroup, not the container's), on the container's init process with record --pid
PID --from-exec: nothing counts until the init execs the container's
entrypoint. The hook waits only until the recorder is attached (at most
--wait) and exits 0; the container then starts. When the container's last
process exits the recorder writes the profile to of: (a .yaml path gives a
SeccompProfile resource): the entrypoint's process tree, plus what the
runtime makes after installing the filter (record --runtime, the
runtime that runs the hook, for the container's process.noNewPrivileges),
merged with the if: profile when given. The recorder's messages go to
of: with ".log" appended.

The runtime is the hook's parent process (runtimes run their hooks
themselves): runc or crun by its executable's name; --runtime names it
when the name says neither. RECORD-FLAGS go to record as they are
(--infer, --deny, --args, ...).

The hook runs as root, and annotations come from whoever starts the
container (in Kubernetes, the pod's author): of: and if: must lie in
/var/lib/seccompgen (or below), or in a directory given with --allow-dir,
after symbolic links in their directories are resolved, and neither may be
a symbolic link itself.

A hook that fails aborts the container. This one fails (exit 2) only when
the request cannot be honoured as written: a malformed annotation, a
relative path, a path outside the allowed directories, an if: file that is
not a readable profile, or of:'s directory missing. Anything else (no pid in the state, a recorder that
does not attach) is reported on stderr, and the container runs
unrecorded (exit 0). See docs/containers.md.`,
	Example: `	podman run --hooks-dir /etc/containers/oci/hooks.d \
	    --annotation io.seccompgen.record=of:/var/lib/seccompgen/app.json myimage
	# examples/oci-hook/seccompgen.json is the hooks.d file`,
	UsageExit: exitTrouble,
	AddFlags:  ociHookOpts.register,
	Run:       ociHookOpts.run,
}

// ociHookFlags are oci-hook's flags.
type ociHookFlags struct {
	runtime   string
	wait      time.Duration
	allowDirs []string
}

// defaultAllowDir is where the hook writes unless told otherwise.
const defaultAllowDir = "/var/lib/seccompgen"

var ociHookOpts ociHookFlags

func (f *ociHookFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.runtime, "runtime", "", "the OCI runtime whose post-filter syscalls the profile gets: "+strings.Join(synth.Runtimes(), ", ")+" (default: the hook's parent, runc or crun)")
	fs.DurationVar(&f.wait, "wait", 10*time.Second, "how long the container's start waits for the recorder to attach")
	fs.StringArrayVar(&f.allowDirs, "allow-dir", []string{defaultAllowDir}, "a `DIR` of:, if: and the log may be in (or below); repeat for more; / allows every path to whoever can annotate a container")
}

func (f *ociHookFlags) run(c *command, args []string) int {
	if f.runtime != "" && !isRuntime(f.runtime) {
		return usageError(c, "--runtime %q: want one of %s", f.runtime, strings.Join(synth.Runtimes(), ", "))
	}
	st, err := ocihook.ReadState(os.Stdin)
	if err != nil {
		return hookWarn("%v; the container runs unrecorded", err)
	}
	req, err := st.Request()
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen oci-hook: container %s: %v\n", st.ID, err)
		return exitTrouble
	}
	if req == nil {
		return 0
	}
	if st.Pid <= 0 {
		return hookWarn("container %s: the state has no pid (is the hook in the prestart or createRuntime stage?); the container runs unrecorded", st.ID)
	}
	rec, err := f.recordArgs(st, req, args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen oci-hook: container %s: %v\n", st.ID, err)
		return exitTrouble
	}
	if err := startHookRecorder(rec, f.wait); err != nil {
		return hookWarn("container %s: %v; the container runs unrecorded", st.ID, err)
	}
	return 0
}

// hookWarn reports a problem that does not stop the container: exit 0.
func hookWarn(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "seccompgen oci-hook: %s\n", fmt.Sprintf(format, a...))
	return 0
}

func isRuntime(r string) bool {
	for _, k := range synth.Runtimes() {
		if k == r {
			return true
		}
	}
	return false
}

// hookRecorder is the detached recording a hook starts.
type hookRecorder struct {
	log      string   // of: + ".log"
	record   []string // record's arguments
	recorded string   // where record writes, when a merge follows
	base     string
	output   string
	warnings []string // for the log
}

// recordArgs decides how to record the container: record --pid
// --from-exec, the runtime's baseline for the container's
// noNewPrivileges, the base's errno so that the two merge.
func (f *ociHookFlags) recordArgs(st *ocihook.State, req *ocihook.Request, extra []string) (*hookRecorder, error) {
	if err := req.Confine(f.allowDirs); err != nil {
		return nil, err
	}
	r := &hookRecorder{log: req.Output + ".log", output: req.Output, base: req.Base}
	args := []string{"record", "--pid", strconv.Itoa(st.Pid), "--from-exec"}
	rt := f.runtime
	if rt == "" {
		var exe string
		rt, exe = ocihook.ParentRuntime()
		if rt == "" {
			rt = synth.RuntimeNone
			r.warnings = append(r.warnings, fmt.Sprintf("the hook's parent %q is neither runc nor crun: the profile gets no runtime baseline and the container may not start under it; pass --runtime in the hook's args", exe))
		}
	}
	args = append(args, "--runtime", rt)
	if rt != synth.RuntimeNone {
		nnp, ok, err := ocihook.NoNewPrivileges(st.Bundle)
		if err != nil {
			r.warnings = append(r.warnings, fmt.Sprintf("%v: the profile gets the runtime's lists for both noNewPrivileges settings", err))
		}
		if ok {
			args = append(args, "--no-new-privileges="+strconv.FormatBool(nnp))
		}
	}
	if req.Base != "" {
		base, err := profiles.ReadFile(req.Base, profiles.DefaultTarget())
		if err != nil {
			return nil, fmt.Errorf("if:%s: %w", req.Base, err)
		}
		if e, ok := base.DefaultErrno(); ok && !hasFlag(extra, "--errno") {
			// merge needs one default action: record with the base's.
			args = append(args, "--errno", e)
		}
		r.recorded = filepath.Join(filepath.Dir(req.Output), "."+filepath.Base(req.Output)+".recorded.json")
		args = append(args, "-o", r.recorded)
	} else {
		args = append(args, "-o", req.Output)
	}
	r.record = append(args, extra...)
	return r, nil
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

// readyEnv names the descriptor on which record --pid says "ready" once
// it is attached; the hook waits for it so that the init's exec of the
// entrypoint, which --from-exec starts at, is not missed.
const readyEnv = "SECCOMPGEN_READY_FD"

// notifyReady says "ready" on the descriptor readyEnv names, if any, and
// closes it: record --pid calls it once attached, for the hook waiting.
func notifyReady() {
	fd, err := strconv.Atoi(os.Getenv(readyEnv))
	if err != nil || fd < 3 {
		return
	}
	os.Unsetenv(readyEnv)
	f := os.NewFile(uintptr(fd), "ready")
	f.WriteString("ready\n")
	f.Close()
}

// startHookRecorder starts __oci-record in a session of its own with r, and
// waits until record is attached or gives up.
func startHookRecorder(r *hookRecorder, wait time.Duration) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find seccompgen's executable: %w", err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer readyR.Close()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	closeInherited()
	args := []string{"__oci-record", "--log", r.log}
	if r.base != "" {
		args = append(args, "--base", r.base, "--recorded", r.recorded, "--output", r.output)
	}
	for _, w := range r.warnings {
		args = append(args, "--warning", w)
	}
	args = append(append(args, "--"), r.record...)
	cmd := exec.Command(self, args...)
	// The runtime waits for the hook's stdout and stderr to close: the
	// recorder must hold neither. Its own session keeps it out of the
	// runtime's process group and terminal.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.ExtraFiles = []*os.File{readyW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Env = append(os.Environ(), readyEnv+"=3")
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return fmt.Errorf("start the recorder: %w", err)
	}
	// Not waited for: it outlives the hook, and init reaps it.
	cmd.Process.Release()
	return waitReady(readyR, wait, r.log)
}

// waitReady waits for "ready" on rd, for at most wait.
func waitReady(rd *os.File, wait time.Duration, log string) error {
	rd.SetReadDeadline(time.Now().Add(wait))
	line, err := bufio.NewReader(rd).ReadString('\n')
	switch {
	case line == "ready\n":
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("the recorder did not attach within --wait %v (it goes on, and may miss the entrypoint's start; see %s)", wait, log)
	}
	msg := "the recorder stopped before it attached"
	if data, _ := os.ReadFile(log); len(data) > 0 {
		msg += ": " + strings.TrimSpace(lastLines(string(data), 5))
	} else {
		msg += " (see " + log + ")"
	}
	return errors.New(msg)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// closeInherited marks every descriptor above stderr close-on-exec: a
// runtime may hand its hook descriptors (a sync pipe, the exec FIFO) that
// a long-lived recorder must not keep open.
func closeInherited() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

// cmdOCIRecord is what oci-hook starts: record, then the merge with the
// base, with their messages in the log.
var cmdOCIRecord = &command{
	Name:      "__oci-record",
	UsageLine: "__oci-record --log FILE [--base FILE --recorded FILE --output FILE] -- RECORD-ARGS...",
	Short:     "(internal) oci-hook's detached recorder",
	Long:      "Internal to `seccompgen oci-hook`: not for direct use.",
	UsageExit: exitTrouble,
	AddFlags:  ociRecordOpts.register,
	Run:       ociRecordOpts.run,
}

type ociRecordFlags struct {
	log, base, recorded, output string
	warnings                    []string
}

var ociRecordOpts ociRecordFlags

func (f *ociRecordFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.log, "log", "", "the log file")
	fs.StringVar(&f.base, "base", "", "the profile to merge the recording with")
	fs.StringVar(&f.recorded, "recorded", "", "where record writes when a merge follows")
	fs.StringVar(&f.output, "output", "", "the merged profile")
	fs.StringArrayVar(&f.warnings, "warning", nil, "a warning for the log")
}

func (f *ociRecordFlags) run(c *command, args []string) int {
	if f.log == "" || len(args) == 0 {
		return usageError(c, "want --log FILE -- RECORD-ARGS...")
	}
	log, err := os.OpenFile(f.log, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_NOFOLLOW|os.O_APPEND, 0o644)
	if err != nil {
		log = os.Stderr // /dev/null: nowhere better to say it
	}
	defer log.Close()
	for _, w := range f.warnings {
		fmt.Fprintf(log, "seccompgen oci-hook: warning: %s\n", w)
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(log, "seccompgen oci-hook: %v\n", err)
		return exitTrouble
	}
	fmt.Fprintf(log, "seccompgen oci-hook: %s %s\n", time.Now().UTC().Format(time.RFC3339), strings.Join(args, " "))
	rec := exec.Command(self, args...)
	rec.Stdout, rec.Stderr = log, log
	if fd := os.Getenv(readyEnv); fd != "" {
		// Handed on to record, which says "ready" on it.
		if n, err := strconv.Atoi(fd); err == nil {
			ready := os.NewFile(uintptr(n), "ready")
			rec.ExtraFiles = []*os.File{ready}
		}
	}
	rec.Env = append(os.Environ(), readyEnv+"=3")
	err = rec.Start()
	for _, fl := range rec.ExtraFiles {
		fl.Close() // only record holds it now: its exit closes the pipe
	}
	if err == nil {
		err = rec.Wait()
	}
	if err != nil {
		fmt.Fprintf(log, "seccompgen oci-hook: record: %v\n", err)
		// A container that fails still leaves a profile to merge.
		if _, statErr := os.Stat(f.recorded); f.recorded == "" || statErr != nil {
			return exitTrouble
		}
	}
	if f.base == "" {
		fmt.Fprintf(log, "seccompgen oci-hook: recording done (%s)\n", time.Now().UTC().Format(time.RFC3339))
		return 0
	}
	defer os.Remove(f.recorded)
	merge := exec.Command(self, "merge", "-o", f.output, f.recorded, f.base)
	merge.Stdout, merge.Stderr = log, log
	if err := merge.Run(); err != nil {
		fmt.Fprintf(log, "seccompgen oci-hook: merge with %s: %v (the recording alone is in %s)\n", f.base, err, f.output+".recorded.json")
		os.Rename(f.recorded, f.output+".recorded.json")
		return exitTrouble
	}
	fmt.Fprintf(log, "seccompgen oci-hook: %s written: the recording merged with %s\n", f.output, f.base)
	return 0
}
