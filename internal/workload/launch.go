package workload

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The launcher: `run` re-executes seccompgen as `__exec` with the compiled
// BPF program on the descriptor --filter-fd names. It installs the filter
// on its own thread only, then execs CMD at once (with /bin/sh, as
// execvp(3) does, when the kernel cannot execute it: a script without
// "#!"), so CMD and its descendants are confined and seccompgen itself
// never is. The filter's descriptor is one seccompgen opened itself, so
// its number is free in the table seccompgen inherited: every descriptor
// seccompgen was given reaches CMD at its own number (LISTEN_FDS,
// `3<file`), and the filter's is closed before the exec. Between the
// filter and execve it makes no syscall but those two (everything is
// prepared before), so the profile needs nothing for seccompgen's sake
// except execve.

// Launcher is run's half of that: the launcher's command line and the pipe
// the filter travels through. Exec is the launcher's half.
type Launcher struct {
	// Path is seccompgen's own binary and Argv the launcher's command line,
	// to start as a process or under the tracer.
	Path string
	Argv []string
	r    *os.File
}

// NewLauncher prepares the launcher that installs prog (a compiled BPF
// program) with the seccomp(2) flags and then executes path with args.
// Call Started once the launcher process is started, and Close when done.
func NewLauncher(prog []byte, flags uint, path string, args []string) (*Launcher, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find seccompgen's own binary for the launcher: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	// The launcher inherits the filter's pipe at the number it has here:
	// a descriptor seccompgen opened, so it takes no number that CMD is to
	// inherit. Files stays stdio only, so every descriptor seccompgen was
	// given passes through untouched at its own number.
	filterFD, err := inheritable(r)
	if err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	go func() {
		w.Write(prog) // the launcher reports a short program
		w.Close()
	}()
	argv := append([]string{"seccompgen", "__exec", "--filter-fd", strconv.Itoa(filterFD), "--seccomp-flags", strconv.FormatUint(uint64(flags), 10), "--", path}, args...)
	return &Launcher{Path: self, Argv: argv, r: r}, nil
}

// Started closes seccompgen's end of the filter's pipe: the launcher has
// its own.
func (l *Launcher) Started() { l.r.Close() }

// Close releases what NewLauncher opened; it may follow Started.
func (l *Launcher) Close() { l.r.Close() }

// Exec is the launcher: it reads the filter from filterFD, installs it
// with no_new_privs and flags, and executes path with argv (through
// /bin/sh on ENOEXEC). It returns only on failure, with the status to
// exit with, having said why on stderr.
func Exec(path string, argv []string, filterFD int, flags uint) int {
	prog, err := readFilter(filterFD)
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen run: %v\n", err)
		return ExitFailure
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	ea, err := newExecArgs(path, argv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen run: %v\n", err)
		return ExitFailure
	}

	// no_new_privs and the filter are per thread; execve hands both on.
	runtime.LockOSThread()
	if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
		fmt.Fprintf(os.Stderr, "seccompgen run: set no_new_privs: %v\n", e)
		return ExitFailure
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog))); e != 0 {
		fmt.Fprintf(os.Stderr, "seccompgen run: install the filter: %v\n", e)
		return ExitFailure
	}
	e := ea.exec()
	runtime.KeepAlive(prog)
	// From here on this thread runs under the filter: say what happened in
	// as few syscalls as possible.
	return execFailed(path, e)
}

// readFilter reads the compiled filter from the descriptor fd and closes
// it.
func readFilter(fd int) ([]unix.SockFilter, error) {
	f := os.NewFile(uintptr(fd), "filter")
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil || len(raw) == 0 || len(raw)%8 != 0 || len(raw)/8 > 0xffff {
		return nil, fmt.Errorf("no valid filter on fd %d (this command is internal to seccompgen run): %d bytes, %v", fd, len(raw), err)
	}
	prog := make([]unix.SockFilter, len(raw)/8)
	for i := range prog {
		b := raw[8*i:]
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b[0:]),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:]),
		}
	}
	return prog, nil
}

// execArgs are execve's arguments for CMD and, for a file without "#!"
// (ENOEXEC), for /bin/sh PATH ARGS as execvp(3) runs it: made before the
// filter is installed, so that nothing between it and execve makes a
// syscall.
type execArgs struct {
	path, sh     *byte
	argv, shArgv []*byte
	envp         []*byte
}

func newExecArgs(path string, argv []string) (*execArgs, error) {
	var ea execArgs
	var err error
	if ea.path, err = syscall.BytePtrFromString(path); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if ea.argv, err = syscall.SlicePtrFromStrings(argv); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ea.sh, _ = syscall.BytePtrFromString(shellPath)
	if ea.shArgv, err = syscall.SlicePtrFromStrings(shellArgs(path, argv)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if ea.envp, err = syscall.SlicePtrFromStrings(os.Environ()); err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	return &ea, nil
}

// exec executes CMD, or /bin/sh for it on ENOEXEC, and returns execve's
// error.
func (ea *execArgs) exec() syscall.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(ea.path)), uintptr(unsafe.Pointer(&ea.argv[0])), uintptr(unsafe.Pointer(&ea.envp[0])))
	if e == unix.ENOEXEC {
		_, _, e = unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(ea.sh)), uintptr(unsafe.Pointer(&ea.shArgv[0])), uintptr(unsafe.Pointer(&ea.envp[0])))
	}
	return e
}

// execFailed says why execve of path failed with e and returns the status
// to exit with.
func execFailed(path string, e syscall.Errno) int {
	switch {
	case errors.Is(e, unix.EPERM):
		fmt.Fprintf(os.Stderr, "seccompgen run: %s: execve: %v: the profile must allow execve (the filter is installed before CMD is executed)\n", path, e)
		return ExitNoExec
	case errors.Is(e, unix.ENOENT):
		fmt.Fprintf(os.Stderr, "seccompgen run: %s: %v\n", path, e)
		return ExitNotFound
	}
	fmt.Fprintf(os.Stderr, "seccompgen run: %s: %v\n", path, e)
	return ExitNoExec
}
