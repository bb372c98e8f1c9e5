package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	yaml "go.yaml.in/yaml/v3"
)

// The security-profiles-operator's SeccompProfile resource
// (security-profiles-operator.x-k8s.io, kind SeccompProfile): a
// Kubernetes object whose spec is an OCI seccomp profile without
// defaultErrnoRet. The operator writes the spec to every node's kubelet
// seccomp directory, where pods reference it as a localhost profile.

// SPOGroup is the API group of the operator's resources.
const SPOGroup = "security-profiles-operator.x-k8s.io"

// SPOAPIVersion is the apiVersion written: v1beta1 is served by every
// operator release, 1.0 included (which also serves v1).
const SPOAPIVersion = SPOGroup + "/v1beta1"

// spoVersions are the versions of SPOGroup read; their specs have the same
// fields.
var spoVersions = []string{"v1beta1", "v1"}

// SPODefaultErrnoAnnotation records, in a written resource, the default
// errno the profile had: the resource has no defaultErrnoRet, so the
// syscalls the profile does not name get it through one explicit rule,
// which reading folds back into the default action.
const SPODefaultErrnoAnnotation = "seccompgen.io/default-errno-ret"

// SPOMeta is the identity of a SeccompProfile resource.
type SPOMeta struct {
	Name string
	// Namespace is empty for the cluster-scoped resource of operator
	// 0.9 and later; releases before 0.9 need one.
	Namespace string
}

// dns1123 is a Kubernetes object name: an RFC 1123 subdomain.
var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// dns1123Label is a namespace name: an RFC 1123 label.
var dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Check refuses a name or namespace Kubernetes would refuse.
func (m SPOMeta) Check() error {
	if len(m.Name) > 253 || !dns1123.MatchString(m.Name) {
		return fmt.Errorf("name %q: want a Kubernetes object name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters)", m.Name)
	}
	if m.Namespace != "" && (len(m.Namespace) > 63 || !dns1123Label.MatchString(m.Namespace)) {
		return fmt.Errorf("namespace %q: want a Kubernetes namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)", m.Namespace)
	}
	return nil
}

// SPONameFor makes a resource name from a file name or command: its base
// name without extension, lowercased, every other character than a letter,
// digit, '-' or '.' turned into '-'. It returns "" when nothing is left.
func SPONameFor(path string) string {
	base := filepath.Base(path)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-.")
	if len(name) > 253 {
		name = strings.Trim(name[:253], "-.")
	}
	return name
}

// IsSPOPath reports whether path names a YAML file, which record and merge
// write as a SeccompProfile resource unless told otherwise.
func IsSPOPath(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yaml" || ext == ".yml"
}

// SPO returns the identity of the resource p was read from, and whether
// it was read from one.
func (p *Profile) SPO() (SPOMeta, bool) {
	if p.spo == nil {
		return SPOMeta{}, false
	}
	return *p.spo, true
}

