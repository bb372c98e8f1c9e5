package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hook runs seccompgen oci-hook with state on stdin.
func hook(t *testing.T, state string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "seccompgen"), append([]string{"oci-hook"}, args...)...)
	cmd.Stdin = strings.NewReader(state)
	return runCmd(t, cmd)
}

// TestOCIHookRefusals: the hook aborts the container (non-zero) only for
// a request it cannot honour as written; otherwise it says why on stderr
// and lets the container run.
func TestOCIHookRefusals(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	state := func(pid int, ann string) string {
		return `{"ociVersion": "1.0.2", "id": "c1", "status": "created", "pid": ` + itoa(pid) + `, "bundle": "` + dir + `", "annotations": {` + ann + `}}`
	}
	tests := []struct {
		name   string
		state  string
		args   []string
		status int
		stderr string
	}{
		{"not asked", state(1, `"other": "x"`), nil, 0, ""},
		{"no annotations", `{"id": "c1", "pid": 1}`, nil, 0, ""},
		{"relative", state(1, `"io.seccompgen.record": "of:out.json"`), nil, 2,
			`seccompgen oci-hook: container c1: annotation io.seccompgen.record="of:out.json": of:out.json is relative; give an absolute path (want of:/abs/out.json[;if:/abs/base.json])` + "\n"},
		{"oci-seccomp-bpf-hook's, unknown key", state(1, `"io.containers.trace-syscall": "of:/tmp/a.json;xx:/b"`), nil, 2,
			`seccompgen oci-hook: container c1: annotation io.containers.trace-syscall="of:/tmp/a.json;xx:/b": unknown key "xx" (want of:/abs/out.json[;if:/abs/base.json])` + "\n"},
		{"no directory", state(1, `"io.seccompgen.record": "of:`+dir+`/missing/out.json"`), nil, 2,
			"seccompgen oci-hook: container c1: of:" + dir + "/missing/out.json: its directory " + dir + "/missing does not exist; create it first\n"},
		{"bad base", state(1, `"io.seccompgen.record": "of:`+dir+`/out.json;if:`+bad+`"`), nil, 2,
			"seccompgen oci-hook: container c1: if:" + bad + ": " + bad + ":1:2: invalid JSON: unexpected end of JSON input\n"},
		{"no pid", state(0, `"io.seccompgen.record": "of:`+dir+`/out.json"`), nil, 0,
			"seccompgen oci-hook: container c1: the state has no pid (is the hook in the prestart or createRuntime stage?); the container runs unrecorded\n"},
		{"not a state", "hello", nil, 0, "seccompgen oci-hook: the container state on stdin is not the state JSON an OCI runtime gives a hook: invalid character 'h' looking for beginning of value; the container runs unrecorded\n"},
		{"bad runtime", state(1, ""), []string{"--runtime", "docker"}, 2, `seccompgen oci-hook: --runtime "docker": want one of none, crun, podman, runc` + "\nRun 'seccompgen help oci-hook' for details.\n"},
		{"outside the allowed directories", state(1, `"io.seccompgen.record": "of:/etc/passwd"`), nil, 2,
			"seccompgen oci-hook: container c1: of:/etc/passwd is outside the directories the hook may use (" + dir + "): the hook runs as root and annotations come from whoever starts the container; add the directory with --allow-dir in the hook's arguments\n"},
		{"base outside", state(1, `"io.seccompgen.record": "of:`+dir+`/out.json;if:/etc/shadow"`), nil, 2,
			"seccompgen oci-hook: container c1: if:/etc/shadow is outside the directories the hook may use (" + dir + "): the hook runs as root and annotations come from whoever starts the container; add the directory with --allow-dir in the hook's arguments\n"},
		{"escape through a symlinked directory", state(1, `"io.seccompgen.record": "of:`+dir+`/etc/passwd"`), nil, 2,
			"seccompgen oci-hook: container c1: of:" + dir + "/etc/passwd is outside the directories the hook may use (" + dir + "): the hook runs as root and annotations come from whoever starts the container; add the directory with --allow-dir in the hook's arguments\n"},
		{"symlink", state(1, `"io.seccompgen.record": "of:`+dir+`/link.json"`), nil, 2,
			"seccompgen oci-hook: container c1: of:" + dir + "/link.json is a symbolic link; give the file's own path\n"},
		{"default directory", state(1, `"io.seccompgen.record": "of:`+dir+`/out.json"`), []string{}, 2,
			"seccompgen oci-hook: container c1: of:" + dir + "/out.json is outside the directories the hook may use (/var/lib/seccompgen): the hook runs as root and annotations come from whoever starts the container; add the directory with --allow-dir in the hook's arguments\n"},
	}
	if err := os.Symlink("/etc", filepath.Join(dir, "etc")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args == nil {
				args = []string{"--allow-dir", dir}
			}
			r := hook(t, tc.state, args...)
			if r.status != tc.status || r.stderr != tc.stderr {
				t.Errorf("status %d, stderr\n%q\nwant %d,\n%q", r.status, r.stderr, tc.status, tc.stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "out.json.log")); err == nil {
				t.Errorf("a refused request started a recorder")
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestOCIHookRecorderFails: a recorder that stops before it attaches (here
// on a record flag it does not know) is reported with its message, and the
// container still runs (exit 0).
func TestOCIHookRecorderFails(t *testing.T) {
	dir := t.TempDir()
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sleeper.Process.Kill(); sleeper.Wait() }()
	out := filepath.Join(dir, "out.json")
	state := `{"id": "c1", "pid": ` + strconv.Itoa(sleeper.Process.Pid) + `, "annotations": {"io.seccompgen.record": "of:` + out + `"}}`
	r := hook(t, state, "--runtime", "runc", "--allow-dir", dir, "--", "--no-such-flag")
	want := "seccompgen oci-hook: container c1: the recorder stopped before it attached: "
	if r.status != 0 || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "unknown flag: --no-such-flag") {
		t.Errorf("status %d, stderr %q; want 0 and %q with record's message", r.status, r.stderr, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a profile was written")
	}
}
