package outfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (mknod, mount, chown)")
	}
}

// prepareWrite prepares one output at path and writes data to it.
func prepareWrite(t *testing.T, path, data string) {
	t.Helper()
	f := &File{Flag: "-o", Path: path}
	if err := Prepare(f); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if err := f.Write([]byte(data)); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A character device is written through, never replaced: before, merge -o
// /dev/null turned the host's /dev/null into a regular file.
func TestCharDeviceWrittenThrough(t *testing.T) {
	requireRoot(t)
	null := filepath.Join(t.TempDir(), "null")
	if err := unix.Mknod(null, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatalf("mknod: %v", err)
	}
	prepareWrite(t, null, "{}\n")
	fi, err := os.Lstat(null)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeDevice|os.ModeCharDevice {
		t.Fatalf("%s is now %v, want the character device it was", null, fi.Mode())
	}
	if got := readString(t, null); got != "" {
		t.Errorf("reading the null device gave %q: it is not the null device any more", got)
	}
}

func TestSymlinkReplacesTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "sub", "real.json")
	os.Mkdir(filepath.Dir(target), 0o755)
	os.WriteFile(target, []byte("old\n"), 0o640)
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("sub/real.json", link); err != nil {
		t.Fatal(err)
	}
	link2 := filepath.Join(dir, "link2.json") // a chain of two
	os.Symlink("link.json", link2)
	prepareWrite(t, link2, "new\n")

	for _, l := range []string{link, link2} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode().Type() != os.ModeSymlink {
			t.Errorf("%s is no longer a symlink (%v, %v)", l, fi.Mode(), err)
		}
	}
	if got := readString(t, target); got != "new\n" {
		t.Errorf("target holds %q, want %q", got, "new\n")
	}
	fi, _ := os.Stat(target)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("target's mode is %v, want the old 0640", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "sub", ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A dangling symlink names the file to create, as a shell's > would.
func TestDanglingSymlinkCreatesTarget(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link.json")
	os.Symlink("made.json", link)
	prepareWrite(t, link, "x\n")
	if got := readString(t, filepath.Join(dir, "made.json")); got != "x\n" {
		t.Errorf("target holds %q", got)
	}
	if fi, _ := os.Lstat(link); fi.Mode().Type() != os.ModeSymlink {
		t.Errorf("%s is no longer a symlink", link)
	}
}

func TestKeepsOwner(t *testing.T) {
	requireRoot(t)
	path := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(path, []byte("old\n"), 0o600)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	prepareWrite(t, path, "new\n")
	fi, _ := os.Stat(path)
	st := fi.Sys().(*syscall.Stat_t)
	if st.Uid != 65534 || st.Gid != 65534 || fi.Mode().Perm() != 0o600 {
		t.Errorf("after the write: uid %d gid %d mode %v, want 65534 65534 0600", st.Uid, st.Gid, fi.Mode().Perm())
	}
}

func TestFIFOWithReader(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		r, err := os.Open(fifo) // blocks until the writer opens it
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(r)
		r.Close()
		got <- string(b)
	}()
	prepareWrite(t, fifo, "through\n")
	if s := <-got; s != "through\n" {
		t.Errorf("the reader got %q", s)
	}
	if fi, _ := os.Lstat(fifo); fi.Mode().Type() != os.ModeNamedPipe {
		t.Errorf("%s is now %v, want a FIFO", fifo, fi.Mode())
	}
}

// /proc/self/fd/N writes to our own descriptor N, which may be a pipe:
// nothing can be renamed over it, and reopening would truncate an append.
func TestOwnDescriptor(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	prepareWrite(t, "/proc/self/fd/"+strconv.Itoa(int(w.Fd())), "piped\n")
	w.Close()
	b, _ := io.ReadAll(r)
	if string(b) != "piped\n" {
		t.Errorf("the pipe got %q", b)
	}
}

func TestSameFileRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("exists.json", nil, 0o644)
	os.Symlink("exists.json", "link.json")
	os.Link("exists.json", "hard.json")
	os.Symlink("new.json", "dangling.json")
	os.Mkdir("sub", 0o755)
	for _, tc := range []struct{ a, b string }{
		{"exists.json", "exists.json"},
		{"exists.json", "./exists.json"},
		{"exists.json", filepath.Join(dir, "exists.json")},
		{"exists.json", "link.json"},
		{"exists.json", "hard.json"},
		{"new.json", "sub/../new.json"},
		{"new.json", "dangling.json"},
		{"-", "/dev/stdout"},
	} {
		t.Run(tc.a+","+tc.b, func(t *testing.T) {
			err := Prepare(&File{Flag: "-o", Path: tc.a}, &File{Flag: "--report", Path: tc.b})
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "are the same file") {
				t.Fatalf("Prepare(%s, %s) = %v, want a same-file usage error", tc.a, tc.b, err)
			}
		})
	}
	// Different files, and one descriptor per output, are fine.
	if err := Prepare(&File{Flag: "-o", Path: "exists.json"}, &File{Flag: "--report", Path: "new.json"}, &File{Flag: "--x", Path: "/dev/stderr"}); err != nil {
		t.Errorf("different files: %v", err)
	}
}

// Every output is checked before any work. chmod does not stop root, so the
// unwritable directories are ones that refuse root too.
func TestPrepareRefuses(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	for _, tc := range []struct{ path, want string }{
		{"--", "-o needs a FILE before --"},
		{"-x.json", "-o -x.json: looks like a flag, want a FILE (write ./-x.json for a file of that name)"},
		{filepath.Join(dir, "missing", "p.json"), "-o " + filepath.Join(dir, "missing", "p.json") + ": directory " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{filepath.Join(notDir, "p.json"), "-o " + filepath.Join(notDir, "p.json") + ": " + notDir + " is not a directory"},
		{dir, "-o " + dir + ": is a directory (give a file name)"},
		{"/proc/p.json", "-o /proc/p.json: cannot create a file in /proc: no such file or directory"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			err := Prepare(&File{Flag: "-o", Path: tc.path})
			if err == nil {
				t.Fatal("Prepare succeeded")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrepareReadOnlyMount(t *testing.T) {
	requireRoot(t)
	dir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(dir, 0o755)
	if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
		t.Skipf("bind mount: %v", err)
	}
	defer unix.Unmount(dir, unix.MNT_DETACH)
	if err := unix.Mount("", dir, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount read-only: %v", err)
	}
	path := filepath.Join(dir, "p.json")
	err := Prepare(&File{Flag: "--report", Path: path})
	want := "--report " + path + ": cannot create a file in " + dir + ": read-only file system"
	if err == nil || err.Error() != want {
		t.Errorf("Prepare = %v, want %s", err, want)
	}
}

// TestShares: an output is known to share a standard stream by any name
// that reaches its file, and /dev/null is shared by no one.
func TestShares(t *testing.T) {
	dir := t.TempDir()
	stream, err := os.Create(filepath.Join(dir, "stream.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	os.Symlink("stream.log", filepath.Join(dir, "link"))
	for _, tc := range []struct {
		name string
		path string
		std  *os.File
		want bool
	}{
		{"the file itself", filepath.Join(dir, "stream.log"), stream, true},
		{"through a symlink", filepath.Join(dir, "link"), stream, true},
		{"its descriptor", "/proc/self/fd/" + strconv.Itoa(int(stream.Fd())), stream, true},
		{"another file", filepath.Join(dir, "other.json"), stream, false},
		{"- is stdout", "-", os.Stdout, true},
		{"/dev/stdout is stdout", "/dev/stdout", os.Stdout, true},
		{"/dev/null", os.DevNull, null, false},
		{"unused", "", stream, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &File{Flag: "--json", Path: tc.path}
			if err := Prepare(f); err != nil {
				t.Fatal(err)
			}
			if got := f.Shares(tc.std); got != tc.want {
				t.Errorf("Shares = %v, want %v", got, tc.want)
			}
		})
	}
}
