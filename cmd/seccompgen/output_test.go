package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestMergeDevNull: merge -o /dev/null (as root) used to rename a regular
// file over the host's /dev/null.
func TestMergeDevNull(t *testing.T) {
	r := seccompgen(t, "merge", "-o", "/dev/null", "testdata/a.json")
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	fi, err := os.Lstat("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeDevice|os.ModeCharDevice {
		t.Fatalf("/dev/null is now %v, want a character device", fi.Mode())
	}
}

// TestMergeOutputs: merge -o writes through devices and FIFOs and replaces
// a symlink's target, not the link.
func TestMergeOutputs(t *testing.T) {
	want, err := os.ReadFile("testdata/merge-a-a.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	t.Run("symlink", func(t *testing.T) {
		link, target := filepath.Join(dir, "link.json"), filepath.Join(dir, "target.json")
		os.WriteFile(target, []byte("old\n"), 0o644)
		os.Symlink("target.json", link)
		if r := seccompgen(t, "merge", "-o", link, "testdata/a.json", "testdata/a.json"); r.status != 0 {
			t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
		}
		if fi, _ := os.Lstat(link); fi.Mode().Type() != os.ModeSymlink {
			t.Errorf("%s is no longer a symlink", link)
		}
		got, _ := os.ReadFile(target)
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("target (-want +got):\n%s", diff)
		}
	})
	t.Run("character device", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("mknod needs root")
		}
		null := filepath.Join(dir, "null")
		if err := unix.Mknod(null, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
			t.Fatal(err)
		}
		if r := seccompgen(t, "merge", "-o", null, "testdata/a.json"); r.status != 0 {
			t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
		}
		if fi, _ := os.Lstat(null); fi.Mode().Type() != os.ModeDevice|os.ModeCharDevice {
			t.Errorf("%s is now %v, want a character device", null, fi.Mode())
		}
	})
	t.Run("output in /proc", func(t *testing.T) {
		r := seccompgen(t, "merge", "-o", "/proc/m.json", "testdata/a.json")
		wantErr := "seccompgen merge: -o /proc/m.json: cannot create a file in /proc: no such file or directory\n"
		if r.status != 2 || r.stderr != wantErr {
			t.Errorf("status %d, stderr %q; want 2, %q", r.status, r.stderr, wantErr)
		}
	})
}

// TestRecordOutputsCheckedFirst: an output that cannot be written fails
// record before CMD runs, not after a long workload.
func TestRecordOutputsCheckedFirst(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran")
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	for _, out := range [][]string{
		{"-o", filepath.Join(notDir, "p.json")},
		{"--report", "/proc/r.json"},
		{"--save-recording", filepath.Join(dir, "missing", "rec.json")},
	} {
		t.Run(out[0], func(t *testing.T) {
			r := seccompgen(t, append(append([]string{"record"}, out...), "--", "touch", ran)...)
			if r.status != 125 || !strings.HasPrefix(r.stderr, "seccompgen record: "+out[0]+" "+out[1]+": ") {
				t.Errorf("status %d, stderr %q; want 125 and an error naming %s %s", r.status, r.stderr, out[0], out[1])
			}
			if _, err := os.Stat(ran); err == nil {
				t.Errorf("CMD ran although %s %s cannot be written", out[0], out[1])
			}
		})
	}
}

// TestRecordReportFailureKeepsProfile: the report's directory disappears
// during the run; the profile is still written, and stderr says which
// output was written and which was not.
func TestRecordReportFailureKeepsProfile(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	gone := filepath.Join(dir, "gone")
	os.Mkdir(gone, 0o755)
	prof, rep := filepath.Join(dir, "p.json"), filepath.Join(gone, "r.json")
	r := seccompgen(t, "record", "-o", prof, "--report", rep, "--", "rmdir", gone)
	if r.status != 125 {
		t.Errorf("status %d, want 125", r.status)
	}
	validate(t, prof)
	if !readProfile(t, prof).allowed()["rmdir"] {
		t.Errorf("the profile written does not allow rmdir")
	}
	wantErr := "seccompgen record: report NOT written: --report " + rep + ": no such file or directory; profile written to " + prof + "\n"
	if !strings.HasSuffix(r.stderr, wantErr) {
		t.Errorf("stderr:\n%s\nwant it to end with:\n%s", r.stderr, wantErr)
	}
}

// TestOutputToStdout: -o /dev/stdout (and /proc/self/fd/1) writes to
// seccompgen's own standard output, a pipe or a socket, and leaves the
// /dev/stdout symlink alone (a rename used to replace it).
func TestOutputToStdout(t *testing.T) {
	want, err := os.ReadFile("testdata/merge-a-a.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/stdout", "/proc/self/fd/1", "-"} {
		t.Run("pipe "+path, func(t *testing.T) {
			r := seccompgen(t, "merge", "-o", path, "testdata/a.json", "testdata/a.json")
			if r.status != 0 || r.stdout != string(want) {
				t.Errorf("status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
			}
		})
	}
	t.Run("socket", func(t *testing.T) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		ours, theirs := os.NewFile(uintptr(fds[0]), "ours"), os.NewFile(uintptr(fds[1]), "theirs")
		defer ours.Close()
		cmd := exec.Command(filepath.Join(binDir, "seccompgen"), "merge", "-o", "/dev/stdout", "testdata/a.json", "testdata/a.json")
		cmd.Stdout = theirs
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %s", err, stderr.String())
		}
		theirs.Close()
		got, _ := io.ReadAll(ours)
		if string(got) != string(want) {
			t.Errorf("the socket got %q", got)
		}
	})
	if fi, err := os.Lstat("/dev/stdout"); err != nil || fi.Mode().Type() != os.ModeSymlink {
		t.Errorf("/dev/stdout is no longer a symlink: %v %v", fi.Mode(), err)
	}
}

// TestCheckUpdateOutput: check --update follows a symlinked profile to its
// target and fails before CMD runs when it cannot be written.
func TestCheckUpdateOutput(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "seccomp"), 0o755)
	link, target := filepath.Join(dir, "app.json"), filepath.Join(dir, "seccomp", "app.json")
	os.Symlink("seccomp/app.json", link)
	if r := seccompgen(t, "check", "--update", "--profile", link, "--", "/bin/true"); r.status != 0 {
		t.Fatalf("--update: status %d, stderr:\n%s", r.status, r.stderr)
	}
	if fi, _ := os.Lstat(link); fi.Mode().Type() != os.ModeSymlink {
		t.Errorf("%s is no longer a symlink", link)
	}
	validate(t, target)

	ran := filepath.Join(dir, "ran")
	r := seccompgen(t, "check", "--update", "--profile", "/proc/app.json", "--", "touch", ran)
	wantErr := "seccompgen check: --profile /proc/app.json: cannot create a file in /proc: no such file or directory\n"
	if r.status != 2 || r.stderr != wantErr {
		t.Errorf("status %d, stderr %q; want 2, %q", r.status, r.stderr, wantErr)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("CMD ran although the profile cannot be written")
	}
}
