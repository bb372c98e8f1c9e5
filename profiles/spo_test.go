package profiles

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v3"
)

// spoInputs are profiles that exercise every part of the resource: the
// default errno ENOSYS (a rule and the annotation), an explicit ENOSYS
// rule (clone3), argument conditions, i386, a listener-free flag.
var spoInputs = map[string]string{
	"enosys": `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
		"syscalls": [{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2080505856, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
			{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
			{"names": ["memfd_create", "userfaultfd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}`,
	"eperm": `{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"], "flags": ["SECCOMP_FILTER_FLAG_LOG"],
		"syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
			{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
	"kill": `{"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}`,
}

// TestSPORoundTrip: a resource read back gives the same bytes, and lets
// through what the profile it was made from lets through, with the same
// errno for what it does not name.
func TestSPORoundTrip(t *testing.T) {
	for name, in := range spoInputs {
		t.Run(name, func(t *testing.T) {
			p := mustParse(t, name+".json", in)
			meta := SPOMeta{Name: "app", Namespace: "web"}
			y, err := p.SPOBytes(meta)
			if err != nil {
				t.Fatal(err)
			}
			q, err := Parse(name+".yaml", y, testTarget)
			if err != nil {
				t.Fatalf("reading back:\n%s\n%v", y, err)
			}
			y2, err := q.SPOBytes(meta)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(y), string(y2)); diff != "" {
				t.Errorf("bytes after a round trip (-want +got):\n%s", diff)
			}
			if c := Diff(p, q); c.Differs() {
				t.Errorf("the resource lets through other things than the profile:\n%s", c.Text("", ""))
			}
			if diff := cmp.Diff(p.defaultText(), q.defaultText()); diff != "" {
				t.Errorf("default action (-want +got):\n%s", diff)
			}
			// What the operator writes to the nodes: the spec alone, its
			// default-errno rule kept; libseccomp must compile it.
			asLoaded := bytes.Replace(y, []byte(SPODefaultErrnoAnnotation), []byte("x-ignored"), 1)
			l, err := Parse(name+".yaml", asLoaded, testTarget)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Validate(l, false); err != nil && !errors.Is(err, ErrNoLibseccomp) {
				t.Errorf("the resource as the operator loads it: %v", err)
			}
			if c := Diff(p, l); c.Differs() {
				t.Errorf("the resource as the operator loads it lets through other things:\n%s", c.Text("", ""))
			}
			got, ok := q.SPO()
			if !ok || got != meta {
				t.Errorf("SPO() = %+v, %v; want %+v, true", got, ok, meta)
			}
			// The plain profile written again from the resource is
			// canonical, and the explicit ENOSYS rule folded into the
			// default does the same.
			r := mustParse(t, "again.json", string(q.Bytes()))
			if c := Diff(p, r); c.Differs() {
				t.Errorf("OCI from the resource differs:\n%s", c.Text("", ""))
			}
		})
	}
}

// TestSPOBytes pins the exact form of a small resource.
func TestSPOBytes(t *testing.T) {
	p := mustParse(t, "eperm.json", spoInputs["eperm"])
	got, err := p.SPOBytes(SPOMeta{Name: "true"})
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: "true"
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures:
  - SCMP_ARCH_X86_64
  flags:
  - SECCOMP_FILTER_FLAG_LOG
  syscalls:
  - action: SCMP_ACT_ALLOW
    names:
    - socket
    args:
    - index: 0
      op: SCMP_CMP_EQ
      value: 1
  - action: SCMP_ACT_ALLOW
    names:
    - read
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSPOSchema checks every field of written resources against the
// CRD's fields (testdata/spo/schema.txt): names, types, required fields
// and allowed values, as the API server would without a cluster.
func TestSPOSchema(t *testing.T) {
	schema := loadSchema(t)
	for name, in := range spoInputs {
		t.Run(name, func(t *testing.T) {
			y, err := mustParse(t, name+".json", in).SPOBytes(SPOMeta{Name: "app.v1", Namespace: "default"})
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := yaml.Unmarshal(y, &doc); err != nil {
				t.Fatal(err)
			}
			var errs []string
			checkSchema(schema, "", doc, &errs)
			if len(errs) > 0 {
				t.Errorf("%s\ndoes not fit the CRD:\n%s", y, strings.Join(errs, "\n"))
			}
		})
	}
}

type field struct {
	typ      string
	required bool
	enum     []string
}

func loadSchema(t *testing.T) map[string]field {
	f, err := os.Open("testdata/spo/schema.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]field{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		if len(w) < 2 || strings.HasPrefix(w[0], "#") {
			continue
		}
		fd := field{typ: w[1]}
		rest := w[2:]
		if len(rest) > 0 && rest[0] == "required" {
			fd.required, rest = true, rest[1:]
		}
		fd.enum = rest
		m[w[0]] = fd
	}
	return m
}

