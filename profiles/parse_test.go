package profiles

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testTarget is fixed so results do not depend on the machine running the
// tests.
var testTarget = Target{Arch: "amd64", Kernel: "6.1"}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "p.json: empty file, want a seccomp profile (a JSON object)"},
		{"blank", " \n\t\n", "p.json: empty file, want a seccomp profile (a JSON object)"},
		{"malformed", "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [,]\n}",
			"p.json:3:16: invalid JSON: invalid character ',' looking for beginning of value"},
		{"truncated", "{\"defaultAction\": \"SCMP_ACT_ERRNO\"",
			"p.json:1:35: invalid JSON: unexpected end of JSON input"},
		{"not an object", "[1, 2]", "p.json:1:1: want a seccomp profile (a JSON object), got array"},
		{"wrong type action", "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n    {\"names\": [\"write\"], \"action\": 7}\n  ]\n}",
			"p.json:5:36: syscalls[1].action: want a string, got number"},
		{"wrong type names", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read", "action": "SCMP_ACT_ALLOW"}]}`,
			"p.json:1:60: syscalls[0].names: want an array, got string"},
		{"negative index", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": -1, "value": 0, "op": "SCMP_CMP_EQ"}]}]}`,
			"p.json:1:117: syscalls[0].args[0].index: want a non-negative integer, got number -1"},
		{"no default action", `{"syscalls": []}`,
			`p.json:1:1: defaultAction missing (want e.g. "defaultAction": "SCMP_ACT_ERRNO")`},
		{"unknown default action", `{"defaultAction": "SCMP_ACT_EROR"}`,
			`p.json:1:19: defaultAction: unknown action "SCMP_ACT_EROR" (did you mean "SCMP_ACT_ERRNO"?)`},
		{"unknown action", "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n {\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALOW\"}]}",
			`p.json:3:33: syscalls[1].action: unknown action "SCMP_ACT_ALOW" (did you mean "SCMP_ACT_ALLOW"?)`},
		{"unknown operator", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQUAL"}]}]}`,
			`p.json:1:140: syscalls[0].args[0].op: unknown operator "SCMP_CMP_EQUAL" (did you mean "SCMP_CMP_EQ"?)`},
		{"argument index", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}`,
			"p.json:1:119: syscalls[0].args[0].index: argument 6 does not exist: syscalls have arguments 0 to 5"},
		{"unknown syscall", "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [{\"names\": [\"read\", \"mmapp\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
			`p.json:2:34: syscalls[0].names[1]: unknown syscall "mmapp" (did you mean "mmap"?)`},
		{"unknown legacy name", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"name": "gettpid", "action": "SCMP_ACT_ALLOW"}]}`,
			`p.json:1:59: syscalls[0].name: unknown syscall "gettpid" (did you mean "getpid"?)`},
		{"no names", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]}`,
			`p.json:1:50: syscalls[0]: rule has no names (want e.g. "names": ["read"])`},
		{"name and names", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"}]}`,
			"p.json:1:59: syscalls[0].name: both name and names are set; use names"},
		{"unknown architecture", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_46"]}`,
			`p.json:1:55: architectures[0]: unknown architecture "SCMP_ARCH_X86_46" (did you mean "SCMP_ARCH_X86_64"?)`},
		{"architectures and archMap", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}`,
			"p.json:1:87: archMap: both architectures and archMap are set; use one"},
		{"bad minKernel", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "four"}}]}`,
			`p.json:1:126: syscalls[0].includes.minKernel: want a kernel version such as "4.8", got "four"`},
		{"unknown include cap", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["SYS_ADMIN"]}}]}`,
			`p.json:1:121: syscalls[0].includes.caps[0]: unknown capability "SYS_ADMIN" (did you mean "CAP_SYS_ADMIN"?)`},
		{"unknown include arch", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd46"]}}]}`,
			`p.json:1:123: syscalls[0].includes.arches[0]: unknown architecture "amd46" (did you mean "amd64"?)`},
		{"unknown flag", `{"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOGG"]}`,
			`p.json:1:47: flags[0]: unknown flag "SECCOMP_FILTER_FLAG_LOGG" (did you mean "SECCOMP_FILTER_FLAG_LOG"?)`},
		{"default errno 65536", "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"defaultErrnoRet\": 65536}",
			"p.json:2:21: defaultErrnoRet: 65536 is not an errno: want 1 to 4095 (MAX_ERRNO); runc keeps only 16 bits, which makes it 0: denied syscalls would return success without running"},
		{"default errno 0", `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 0}`,
			"p.json:1:56: defaultErrnoRet: errno 0 makes a denied syscall return success without running, so the program believes it worked; want an errno from 1 to 4095 (1 is EPERM, 38 ENOSYS)"},
		{"rule errno 4096", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4096}]}`,
			"p.json:1:110: syscalls[0].errnoRet: 4096 is not an errno: want 1 to 4095 (MAX_ERRNO); runc keeps only 16 bits, which leaves 4096, which the kernel caps at 4095, an errno no program knows"},
		{"rule errno 65537", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 65537}]}`,
			"p.json:1:110: syscalls[0].errnoRet: 65537 is not an errno: want 1 to 4095 (MAX_ERRNO); runc keeps only 16 bits, which makes it 1, another errno than the one written"},
		{"rule errno 0", `{"defaultAction": "SCMP_ACT_KILL", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0}]}`,
			"p.json:1:109: syscalls[0].errnoRet: errno 0 makes a denied syscall return success without running, so the program believes it worked; want an errno from 1 to 4095 (1 is EPERM, 38 ENOSYS)"},
		{"trace message", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_TRACE", "errnoRet": 70000}]}`,
			"p.json:1:110: syscalls[0].errnoRet: 70000 does not fit the 16 bits SCMP_ACT_TRACE passes to the tracer (want 0 to 65535); runc would pass 4464"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.json", []byte(tc.in), testTarget)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	// Sparse: 100 MB that takes no disk, and must never be read whole.
	if err := os.Truncate(huge, 100_000_000); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
		is               error
	}{
		{"missing", filepath.Join(dir, "nope.json"), dir + "/nope.json: no such file or directory", fs.ErrNotExist},
		{"directory", dir, dir + ": is a directory, want a profile file", nil},
		{"empty", empty, empty + ": empty file, want a seccomp profile (a JSON object)", nil},
		{"huge", huge, huge + ": 100000000 bytes is larger than the 16 MiB a profile can be; is this a seccomp profile?", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFile(tc.path, testTarget)
			if err == nil {
				t.Fatal("ReadFile succeeded, want an error")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(err, %v) = false", tc.is)
			}
		})
	}
}

