//go:build linux

package tracer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestJoinPath(t *testing.T) {
	for _, tc := range []struct {
		names string
		flags uint32
		want  string
	}{
		{"gohello\x00sub\x00tmp\x00", 0, "/tmp/sub/gohello"},
		{"", 0, "/"},
		{"libc.so.6\x00", 0, "/libc.so.6"},
		{"c\x00b\x00", pathTruncated, ".../b/c"},
		{"memfd:x (deleted)\x00", pathDetached, "/memfd:x (deleted)"},
	} {
		if got := joinPath([]byte(tc.names), tc.flags); got != tc.want {
			t.Errorf("joinPath(%q, %d) = %q, want %q", tc.names, tc.flags, got, tc.want)
		}
	}
}

// exitedPid returns the pid of a process that has exited and been reaped.
func exitedPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// TestFilesAdd: a file is opened by the first way that gives the file
// with the event's device and inode; when none does, the reason is the
// truth (exited, not "replaced").
func TestFilesAdd(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	if err := os.WriteFile(prog, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(prog, &st); err != nil {
		t.Fatal(err)
	}
	pid := exitedPid(t)
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	self := os.Getpid()
	var selfSt syscall.Stat_t
	if err := syscall.Stat("/proc/self/exe", &selfSt); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		e       event
		open    bool
		wantErr string
	}{
		{"host path", event{kind: eventLib, pid: pid, dev: st.Dev, ino: st.Ino, fd: -1, path: prog}, true, ""},
		{"proc exe", event{kind: eventExec, pid: self, dev: selfSt.Dev, ino: selfSt.Ino, fd: -1, path: "/nowhere/test"}, true, ""},
		{"exited, nothing on the host", event{kind: eventExec, pid: pid, dev: st.Dev, ino: st.Ino, fd: -1, path: filepath.Join(dir, "gone")}, false,
			"exited before seccompgen could open " + filepath.Join(dir, "gone") + ", which does not exist outside the process's root"},
		{"exited, another file on the host", event{kind: eventExec, pid: pid, dev: st.Dev, ino: st.Ino, fd: -1, path: other}, false,
			"exited before seccompgen could open " + other + ", and " + other + " outside the process's root is another file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFiles()
			defer fs.Close()
			fs.add(tc.e)
			f, err := fs.File(tc.e.dev, tc.e.ino)
			if (f != nil) != tc.open {
				t.Fatalf("file %v, err %v; want open %v", f, err, tc.open)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("err %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err %v, want one containing %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "replaced") {
				t.Errorf("err %v says replaced", err)
			}
		})
	}
}