// SPOBytes returns p as a SeccompProfile resource in canonical YAML: fixed
// key order, sorted names, two-space indent, trailing newline. A default
// errno other than EPERM, which the resource cannot say, becomes one
// ERRNO rule for every syscall of p's architectures that no rule names,
// and SPODefaultErrnoAnnotation.
func (p *Profile) SPOBytes(m SPOMeta) ([]byte, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	s := p.spec
	rules, defErrno := p.spoRules()
	var b bytes.Buffer
	b.WriteString("apiVersion: " + SPOAPIVersion + "\nkind: SeccompProfile\nmetadata:\n")
	b.WriteString("  name: " + yamlString(m.Name) + "\n")
	if m.Namespace != "" {
		b.WriteString("  namespace: " + yamlString(m.Namespace) + "\n")
	}
	if defErrno != 0 {
		fmt.Fprintf(&b, "  annotations:\n    %s: %s\n", SPODefaultErrnoAnnotation, yamlString(strconv.FormatUint(uint64(defErrno), 10)))
	}
	b.WriteString("spec:\n  defaultAction: " + string(s.DefaultAction) + "\n")
	writeList(&b, "  ", "architectures", archStrings(s.Architectures))
	var flags []string
	for _, f := range s.Flags {
		flags = append(flags, string(f))
	}
	writeList(&b, "  ", "flags", flags)
	if s.ListenerPath != "" {
		b.WriteString("  listenerPath: " + yamlString(s.ListenerPath) + "\n")
	}
	if s.ListenerMetadata != "" {
		b.WriteString("  listenerMetadata: " + yamlString(s.ListenerMetadata) + "\n")
	}
	if len(rules) > 0 {
		b.WriteString("  syscalls:\n")
	}
	for i, r := range rules {
		b.WriteString("  - action: " + string(r.Action) + "\n")
		if r.ErrnoRet != nil {
			if *r.ErrnoRet > math.MaxInt32 {
				return nil, fmt.Errorf("syscalls[%d].errnoRet %d: the resource holds at most %d", i, *r.ErrnoRet, math.MaxInt32)
			}
			fmt.Fprintf(&b, "    errnoRet: %d\n", *r.ErrnoRet)
		}
		writeList(&b, "    ", "names", r.Names)
		if len(r.Args) > 0 {
			b.WriteString("    args:\n")
		}
		for j, a := range r.Args {
			// The resource's values are int64 (format int64, minimum 0).
			if a.Value > math.MaxInt64 || a.ValueTwo > math.MaxInt64 {
				return nil, fmt.Errorf("syscalls[%d].args[%d]: value %d or %d is above %d, the largest the resource holds", i, j, a.Value, a.ValueTwo, int64(math.MaxInt64))
			}
			fmt.Fprintf(&b, "    - index: %d\n      op: %s\n", a.Index, a.Op)
			if a.Value != 0 {
				fmt.Fprintf(&b, "      value: %d\n", a.Value)
			}
			if a.ValueTwo != 0 {
				fmt.Fprintf(&b, "      valueTwo: %d\n", a.ValueTwo)
			}
		}
	}
	return b.Bytes(), nil
}

// spoRules returns p's rules for the resource, and the default errno that
// became a rule (0 when none did). The names of unconditional rules that
// return the default errno go into that rule too: they do what the
// default does, and reading gives them back to the default.
func (p *Profile) spoRules() ([]specs.LinuxSyscall, uint) {
	s := p.spec
	if s.DefaultAction != specs.ActErrno || s.DefaultErrnoRet == nil || *s.DefaultErrnoRet == EPERM {
		return s.Syscalls, 0
	}
	errno := *s.DefaultErrnoRet
	var rules []specs.LinuxSyscall
	for _, r := range s.Syscalls {
		if isDefaultErrnoRule(r, errno) {
			continue
		}
		rules = append(rules, r)
	}
	named := map[string]bool{}
	for _, r := range rules {
		for _, n := range r.Names {
			named[n] = true
		}
	}
	var rest []string
	for _, n := range p.universe() {
		// A name libseccomp does not know would only make runc warn.
		if !named[n] && (knownByLibseccomp == nil || knownByLibseccomp(n)) {
			rest = append(rest, n)
		}
	}
	if len(rest) > 0 {
		e := errno
		rules = append(rules, specs.LinuxSyscall{Names: rest, Action: specs.ActErrno, ErrnoRet: &e})
	}
	return rules, errno
}

func isDefaultErrnoRule(r specs.LinuxSyscall, errno uint) bool {
	return r.Action == specs.ActErrno && r.ErrnoRet != nil && *r.ErrnoRet == errno && len(r.Args) == 0
}

func archStrings(as []specs.Arch) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, string(a))
	}
	return out
}

// writeList writes key and its items as a block sequence, nothing when
// there are none.
func writeList(b *bytes.Buffer, indent, key string, items []string) {
	if len(items) == 0 {
		return
	}
	b.WriteString(indent + key + ":\n")
	for _, it := range items {
		b.WriteString(indent + "- " + yamlString(it) + "\n")
	}
}

