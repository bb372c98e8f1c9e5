package testenv

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
)

// RequireKernelLog skips t unless the kernel logs what a SCMP_ACT_LOG
// filter lets through and this process can read those records back from
// /dev/kmsg. The reason names the setting to change.
func RequireKernelLog(t testing.TB) {
	t.Helper()
	if why := kernelLogMissing(); why != "" {
		skipOptional(t, why)
	}
}

func kernelLogMissing() string {
	data, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_logged")
	if err != nil {
		return "cannot read /proc/sys/kernel/seccomp/actions_logged (" + err.Error() + "): no seccomp logging"
	}
	if !strings.Contains(" "+strings.TrimSpace(string(data))+" ", " log ") {
		return "/proc/sys/kernel/seccomp/actions_logged is " + strings.TrimSpace(string(data)) + ", without log: the kernel does not log SCMP_ACT_LOG"
	}
	fd, err := syscall.Open("/dev/kmsg", syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err == nil {
		defer syscall.Close(fd)
		buf := make([]byte, 8192)
		_, err = syscall.Read(fd, buf)
		if err == nil || errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EPIPE) {
			return ""
		}
	}
	why := "/dev/kmsg: " + err.Error()
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		if r, _ := os.ReadFile("/proc/sys/kernel/dmesg_restrict"); strings.TrimSpace(string(r)) == "1" {
			why += " (kernel.dmesg_restrict=1 and this process lacks CAP_SYSLOG)"
		}
	}
	return why + ": the kernel's seccomp records cannot be read back"
}
