package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// The oci-hook tests run real containers: runc with the hook in
// config.json, crun where the host lets it run, and podman with the
// example hooks.d file. The hook records with --infer none, so the profile
// is what the container did plus the runtime's baseline, nothing more:
// the strictest test of the baseline.

// runcPreFilter are syscalls runc makes setting the container up, before
// it installs the filter: a profile of the container must not have them.
var runcPreFilter = []string{"mount", "pivot_root", "sethostname", "unshare"}

// hookScript is what the recorded container runs: a busybox pipeline.
const hookScript = "echo a b | tr a-z A-Z | wc -c"

// withHook sets the hook and the annotation in b's config template; what
// writeConfig writes next has them. The hook may write in dir.
func (b *bundle) withHook(stage, dir, annotation string) {
	b.spec["hooks"] = map[string]any{
		stage: []map[string]any{{
			"path": filepath.Join(binDir, "seccompgen"),
			"args": []string{"seccompgen", "oci-hook", "--allow-dir", dir, "--", "--infer", "none"},
		}},
	}
	b.spec["annotations"] = map[string]string{"io.seccompgen.record": annotation}
}

func (b *bundle) withoutHook() {
	delete(b.spec, "hooks")
	delete(b.spec, "annotations")
}

// waitProfile waits for the detached recorder to write path after the
// container exited, and fails with its log if it never does.
func waitProfile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	log, _ := os.ReadFile(path + ".log")
	t.Fatalf("the recorder wrote no %s within a minute; its log:\n%s", path, log)
}

// runtimeRun runs the bundle's container with the OCI runtime rt.
func (b *bundle) runtimeRun(t *testing.T, rt string) result {
	t.Helper()
	id := fmt.Sprintf("seccompgen-hook-%d-%d", os.Getpid(), containerSeq.Add(1))
	defer exec.Command(rt, "delete", "-f", id).Run()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return runCmd(t, exec.CommandContext(ctx, rt, "run", "--bundle", b.dir, id))
}

// TestOCIHookRunc records a container through the hook in config.json,
// for both noNewPrivileges settings, and runs it under the profile 20
// times.
func TestOCIHookRunc(t *testing.T) {
	testenv.RequireBPF(t)
	b := newBundle(t)
	for _, nnp := range []bool{true, false} {
		t.Run("noNewPrivileges="+strconv.FormatBool(nnp), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "container.json")
			b.withHook("createRuntime", dir, "of:"+out)
			c := b.run(t, "", nnp, "/bin/sh", "-c", hookScript)
			b.withoutHook()
			if c.status != 0 || strings.TrimSpace(c.stdout) != "4" {
				t.Fatalf("recorded run: runc status %d, stdout %q; stderr:\n%s", c.status, c.stdout, c.stderr)
			}
			waitProfile(t, out)
			validate(t, out)
			allowed := readProfile(t, out).allowed()
			for _, n := range runcPreFilter {
				if allowed[n] {
					t.Errorf("the profile allows %s, which runc makes before installing the filter", n)
				}
			}
			for _, n := range []string{"execve", "pipe2", "wait4"} {
				if !allowed[n] {
					t.Errorf("the profile lacks %s, which the container's shell made", n)
				}
			}
			log, _ := os.ReadFile(out + ".log")
			if want := "--runtime runc --no-new-privileges=" + strconv.FormatBool(nnp); !strings.Contains(string(log), want) {
				t.Errorf("the recorder's log does not show %q (the runtime and setting from the hook's parent and the bundle):\n%s", want, log)
			}
			for i := range 20 {
				c := b.run(t, out, nnp, "/bin/sh", "-c", hookScript)
				if c.status != 0 || strings.TrimSpace(c.stdout) != "4" {
					t.Fatalf("run %d of 20 under the profile: runc status %d, stdout %q; stderr:\n%s", i+1, c.status, c.stdout, c.stderr)
				}
			}
		})
	}
}