func checkSchema(schema map[string]field, path string, v any, errs *[]string) {
	fd, ok := schema[path]
	if path != "" && !ok {
		*errs = append(*errs, fmt.Sprintf("%s: no such field", path))
		return
	}
	typ := ""
	switch x := v.(type) {
	case map[string]any:
		typ = "object"
		for k, c := range x {
			cp := k
			if path != "" {
				cp = path + "." + k
			}
			if _, ok := schema[cp]; !ok {
				if _, any := schema[path+".*"]; any {
					cp = path + ".*"
				}
			}
			checkSchema(schema, cp, c, errs)
		}
		prefix := path + "."
		if path == "" {
			prefix = ""
		}
		for p, f := range schema {
			if f.required && strings.HasPrefix(p, prefix) && !strings.Contains(p[len(prefix):], ".") && !strings.Contains(p[len(prefix):], "[") {
				if _, ok := x[p[len(prefix):]]; !ok {
					*errs = append(*errs, fmt.Sprintf("%s: required field missing", p))
				}
			}
		}
	case []any:
		typ = "array"
		for _, c := range x {
			checkSchema(schema, path+"[]", c, errs)
		}
	case string:
		typ = "string"
		if len(fd.enum) > 0 && !slices.Contains(fd.enum, x) {
			*errs = append(*errs, fmt.Sprintf("%s: %q is not one of %v", path, x, fd.enum))
		}
	case int, int64, uint64:
		typ = "integer"
	default:
		typ = fmt.Sprintf("%T", v)
	}
	if path != "" && typ != fd.typ {
		*errs = append(*errs, fmt.Sprintf("%s: a %s, the CRD wants a %s", path, typ, fd.typ))
	}
}

// TestSPOMerge: two resources merge as their profiles do, and the result
// written as a resource reads back the same.
func TestSPOMerge(t *testing.T) {
	a := `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: app
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures: [SCMP_ARCH_X86_64]
  syscalls:
  - action: SCMP_ACT_ALLOW
    names: [read, write]
  - action: SCMP_ACT_ERRNO
    errnoRet: 1
    names: [memfd_create]
`
	// The same profile as kubectl get -o json prints it, v1.
	b := `{"apiVersion": "security-profiles-operator.x-k8s.io/v1", "kind": "SeccompProfile", "metadata": {"name": "app"},
		"spec": {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"action": "SCMP_ACT_ALLOW", "names": ["close", "memfd_create"]}]}, "status": {"status": "Installed"}}`
	m, err := Merge(mustParse(t, "a.yaml", a), mustParse(t, "b.json", b))
	if err != nil {
		t.Fatal(err)
	}
	want := mustParse(t, "want.json", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
		{"names": ["close", "read", "write"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["memfd_create"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}`)
	if diff := cmp.Diff(string(want.Bytes()), string(m.Bytes())); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
}

// TestSPOErrors: a bad resource names the place in the YAML file.
func TestSPOErrors(t *testing.T) {
	head := "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  name: x\n"
	tests := []struct {
		name, in, want string
	}{
		{"bad action", head + "spec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALOW\n    names: [read]\n",
			`p.yaml:8:13: spec.syscalls[0].action: unknown action "SCMP_ACT_ALOW"`},
		{"bad name", head + "spec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - action: SCMP_ACT_ALLOW\n    names:\n    - read\n    - wrte\n",
			`p.yaml:11:7: spec.syscalls[0].names[1]: `},
		{"other kind", "apiVersion: v1\nkind: ConfigMap\n", `p.yaml:2:7: kind "ConfigMap": want a seccomp profile`},
		{"other group", "apiVersion: example.com/v1\nkind: SeccompProfile\nspec: {}\n", `p.yaml:1:13: apiVersion "example.com/v1": want security-profiles-operator.x-k8s.io/`},
		{"no spec", head, `p.yaml:1:1: spec missing`},
		{"base profile", head + "spec:\n  baseProfileName: runc-v1.1.5\n  defaultAction: SCMP_ACT_ERRNO\n", `p.yaml:6:20: spec.baseProfileName "runc-v1.1.5": the operator unites`},
		{"bad yaml", head + "spec:\n  defaultAction: [\n", `p.yaml:`},
		{"aliases", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\n" +
			"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n" +
			"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nspec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [*g]}\n",
			`p.yaml:10:7: spec: document contains excessive aliasing`},
		{"two documents", head + "spec:\n  defaultAction: SCMP_ACT_ERRNO\n---\n" + head + "spec:\n  defaultAction: SCMP_ACT_ERRNO\n",
			`p.yaml:7:1: a second YAML document: a profile file holds one SeccompProfile; split the file`},
		{"trailing separator", head + "spec:\n  defaultAction: SCMP_ACT_ERRNO\n---\n", ""},
		{"bad annotation", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata:\n  annotations:\n    seccompgen.io/default-errno-ret: \"0\"\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n",
			`p.yaml:5:38: metadata.annotations.seccompgen.io/default-errno-ret "0": want an errno from 1 to 4095`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("p.yaml", []byte(tc.in), testTarget)
			if tc.want == "" {
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to start with %q", err, tc.want)
			}
		})
	}
}

func TestSPONameFor(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/App_Server.yaml": "app-server",
		"node-1.json":          "node-1",
		"./redis-server":       "redis-server",
		"__":                   "",
	} {
		if got := SPONameFor(in); got != want {
			t.Errorf("SPONameFor(%q) = %q, want %q", in, got, want)
		}
	}
	if err := (SPOMeta{Name: "Bad_Name"}).Check(); err == nil {
		t.Error("Check accepted Bad_Name")
	}
}
