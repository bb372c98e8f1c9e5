package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/golden"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

// TestBadInput: each kind of bad input is reported on stderr with the file
// and the cause, and exits 2, for both diff and merge.
func TestBadInput(t *testing.T) {
	huge := filepath.Join(t.TempDir(), "huge.json")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 100_000_000); err != nil { // sparse
		t.Fatal(err)
	}
	tests := []struct {
		name, file, stderr string
	}{
		{"malformed JSON", "testdata/malformed.json",
			"testdata/malformed.json:3:16: invalid JSON: invalid character ',' looking for beginning of value\n"},
		{"wrong type", "testdata/wrong-type.json",
			"testdata/wrong-type.json:4:35: syscalls[0].action: want a string, got number\n"},
		{"unknown action", "testdata/unknown-action.json",
			"testdata/unknown-action.json:5:36: syscalls[1].action: unknown action \"SCMP_ACT_ALOW\" (did you mean \"SCMP_ACT_ALLOW\"?)\n"},
		{"unknown operator", "testdata/unknown-operator.json",
			"testdata/unknown-operator.json:5:46: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_EQUAL\" (did you mean \"SCMP_CMP_EQ\"?)\n"},
		{"unknown syscall", "testdata/unknown-syscall.json",
			"testdata/unknown-syscall.json:4:24: syscalls[0].names[1]: unknown syscall \"wirte\" (did you mean \"write\"?)\n"},
		{"empty file", "testdata/empty.json",
			"testdata/empty.json: empty file, want a seccomp profile (a JSON object)\n"},
		{"directory", "testdata",
			"seccompgen CMD: testdata: is a directory, want a profile file\n"},
		{"missing file", "testdata/nope.json",
			"seccompgen CMD: testdata/nope.json: no such file or directory\n"},
		{"100 MB file", huge,
			"seccompgen CMD: " + huge + ": 100000000 bytes is larger than the 16 MiB a profile can be; is this a seccomp profile?\n"},
	}
	for _, tc := range tests {
		for _, args := range [][]string{
			{"diff", tc.file},
			{"diff", "--against", tc.file, "testdata/a.json"},
			{"merge", "-o", "-", "testdata/a.json", tc.file},
		} {
			t.Run(tc.name+"/"+strings.Join(args[:len(args)-1], " "), func(t *testing.T) {
				r := seccompgen(t, args...)
				want := strings.Replace(tc.stderr, "CMD", args[0], 1)
				if diff := cmp.Diff(result{"", want, 2}, r, cmp.AllowUnexported(result{})); diff != "" {
					t.Errorf("seccompgen %s (-want +got):\n%s", strings.Join(args, " "), diff)
				}
			})
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"diff"}, "seccompgen diff: want one PROFILE, got 0 arguments\nRun 'seccompgen help diff' for details.\n"},
		{[]string{"diff", "a.json", "b.json"}, "seccompgen diff: want one PROFILE, got 2 arguments\nRun 'seccompgen help diff' for details.\n"},
		{[]string{"diff", "--format", "yaml", "testdata/a.json"}, "seccompgen diff: --format \"yaml\": want text or json\nRun 'seccompgen help diff' for details.\n"},
		{[]string{"diff", "--caps", "sys_admn", "testdata/a.json"}, "seccompgen diff: --caps: unknown capability \"sys_admn\" (did you mean \"CAP_SYS_ADMIN\"?)\nRun 'seccompgen help diff' for details.\n"},
		{[]string{"diff", "--bogus", "testdata/a.json"}, "seccompgen diff: unknown flag: --bogus\nRun 'seccompgen help diff' for details.\n"},
		{[]string{"merge", "testdata/a.json"}, "seccompgen merge: -o OUT is required (\"-\" for stdout)\nRun 'seccompgen help merge' for details.\n"},
		{[]string{"merge", "-o", "-"}, "seccompgen merge: want at least one PROFILE\nRun 'seccompgen help merge' for details.\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if diff := cmp.Diff(result{"", tc.stderr, 2}, r, cmp.AllowUnexported(result{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestFlagsAfterFiles: diff and merge take no CMD, so their flags may
// follow the file names, as in most tools.
func TestFlagsAfterFiles(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		status int
	}{
		{[]string{"diff", "testdata/a.json", "--exit-code"}, 1},
		{[]string{"diff", "testdata/a.json", "--against", "testdata/a.json", "--exit-code"}, 0},
		{[]string{"merge", "testdata/a.json", "--strict", "-o", "-"}, 0},
		{[]string{"merge", "-o", "-", "--", "testdata/a.json"}, 0},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != tc.status || r.stdout == "" {
				t.Errorf("status %d, want %d; stdout %d bytes; stderr:\n%s", r.status, tc.status, len(r.stdout), r.stderr)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		golden string
		status int
	}{
		{"text", []string{"diff", "--against", "testdata/b.json", "testdata/a.json"}, "diff-a-b.txt", 0},
		{"json", []string{"diff", "--format", "json", "--against", "testdata/b.json", "testdata/a.json"}, "diff-a-b.json", 0},
		{"exit code differ", []string{"diff", "--exit-code", "--against", "testdata/b.json", "testdata/a.json"}, "diff-a-b.txt", 1},
		{"exit code same", []string{"diff", "--exit-code", "--against", "testdata/a.json", "testdata/a.json"}, "diff-a-a.txt", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != tc.status || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q; want exit %d, no stderr", r.status, r.stderr, tc.status)
			}
			golden.Check(t, tc.golden, []byte(r.stdout))
		})
	}
}

