package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// TestUpdate: under -update a missing file in a missing directory is
// written, and the check that follows reads it back.
func TestUpdate(t *testing.T) {
	dir := t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)

	*update = true
	defer func() { *update = false }()
	Check(t, "sub/new.txt", []byte("hello\n"))
	got, err := os.ReadFile(filepath.Join(dir, "testdata", "sub", "new.txt"))
	if err != nil || string(got) != "hello\n" {
		t.Fatalf("after -update: %q, %v", got, err)
	}
	*update = false
	Check(t, "sub/new.txt", []byte("hello\n"))
}
