package profiles

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const cloneNS = 0x7e020080 // recording.CloneNamespaceFlags

func TestGenerateConditional(t *testing.T) {
	p, err := Generate(Spec{
		ABIs:  []string{"x86_64"},
		Allow: []string{"read", "write"},
		Deny:  []string{"personality"},
		Conditional: []Cond{
			{Name: "socket", Values: []uint64{2, 1, 2}},
			{Name: "clone", Mask: cloneNS, Values: []uint64{0}},
			{Name: "read", Values: []uint64{0}},        // allowed anyway: no rule
			{Name: "personality", Values: []uint64{0}}, // denied: no rule
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		got  []string
		want []string
	}{
		{"allowed", p.Allowed(), []string{"read", "write"}},
		{"conditional", p.Conditional(), []string{"clone", "socket"}},
		{"denied", p.Denied(), []string{"personality"}},
	} {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	if got := p.verdicts()["socket"].conds; !cmp.Equal(got, []string{"allow if arg0 == 1", "allow if arg0 == 2"}) {
		t.Errorf("socket: %q", got)
	}
	if got := p.verdicts()["clone"].conds; !cmp.Equal(got, []string{"allow if arg0 & 0x7e020080 == 0"}) {
		t.Errorf("clone: %q", got)
	}
}

func TestAllowsArg(t *testing.T) {
	d, err := DockerDefault(testTarget)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := Generate(Spec{ABIs: []string{"x86_64"}, Allow: []string{"read"}, Deny: []string{"userfaultfd"}, Conditional: []Cond{
		{Name: "socket", Values: []uint64{1, 2}},
		{Name: "clone", Mask: cloneNS, Values: []uint64{0}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		p           *Profile
		syscall     string
		mask, value uint64
		want        bool
	}{
		{"AF_UNIX", gen, "socket", 0, 1, true},
		{"AF_INET6", gen, "socket", 0, 10, false},
		{"fork", gen, "clone", cloneNS, 0, true},
		{"CLONE_NEWUSER", gen, "clone", cloneNS, 0x10000000, false},
		{"unconditional", gen, "read", 0, 7, true},
		{"denied", gen, "userfaultfd", 0, 0, false},
		{"by default", gen, "ptrace", 0, 0, false},
		{"docker AF_INET6", d, "socket", 0, 10, true},
		{"docker AF_VSOCK", d, "socket", 0, 40, false},
		{"docker fork", d, "clone", cloneNS, 0, true},
		// Docker's clone rule masks 0x7e020000, all within what is known.
		{"docker CLONE_NEWUSER", d, "clone", cloneNS, 0x10000000, false},
		// CLONE_NEWTIME is outside Docker's mask: allowed.
		{"docker CLONE_NEWTIME", d, "clone", cloneNS, 0x80, true},
		// Only some bits known, compared whole: cannot be sure.
		{"partly known", gen, "socket", 0xff, 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.AllowsArg(tc.syscall, 0, tc.mask, tc.value); got != tc.want {
				t.Errorf("AllowsArg(%s, 0, %#x, %#x) = %v, want %v", tc.syscall, tc.mask, tc.value, got, tc.want)
			}
		})
	}
}
