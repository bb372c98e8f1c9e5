// Package testenv decides whether a test can run here: privileged tests skip
// with the reason where root, BTF or a tool is missing, and
// SECCOMPGEN_REQUIRE_BPF=1 (set by CI) turns every such skip into a failure.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether CI demands that privileged tests run.
func Required() bool {
	return os.Getenv("SECCOMPGEN_REQUIRE_BPF") == "1"
}

func skip(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("SECCOMPGEN_REQUIRE_BPF=1 but %s", why)
	}
	t.Skip(why)
}

// RequireBPF skips t unless this process can load and attach the tracer:
// root (or CAP_BPF+CAP_PERFMON, which tests do not try to tell apart) and
// kernel BTF.
func RequireBPF(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		skip(t, "the eBPF tracer needs root")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		skip(t, "the eBPF tracer needs kernel BTF (/sys/kernel/btf/vmlinux)")
	}
}

// RequireTool skips t unless the named program is on PATH (make deps
// installs them all).
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		skip(t, name+" is not installed (make deps installs it)")
	}
	return p
}
