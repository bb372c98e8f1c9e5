package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// MaxSize is the largest profile ReadFile reads. Docker's default profile
// is about 20 KiB; anything near this size is not a profile, and refusing it
// up front keeps a wrong argument from eating memory.
const MaxSize = 16 << 20

// DockerDefaultName is the name Load and the CLI accept for Docker's
// default profile.
const DockerDefaultName = "docker-default"

// ParseError is a problem at a place in a profile file. Its message follows
// the compiler convention "FILE:LINE:COLUMN: cause" so editors can jump to
// it.
type ParseError struct {
	File string
	Line int // 1-based; 0 when the problem has no single place
	Col  int // 1-based, in bytes
	// Path is the value the problem is about ("syscalls[3].action"),
	// when it is about one.
	Path string
	Err  error
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Col, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Load returns Docker's default profile for "docker-default", else reads
// the file nameOrPath.
func Load(nameOrPath string, t Target) (*Profile, error) {
	if nameOrPath == DockerDefaultName {
		return DockerDefault(t)
	}
	return ReadFile(nameOrPath, t)
}

// ReadFile reads an OCI or Docker-format profile and resolves it for t.
func ReadFile(path string, t Target) (*Profile, error) {
	data, err := readProfileFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, t)
}

func tooLarge(name string, size int64) error {
	return fmt.Errorf("%s: %d bytes is larger than the %d MiB a profile can be; is this a seccomp profile?", name, size, MaxSize>>20)
}

// Parse reads a profile from data, detecting OCI (runtime-spec
// LinuxSeccomp) or Docker format (archMap, includes/excludes, name), and
// resolves Docker's conditions for t. name is used in error messages and
// returned by Name.
func Parse(name string, data []byte, t Target) (*Profile, error) {
	if len(data) > MaxSize {
		return nil, tooLarge(name, int64(len(data)))
	}
	tgt, err := t.resolve()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ParseError{File: name, Err: errors.New("empty file, want a seccomp profile (a JSON object)")}
	}
	if looksSPO(data) {
		return parseSPO(name, data, tgt)
	}
	return parseJSON(name, data, tgt)
}

// parseJSON reads an OCI or Docker-format profile.
func parseJSON(name string, data []byte, tgt target) (*Profile, error) {
	doc := &document{name: name, data: data}
	var cfg seccomp.Seccomp
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, doc.decodeError(err)
	}
	if err := doc.check(&cfg); err != nil {
		return nil, err
	}
	spec := resolve(&cfg, tgt)
	p := &Profile{name: name, spec: spec}
	p.canonicalize()
	return p, nil
}

// document is a profile's text with what is needed to point into it.
type document struct {
	name  string
	data  []byte
	nodes []node // built on the first error only: good input never pays
}

// node is one JSON value: its path ("syscalls[3].action") and where it
// starts and ends.
type node struct {
	path       string
	start, end int
}

func (d *document) index() []node {
	if d.nodes == nil {
		d.nodes = indexJSON(d.data)
	}
	return d.nodes
}

