package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// UsageError is a mistake in how the outputs were given (a flag value that
// is a flag, the same file twice): the caller reports it as a usage error.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// File is one output: the flag that named it and its path as given.
type File struct {
	Flag string // "-o", "--report": how errors name it
	Path string // as given; "" means none, "-" standard output

	target string // the file to replace, symlinks resolved
	fd     int    // >= 0: write to this descriptor of ours (/dev/stdout, /proc/self/fd/N)
	direct bool   // open target and write in place (device, FIFO)
	id     fileID // identity, for refusing the same file twice
}

type fileID struct {
	dev, ino uint64
	path     string // for a file that does not exist yet
}

// Used reports whether f is wanted (its flag was given a value).
func (f *File) Used() bool { return f.Path != "" }

// Prepare resolves and checks every output before any work is done, so a
// command fails at once, not after a long run: each directory exists and is
// writable, no output is a directory, a flag's value is no flag ("-o --"),
// and no file is named twice (by any path). Unused files are skipped.
func Prepare(files ...*File) error {
	for _, f := range files {
		if err := f.prepare(); err != nil {
			return err
		}
	}
	for i, f := range files {
		if !f.Used() || f.id == (fileID{}) {
			continue
		}
		for _, g := range files[:i] {
			if g.Used() && g.id == f.id {
				return &UsageError{fmt.Sprintf("%s %s and %s %s are the same file: give each output its own", g.Flag, g.Path, f.Flag, f.Path)}
			}
		}
	}
	return nil
}

// CheckName returns a usage error when a flag's FILE value is no file
// name but a flag: "record -o -- CMD" took "--" for the file. "-" (standard
// input or output) is allowed; a file whose name starts with "-" can be
// given as ./-name.
func CheckName(flag, path string) error {
	if path == "--" {
		return &UsageError{fmt.Sprintf("%s needs a FILE before --", flag)}
	}
	if strings.HasPrefix(path, "-") && path != "-" {
		return &UsageError{fmt.Sprintf("%s %s: looks like a flag, want a FILE (write ./%s for a file of that name)", flag, path, path)}
	}
	return nil
}

// stdFDs are the paths that name one of our own descriptors.
var stdFDs = map[string]int{"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}

func (f *File) prepare() error {
	f.fd = -1
	if !f.Used() {
		return nil
	}
	if err := CheckName(f.Flag, f.Path); err != nil {
		return err
	}
	if f.Path == "-" {
		return f.prepareFD(1)
	}
	if fd, ok := ownFD(f.Path); ok {
		return f.prepareFD(fd)
	}
	target, err := resolve(f.Path)
	if err != nil {
		return f.errorf("%w", err)
	}
	f.target = target
	fi, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return f.prepareNew()
	case err != nil:
		return f.errorf("%w", unwrapPath(err))
	}
	st := fi.Sys().(*syscall.Stat_t)
	switch typ := fi.Mode().Type(); {
	case typ == 0:
		f.id = fileID{dev: st.Dev, ino: st.Ino}
		return f.prepareNew()
	case typ&fs.ModeDir != 0:
		return f.errorf("is a directory (give a file name)")
	case typ&fs.ModeSocket != 0:
		return f.errorf("is a socket: give a file, a device, a FIFO or /dev/stdout")
	case typ&fs.ModeNamedPipe != 0:
		// Two outputs in one FIFO would interleave; a shared device (a
		// terminal, /dev/null) is harmless.
		f.id = fileID{dev: st.Dev, ino: st.Ino}
	}
	f.direct = true
	if err := unix.Access(target, unix.W_OK); err != nil {
		return f.errorf("cannot write: %w", err)
	}
	return nil
}

// ownFD returns N for /dev/stdout, /dev/stderr, /dev/fd/N and
// /proc/self/fd/N: writing to such a path means writing to that
// descriptor, whatever it is (a pipe, a socket, a file opened for append).
func ownFD(path string) (int, bool) {
	if fd, ok := stdFDs[path]; ok {
		return fd, true
	}
	for _, prefix := range []string{"/dev/fd/", "/proc/self/fd/", "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 {
				return n, true
			}
		}
	}
	return 0, false
}

func (f *File) prepareFD(fd int) error {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return f.errorf("descriptor %d is not open: %w", fd, err)
	}
	if fl&unix.O_ACCMODE == unix.O_RDONLY {
		return f.errorf("descriptor %d is open for reading only", fd)
	}
	f.fd = fd
	// Two outputs on one descriptor would interleave; two descriptors on
	// one pipe (2>&1) are the caller's choice.
	f.id = fileID{path: "fd:" + strconv.Itoa(fd)}
	return nil
}