// TestOCIHookBase: with if:, the profile is the recording merged with the
// base, and the recording alone is not left behind.
func TestOCIHookBase(t *testing.T) {
	testenv.RequireBPF(t)
	b := newBundle(t)
	dir := t.TempDir()
	base, out := filepath.Join(dir, "base.json"), filepath.Join(dir, "app.yaml")
	if err := os.WriteFile(base, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["getcpu"], "action": "SCMP_ACT_ALLOW"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	b.withHook("prestart", dir, "of:"+out+";if:"+base)
	c := b.run(t, "", true, "/bin/true")
	b.withoutHook()
	if c.status != 0 {
		t.Fatalf("runc status %d; stderr:\n%s", c.status, c.stderr)
	}
	waitProfile(t, out)
	// A .yaml output is a SeccompProfile resource: read it back as JSON.
	oci := filepath.Join(dir, "app.json")
	if r := seccompgen(t, "merge", "-o", oci, out); r.status != 0 {
		t.Fatalf("merge %s: %s", out, r.stderr)
	}
	allowed := readProfile(t, oci).allowed()
	for _, n := range []string{"getcpu", "execve", "exit_group"} {
		if !allowed[n] {
			t.Errorf("the merged profile lacks %s", n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".app.yaml.recorded.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the recording alone was left behind: %v", err)
	}
}

// TestOCIHookCrun records with crun where the host lets crun run: crun
// refuses hybrid cgroup layouts (cgroup v1 with a cgroup2 mount that
// holds a controller).
func TestOCIHookCrun(t *testing.T) {
	testenv.RequireBPF(t)
	crun := testenv.RequireTool(t, "crun")
	b := newBundle(t)
	writeConfig(t, b, "", true, "/bin/true")
	if c := b.runtimeRun(t, crun); c.status != 0 {
		if strings.Contains(c.stderr, "hybrid mode not supported") {
			t.Skipf("crun cannot run containers on this host: %s", strings.TrimSpace(c.stderr))
		}
		t.Fatalf("crun run, unconfined: status %d; stderr:\n%s", c.status, c.stderr)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "crun.json")
	b.withHook("createRuntime", dir, "of:"+out)
	writeConfig(t, b, "", true, "/bin/sh", "-c", hookScript)
	c := b.runtimeRun(t, crun)
	b.withoutHook()
	if c.status != 0 || strings.TrimSpace(c.stdout) != "4" {
		t.Fatalf("recorded run: crun status %d, stdout %q; stderr:\n%s", c.status, c.stdout, c.stderr)
	}
	waitProfile(t, out)
	if log, _ := os.ReadFile(out + ".log"); !strings.Contains(string(log), "--runtime crun") {
		t.Errorf("the recorder did not take crun's baseline:\n%s", log)
	}
	writeConfig(t, b, out, true, "/bin/sh", "-c", hookScript)
	for i := range 5 {
		if c := b.runtimeRun(t, crun); c.status != 0 || strings.TrimSpace(c.stdout) != "4" {
			t.Fatalf("run %d under the profile: crun status %d, stdout %q; stderr:\n%s", i+1, c.status, c.stdout, c.stderr)
		}
	}
}

// podmanEnv is a podman set up as docs/containers.md says, with storage,
// state and config of its own under a temp dir.
type podmanEnv struct {
	env   []string
	hooks string
	out   string // the directory the hook may write
}

func newPodman(t *testing.T) *podmanEnv {
	t.Helper()
	testenv.RequireTool(t, "podman")
	testenv.RequireTool(t, "runc")
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	conf, storage := filepath.Join(dir, "containers.conf"), filepath.Join(dir, "storage.conf")
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// crun, podman's default, refuses hybrid cgroups; without explicit
	// ulimits podman asks for more files than this shell may give; without
	// the config in conmon's environment every run stalls (~20 s), and so
	// it does with tmp_dir or static_dir moved: those stay podman's.
	write(conf, fmt.Sprintf(`[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
conmon_env_vars = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CONTAINERS_CONF=%[2]s", "CONTAINERS_STORAGE_CONF=%[3]s"]
`, dir, conf, storage))
	// vfs: plain copies, no mounts to outlive the temp dir.
	write(storage, fmt.Sprintf(`[storage]
driver = "vfs"
graphroot = "%[1]s/graph"
runroot = "%[1]s/run"
`, dir))
	p := &podmanEnv{
		env:   append(os.Environ(), "CONTAINERS_CONF="+conf, "CONTAINERS_STORAGE_CONF="+storage),
		hooks: filepath.Join(dir, "hooks.d"),
		out:   filepath.Join(dir, "profiles"),
	}
	// The example hooks.d file, pointed at the binary under test.
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "oci-hook", "seccompgen.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatalf("examples/oci-hook/seccompgen.json: %v", err)
	}
	hook := h["hook"].(map[string]any)
	hook["path"] = filepath.Join(binDir, "seccompgen")
	hook["args"] = []string{"seccompgen", "oci-hook", "--allow-dir", p.out, "--", "--infer", "none"}
	data, _ = json.Marshal(h)
	for _, d := range []string{p.hooks, p.out} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(p.hooks, "seccompgen.json"), string(data))
	return p
}