// errAt returns a ParseError at the value with the given path, matched
// case-insensitively as encoding/json matches keys. A path the text does
// not have (an absent key) falls back to its nearest present parent.
func (d *document) errAt(path string, format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	if path != "" {
		err = fmt.Errorf("%s: %w", path, err)
	}
	for p := strings.ToLower(path); ; {
		for _, n := range d.index() {
			if strings.ToLower(n.path) == p {
				return d.errOffsetPath(n.start, path, err)
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			if p == "" {
				return d.errOffset(0, err)
			}
			p = ""
			continue
		}
		p = p[:i]
	}
}

func (d *document) errOffsetPath(off int, path string, err error) error {
	e := d.errOffset(off, err)
	e.(*ParseError).Path = path
	return e
}

func (d *document) errOffset(off int, err error) error {
	off = min(max(off, 0), len(d.data))
	before := d.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := off - bytes.LastIndexByte(before, '\n')
	return &ParseError{File: d.name, Line: line, Col: col, Err: err}
}

// decodeError turns encoding/json's errors into ones that name the place,
// the field and what was expected.
func (d *document) decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off := int(syn.Offset)
		if off > 0 && off <= len(d.data) && !strings.Contains(syn.Error(), "unexpected end") {
			off-- // Offset is just past the offending byte
		}
		return d.errOffset(off, fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(syn.Error(), "json: ")))
	case errors.As(err, &typ):
		// Offset is the end of a scalar or just past a container's opening
		// delimiter: the value is the last one to start before it.
		n := node{}
		for _, c := range d.index() {
			if c.start < int(typ.Offset) {
				n = c
			}
		}
		what := fmt.Sprintf("want %s, got %s", jsonKind(typ.Type), typ.Value)
		if n.path == "" {
			return d.errOffset(n.start, fmt.Errorf("want a seccomp profile (a JSON object), got %s", typ.Value))
		}
		return d.errOffsetPath(n.start, n.path, fmt.Errorf("%s: %s", n.path, what))
	}
	// Errors from UnmarshalJSON methods carry no place; the only such
	// method in a profile is minKernel's, so find the bad one.
	for _, n := range d.index() {
		if strings.HasSuffix(strings.ToLower(n.path), ".minkernel") {
			var k seccomp.KernelVersion
			if kerr := k.UnmarshalJSON(d.data[n.start:n.end]); kerr != nil {
				return d.errOffset(n.start, fmt.Errorf("%s: want a kernel version such as \"4.8\", got %s", n.path, d.data[n.start:n.end]))
			}
		}
	}
	return &ParseError{File: d.name, Err: err}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

// indexJSON lists every value of valid JSON text in document order. It
// stops quietly at the first syntax error: it only serves error messages.
func indexJSON(data []byte) []node {
	type frame struct {
		node      int // index in nodes of the container
		array     bool
		i         int
		key       string
		expectKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var (
		nodes []node
		stack []frame
	)
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		parent := nodes[f.node].path
		if f.array {
			return fmt.Sprintf("%s[%d]", parent, f.i)
		}
		if parent == "" {
			return f.key
		}
		return parent + "." + f.key
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.array {
			f.i++
		} else {
			f.expectKey = true
		}
	}
	for {
		before := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return nodes
		}
		end := int(dec.InputOffset())
		start := before
		for start < end && strings.IndexByte(" \t\r\n,:", data[start]) >= 0 {
			start++
		}
		if delim, ok := tok.(json.Delim); ok && (delim == '}' || delim == ']') {
			f := stack[len(stack)-1]
			nodes[f.node].end = end
			stack = stack[:len(stack)-1]
			valueDone()
			continue
		}
		if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].expectKey {
			stack[n-1].key, _ = tok.(string)
			stack[n-1].expectKey = false
			continue
		}
		nodes = append(nodes, node{path: childPath(), start: start, end: end})
		if delim, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{node: len(nodes) - 1, array: delim == '[', expectKey: delim == '{'})
			continue
		}
		valueDone()
	}
}

