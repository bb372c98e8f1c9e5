//go:build linux

package tracer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// Files are the executables and libraries the tree ran, each opened the
// way its process saw it, at once, while the process lived: through
// /proc/PID/exe, /proc/PID/fd/N or /proc/PID/root, and only after that by
// its path on the host. Every file is verified by device and inode, so it
// is exactly the file the kernel mapped, even after the process exited
// and in another mount namespace or chroot. Analysis reads them instead of
// opening paths; Close releases them.
type Files struct {
	mu   sync.Mutex
	open map[fileKey]*os.File
	errs map[fileKey]error
	// roots are the root directories of the execs that ran under
	// another (a chroot, a container), by process and file (attach.go).
	roots map[rootKey]*os.File
}

type fileKey struct{ dev, ino uint64 }

// maxOpenFiles bounds the descriptors Files keeps (a tree can map
// thousands of distinct files); a file beyond it gets an error instead.
const maxOpenFiles = 4096

func newFiles() *Files {
	return &Files{open: map[fileKey]*os.File{}, errs: map[fileKey]error{}}
}

// File returns the open file with this device and inode. The file is
// shared: read it with ReadAt, do not close it. When the tracer saw the
// file but could not open it, File returns the reason; when it never saw
// it, (nil, nil).
func (f *Files) File(dev, ino uint64) (*os.File, error) {
	if f == nil {
		return nil, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	k := fileKey{dev, ino}
	return f.open[k], f.errs[k]
}

// Close closes every file. It is idempotent.
func (f *Files) Close() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, file := range f.open {
		file.Close()
		delete(f.open, k)
	}
	for k, r := range f.roots {
		r.Close()
		delete(f.roots, k)
	}
	return nil
}

// add opens the file of e, unless it has it already. For an exec, pid's
// /proc/PID/exe is the file; for a library the descriptor it was mapped
// from, if still open. Then the path under the process's root, then on
// the host.
func (f *Files) add(e event) {
	k := fileKey{e.dev, e.ino}
	f.mu.Lock()
	_, have := f.open[k]
	full := len(f.open) >= maxOpenFiles
	if full && !have {
		f.errs[k] = fmt.Errorf("seccompgen keeps at most %d files of a recording open, and %s (pid %d) was one too many", maxOpenFiles, e.path, e.pid)
	}
	f.mu.Unlock()
	if have || full {
		return
	}
	proc := "/proc/" + strconv.Itoa(e.pid)
	var tries []string
	switch e.kind {
	case eventExec:
		tries = append(tries, proc+"/exe")
	case eventLib:
		if e.fd >= 0 {
			tries = append(tries, proc+"/fd/"+strconv.Itoa(e.fd))
		}
	}
	known := filepath.IsAbs(e.path)
	if known {
		tries = append(tries, proc+"/root"+e.path, e.path)
	}
	var hostErr error
	for _, p := range tries {
		file, err := openVerified(p, e.path, e.dev, e.ino)
		if err == nil {
			f.mu.Lock()
			if f.open[k] == nil {
				f.open[k] = file
				delete(f.errs, k)
			} else {
				file.Close()
			}
			f.mu.Unlock()
			return
		}
		if p == e.path {
			hostErr = err
		}
	}
	var err error
	_, perr := os.Stat(proc)
	gone := errors.Is(perr, fs.ErrNotExist)
	switch {
	case !known:
		err = fmt.Errorf("pid %d exited before seccompgen could open its file, whose path is unknown (%s)", e.pid, e.path)
	case gone && errors.Is(hostErr, fs.ErrNotExist):
		err = fmt.Errorf("pid %d exited before seccompgen could open %s, which does not exist outside the process's root (a chroot or mount namespace)", e.pid, e.path)
	case gone:
		err = fmt.Errorf("pid %d exited before seccompgen could open %s, and %s outside the process's root is another file (%v)", e.pid, e.path, e.path, hostErr)
	default:
		err = fmt.Errorf("%s was replaced while pid %d ran, or is not reachable (%v)", e.path, e.pid, hostErr)
	}
	f.mu.Lock()
	if f.open[k] == nil {
		f.errs[k] = err
	}
	f.mu.Unlock()
}

// errOtherFile: the path names another file than the one mapped.
type errOtherFile struct{ dev, ino, wantDev, wantIno uint64 }

func (e errOtherFile) Error() string {
	return fmt.Sprintf("device/inode %d/%d, not %d/%d", e.dev, e.ino, e.wantDev, e.wantIno)
}

// openVerified opens path read-only if it is a regular file with this
// device and inode. It checks before opening (opening a device or a FIFO
// could block or have effects) and again after (the path could change).
// The file is named name.
func openVerified(path, name string, dev, ino uint64) (*os.File, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Dev != dev || st.Ino != ino {
		return nil, errOtherFile{st.Dev, st.Ino, dev, ino}
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	if err := unix.Fstat(fd, &st); err != nil || st.Dev != dev || st.Ino != ino {
		unix.Close(fd)
		return nil, errOtherFile{st.Dev, st.Ino, dev, ino}
	}
	return os.NewFile(uintptr(fd), name), nil
}
