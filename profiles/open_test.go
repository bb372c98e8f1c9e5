package profiles

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// TestReadFileFIFOWithoutWriter: a FIFO nobody writes to used to block
// ReadFile forever.
func TestReadFileFIFOWithoutWriter(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(fifo, DefaultTarget())
	want := fifo + ": a FIFO with no writer (or one that wrote nothing): give a profile file, or start the writer first"
	if err == nil || err.Error() != want {
		t.Errorf("ReadFile(fifo) = %v, want %s", err, want)
	}
}

// TestReadFilePipe: a pipe with a writer (<(cmd), /dev/stdin) is read.
func TestReadFilePipe(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "cmd", "seccompgen", "testdata", "a.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		w.Write(data)
		w.Close()
	}()
	p, err := ReadFile("/proc/self/fd/"+strconv.Itoa(int(r.Fd())), DefaultTarget())
	if err != nil {
		t.Fatalf("ReadFile(pipe): %v", err)
	}
	if len(p.Allowed()) == 0 {
		t.Errorf("the profile read from a pipe allows nothing")
	}
}
