package profiles

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// readProfileFile reads at most MaxSize+1 bytes of the profile at path.
// It opens without blocking and looks at what it got first: a FIFO with no
// writer would otherwise hang the command forever. Pipes with a writer
// (<(cmd), /dev/stdin) and devices are read as before.
func readProfileFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	owned := true // until f owns it
	defer func() {
		if owned {
			unix.Close(fd)
		}
	}()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var first []byte
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return nil, fmt.Errorf("%s: is a directory, want a profile file", path)
	case unix.S_IFREG:
		if st.Size > MaxSize {
			return nil, tooLarge(path, st.Size)
		}
	case unix.S_IFIFO:
		// Without a writer a non-blocking read ends at once (0 bytes); a
		// writer that has not written yet gives EAGAIN.
		buf := make([]byte, 64<<10)
		n, err := unix.Read(fd, buf)
		switch {
		case n == 0 && err == nil:
			return nil, fmt.Errorf("%s: a FIFO with no writer (or one that wrote nothing): give a profile file, or start the writer first", path)
		case err != nil && !errors.Is(err, unix.EAGAIN):
			return nil, fmt.Errorf("%s: %w", path, err)
		case n > 0:
			first = buf[:n]
		}
	}
	// Blocking again before os.NewFile sees it: a non-blocking descriptor
	// would go to the poller.
	if err := unix.SetNonblock(fd, false); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	owned = false
	defer f.Close()
	// Read at most one byte past the limit: a pipe or /proc file has no
	// size to check first.
	rest, err := io.ReadAll(io.LimitReader(f, MaxSize+1-int64(len(first))))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return append(first, rest...), nil
}