// plainSafe matches the strings YAML reads back as the same string when
// written without quotes: identifiers such as syscall names, SCMP_*
// constants and object names that start with a letter, which no YAML 1.1
// or 1.2 resolver takes for a number (the keywords are checked apart).
var plainSafe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// yamlString writes s plain when that is unambiguous, else double-quoted
// (YAML's double-quoted style reads JSON's escapes).
func yamlString(s string) string {
	if plainSafe.MatchString(s) {
		switch strings.ToLower(s) {
		case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		default:
			return s
		}
	}
	q, _ := json.Marshal(s)
	return string(q)
}

// spoProbe is what tells a SeccompProfile resource from a profile.
type spoProbe struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// looksSPO reports whether data is a Kubernetes object (JSON or YAML with
// apiVersion or kind at the top), which parseSPO reads or refuses. Other
// text goes to the JSON reader and its messages.
func looksSPO(data []byte) bool {
	t := bytes.TrimSpace(data)
	var pr spoProbe
	if len(t) > 0 && t[0] == '{' {
		return json.Unmarshal(t, &pr) == nil && (pr.APIVersion != "" || pr.Kind != "")
	}
	var m map[string]any
	if yaml.Unmarshal(t, &m) != nil {
		// Bad YAML that means to be a resource gets YAML's message.
		return topKey.Match(t)
	}
	_, a := m["apiVersion"]
	_, k := m["kind"]
	return a || k
}

// topKey finds a resource's apiVersion or kind at the start of a line.
var topKey = regexp.MustCompile(`(?m)^(apiVersion|kind)\s*:`)

