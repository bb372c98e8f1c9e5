package profiles

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t *testing.T, name, text string) *Profile {
	t.Helper()
	p, err := Parse(name, []byte(text), testTarget)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{
			name: "union",
			in: []string{
				`{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}`,
				`{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["write", "close"], "action": "SCMP_ACT_ALLOW"}]}`,
			},
			want: `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["close", "read", "write"], "action": "SCMP_ACT_ALLOW"}]}`,
		},
		{
			name: "deny wins",
			in: []string{
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "memfd_create", "ptrace"], "action": "SCMP_ACT_ALLOW"}]}`,
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["memfd_create"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}`,
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS"}]}`,
			},
			want: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
				{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
				{"names": ["memfd_create"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
				{"names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS"}]}`,
		},
		{
			name: "args kept",
			in: []string{
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket", "personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
					{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
			},
			want: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
				{"names": ["personality", "socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
				{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}`,
		},
		{
			name: "unconditional allow covers conditions",
			in: []string{
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW"}]}`,
			},
			want: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW"}]}`,
		},
		{
			name: "deny wins over conditions",
			in: []string{
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97}]}`,
			},
			want: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97}]}`,
		},
		{
			name: "repeated argument stays ORed",
			in: []string{
				`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}`,
			},
			want: `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
				{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
				{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}`,
		},
		{
			name: "arch union",
			in: []string{
				`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X32", "SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
				`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
			},
			want: `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ps []*Profile
			for i, text := range tc.in {
				ps = append(ps, mustParse(t, string(rune('a'+i))+".json", text))
			}
			got, err := Merge(ps...)
			if err != nil {
				t.Fatal(err)
			}
			want := mustParse(t, "want.json", tc.want)
			if diff := cmp.Diff(string(want.Bytes()), string(got.Bytes())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestMergeIdempotent: merging a profile with itself changes nothing, and
// merging is stable (merge(m, m) = m for any merge result m).
func TestMergeIdempotent(t *testing.T) {
	gen := generated(t)
	for _, p := range []*Profile{gen, load(t, DockerDefaultName), load(t, "hand-a.json"), load(t, "hand-b.json"), load(t, "conditional.json")} {
		t.Run(p.name, func(t *testing.T) {
			m, err := Merge(p, p)
			if err != nil {
				t.Fatal(err)
			}
			if Diff(p, m).Differs() {
				t.Errorf("merge(a, a) lets through other syscalls than a:\n%s", Diff(p, m).Text("a", "merge(a, a)"))
			}
			mm, err := Merge(m, m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(m.Bytes()), string(mm.Bytes())); diff != "" {
				t.Errorf("merge(m, m) != m (-want +got):\n%s", diff)
			}
		})
	}
	// The pipeline's own output is already in merge's form: byte for byte.
	m, err := Merge(gen, gen)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(gen.Bytes()), string(m.Bytes())); diff != "" {
		t.Errorf("merge(generated, generated) (-want +got):\n%s", diff)
	}
	// conditional.json is written in merge's canonical form too.
	c := load(t, "conditional.json")
	m, err = Merge(c, c)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(c.Bytes()), string(m.Bytes())); diff != "" {
		t.Errorf("merge(conditional, conditional) (-want +got):\n%s", diff)
	}
}

func TestMergeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"default allow", []string{`{"defaultAction": "SCMP_ACT_ALLOW"}`},
			"profiles: a.json: default action SCMP_ACT_ALLOW lets every syscall through; merge combines allowlists (a denying default action)"},
		{"different defaults", []string{`{"defaultAction": "SCMP_ACT_ERRNO"}`, `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38}`},
			"profiles: a.json denies by default with EPERM, b.json with ENOSYS; merge needs one default action"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ps []*Profile
			for i, text := range tc.in {
				ps = append(ps, mustParse(t, string(rune('a'+i))+".json", text))
			}
			_, err := Merge(ps...)
			if err == nil {
				t.Fatal("Merge succeeded, want an error")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge() succeeded, want an error")
	}
}
