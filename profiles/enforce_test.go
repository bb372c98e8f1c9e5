package profiles

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultWarning(t *testing.T) {
	tests := []struct {
		name, in, want string
		nothing        bool
	}{
		{"allow", `{"defaultAction": "SCMP_ACT_ALLOW"}`,
			"default action SCMP_ACT_ALLOW lets every syscall through and no rule refuses any: the profile confines nothing", true},
		{"log", `{"defaultAction": "SCMP_ACT_LOG", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
			"default action SCMP_ACT_LOG lets every syscall through and no rule refuses any: the profile confines nothing", true},
		{"denylist", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ptrace", "bpf"], "action": "SCMP_ACT_ERRNO"},
			{"names": ["socket"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}]}]}`,
			"default action SCMP_ACT_ALLOW lets through every syscall no rule names: only the 3 syscalls its rules name are confined", false},
		{"trace", `{"defaultAction": "SCMP_ACT_TRACE", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
			"default action SCMP_ACT_TRACE hands every syscall no rule names to a ptrace tracer: with none attached they fail with ENOSYS, and a tracer (strace, gdb) may let them through", false},
		{"errno", `{"defaultAction": "SCMP_ACT_ERRNO"}`, "", false},
		{"kill", `{"defaultAction": "SCMP_ACT_KILL_PROCESS"}`, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, "p.json", tc.in)
			if got := p.DefaultWarning(); got != tc.want {
				t.Errorf("DefaultWarning() = %q, want %q", got, tc.want)
			}
			if got := p.ConfinesNothing(); got != tc.nothing {
				t.Errorf("ConfinesNothing() = %v, want %v", got, tc.nothing)
			}
		})
	}
}

// TestDiffAllowAll: an allow-all profile confines nothing, diff says so,
// and it allows only the syscalls that exist for the ABIs it admits.
func TestDiffAllowAll(t *testing.T) {
	docker, err := DockerDefault(testTarget)
	if err != nil {
		t.Fatal(err)
	}
	type out struct {
		OnlyA   []string `json:"allowed_only_in_a"`
		OnlyB   []string `json:"allowed_only_in_b"`
		Nothing bool     `json:"confines_nothing_a"`
		DockerN bool     `json:"confines_nothing_b"`
	}
	for _, tc := range []struct {
		name, arches string
		onlyB        []string // what docker-default allows beyond, among a few names
	}{
		{"native", ``, []string{"_llseek", "mmap2"}}, // i386 calls do not get past the architecture check
		{"x86_64", `, "architectures": ["SCMP_ARCH_X86_64"]`, []string{"_llseek", "mmap2"}},
		{"every x86 ABI", `, "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]`, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mustParse(t, "all.json", `{"defaultAction": "SCMP_ACT_ALLOW"`+tc.arches+`}`)
			c := Diff(a, docker)
			var got out
			if err := json.Unmarshal(c.JSON("", ""), &got); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"recv", "send", "riscv_hwprobe", "arm_fadvise64_64"} {
				if slices.Contains(got.OnlyA, n) {
					t.Errorf("allowed_only_in_a has %s, which is no x86 syscall", n)
				}
			}
			var onlyB []string
			for _, n := range []string{"_llseek", "mmap2", "read"} {
				if slices.Contains(got.OnlyB, n) {
					onlyB = append(onlyB, n)
				}
			}
			if diff := cmp.Diff(tc.onlyB, nonNil(onlyB)); diff != "" {
				t.Errorf("allowed_only_in_b (-want +got):\n%s", diff)
			}
			if !got.Nothing || got.DockerN {
				t.Errorf("confines_nothing a=%v b=%v, want true, false", got.Nothing, got.DockerN)
			}
			if text := c.Text("", ""); !strings.Contains(text, "\nNote: all.json: default action SCMP_ACT_ALLOW lets every syscall through") {
				t.Errorf("text has no note that all.json confines nothing:\n%s", text)
			}
		})
	}
}
