package profiles

import (
	"strings"
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

func TestFoldValues(t *testing.T) {
	all := ^uint64(0)
	for _, tc := range []struct {
		name   string
		mask   uint64
		values []uint64
		want   []cube
	}{
		{"one", all, []uint64{0x5401}, []cube{{all, 0x5401}}},
		{"no shared bits", all, []uint64{1, 2}, []cube{{all, 1}, {all, 2}}},
		{"one bit apart", all, []uint64{0x5401, 0x5403}, []cube{{all &^ 2, 0x5401}}},
		{"a square", all, []uint64{0, 1, 2, 3}, []cube{{all &^ 3, 0}}},
		{"three of a square", all, []uint64{0, 1, 2}, []cube{{all &^ 2, 0}, {all &^ 1, 0}}},
		{"both under a one-bit mask", 4, []uint64{0, 4}, []cube{{0, 0}}},
		{"one under a one-bit mask", 4, []uint64{4}, []cube{{4, 4}}},
		{"clone: none and NEWNS", cloneNS, []uint64{0, 0x20000}, []cube{{cloneNS &^ 0x20000, 0}}},
		{"duplicates", all, []uint64{7, 7}, []cube{{all, 7}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, foldValues(tc.mask, tc.values), cmp.AllowUnexported(cube{})); diff != "" {
				t.Errorf("foldValues(%#x, %v) (-want +got):\n%s", tc.mask, tc.values, diff)
			}
		})
	}
}

func TestCondCrossProduct(t *testing.T) {
	p, err := Generate(Spec{ABIs: []string{"x86_64"}, Allow: []string{"read"}, Conditional: []Cond{
		{Name: "socket", Index: 0, Values: []uint64{1, 2}},
		{Name: "socket", Index: 1, Mask: 0xf, Values: []uint64{1}},
		{Name: "mprotect", Index: 2, Mask: 4, Values: []uint64{0}},
		{Name: "mmap", Index: 2, Mask: 4, Values: []uint64{0, 4}}, // any: unconditional
	}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"mmap", "read"}, p.Allowed()); diff != "" {
		t.Errorf("allowed (-want +got):\n%s", diff)
	}
	want := []string{"allow if arg0 == 1 && arg1 & 15 == 1", "allow if arg0 == 2 && arg1 & 15 == 1"}
	if diff := cmp.Diff(want, p.verdicts()["socket"].conds); diff != "" {
		t.Errorf("socket (-want +got):\n%s", diff)
	}
	// An int argument folds under a 32-bit mask, the kernel's view; an
	// unfolded value is still compared whole; a value beyond 32 bits (a
	// sign-extended int) keeps the fold 64-bit.
	q, err := Generate(Spec{ABIs: []string{"x86_64"}, Conditional: []Cond{
		{Name: "ioctl", Index: 1, Values: []uint64{0x5401, 0x5403, 0x541b}, Int: true},
		{Name: "prctl", Index: 0, Values: []uint64{15, 14, 0xffffffffc0000000}, Int: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"allow if arg1 & 0xfffffffd == 0x5401", "allow if arg1 == 0x541b"}, q.verdicts()["ioctl"].conds); diff != "" {
		t.Errorf("ioctl (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"allow if arg0 & 0xfffffffffffffffe == 14", "allow if arg0 == 0xffffffffc0000000"}, q.verdicts()["prctl"].conds); diff != "" {
		t.Errorf("prctl (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, p.verdicts()["socket"].conds); diff != "" {
		t.Errorf("socket (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"allow if arg2 & 4 == 0"}, p.verdicts()["mprotect"].conds); diff != "" {
		t.Errorf("mprotect (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name  string
		index uint
		mask  uint64
		value uint64
		want  bool
	}{
		{"socket AF_INET", 0, 0, 2, true},
		{"socket AF_PACKET", 0, 0, 17, false},
		{"socket SOCK_STREAM", 1, 0xf, 1, true},
		{"socket SOCK_RAW", 1, 0xf, 3, false},
		{"mprotect PROT_EXEC", 2, 4, 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, _, _ := strings.Cut(tc.name, " ")
			if got := p.AllowsArg(name, tc.index, tc.mask, tc.value); got != tc.want {
				t.Errorf("AllowsArg = %v, want %v", got, tc.want)
			}
		})
	}
}
