package ocihook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The annotations that ask for a recording: seccompgen's own, and
// oci-seccomp-bpf-hook's, read with the same syntax so a container set up
// for that hook is recorded by this one.
const (
	AnnotationRecord = "io.seccompgen.record"
	AnnotationTrace  = "io.containers.trace-syscall"
)

// State is the container state the runtime writes to a hook's stdin
// (runtime-spec runtime.md, "State").
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid"`
	Bundle      string            `json:"bundle"`
	Annotations map[string]string `json:"annotations"`
}

// maxState bounds what is read from stdin: a state is a few KiB, its
// annotations included.
const maxState = 1 << 20

// ReadState reads the state JSON from r.
func ReadState(r io.Reader) (*State, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxState+1))
	if err != nil {
		return nil, fmt.Errorf("read the container state from stdin: %w", err)
	}
	if len(data) > maxState {
		return nil, fmt.Errorf("the container state on stdin is larger than %d KiB; is this an OCI hook's stdin?", maxState>>10)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("the container state on stdin is not the state JSON an OCI runtime gives a hook: %w", err)
	}
	return &s, nil
}

// Request is a recording a container asks for.
type Request struct {
	// Annotation is the annotation that asked, for messages.
	Annotation string
	// Output is the absolute path the profile goes to (of:).
	Output string
	// Base is the absolute path of a profile to merge the recording
	// with (if:), or "".
	Base string
}

// Request returns the recording s's annotations ask for, nil if none
// does. An error means an annotation is malformed.
func (s *State) Request() (*Request, error) {
	var reqs []*Request
	for _, a := range []string{AnnotationRecord, AnnotationTrace} {
		v, ok := s.Annotations[a]
		if !ok {
			continue
		}
		r, err := ParseRequest(a, v)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
	}
	switch {
	case len(reqs) == 0:
		return nil, nil
	case len(reqs) == 2 && (reqs[0].Output != reqs[1].Output || reqs[0].Base != reqs[1].Base):
		return nil, fmt.Errorf("annotations %s and %s ask for different recordings; keep one", AnnotationRecord, AnnotationTrace)
	}
	return reqs[0], nil
}

// ParseRequest parses an annotation's value: "of:/abs/out.json", and
// optionally ";if:/abs/base.json", in either order.
func ParseRequest(annotation, value string) (*Request, error) {
	r := &Request{Annotation: annotation}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("annotation %s=%q: %s (want of:/abs/out.json[;if:/abs/base.json])", annotation, value, fmt.Sprintf(format, a...))
	}
	for _, part := range strings.Split(value, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, path, ok := strings.Cut(part, ":")
		if !ok {
			return nil, bad("%q has no key", part)
		}
		path = strings.TrimSpace(path)
		var dst *string
		switch strings.TrimSpace(key) {
		case "of":
			dst = &r.Output
		case "if":
			dst = &r.Base
		default:
			return nil, bad("unknown key %q", key)
		}
		if *dst != "" {
			return nil, bad("%s: given twice", key)
		}
		if path == "" {
			return nil, bad("%s: no path", key)
		}
		// The hook runs in the runtime's working directory, which the
		// user does not choose: only an absolute path says where.
		if !filepath.IsAbs(path) {
			return nil, bad("%s:%s is relative; give an absolute path", key, path)
		}
		*dst = filepath.Clean(path)
	}
	if r.Output == "" {
		return nil, bad("no of: output")
	}
	if r.Output == r.Base {
		return nil, bad("of: and if: are the same file; the recording would overwrite its base")
	}
	return r, nil
}

// Confine refuses a request whose files lie outside the directories
// allowed: the hook runs as root, and annotations come from whoever
// starts the container (in Kubernetes, a pod's author), so of: could
// otherwise replace any file on the host and if: read any. Paths are
// compared after resolving symbolic links in their directories; a
// symbolic link as the file itself is refused. Each file's directory must
// exist.
func (r *Request) Confine(allowed []string) error {
	for _, f := range []struct{ key, path string }{{"of", r.Output}, {"if", r.Base}} {
		if f.path == "" {
			continue
		}
		if fi, err := os.Lstat(f.path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s:%s is a symbolic link; give the file's own path", f.key, f.path)
		}
		dir := filepath.Dir(f.path)
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return fmt.Errorf("%s:%s: its directory %s does not exist; create it first", f.key, f.path, dir)
		}
		if !within(real, allowed) {
			return fmt.Errorf("%s:%s is outside the directories the hook may use (%s): the hook runs as root and annotations come from whoever starts the container; add the directory with --allow-dir in the hook's arguments", f.key, f.path, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// within reports whether dir is one of allowed or below one.
func within(dir string, allowed []string) bool {
	for _, a := range allowed {
		if real, err := filepath.EvalSymlinks(a); err == nil {
			a = real
		}
		a = filepath.Clean(a)
		if dir == a || a == "/" || strings.HasPrefix(dir, a+"/") {
			return true
		}
	}
	return false
}

// NoNewPrivileges returns process.noNewPrivileges of the bundle's
// config.json, and false for ok when the bundle or the setting is not
// there (the runtime's lists for both settings are then used).
func NoNewPrivileges(bundle string) (nnp, ok bool, err error) {
	if bundle == "" {
		return false, false, nil
	}
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	var cfg struct {
		Process *struct {
			NoNewPrivileges *bool `json:"noNewPrivileges"`
		} `json:"process"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return false, false, fmt.Errorf("%s: %w", filepath.Join(bundle, "config.json"), err)
	}
	if cfg.Process == nil || cfg.Process.NoNewPrivileges == nil {
		// runtime-spec: unset means false.
		return false, true, nil
	}
	return *cfg.Process.NoNewPrivileges, true, nil
}

// Runtime names the OCI runtime from its executable's path: "runc" or
// "crun" when the base name says so, else "". Runtimes run their hooks
// themselves, so the hook's parent is the runtime.
func Runtime(exe string) string {
	base := filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
	switch {
	case strings.Contains(base, "crun"):
		return "crun"
	case strings.Contains(base, "runc"):
		return "runc"
	}
	return ""
}

// ParentRuntime is Runtime of the calling process's parent.
func ParentRuntime() (string, string) {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", os.Getppid()))
	if err != nil {
		return "", ""
	}
	return Runtime(exe), exe
}
