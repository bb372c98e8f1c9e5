package profiles

import (
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestDockerDefaultMatchesMoby resolves docker-default ourselves and with
// moby's own GetDefaultProfile, which resolves for the host only: on amd64
// with Docker's default capabilities both must give the same rules, hence
// the same allowed names and count.
func TestDockerDefaultMatchesMoby(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("moby resolves for the host architecture; this test compares amd64")
	}
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: dockerDefaultCaps}}}
	ref, err := seccomp.GetDefaultProfile(rs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DockerDefault(Target{Arch: "amd64"}) // host kernel, as moby uses
	if err != nil {
		t.Fatal(err)
	}
	want := &Profile{spec: *ref}
	want.canonicalize()
	if diff := cmp.Diff(want.spec, got.spec); diff != "" {
		t.Errorf("resolved rules (-moby +ours):\n%s", diff)
	}

	// The allowed names, counted from moby's rules independently of
	// verdicts: names of ALLOW rules without conditions.
	var names []string
	for _, r := range ref.Syscalls {
		if r.Action == specs.ActAllow && len(r.Args) == 0 {
			names = append(names, r.Names...)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if diff := cmp.Diff(names, got.Allowed()); diff != "" {
		t.Errorf("Allowed() (-moby +ours):\n%s", diff)
	}
	if len(got.Allowed()) != len(names) {
		t.Errorf("len(Allowed()) = %d, moby allows %d", len(got.Allowed()), len(names))
	}
	if !slices.Contains(got.Allowed(), "memfd_create") {
		t.Error("memfd_create is not allowed; Docker allows it")
	}
	for _, n := range []string{"userfaultfd", "mount", "bpf"} {
		if slices.Contains(got.Allowed(), n) || slices.Contains(got.Conditional(), n) {
			t.Errorf("%s is allowed; Docker denies it without extra capabilities", n)
		}
	}
	if diff := cmp.Diff([]string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}, got.Architectures()); diff != "" {
		t.Errorf("Architectures() (-want +got):\n%s", diff)
	}
}

// TestDockerDefaultTargets checks the conditions of Docker's profile that
// a target changes: capabilities, kernel and architecture.
func TestDockerDefaultTargets(t *testing.T) {
	type check struct {
		name string
		kind kind
	}
	tests := []struct {
		name   string
		t      Target
		checks []check
	}{
		{"default caps", Target{Arch: "amd64", Kernel: "6.1"}, []check{
			{"memfd_create", allowed}, {"userfaultfd", byDefault}, {"chroot", allowed},
			{"clone", conditional}, {"socket", conditional}, {"personality", conditional},
			{"clone3", denied}, {"ptrace", allowed}, {"arch_prctl", allowed}, {"mount", byDefault},
		}},
		{"sys_admin", Target{Arch: "amd64", Caps: append(slices.Clone(dockerDefaultCaps), "CAP_SYS_ADMIN"), Kernel: "6.1"}, []check{
			{"mount", allowed}, {"clone", allowed}, {"clone3", allowed}, {"bpf", allowed},
		}},
		{"no caps", Target{Arch: "amd64", Caps: []string{}, Kernel: "6.1"}, []check{
			{"chroot", byDefault}, {"read", allowed},
		}},
		{"old kernel", Target{Arch: "amd64", Kernel: "4.4"}, []check{
			{"ptrace", byDefault}, {"process_vm_readv", byDefault},
		}},
		{"arm64", Target{Arch: "arm64", Kernel: "6.1"}, []check{
			{"arch_prctl", byDefault}, {"set_tls", allowed}, {"modify_ldt", byDefault},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DockerDefault(tc.t)
			if err != nil {
				t.Fatal(err)
			}
			v := p.verdicts()
			for _, c := range tc.checks {
				got := byDefault
				if v[c.name] != nil {
					got = v[c.name].kind
				}
				if got != c.kind {
					t.Errorf("%s: kind %d, want %d", c.name, got, c.kind)
				}
			}
		})
	}
}

func TestTargetString(t *testing.T) {
	tests := []struct {
		t    Target
		want string
	}{
		{Target{Arch: "amd64"}, "x86_64, 14 default caps"},
		{Target{Arch: "arm64", Caps: []string{}}, "aarch64, no caps"},
		{Target{Arch: "x86_64", Caps: []string{"sys_admin", "chown"}, Kernel: "5.10"}, "x86_64, caps CHOWN,SYS_ADMIN, kernel 5.10"},
	}
	for _, tc := range tests {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.t, got, tc.want)
		}
	}
}
