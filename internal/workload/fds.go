package workload

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Descriptors. A process that execs seccompgen hands it descriptors 3 and up
// for CMD (a socket-activated service's LISTEN_FDS, a shell's `3<file`):
// they are exactly the ones open without close-on-exec, since every
// descriptor seccompgen opens itself has it. The workload is started with
// stdio as its only explicit files, so the kernel passes all of them on at
// their own numbers, and nothing of seccompgen's own leaks to CMD.

// inheritable clears close-on-exec on f, seccompgen's own descriptor, so
// that the next child started inherits it at the number it has here, and
// returns that number. The caller closes f once the child is started; a
// child started meanwhile would inherit it too, so seccompgen starts no
// other process in between.
func inheritable(f *os.File) (int, error) {
	fd := int(f.Fd())
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
		return 0, fmt.Errorf("pass the filter to the launcher: %w", err)
	}
	return fd, nil
}