// check rejects what runc or Docker would reject or silently misread,
// pointing at the place in the file.
func (d *document) check(c *seccomp.Seccomp) error {
	switch {
	case c.DefaultAction == "":
		return d.errAt("", "defaultAction missing (want e.g. \"defaultAction\": \"SCMP_ACT_ERRNO\")")
	case !known(c.DefaultAction, actions):
		return d.errAt("defaultAction", "%w", unknown("action", c.DefaultAction, actions))
	case len(c.Architectures) > 0 && len(c.ArchMap) > 0:
		return d.errAt("archMap", "both architectures and archMap are set; use one")
	}
	if err := d.checkErrno("defaultErrnoRet", c.DefaultAction, c.DefaultErrnoRet); err != nil {
		return err
	}
	for i, a := range c.Architectures {
		if !known(a, specArches) {
			return d.errAt(fmt.Sprintf("architectures[%d]", i), "%w", unknown("architecture", a, specArches))
		}
	}
	for i, m := range c.ArchMap {
		if !known(m.Arch, specArches) {
			return d.errAt(fmt.Sprintf("archMap[%d].architecture", i), "%w", unknown("architecture", m.Arch, specArches))
		}
		for j, s := range m.SubArches {
			if !known(s, specArches) {
				return d.errAt(fmt.Sprintf("archMap[%d].subArchitectures[%d]", i, j), "%w", unknown("architecture", s, specArches))
			}
		}
	}
	for i, f := range c.Flags {
		if !known(f, specFlags) {
			return d.errAt(fmt.Sprintf("flags[%d]", i), "%w", unknown("flag", f, specFlags))
		}
	}
	for i, s := range c.Syscalls {
		if err := d.checkRule(fmt.Sprintf("syscalls[%d]", i), s); err != nil {
			return err
		}
	}
	return nil
}

func (d *document) checkRule(at string, s *seccomp.Syscall) error {
	if s == nil {
		return d.errAt(at, "want a rule object, got null")
	}
	switch {
	case s.Name != "" && len(s.Names) > 0:
		return d.errAt(at+".name", "both name and names are set; use names")
	case s.Name == "" && len(s.Names) == 0:
		return d.errAt(at, "rule has no names (want e.g. \"names\": [\"read\"])")
	case s.Action == "":
		return d.errAt(at, "rule has no action (want e.g. \"action\": \"SCMP_ACT_ALLOW\")")
	case !known(s.Action, actions):
		return d.errAt(at+".action", "%w", unknown("action", s.Action, actions))
	}
	if err := d.checkErrno(at+".errnoRet", s.Action, s.ErrnoRet); err != nil {
		return err
	}
	if s.Name != "" {
		if err := checkSyscall(s.Name); err != nil {
			return d.errAt(at+".name", "%w", err)
		}
	}
	for j, n := range s.Names {
		if err := checkSyscall(n); err != nil {
			return d.errAt(fmt.Sprintf("%s.names[%d]", at, j), "%w", err)
		}
	}
	for j, a := range s.Args {
		if a.Op == "" {
			return d.errAt(fmt.Sprintf("%s.args[%d]", at, j), "argument condition has no op (want e.g. \"op\": \"SCMP_CMP_EQ\")")
		}
		if !known(a.Op, operators) {
			return d.errAt(fmt.Sprintf("%s.args[%d].op", at, j), "%w", unknown("operator", a.Op, operators))
		}
		if a.Index > 5 {
			return d.errAt(fmt.Sprintf("%s.args[%d].index", at, j), "argument %d does not exist: syscalls have arguments 0 to 5", a.Index)
		}
	}
	for _, f := range []struct {
		key string
		f   *seccomp.Filter
	}{{"includes", s.Includes}, {"excludes", s.Excludes}} {
		if f.f == nil {
			continue
		}
		for j, c := range f.f.Caps {
			// Exact names only: Docker compares them verbatim with the
			// container's capabilities, so "SYS_ADMIN" would never match.
			if !known(c, allCaps) {
				return d.errAt(fmt.Sprintf("%s.%s.caps[%d]", at, f.key, j), "%w", unknown("capability", c, allCaps))
			}
		}
		for j, a := range f.f.Arches {
			if _, ok := mobyToSpec[a]; !ok {
				return d.errAt(fmt.Sprintf("%s.%s.arches[%d]", at, f.key, j), "%w", unknown("architecture", a, mobyArchNames()))
			}
		}
	}
	return nil
}

// maxErrno is the kernel's MAX_ERRNO: SECCOMP_RET_ERRNO caps its data
// there, and larger values are not errnos to a C library anyway.
const maxErrno = 4095