// prepareNew checks that a file can be created beside f.target (and so
// renamed over it) by creating one: for root only that is a true test (a
// read-only mount, a full disk of inodes, /proc).
func (f *File) prepareNew() error {
	dir := filepath.Dir(f.target)
	fi, err := os.Stat(dir)
	if err != nil {
		return f.errorf("directory %s: %w", dir, unwrapPath(err))
	}
	if !fi.IsDir() {
		return f.errorf("%s is not a directory", dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.target)+".tmp-*")
	if err != nil {
		return f.errorf("cannot create a file in %s: %w", dir, unwrapPath(err))
	}
	tmp.Close()
	os.Remove(tmp.Name())
	if f.id == (fileID{}) {
		// Not there yet: the same resolved path is the same file.
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real
		}
		abs, _ := filepath.Abs(filepath.Join(dir, filepath.Base(f.target)))
		f.id = fileID{path: abs}
	}
	return nil
}

// resolve follows path while it is a symlink and returns the file the chain
// ends at, which need not exist (a dangling symlink names the file to
// create, as a shell's > would).
func resolve(path string) (string, error) {
	cur := path
	for range 40 { // the kernel's MAXSYMLINKS
		fi, err := os.Lstat(cur)
		if err != nil || fi.Mode().Type() != fs.ModeSymlink {
			return cur, nil
		}
		link, err := os.Readlink(cur)
		if err != nil {
			return "", unwrapPath(err)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(cur), link)
		}
		cur = link
	}
	return "", unix.ELOOP
}

// Write writes data to f: in place to a descriptor, device or FIFO;
// otherwise to a temporary file beside the target, synced, then renamed over
// it, with the old file's mode and owner. A failure leaves the old file as
// it was. Prepare must have been called.
func (f *File) Write(data []byte) error {
	switch {
	case f.fd >= 0:
		if err := writeFD(f.fd, data); err != nil {
			return f.errorf("%w", err)
		}
		return nil
	case f.direct:
		out, err := os.OpenFile(f.target, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return f.errorf("%w", unwrapPath(err))
		}
		if _, err := out.Write(data); err != nil {
			out.Close()
			return f.errorf("%w", unwrapPath(err))
		}
		if err := out.Close(); err != nil {
			return f.errorf("%w", unwrapPath(err))
		}
		return nil
	}
	if err := replace(f.target, data); err != nil {
		return f.errorf("%w", unwrapPath(err))
	}
	return nil
}

// writeFD writes all of data to fd, which stays open: it is a descriptor
// of ours that others use too (an *os.File would close it when collected).
func writeFD(fd int, data []byte) error {
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			// A non-blocking descriptor we inherited: wait until it drains.
			unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}, -1)
			continue
		case err != nil:
			return err
		}
		data = data[n:]
	}
	return nil
}

func replace(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
		st := fi.Sys().(*syscall.Stat_t)
		// Keep the owner: root rewriting a user's profile must not take
		// it from them. Only root can, and only root needs to.
		if os.Geteuid() == 0 {
			tmp.Chown(int(st.Uid), int(st.Gid))
		}
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (f *File) errorf(format string, a ...any) error {
	return fmt.Errorf("%s %s: "+format, append([]any{f.Flag, f.Path}, a...)...)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// Shares reports whether f, prepared, writes to the file std (a standard
// stream) writes to: "-" or /dev/stdout for os.Stdout, /proc/self/fd/N
// for a descriptor of std's, or the file std was redirected to. A caller
// that starts a command uses it to keep a document it writes from being
// mixed with the command's output. /dev/null is shared by no one.
func (f *File) Shares(std *os.File) bool {
	if !f.Used() {
		return false
	}
	var a, b, null unix.Stat_t
	if unix.Fstat(int(std.Fd()), &a) != nil {
		return false
	}
	var err error
	if f.fd >= 0 {
		err = unix.Fstat(f.fd, &b)
	} else {
		err = unix.Stat(f.target, &b)
	}
	if err != nil || a.Dev != b.Dev || a.Ino != b.Ino {
		return false
	}
	return unix.Stat(os.DevNull, &null) != nil || a.Dev != null.Dev || a.Ino != null.Ino
}