func (p *podmanEnv) run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "podman", args...)
	cmd.Env = p.env
	return runCmd(t, cmd)
}

// TestOCIHookPodman records a podman container through the example
// hooks.d file and --annotation, enforces the profile with --security-opt
// seccomp=, and shows a syscall the recorded command did not make denied.
func TestOCIHookPodman(t *testing.T) {
	testenv.RequireBPF(t)
	p := newPodman(t)
	b := newBundle(t)
	tar := filepath.Join(t.TempDir(), "bb.tar")
	if out, err := exec.Command("tar", "-C", b.rootfs, "-cf", tar, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	const image = "localhost/seccompgen-test-bb"
	if r := p.run(t, "import", tar, image); r.status != 0 {
		t.Fatalf("podman import: %d\n%s", r.status, r.stderr)
	}
	out := filepath.Join(p.out, "podman.json")
	run := []string{"run", "--rm", "--network", "none"}
	r := p.run(t, append(run, "--hooks-dir", p.hooks, "--annotation", "io.seccompgen.record=of:"+out, image, "/bin/sh", "-c", hookScript)...)
	if r.status != 0 || strings.TrimSpace(r.stdout) != "4" {
		t.Fatalf("recorded podman run: status %d, stdout %q; stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	waitProfile(t, out)
	validate(t, out)
	// Podman runs runc, which runs the hook; podman's containers have
	// noNewPrivileges false unless asked.
	if log, _ := os.ReadFile(out + ".log"); !strings.Contains(string(log), "--runtime runc --no-new-privileges=false") {
		t.Errorf("the recorder's log does not show runc's baseline for noNewPrivileges false:\n%s", log)
	}
	allowed := readProfile(t, out).allowed()
	for _, n := range runcPreFilter {
		if allowed[n] {
			t.Errorf("the profile allows %s, which runc makes before installing the filter", n)
		}
	}
	if allowed["mkdir"] {
		t.Fatal("the profile allows mkdir, which the recorded command did not make: the EPERM check below would prove nothing")
	}
	confined := append(run, "--security-opt", "seccomp="+out, image)
	if r := p.run(t, append(confined, "/bin/sh", "-c", hookScript)...); r.status != 0 || strings.TrimSpace(r.stdout) != "4" {
		t.Errorf("under the profile: status %d, stdout %q; stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	// Another command of the same image: mkdir was never recorded.
	if r := p.run(t, append(run, "--security-opt", "seccomp=unconfined", image, "/bin/mkdir", "/d")...); r.status != 0 {
		t.Fatalf("mkdir unconfined: status %d; stderr:\n%s", r.status, r.stderr)
	}
	r = p.run(t, append(confined, "/bin/mkdir", "/d")...)
	if r.status == 0 || !strings.Contains(r.stderr, "Operation not permitted") {
		t.Errorf("mkdir under the profile: status %d, stderr %q; want it to fail with EPERM", r.status, r.stderr)
	}
}
