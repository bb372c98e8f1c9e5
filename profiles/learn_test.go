package profiles

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTreats(t *testing.T) {
	p, err := Generate(Spec{
		ABIs:        []string{"x86_64"},
		Allow:       []string{"read", "execve"},
		Deny:        []string{"memfd_create"},
		NoSys:       []string{"clone3"},
		Conditional: []Cond{{Name: "socket", Values: []uint64{2}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	type treated struct {
		T      Treatment
		Action string
	}
	got := map[string]treated{}
	for _, n := range []string{"read", "getppid", "memfd_create", "clone3", "socket"} {
		tr, a := p.Treats(n)
		got[n] = treated{tr, a}
	}
	want := map[string]treated{
		"read":         {Allowed, ""},
		"getppid":      {ByDefault, ""},
		"memfd_create": {Denied, "EPERM"},
		"clone3":       {Denied, "ENOSYS"},
		"socket":       {Conditional, ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("treatments (-want +got):\n%s", diff)
	}
}

// TestWithAllowed: learned names join the allow rule, denies stay, and an
// ABI the profile did not admit is added with what that widens there.
func TestWithAllowed(t *testing.T) {
	p, err := Generate(Spec{ABIs: []string{"x86_64"}, Allow: []string{"read", "execve"}, Deny: []string{"memfd_create"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		names    map[string][]string
		want     string
		widening []Widening
	}{
		{
			"x86_64",
			map[string][]string{"x86_64": {"getppid", "memfd_create"}},
			`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["execve","getppid","read"],"action":"SCMP_ACT_ALLOW"},{"names":["memfd_create"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`,
			nil,
		},
		{
			"i386 added",
			map[string][]string{"i386": {"read"}},
			`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["execve","read"],"action":"SCMP_ACT_ALLOW"},{"names":["memfd_create"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`,
			[]Widening{{Arch: "x86", Names: []string{"execve"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ws, err := p.WithAllowed(tc.names)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, compact(t, m.Bytes())); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.widening, ws); diff != "" {
				t.Errorf("widenings (-want +got):\n%s", diff)
			}
		})
	}
}

// compact is JSON without its indentation, to compare on one line.
func compact(t *testing.T, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestLogCopy: the copy written to a file lists every x86 ABI, so runc
// logs an i386 or x32 call instead of killing the process; p is untouched.
func TestLogCopy(t *testing.T) {
	if nativeArch() != "SCMP_ARCH_X86_64" {
		t.Skip("the copy lists the x86 ABIs on x86_64 only")
	}
	p, err := Generate(Spec{ABIs: []string{"x86_64"}, Allow: []string{"read", "execve"}, Deny: []string{"memfd_create"}, NoSys: []string{"clone3"}})
	if err != nil {
		t.Fatal(err)
	}
	before := string(p.Bytes())
	const want = `{"defaultAction":"SCMP_ACT_LOG","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"syscalls":[{"names":["execve","read"],"action":"SCMP_ACT_ALLOW"},{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38},{"names":["memfd_create"],"action":"SCMP_ACT_LOG"}]}`
	if diff := cmp.Diff(want, compact(t, p.LogCopy().Bytes())); diff != "" {
		t.Errorf("log copy (-want +got):\n%s", diff)
	}
	if got := string(p.Bytes()); got != before {
		t.Errorf("LogCopy changed p:\n%s", got)
	}
}
