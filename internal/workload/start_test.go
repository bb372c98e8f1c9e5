package workload

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestStartStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"not found", &os.PathError{Op: "fork/exec", Path: "x", Err: syscall.ENOENT}, ExitNotFound},
		{"not executable", &os.PathError{Op: "fork/exec", Path: "x", Err: syscall.EACCES}, ExitNoExec},
		{"wrapped", fmt.Errorf("x: %w", &os.PathError{Op: "fork/exec", Path: "x", Err: syscall.ENOEXEC}), ExitNoExec},
		{"the tracer could not be armed", errors.New("tracer: the workload (pid 8) was not forked by the armed thread"), ExitFailure},
		{"another path error", &os.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}, ExitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := startStatus(tc.err); got != tc.want {
				t.Errorf("startStatus(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}
