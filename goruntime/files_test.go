package goruntime

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/recording"
)

// fakeFiles is a tracer's set of open files: by device and inode, the
// file or the reason it could not be opened.
type fakeFiles map[[2]uint64]struct {
	f   *os.File
	err error
}

func (ff fakeFiles) File(dev, ino uint64) (*os.File, error) {
	e := ff[[2]uint64{dev, ino}]
	return e.f, e.err
}

// TestInferFiles: with the tracer's files, inference reads the file it is
// handed, whatever the path names now, and passes on why a file could not
// be opened; a file the tracer never saw is opened by its path.
func TestInferFiles(t *testing.T) {
	hello := build(t, "hello", []string{"CGO_ENABLED=0"})
	x := execOf(t, hello)
	f, err := os.Open(hello)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gone := recording.Exec{PID: 9, Path: "/prog", Dev: 1, Inode: 2}
	files := fakeFiles{
		{x.Dev, x.Inode}:       {f: f},
		{gone.Dev, gone.Inode}: {err: errors.New("pid 9 exited before seccompgen could open /prog")},
	}
	// The path names nothing (the file is in a chroot, say): the open file counts.
	elsewhere := x
	elsewhere.Path = filepath.Join(t.TempDir(), "in-a-chroot")
	inf := InferFiles([]recording.Exec{elsewhere, gone, execOf(t, "/bin/true")}, files)
	if diff := cmp.Diff([]string{"cannot inspect /prog (run by pid 9) for Go runtime syscalls: pid 9 exited before seccompgen could open /prog; nothing is inferred for it"}, inf.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if len(inf.Binaries) != 1 || inf.Binaries[0].Path != elsewhere.Path || len(inf.Syscalls) == 0 {
		t.Errorf("binaries %+v, %d syscalls: want %s inspected", inf.Binaries, len(inf.Syscalls), elsewhere.Path)
	}
	// The shared file stays open for other readers.
	if _, err := f.Stat(); err != nil {
		t.Errorf("InferFiles closed the tracer's file: %v", err)
	}
}
