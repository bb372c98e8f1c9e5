package testenv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Optional kernel features differ between machines CI may use (IA32
// emulation can be compiled in but switched off, x32 is usually off). A test
// that needs one skips where the host lacks it, with the reason, even under
// SECCOMPGEN_REQUIRE_BPF=1: a host without an optional feature is not a
// broken host, while a host that cannot run the tracer is.

// skipOptional skips t because the host lacks an optional feature.
func skipOptional(t testing.TB, why string) {
	t.Helper()
	t.Skipf("this host lacks an optional kernel feature: %s", why)
}

// probe is an optional feature, probed once per test binary.
type probe struct {
	once sync.Once
	val  string // what the probe found, for features that have a value
	why  string // empty when the feature is there
	err  error  // the probe itself failed: a test failure, not a skip
}

// require runs the probe once, then skips t when the feature is missing
// and returns the probe's value otherwise.
func (p *probe) require(t testing.TB, run func() (val, why string, err error)) string {
	t.Helper()
	p.once.Do(func() { p.val, p.why, p.err = run() })
	if p.err != nil {
		t.Fatalf("probing the host: %v", p.err)
	}
	if p.why != "" {
		skipOptional(t, p.why)
	}
	return p.val
}

var ia32, x32, cgroup2 probe

// RequireIA32 skips t unless the kernel runs i386 executables (IA32
// emulation: CONFIG_IA32_EMULATION, and not switched off with
// ia32_emulation=0).
func RequireIA32(t testing.TB) {
	t.Helper()
	ia32.require(t, func() (string, string, error) {
		why, err := probeIA32(t.TempDir())
		return "", why, err
	})
}

// probeIA32 executes a minimal static i386 program in dir that exits 42.
// It returns why the host cannot run it, or an error when the probe itself
// went wrong.
func probeIA32(dir string) (string, error) {
	path := filepath.Join(dir, "ia32-probe")
	if err := os.WriteFile(path, i386Exit42(), 0o755); err != nil {
		return "", err
	}
	return classifyIA32(exec.Command(path).Run())
}

// classifyIA32 tells from the result of running the i386 probe whether the
// host runs i386 executables.
func classifyIA32(err error) (string, error) {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "", errors.New("the i386 probe exited 0, want 42: it did not run as written")
	case errors.As(err, &ee) && ee.ExitCode() == 42:
		return "", nil
	case errors.Is(err, syscall.ENOEXEC):
		return "IA32 emulation is off (exec of an i386 executable: exec format error; see ia32_emulation= on the kernel command line)", nil
	}
	return "", fmt.Errorf("run the i386 probe: %w", err)
}

// i386Exit42 is a static i386 ELF executable of one PT_LOAD segment whose
// code is exit(42) through int 0x80.
func i386Exit42() []byte {
	const base = 0x08048000
	code := []byte{
		0xb8, 0x01, 0x00, 0x00, 0x00, // mov eax, 1 (exit)
		0xbb, 0x2a, 0x00, 0x00, 0x00, // mov ebx, 42
		0xcd, 0x80, // int 0x80
	}
	const ehsize, phsize = 52, 32
	size := uint32(ehsize + phsize + len(code))
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.Write([]byte{0x7f, 'E', 'L', 'F', 1 /* 32-bit */, 1 /* LSB */, 1 /* version */})
	b.Write(make([]byte, 9))
	w(uint16(2))                      // e_type: EXEC
	w(uint16(3))                      // e_machine: 386
	w(uint32(1))                      // e_version
	w(uint32(base + ehsize + phsize)) // e_entry
	w(uint32(ehsize))                 // e_phoff
	w(uint32(0))                      // e_shoff
	w(uint32(0))                      // e_flags
	w(uint16(ehsize))                 // e_ehsize
	w(uint16(phsize))                 // e_phentsize
	w(uint16(1))                      // e_phnum
	w(uint16(0))                      // e_shentsize
	w(uint16(0))                      // e_shnum
	w(uint16(0))                      // e_shstrndx
	w(uint32(1))                      // p_type: LOAD
	w(uint32(0))                      // p_offset
	w(uint32(base))                   // p_vaddr
	w(uint32(base))                   // p_paddr
	w(size)                           // p_filesz
	w(size)                           // p_memsz
	w(uint32(5))                      // p_flags: R+X
	w(uint32(0x1000))                 // p_align
	b.Write(code)
	return b.Bytes()
}

// RequireX32 skips t unless the kernel accepts x32 syscalls
// (CONFIG_X86_X32_ABI).
func RequireX32(t testing.TB) {
	t.Helper()
	x32.require(t, func() (string, string, error) {
		const x32Bit, getpid = 0x40000000, 39
		pid, _, e := unix.RawSyscall(x32Bit|getpid, 0, 0, 0)
		switch {
		case e == unix.ENOSYS:
			return "", "the x32 ABI is off (an x32 getpid gives ENOSYS)", nil
		case e != 0:
			return "", "", fmt.Errorf("x32 getpid: %v", e)
		case int(pid) != os.Getpid():
			return "", "", fmt.Errorf("x32 getpid returned %d, want %d", pid, os.Getpid())
		}
		return "", "", nil
	})
}

// Cgroup2 returns where the unified (v2) cgroup hierarchy is mounted, and
// skips t where it is not.
func Cgroup2(t testing.TB) string {
	t.Helper()
	return cgroup2.require(t, func() (string, string, error) {
		at, err := cgroup2Mount("/proc/self/mountinfo")
		if err == nil && at == "" {
			return "", "no cgroup2 hierarchy is mounted", nil
		}
		return at, "", err
	})
}

// cgroup2Mount returns the first cgroup2 mount point in a mountinfo file.
func cgroup2Mount(mountinfo string) (string, error) {
	f, err := os.Open(mountinfo)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields := strings.Fields(pre)
		if ok && len(fields) >= 5 && strings.HasPrefix(post, "cgroup2 ") {
			return fields[4], nil
		}
	}
	return "", sc.Err()
}