// TestDiffDockerDefault runs the default comparison; its numbers are
// moby's for the host, so the exact summary is checked on amd64 only.
func TestDiffDockerDefault(t *testing.T) {
	r := seccompgen(t, "diff", "--format", "json", "testdata/a.json")
	if r.status != 0 {
		t.Fatalf("exit %d: %s", r.status, r.stderr)
	}
	var got struct {
		B              string   `json:"b"`
		AllowedOnlyInA []string `json:"allowed_only_in_a"`
		AllowedOnlyInB []string `json:"allowed_only_in_b"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.B != "docker-default" || len(got.AllowedOnlyInB) < 300 {
		t.Errorf("b = %q with %d names only in it; want docker-default with hundreds", got.B, len(got.AllowedOnlyInB))
	}
	if runtime.GOARCH != "amd64" {
		return
	}
	r = seccompgen(t, "diff", "testdata/a.json")
	first, _, _ := strings.Cut(r.stdout, "\n")
	want := "testdata/a.json allows 9 syscalls; docker-default (x86_64, 14 default caps) allows 370; 361 fewer, 0 beyond it"
	if first != want {
		t.Errorf("summary %q, want %q", first, want)
	}
	// More capabilities let more through.
	r = seccompgen(t, "diff", "--caps", "ALL", "testdata/a.json")
	first, _, _ = strings.Cut(r.stdout, "\n")
	if !strings.Contains(first, "docker-default (x86_64, caps ") || strings.Contains(first, "allows 370;") {
		t.Errorf("summary with --caps ALL: %q", first)
	}
}

func TestMerge(t *testing.T) {
	out := filepath.Join(t.TempDir(), "merged.json")
	r := seccompgen(t, "merge", "-o", out, "testdata/a.json", "testdata/a.json")
	if r != (result{}) {
		t.Fatalf("merge: %+v", r)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "merge-a-a.json", data)
	// Merging a profile with itself lets through exactly what it did.
	if r := seccompgen(t, "diff", "--exit-code", "--against", "testdata/a.json", out); r.status != 0 {
		t.Errorf("diff a merge(a,a): exit %d\n%s%s", r.status, r.stdout, r.stderr)
	}
	// Stdout gives the same bytes.
	if r := seccompgen(t, "merge", "-o", "-", "testdata/a.json", "testdata/a.json"); r.stdout != string(data) || r.status != 0 {
		t.Errorf("merge -o -: exit %d, stdout differs from the file", r.status)
	}
	// Different default actions cannot be united.
	r = seccompgen(t, "merge", "-o", "-", "testdata/a.json", "testdata/b.json")
	want := "seccompgen merge: profiles: testdata/a.json denies by default with EPERM, testdata/b.json with ENOSYS; merge needs one default action\n"
	if diff := cmp.Diff(result{"", want, 2}, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := profiles.ReadFile(out, profiles.DefaultTarget()); err != nil {
		t.Errorf("merged profile does not read back: %v", err)
	}
}

// TestMergeValidates: merge compiles its output with libseccomp; a name
// libseccomp does not know is a warning, and with --strict an error.
func TestMergeValidates(t *testing.T) {
	// Find a name our tables know but this libseccomp does not: which one
	// depends on the installed version.
	all, err := profiles.Generate(profiles.Spec{ABIs: []string{"x86_64"}, Allow: recording.Names()})
	if err != nil {
		t.Fatal(err)
	}
	warnings, err := profiles.Validate(all, false)
	if errors.Is(err, profiles.ErrNoLibseccomp) {
		t.Skip("built without cgo: no libseccomp to validate with")
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) == 0 {
		t.Skip("this libseccomp knows every syscall name seccompgen does")
	}
	name := strings.Split(warnings[0], `"`)[1]
	p := filepath.Join(t.TempDir(), "p.json")
	text := `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["read", "` + name + `"], "action": "SCMP_ACT_ALLOW"}]}`
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprintf("syscall %q is unknown to libseccomp for amd64; runc ignores it there", name)
	r := seccompgen(t, "merge", "-o", "-", p)
	if r.status != 0 || r.stderr != "seccompgen merge: warning: "+msg+"\n" {
		t.Errorf("merge: exit %d, stderr %q; want 0 and the warning", r.status, r.stderr)
	}
	r = seccompgen(t, "merge", "--strict", "-o", "-", p)
	want := result{"", "seccompgen merge: profiles: " + msg + "\n", 2}
	if diff := cmp.Diff(want, r, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("merge --strict (-want +got):\n%s", diff)
	}
}
