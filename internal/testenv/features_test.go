package testenv

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestClassifyIA32 covers both kinds of host, whichever this one is: a
// kernel that refuses an executable format gives ENOEXEC, which must read
// as "feature missing" and never as a failure.
func TestClassifyIA32(t *testing.T) {
	dir := t.TempDir()
	// A file the kernel has no binary format for fails exactly as an i386
	// executable does where IA32 emulation is off.
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte{0x7f, 'E', 'L', 'F', 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0o755); err != nil {
		t.Fatal(err)
	}
	err := exec.Command(junk).Run()
	if !errors.Is(err, syscall.ENOEXEC) {
		t.Fatalf("running a bogus ELF: %v, want ENOEXEC", err)
	}
	why, perr := classifyIA32(err)
	if perr != nil || !strings.Contains(why, "IA32 emulation is off") {
		t.Errorf("classifyIA32(ENOEXEC) = %q, %v; want a reason to skip and no error", why, perr)
	}
	if _, perr := classifyIA32(errors.New("boom")); perr == nil {
		t.Error("classifyIA32 of an unrelated error: want a probe failure")
	}
}

// TestIA32Probe runs the hand-made i386 program. Where the host runs it,
// the exit status 42 proves the bytes are a valid program; where it does
// not, the only acceptable answer is ENOEXEC.
func TestIA32Probe(t *testing.T) {
	why, err := probeIA32(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if why != "" {
		t.Logf("this host: %s", why)
	}
}

func TestCgroup2Mount(t *testing.T) {
	dir := t.TempDir()
	mi := filepath.Join(dir, "mountinfo")
	data := "25 1 0:23 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs ro,mode=755\n" +
		"30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
	if err := os.WriteFile(mi, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := cgroup2Mount(mi); err != nil || got != "/sys/fs/cgroup/unified" {
		t.Errorf("cgroup2Mount = %q, %v; want /sys/fs/cgroup/unified", got, err)
	}
	if err := os.WriteFile(mi, []byte(data[:strings.Index(data, "\n")+1]), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := cgroup2Mount(mi); err != nil || got != "" {
		t.Errorf("cgroup2Mount without cgroup2 = %q, %v; want nothing", got, err)
	}
}
