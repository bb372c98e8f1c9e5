package workload

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/seccompgen/seccompgen/tracer"
)

// ResolveCmd finds CMD as a shell would and returns the status to exit
// with when it cannot be run: 127 not found, 126 found but not executable.
func ResolveCmd(name string) (string, int, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, 0, nil
	}
	if errors.Is(err, exec.ErrDot) {
		return "", ExitNotFound, fmt.Errorf("%s: not found in PATH (it is in the current directory: run ./%s)", name, name)
	}
	if errors.Is(err, os.ErrPermission) {
		return "", ExitNoExec, fmt.Errorf("%s: permission denied (is it executable? chmod +x %s)", name, name)
	}
	if fi, serr := os.Stat(name); serr == nil && strings.Contains(name, "/") {
		if fi.IsDir() {
			return "", ExitNoExec, fmt.Errorf("%s: is a directory", name)
		}
		return "", ExitNoExec, fmt.Errorf("%s: not executable (chmod +x %s)", name, name)
	}
	return "", ExitNotFound, fmt.Errorf("%s: command not found", name)
}

// shellPath runs the files execve refuses with ENOEXEC, as execvp(3) does.
const shellPath = "/bin/sh"

// shellArgs is the argv execvp(3) gives /bin/sh for a file without "#!":
// the shell, the file's path, then the arguments after argv[0].
func shellArgs(path string, argv []string) []string {
	out := []string{shellPath, path}
	if len(argv) > 1 {
		out = append(out, argv[1:]...)
	}
	return out
}

// StartTraced starts w under a new tracer. A file the kernel cannot execute
// (ENOEXEC: a script without "#!") is run with /bin/sh, as execvp(3) and
// the shells do; a tracer records one workload, so that takes a new one.
// On error the status says whose failure it was (125, 126, 127).
func StartTraced(cfg tracer.Config, w tracer.Workload) (*tracer.Tracer, *tracer.Run, int, error) {
	for {
		t, err := tracer.New(cfg)
		if err != nil {
			return nil, nil, ExitFailure, err
		}
		run, err := t.Start(w)
		if err == nil {
			return t, run, 0, nil
		}
		t.Close()
		if errors.Is(err, syscall.ENOEXEC) && w.Path != shellPath {
			w.Path, w.Args = shellPath, shellArgs(w.Path, w.Args)
			continue
		}
		return nil, nil, startStatus(err), fmt.Errorf("%s: %w", w.Args[0], err)
	}
}

// startStatus maps an error from starting CMD to the status to exit with:
// execve's own (os.StartProcess's fork/exec) to 126 or 127, anything else
// (the tracer could not be armed for it) to 125, seccompgen's own failure.
func startStatus(err error) int {
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Op != "fork/exec" {
		return ExitFailure
	}
	if errors.Is(err, syscall.ENOENT) {
		return ExitNotFound
	}
	return ExitNoExec
}