// checkErrno refuses an errnoRet the kernel would not return as written.
// runc hands libseccomp int16(errnoRet), so 65536 becomes 0 and 40000 a
// negative number; and ERRNO(0) makes a denied syscall return 0 without
// running, so the program believes it succeeded. For SCMP_ACT_TRACE the
// value is the 16-bit message the tracer gets, not an errno; other actions
// ignore it, as runc does.
func (d *document) checkErrno(at string, a specs.LinuxSeccompAction, errno *uint) error {
	if errno == nil {
		return nil
	}
	n := *errno
	switch a {
	case specs.ActErrno:
		if n == 0 {
			return d.errAt(at, "errno 0 makes a denied syscall return success without running, so the program believes it worked; want an errno from 1 to %d (1 is EPERM, 38 ENOSYS)", maxErrno)
		}
		if n > maxErrno {
			return d.errAt(at, "%d is not an errno: want 1 to %d (MAX_ERRNO); runc keeps only 16 bits, which %s", n, maxErrno, truncated(n))
		}
	case specs.ActTrace:
		if n > 0xffff {
			return d.errAt(at, "%d does not fit the 16 bits SCMP_ACT_TRACE passes to the tracer (want 0 to 65535); runc would pass %d", n, uint16(n))
		}
	}
	return nil
}

// truncated says what runc's 16-bit conversion makes of an errno above
// MAX_ERRNO, and what the kernel then returns.
func truncated(n uint) string {
	switch v := uint16(n); {
	case v == 0:
		return "makes it 0: denied syscalls would return success without running"
	case v > maxErrno:
		return fmt.Sprintf("leaves %d, which the kernel caps at %d, an errno no program knows", v, maxErrno)
	default:
		return fmt.Sprintf("makes it %d, another errno than the one written", v)
	}
}

func mobyArchNames() []string {
	out := make([]string, 0, len(mobyToSpec))
	for a := range mobyToSpec {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// resolve turns a Docker-format profile into the OCI profile Docker would
// hand to runc for t, following moby's setupSeccomp: archMap picks the
// target's architecture and its sub-architectures; a rule is dropped when
// an exclude matches (an arch, any one cap, a kernel at least minKernel)
// or an include does not (the arch, every cap, the kernel). An OCI profile
// has none of these and comes out as it went in.
func resolve(c *seccomp.Seccomp, t target) specs.LinuxSeccomp {
	out := c.LinuxSeccomp
	out.Syscalls = nil
	if len(c.ArchMap) > 0 {
		out.Architectures = nil
		for _, m := range c.ArchMap {
			if m.Arch == t.arch.spec {
				out.Architectures = append(append(out.Architectures, m.Arch), m.SubArches...)
				break
			}
		}
	}
	hasCap := func(c string) bool { return known(c, t.caps) }
rules:
	for _, s := range c.Syscalls {
		if ex := s.Excludes; ex != nil {
			if known(t.arch.moby, ex.Arches) {
				continue
			}
			for _, c := range ex.Caps {
				if hasCap(c) {
					continue rules
				}
			}
			if k := ex.MinKernel; k != nil && t.kernel.atLeast(k.Kernel, k.Major) {
				continue
			}
		}
		if in := s.Includes; in != nil {
			if len(in.Arches) > 0 && !known(t.arch.moby, in.Arches) {
				continue
			}
			for _, c := range in.Caps {
				if !hasCap(c) {
					continue rules
				}
			}
			if k := in.MinKernel; k != nil && !t.kernel.atLeast(k.Kernel, k.Major) {
				continue
			}
		}
		r := s.LinuxSyscall
		r.Names = append([]string(nil), s.Names...)
		if s.Name != "" {
			r.Names = []string{s.Name}
		}
		r.Args = append([]specs.LinuxSeccompArg(nil), s.Args...)
		out.Syscalls = append(out.Syscalls, r)
	}
	return out
}
