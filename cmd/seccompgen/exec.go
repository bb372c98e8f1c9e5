package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
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
func init() {
	c := &command{
		Name:      "__exec",
		UsageLine: "__exec --filter-fd FD [--seccomp-flags N] -- PATH ARGV0 [ARG...]",
		Short:     "(internal) install the filter read from FD and exec CMD",
		Long:      "Internal to `seccompgen run`: not for direct use.",
		UsageExit: exitFailure,
	}
	var (
		flags    uint
		filterFD int
	)
	register(c)
	c.Flags.IntVar(&filterFD, "filter-fd", -1, "the descriptor to read the compiled filter from (closed before CMD runs)")
	c.Flags.UintVar(&flags, "seccomp-flags", 0, "seccomp(2) filter flags")
	c.Run = func(args []string) int {
		if len(args) < 2 {
			return usageError(c, "want PATH ARGV0 [ARG...]")
		}
		if filterFD < 3 {
			return usageError(c, "--filter-fd: want the filter's descriptor, 3 or more")
		}
		return launch(args[0], args[1:], filterFD, flags)
	}
}

func launch(path string, argv []string, filterFD int, flags uint) int {
	f := os.NewFile(uintptr(filterFD), "filter")
	raw, err := io.ReadAll(f)
	f.Close()
	if err != nil || len(raw) == 0 || len(raw)%8 != 0 || len(raw)/8 > 0xffff {
		fmt.Fprintf(os.Stderr, "seccompgen run: no valid filter on fd %d (this command is internal to seccompgen run): %d bytes, %v\n", filterFD, len(raw), err)
		return exitFailure
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
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	pathp, err := syscall.BytePtrFromString(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen run: %s: %v\n", path, err)
		return exitFailure
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen run: %s: %v\n", path, err)
		return exitFailure
	}
	// For a file without "#!" (ENOEXEC), as execvp(3): /bin/sh PATH ARGS.
	shp, _ := syscall.BytePtrFromString(shellPath)
	shargvp, err := syscall.SlicePtrFromStrings(shellArgs(path, argv))
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen run: %s: %v\n", path, err)
		return exitFailure
	}
	envp, err := syscall.SlicePtrFromStrings(os.Environ())
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccompgen run: environment: %v\n", err)
		return exitFailure
	}

	// no_new_privs and the filter are per thread; execve hands both on.
	runtime.LockOSThread()
	if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
		fmt.Fprintf(os.Stderr, "seccompgen run: set no_new_privs: %v\n", e)
		return exitFailure
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog))); e != 0 {
		fmt.Fprintf(os.Stderr, "seccompgen run: install the filter: %v\n", e)
		return exitFailure
	}
	_, _, e := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(pathp)), uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])))
	if e == unix.ENOEXEC {
		_, _, e = unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(shp)), uintptr(unsafe.Pointer(&shargvp[0])), uintptr(unsafe.Pointer(&envp[0])))
	}
	runtime.KeepAlive(prog)
	// From here on this thread runs under the filter: say what happened in
	// as few syscalls as possible.
	switch {
	case errors.Is(e, unix.EPERM):
		fmt.Fprintf(os.Stderr, "seccompgen run: %s: execve: %v: the profile must allow execve (the filter is installed before CMD is executed)\n", path, e)
		return exitNoExec
	case errors.Is(e, unix.ENOENT):
		fmt.Fprintf(os.Stderr, "seccompgen run: %s: %v\n", path, e)
		return exitNotFound
	}
	fmt.Fprintf(os.Stderr, "seccompgen run: %s: %v\n", path, e)
	return exitNoExec
}
