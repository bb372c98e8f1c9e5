package profiles

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/golden"
)

// generated is a profile as the pipeline writes one: a small allow list
// and the default explicit denies.
func generated(t *testing.T) *Profile {
	t.Helper()
	p, err := Generate(Spec{
		ABIs:  []string{"x86_64"},
		Allow: []string{"read", "write", "close", "exit_group", "mmap", "munmap", "brk", "futex", "rt_sigaction", "openat", "clone", "socket"},
		Deny:  []string{"memfd_create", "userfaultfd"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, name string) *Profile {
	t.Helper()
	if name == DockerDefaultName {
		p, err := DockerDefault(testTarget)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := ReadFile(filepath.Join("testdata", "profiles", name), testTarget)
	if err != nil {
		t.Fatal(err)
	}
	p.name = name // the golden files must not depend on the directory
	return p
}

func TestDiffGolden(t *testing.T) {
	tests := []struct {
		name    string
		a, b    func(t *testing.T) *Profile
		aName   string
		differs bool
	}{
		{"generated-vs-docker-default", generated, func(t *testing.T) *Profile { return load(t, DockerDefaultName) }, "app.json", true},
		{"conditional", func(t *testing.T) *Profile { return load(t, "hand-a.json") }, func(t *testing.T) *Profile { return load(t, "hand-b.json") }, "", true},
		{"identical", func(t *testing.T) *Profile { return load(t, "hand-a.json") }, func(t *testing.T) *Profile { return load(t, "hand-a.json") }, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Diff(tc.a(t), tc.b(t))
			golden.Check(t, "diff/"+tc.name+".txt", []byte(c.Text(tc.aName, "")))
			golden.Check(t, "diff/"+tc.name+".json", c.JSON(tc.aName, ""))
			if got := c.Differs(); got != tc.differs {
				t.Errorf("Differs() = %v, want %v", got, tc.differs)
			}
		})
	}
}

func TestDiffDiffers(t *testing.T) {
	base := `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
		{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}`
	tests := []struct {
		name, b string
		want    bool
	}{
		{"same", base + `]}`, false},
		{"other errno for a denied name", base + `, {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}`, false},
		{"one more name", base + `, {"names": ["close"], "action": "SCMP_ACT_ALLOW"}]}`, true},
		{"other condition", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
			{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}`, true},
		{"unconditional", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
			{"names": ["read", "write", "socket"], "action": "SCMP_ACT_ALLOW"}]}`, true},
		{"other architectures", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "syscalls": [
			{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`, true},
	}
	a, err := Parse("a.json", []byte(base+`]}`), testTarget)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Parse("b.json", []byte(tc.b), testTarget)
			if err != nil {
				t.Fatal(err)
			}
			if got := Diff(a, b).Differs(); got != tc.want {
				t.Errorf("Differs() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSummary(t *testing.T) {
	p := generated(t)
	tests := []struct{ name, want string }{
		{"", "the profile allows 12 syscalls; docker-default (x86_64, 14 default caps, kernel 6.1) allows 370; 358 fewer, 0 beyond it"},
		{"app.json", "app.json allows 12 syscalls; docker-default (x86_64, 14 default caps, kernel 6.1) allows 370; 358 fewer, 0 beyond it"},
	}
	for _, tc := range tests {
		got, err := summary(p, tc.name, testTarget)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Summary(p, %q) (-want +got):\n%s", tc.name, diff)
		}
	}
	d, err := DockerDefault(testTarget)
	if err != nil {
		t.Fatal(err)
	}
	got, err := summary(d, "", testTarget)
	if err != nil {
		t.Fatal(err)
	}
	want := "docker-default (x86_64, 14 default caps, kernel 6.1) allows 370 syscalls; docker-default (x86_64, 14 default caps, kernel 6.1) allows 370; the same set"
	if got != want {
		t.Errorf("Summary(docker-default) = %q, want %q", got, want)
	}
}