// parseSPO reads a SeccompProfile resource, YAML or JSON, and returns its
// spec as a profile. Errors point into the file.
func parseSPO(name string, data []byte, t target) (*Profile, error) {
	var doc, next yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlError(name, err)
	}
	if err := dec.Decode(&next); err == nil && !emptyDoc(&next) {
		// One file, one profile: a second would be silently dropped.
		return nil, &ParseError{File: name, Line: next.Line, Col: next.Column, Err: errors.New("a second YAML document: a profile file holds one SeccompProfile; split the file")}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	at := func(n *yaml.Node, format string, a ...any) error {
		return &ParseError{File: name, Line: n.Line, Col: n.Column, Err: fmt.Errorf(format, a...)}
	}
	if root.Kind != yaml.MappingNode {
		return nil, at(root, "want a seccomp profile: a JSON object, or a SeccompProfile resource (apiVersion: %s, kind: SeccompProfile)", SPOAPIVersion)
	}
	apiVersion, kind := mapValue(root, "apiVersion"), mapValue(root, "kind")
	if kind == nil || kind.Value != "SeccompProfile" {
		where := root
		got := "no kind"
		if kind != nil {
			where, got = kind, fmt.Sprintf("kind %q", kind.Value)
		}
		return nil, at(where, "%s: want a seccomp profile (a JSON object) or a SeccompProfile resource (kind: SeccompProfile, apiVersion: %s)", got, SPOAPIVersion)
	}
	if apiVersion == nil {
		return nil, at(root, "apiVersion missing (want apiVersion: %s)", SPOAPIVersion)
	}
	group, version, _ := strings.Cut(apiVersion.Value, "/")
	if group != SPOGroup || !slices.Contains(spoVersions, version) {
		return nil, at(apiVersion, "apiVersion %q: want %s/ with version %s", apiVersion.Value, SPOGroup, strings.Join(spoVersions, " or "))
	}
	meta := SPOMeta{}
	var defErrno *uint
	if md := mapValue(root, "metadata"); md != nil {
		if n := mapValue(md, "name"); n != nil {
			meta.Name = n.Value
		}
		if n := mapValue(md, "namespace"); n != nil {
			meta.Namespace = n.Value
		}
		if ann := mapValue(md, "annotations"); ann != nil {
			if n := mapValue(ann, SPODefaultErrnoAnnotation); n != nil {
				v, err := strconv.ParseUint(n.Value, 10, 16)
				if err != nil || v == 0 || v > maxErrno {
					return nil, at(n, "metadata.annotations.%s %q: want an errno from 1 to %d", SPODefaultErrnoAnnotation, n.Value, maxErrno)
				}
				e := uint(v)
				defErrno = &e
			}
		}
	}
	spec := mapValue(root, "spec")
	if spec == nil {
		return nil, at(root, "spec missing: a SeccompProfile resource holds its profile in spec")
	}
	if spec.Kind != yaml.MappingNode {
		return nil, at(spec, "spec: want an object (the profile)")
	}
	if n := mapValue(spec, "baseProfileName"); n != nil && n.Value != "" {
		return nil, at(n, "spec.baseProfileName %q: the operator unites the base profile in the cluster, which seccompgen cannot see; get the base as a file and pass both to seccompgen merge", n.Value)
	}
	if n := mapValue(spec, "defaultErrnoRet"); n != nil {
		return nil, at(n, "spec.defaultErrnoRet: the SeccompProfile resource has no such field (the operator would drop it); use the %s annotation, as seccompgen writes it", SPODefaultErrnoAnnotation)
	}
	var v any
	if err := spec.Decode(&v); err != nil {
		return nil, at(spec, "spec: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	js, err := json.Marshal(v)
	if err != nil {
		return nil, at(spec, "spec: %v", err)
	}
	p, err := parseJSON(name, js, t)
	if err != nil {
		return nil, spoSpecError(name, spec, err)
	}
	if defErrno != nil {
		p.foldDefaultErrno(*defErrno)
	}
	p.spo = &meta
	return p, nil
}

// emptyDoc reports whether n is a document with nothing in it, as a
// trailing "---" makes.
func emptyDoc(n *yaml.Node) bool {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return n.Kind == 0 || n.Kind == yaml.DocumentNode && len(n.Content) == 0 || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// foldDefaultErrno undoes SPOBytes' rule for the default errno: the
// names of unconditional ERRNO(errno) rules go back to the default.
func (p *Profile) foldDefaultErrno(errno uint) {
	if p.spec.DefaultAction != specs.ActErrno {
		return
	}
	var rules []specs.LinuxSyscall
	for _, r := range p.spec.Syscalls {
		if !isDefaultErrnoRule(r, errno) {
			rules = append(rules, r)
		}
	}
	p.spec.Syscalls = rules
	e := errno
	p.spec.DefaultErrnoRet = &e
}

// spoSpecError points an error of the spec's profile, found in its JSON
// form, at the place in the resource it came from.
func spoSpecError(name string, spec *yaml.Node, err error) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		return err
	}
	n := spec
	if pe.Path != "" {
		n = yamlPath(spec, pe.Path)
	}
	return &ParseError{File: name, Line: n.Line, Col: n.Column, Path: "spec." + pe.Path, Err: fmt.Errorf("spec.%w", pe.Err)}
}

// yamlPath finds the node at path ("syscalls[3].names[0]") under n,
// matching keys case-insensitively as encoding/json does; where the path
// leaves the document it returns the last node found.
func yamlPath(n *yaml.Node, path string) *yaml.Node {
	for _, part := range strings.Split(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key != "" {
			next := mapValueFold(n, key)
			if next == nil {
				return n
			}
			n = next
		}
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(idx)
			if err != nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return n
			}
			n = n.Content[i]
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return n
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func mapValueFold(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if strings.EqualFold(n.Content[i].Value, key) {
			return n.Content[i+1]
		}
	}
	return nil
}

// yamlLine finds the line yaml.v3 puts in its messages ("yaml: line 3:
// ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(name string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ParseError{File: name, Line: line, Col: 1, Err: fmt.Errorf("invalid YAML: %s", m[2])}
	}
	return &ParseError{File: name, Err: fmt.Errorf("not a profile: want a JSON object or a SeccompProfile resource in YAML (%s)", strings.TrimPrefix(msg, "yaml: "))}
}
