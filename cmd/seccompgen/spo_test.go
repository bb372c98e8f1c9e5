package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestSPOFormat: record writes a SeccompProfile resource for a .yaml
// output; diff finds it the same as the OCI profile of the same run; merge
// of resources gives a resource; run enforces one; check --update keeps
// the file a resource with its name.
func TestSPOFormat(t *testing.T) {
	testenv.RequireBPF(t)
	dir := t.TempDir()
	y := filepath.Join(dir, "Echo_App.yaml")
	j := filepath.Join(dir, "echo.json")
	for _, out := range []string{y, j} {
		if r := seccompgen(t, "record", "--infer", "none", "-o", out, "--", "/bin/echo", "hi"); r.status != 0 {
			t.Fatalf("record -o %s: %d\n%s", out, r.status, r.stderr)
		}
	}
	data, err := os.ReadFile(y)
	if err != nil {
		t.Fatal(err)
	}
	head := "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: echo-app\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n"
	if !strings.HasPrefix(string(data), head) {
		t.Errorf("%s starts\n%s\nwant\n%s", y, firstLines(string(data), 6), head)
	}
	if r := seccompgen(t, "diff", "--exit-code", "--against", j, y); r.status != 0 {
		t.Errorf("diff of the resource and the OCI profile of the same run: %d\n%s%s", r.status, r.stdout, r.stderr)
	}

	m := filepath.Join(dir, "merged.yaml")
	if r := seccompgen(t, "merge", "-o", m, "--spo-name", "echo", "--spo-namespace", "apps", y, y); r.status != 0 {
		t.Fatalf("merge: %d\n%s", r.status, r.stderr)
	}
	merged, err := os.ReadFile(m)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(data), "  name: echo-app\n", "  name: echo\n  namespace: apps\n", 1)
	if diff := cmp.Diff(want, string(merged)); diff != "" {
		t.Errorf("a resource merged with itself (-want +got):\n%s", diff)
	}
	if r := seccompgen(t, "run", "--profile", m, "--", "/bin/echo", "enforced"); r.status != 0 || r.stdout != "enforced\n" {
		t.Errorf("run --profile %s: %d %q\n%s", m, r.status, r.stdout, r.stderr)
	}

	if r := seccompgen(t, "check", "--update", "--infer", "none", "--profile", m, "--", "/bin/true"); r.status != 0 {
		t.Fatalf("check --update: %d\n%s", r.status, r.stderr)
	}
	updated, _ := os.ReadFile(m)
	if !strings.HasPrefix(string(updated), "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: echo\n  namespace: apps\n") {
		t.Errorf("check --update did not keep the resource:\n%s", firstLines(string(updated), 6))
	}
}

// TestSPOFlagErrors: the format flags' usage errors.
func TestSPOFlagErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "p.json")
	if err := os.WriteFile(p, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		status int
		want   string
	}{
		{"record bad format", []string{"record", "--format", "yaml", "--", "/bin/true"}, 125, `seccompgen record: --format "yaml": want oci or spo`},
		{"record name without spo", []string{"record", "-o", "x.json", "--spo-name", "x", "--", "/bin/true"}, 125, "seccompgen record: --spo-name and --spo-namespace name a SeccompProfile resource: add --format spo, or write to a .yaml file"},
		{"merge bad name", []string{"merge", "-o", "-", "--format", "spo", "--spo-name", "Bad_Name", p}, 2, `seccompgen merge: --spo-name, --spo-namespace: name "Bad_Name": want a Kubernetes object name`},
		{"merge stdout named from input", []string{"merge", "-o", "-", "--format", "spo", p}, 0, ""},
		{"check bad format", []string{"check", "--profile", p, "--profile-format", "x", "--", "/bin/true"}, 2, `seccompgen check: --profile-format "x": want oci or spo`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != tc.status || !strings.HasPrefix(r.stderr, tc.want) {
				t.Errorf("status %d, stderr %q; want %d, %q", r.status, r.stderr, tc.status, tc.want)
			}
		})
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	return strings.Join(lines[:min(n, len(lines))], "")
}
