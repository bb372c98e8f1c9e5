package profiles

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestArchWidening: merging an x86_64-only input with one that admits
// i386 would allow on i386 what only the x86_64 input allowed.
func TestArchWidening(t *testing.T) {
	const (
		x64  = `"architectures": ["SCMP_ARCH_X86_64"]`
		both = `"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]`
		all  = `"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]`
	)
	rules := func(arches, rules string) string {
		return `{"defaultAction": "SCMP_ACT_ERRNO", ` + arches + `, "syscalls": [` + rules + `]}`
	}
	allow := func(names string) string { return `{"names": [` + names + `], "action": "SCMP_ACT_ALLOW"}` }
	socket := func(v string) string {
		return `{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": ` + v + `, "op": "SCMP_CMP_EQ"}]}`
	}
	tests := []struct {
		name string
		in   []string
		want []Widening
	}{
		{"same architectures", []string{rules(both, allow(`"read", "ptrace"`)), rules(both, allow(`"write"`))}, nil},
		{"names the other ABI already allows", []string{rules(x64, allow(`"read"`)), rules(both, allow(`"read", "write"`))}, nil},
		{"x86_64-only names reach i386", []string{rules(x64, allow(`"read", "ptrace", "mmap"`)), rules(both, allow(`"read", "write"`))},
			[]Widening{{Arch: "x86", Names: []string{"mmap", "ptrace"}}}},
		{"a name i386 lacks is not listed", []string{rules(x64, allow(`"arch_prctl", "accept", "newfstatat"`)), rules(both, allow(`"read"`))},
			[]Widening{{Arch: "x86", Names: []string{"arch_prctl"}}}},
		{"conditions widen", []string{rules(x64, socket("2")+","+allow(`"ioctl"`)), rules(both, socket("1")+","+`{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 21505, "op": "SCMP_CMP_EQ"}]}`)},
			[]Widening{{Arch: "x86", Names: []string{"ioctl", "socket"}}}},
		{"per ABI", []string{rules(x64, allow(`"ptrace"`)), rules(both, allow(`"read"`)), rules(all, allow(`"write"`))},
			[]Widening{{Arch: "x86", Names: []string{"ptrace"}}, {Arch: "x32", Names: []string{"ptrace", "read"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ps []*Profile
			for i, text := range tc.in {
				ps = append(ps, mustParse(t, string(rune('a'+i))+".json", text))
			}
			m, err := Merge(ps...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ArchWidening(m, ps...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