func TestTargetErrors(t *testing.T) {
	tests := []struct {
		name string
		t    Target
		want string
	}{
		{"arch", Target{Arch: "amd46"}, `p.json: unknown architecture "amd46" (did you mean "amd64"?)`},
		{"cap", Target{Arch: "amd64", Caps: []string{"sys_admn"}}, `p.json: unknown capability "sys_admn" (did you mean "CAP_SYS_ADMIN"?)`},
		{"kernel", Target{Arch: "amd64", Kernel: "latest"}, `p.json: kernel version "latest": want MAJOR.MINOR such as 6.1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO"}`), tc.t)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCaps(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", []string{}, ""},
		{"chown, CAP_net_raw,cap_chown", []string{"CAP_CHOWN", "CAP_NET_RAW"}, ""},
		{"SYS_ADMIN", []string{"CAP_SYS_ADMIN"}, ""},
		{"chown,netraw", nil, `unknown capability "netraw" (did you mean "CAP_NET_RAW"?)`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCaps(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseCaps(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseCaps(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// TestRoundTrip checks that canonical files come back byte for byte, and
// that any file comes out canonical: writing what was read and reading it
// again changes nothing.
func TestRoundTrip(t *testing.T) {
	gen, err := Generate(Spec{ABIs: []string{"x86_64", "i386"}, Allow: []string{"write", "read", "exit_group"}, Deny: []string{"memfd_create"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("generated", func(t *testing.T) {
		p, err := Parse("gen.json", gen.Bytes(), testTarget)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(gen.Bytes()), string(p.Bytes())); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("conditional", func(t *testing.T) {
		path := "testdata/profiles/conditional.json"
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadFile(path, testTarget)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(p.Bytes())); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	for _, f := range []string{"unsorted.json", "docker-format.json"} {
		t.Run(f, func(t *testing.T) {
			p, err := ReadFile("testdata/profiles/"+f, testTarget)
			if err != nil {
				t.Fatal(err)
			}
			q, err := Parse(f, p.Bytes(), testTarget)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(p.Bytes()), string(q.Bytes())); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	t.Run("unsorted comes out sorted", func(t *testing.T) {
		p, err := ReadFile("testdata/profiles/unsorted.json", testTarget)
		if err != nil {
			t.Fatal(err)
		}
		want := `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": [
    "SCMP_ARCH_X86_64",
    "SCMP_ARCH_X86"
  ],
  "syscalls": [
    {
      "names": [
        "read",
        "write"
      ],
      "action": "SCMP_ACT_ALLOW"
    }
  ]
}
`
		if diff := cmp.Diff(want, string(p.Bytes())); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

// TestDockerFormat resolves a Docker-format file's conditions (archMap,
// includes/excludes on caps, arches and minKernel, the legacy name) for
// several targets.
func TestDockerFormat(t *testing.T) {
	tests := []struct {
		name           string
		t              Target
		allowed, cond  []string
		denied, arches []string
	}{
		{
			name:    "amd64 default caps",
			t:       Target{Arch: "x86_64", Kernel: "6.1"},
			allowed: []string{"arch_prctl", "exit_group", "getpid", "ptrace", "read", "write"},
			cond:    []string{"clone"},
			denied:  []string{"memfd_create"},
			arches:  []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"},
		},
		{
			name:    "amd64 sys_admin old kernel",
			t:       Target{Arch: "amd64", Caps: []string{"sys_admin"}, Kernel: "4.4.0-210-generic"},
			allowed: []string{"arch_prctl", "clone", "exit_group", "getpid", "mount", "read", "vhangup", "write"},
			cond:    []string{},
			denied:  []string{"memfd_create"},
			arches:  []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"},
		},
		{
			name:    "arm64 no caps",
			t:       Target{Arch: "aarch64", Caps: []string{}, Kernel: "5.10"},
			allowed: []string{"exit_group", "getpid", "ptrace", "read", "set_tls", "write"},
			cond:    []string{"clone"},
			denied:  []string{},
			arches:  []string{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"},
		},
		{
			name:    "riscv64 is not in the archMap",
			t:       Target{Arch: "riscv64", Kernel: "6.1"},
			allowed: []string{"exit_group", "getpid", "ptrace", "read", "write"},
			cond:    []string{"clone"},
			denied:  []string{"memfd_create"},
			arches:  []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ReadFile("testdata/profiles/docker-format.json", tc.t)
			if err != nil {
				t.Fatal(err)
			}
			got := [][]string{p.Allowed(), p.Conditional(), p.Denied(), p.Architectures()}
			want := [][]string{tc.allowed, tc.cond, tc.denied, tc.arches}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("[allowed conditional denied architectures] (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	d, err := Load("docker-default", testTarget)
	if err != nil {
		t.Fatal(err)
	}
	if d.name != "docker-default" {
		t.Errorf("name = %q, want docker-default", d.name)
	}
	p, err := Load("testdata/profiles/conditional.json", testTarget)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Allowed(), " "); got != "close exit_group read write" {
		t.Errorf("Allowed() = %s", got)
	}
}
