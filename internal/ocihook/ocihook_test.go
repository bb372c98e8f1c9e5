package ocihook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name, value string
		want        *Request
		err         string
	}{
		{"output", "of:/var/lib/p/app.json", &Request{Output: "/var/lib/p/app.json"}, ""},
		{"output and base", "of:/p/app.json;if:/p/base.json", &Request{Output: "/p/app.json", Base: "/p/base.json"}, ""},
		{"base first, spaces", " if:/p/base.json ; of:/p/../p/app.json ", &Request{Output: "/p/app.json", Base: "/p/base.json"}, ""},
		{"relative", "of:app.json", nil, `of:app.json is relative; give an absolute path`},
		{"no output", "if:/p/base.json", nil, "no of: output"},
		{"empty", "", nil, "no of: output"},
		{"unknown key", "of:/p/a.json;xf:/p/b", nil, `unknown key "xf"`},
		{"no key", "/p/a.json", nil, `"/p/a.json" has no key`},
		{"twice", "of:/p/a.json;of:/p/b.json", nil, "of: given twice"},
		{"no path", "of:", nil, "of: no path"},
		{"same file", "of:/p/a.json;if:/p/a.json", nil, "of: and if: are the same file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRequest(AnnotationRecord, tc.value)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				if !strings.HasPrefix(err.Error(), "annotation io.seccompgen.record=") {
					t.Errorf("error %q does not name the annotation", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Annotation = AnnotationRecord
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestStateRequest(t *testing.T) {
	tests := []struct {
		name  string
		state string
		want  *Request
		err   string
	}{
		{"none", `{"ociVersion": "1.0.2", "id": "c1", "pid": 42, "annotations": {"other": "x"}}`, nil, ""},
		{"seccompgen", `{"id": "c1", "pid": 42, "annotations": {"io.seccompgen.record": "of:/p/a.json"}}`, &Request{Annotation: AnnotationRecord, Output: "/p/a.json"}, ""},
		{"oci-seccomp-bpf-hook", `{"id": "c1", "pid": 42, "annotations": {"io.containers.trace-syscall": "if:/p/b.json;of:/p/a.json"}}`, &Request{Annotation: AnnotationTrace, Output: "/p/a.json", Base: "/p/b.json"}, ""},
		{"both agree", `{"annotations": {"io.seccompgen.record": "of:/p/a.json", "io.containers.trace-syscall": "of:/p/a.json"}}`, &Request{Annotation: AnnotationRecord, Output: "/p/a.json"}, ""},
		{"both differ", `{"annotations": {"io.seccompgen.record": "of:/p/a.json", "io.containers.trace-syscall": "of:/p/b.json"}}`, nil, "ask for different recordings"},
		{"malformed", `{"annotations": {"io.containers.trace-syscall": "of:rel.json"}}`, nil, "is relative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ReadState(strings.NewReader(tc.state))
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Request()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := ReadState(strings.NewReader("not json")); err == nil || !strings.Contains(err.Error(), "not the state JSON") {
		t.Errorf("ReadState of garbage: %v", err)
	}
}

func TestNoNewPrivileges(t *testing.T) {
	tests := []struct {
		name, config string
		nnp, ok      bool
	}{
		{"true", `{"process": {"noNewPrivileges": true}}`, true, true},
		{"false", `{"process": {"noNewPrivileges": false}}`, false, true},
		{"unset is false", `{"process": {}}`, false, true},
		{"no config", "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.config != "" {
				if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(tc.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			nnp, ok, err := NoNewPrivileges(dir)
			if err != nil || nnp != tc.nnp || ok != tc.ok {
				t.Errorf("got %v, %v, %v; want %v, %v, nil", nnp, ok, err, tc.nnp, tc.ok)
			}
		})
	}
}

func TestRuntime(t *testing.T) {
	for exe, want := range map[string]string{
		"/usr/sbin/runc":            "runc",
		"/usr/bin/crun":             "crun",
		"/usr/local/bin/runc.amd64": "runc",
		"/usr/bin/runc (deleted)":   "runc",
		"/usr/bin/youki":            "",
		"/usr/bin/conmon":           "",
	} {
		if got := Runtime(exe); got != want {
			t.Errorf("Runtime(%q) = %q, want %q", exe, got, want)
		}
	}
}
