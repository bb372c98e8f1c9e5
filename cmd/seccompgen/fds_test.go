package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestInheritedDescriptors: every descriptor seccompgen is given reaches
// CMD at its own number, as a socket-activated service (LISTEN_FDS) or a
// shell's `3<file` needs: files on 3 and 7, a socket on 4 (5 and 6 closed).
func TestInheritedDescriptors(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	open := func(name string) *os.File {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	script := `echo LISTEN_FDS=$LISTEN_FDS; cat <&3; cat <&4; cat <&7; if (: <&5) 2>/dev/null; then echo 5 is open; fi`
	prof := filepath.Join(dir, "p.json")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"record", []string{"record", "-o", filepath.Join(dir, "r.json"), "--"}},
		{"check --update", []string{"check", "--update", "--profile", prof, "--"}},
		{"check", []string{"check", "--profile", prof, "--"}},
		{"run", []string{"run", "--profile", "docker-default", "--"}},
		{"run --complain", []string{"run", "--complain", "--profile", "docker-default", "--"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sock, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			local, remote := os.NewFile(uintptr(sock[0]), "local"), os.NewFile(uintptr(sock[1]), "remote")
			local.Write([]byte("socket\n"))
			local.Close()
			defer remote.Close()
			cmd := exec.Command(filepath.Join(binDir, "seccompgen"), append(tc.args, "/bin/sh", "-c", script)...)
			cmd.Env = append(os.Environ(), "LISTEN_FDS=3")
			cmd.ExtraFiles = []*os.File{open("three"), remote, nil, nil, open("seven")}
			r := runCmd(t, cmd)
			want := "LISTEN_FDS=3\nthree\nsocket\nseven\n"
			if diff := cmp.Diff(want, r.stdout); diff != "" || r.status != 0 {
				t.Errorf("status %d, stdout (-want +got):\n%s\nstderr:\n%s", r.status, diff, r.stderr)
			}
		})
	}
}
