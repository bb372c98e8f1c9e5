package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
	"github.com/seccompgen/seccompgen/synth"
)

// The tests here run real containers with runc (make deps installs it and
// busybox-static): a bundle in a temp dir whose rootfs is busybox with its
// applet links plus a static test program, and whose config.json is
// `runc spec`'s with the profile under test in linux.seccomp.

// memfdDenied is what testdata/c/memfd.c prints when memfd_create fails
// with EPERM.
const memfdDenied = "memfd_create: Operation not permitted\n"

// bundle is an OCI bundle: a rootfs and the config template runc spec wrote.
type bundle struct {
	dir, rootfs string
	spec        map[string]any
}

// newBundle builds a busybox rootfs with the given programs copied into
// /bin, in a temp dir.
func newBundle(t *testing.T, progs ...string) *bundle {
	t.Helper()
	testenv.RequireTool(t, "runc")
	bb := testenv.RequireTool(t, "busybox")
	dir, err := filepath.EvalSymlinks(t.TempDir()) // runc wants no symlink in the rootfs path
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{dir: dir, rootfs: filepath.Join(dir, "rootfs")}
	bin := filepath.Join(b.rootfs, "bin")
	for _, d := range []string{bin, filepath.Join(b.rootfs, "proc"), filepath.Join(b.rootfs, "dev"), filepath.Join(b.rootfs, "sys")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range append([]string{bb}, progs...) {
		copyFile(t, p, filepath.Join(bin, filepath.Base(p)))
	}
	applets, err := exec.Command(bb, "--list").Output()
	if err != nil {
		t.Fatalf("busybox --list: %v", err)
	}
	for _, a := range strings.Fields(string(applets)) {
		if a != "busybox" {
			if err := os.Symlink("busybox", filepath.Join(bin, a)); err != nil && !errors.Is(err, os.ErrExist) {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command("runc", "spec")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &b.spec); err != nil {
		t.Fatalf("runc spec's config.json: %v", err)
	}
	return b
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// container is what one `runc run` did.
var containerSeq atomic.Int64

// run writes config.json (writeConfig), runs the container with runc and
// deletes it.
func (b *bundle) run(t *testing.T, profile string, nnp bool, args ...string) result {
	t.Helper()
	writeConfig(t, b, profile, nnp, args...)

	id := fmt.Sprintf("seccompgen-test-%d-%d", os.Getpid(), containerSeq.Add(1))
	defer exec.Command("runc", "delete", "-f", id).Run()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := runCmd(t, exec.CommandContext(ctx, "runc", "run", "--bundle", b.dir, id))
	return c
}

// recordTo records cmd with flags and returns the profile's path.
func recordTo(t *testing.T, flags []string, cmd ...string) (string, report, result) {
	t.Helper()
	dir := t.TempDir()
	prof, rep := filepath.Join(dir, "profile.json"), filepath.Join(dir, "report.json")
	args := append(append([]string{"record", "-o", prof, "--report", rep}, flags...), "--")
	r := seccompgen(t, append(args, cmd...)...)
	if r.status != 0 {
		t.Fatalf("seccompgen %s: status %d, stderr:\n%s", strings.Join(args, " "), r.status, r.stderr)
	}
	validate(t, prof)
	return prof, readReport(t, rep), r
}

// staticMemfd is testdata/c/memfd.c linked statically, so it runs in a
// rootfs without a libc.
func staticMemfd(t *testing.T) string {
	testenv.RequireTool(t, "gcc")
	return buildC(t, "memfd", "-static")
}

func TestRuncMemfdDenied(t *testing.T) {
	testenv.RequireBPF(t)
	probe := staticMemfd(t)
	b := newBundle(t, probe)
	inside := "/bin/" + filepath.Base(probe)
	for _, tc := range []struct {
		name  string
		flags []string // besides --runtime runc
		nnp   []bool   // the container settings the profile must run under
	}{
		{"both settings", nil, []bool{true, false}},
		{"noNewPrivileges", []string{"--no-new-privileges"}, []bool{true}},
		{"privileges", []string{"--no-new-privileges=false"}, []bool{false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof, rep, r := recordTo(t, append([]string{"--runtime", "runc"}, tc.flags...), probe)
			if r.stdout != "memfd_create: ok\n" {
				t.Errorf("recorded unconfined, the probe said %q", r.stdout)
			}
			var base int
			for _, e := range rep.Syscalls {
				if e.Reason == "baseline:runc" {
					base++
				}
			}
			if base == 0 {
				t.Error("no syscall in the report has reason baseline:runc")
			}
			for _, nnp := range tc.nnp {
				c := b.run(t, prof, nnp, inside)
				if c.status != 0 || c.stdout != memfdDenied {
					t.Errorf("noNewPrivileges %v: runc status %d, stdout %q, want 0 and %q; stderr:\n%s", nnp, c.status, c.stdout, memfdDenied, c.stderr)
				}
			}
		})
	}
}

// TestRuncNeedsTheBaseline shows that the baseline is what lets the
// container start: the workload's own profile, or the list for the other
// noNewPrivileges setting, is not enough.
func TestRuncNeedsTheBaseline(t *testing.T) {
	testenv.RequireBPF(t)
	probe := staticMemfd(t)
	b := newBundle(t, probe)
	inside := "/bin/" + filepath.Base(probe)
	// The probe runs unconfined, and with a profile that allows everything.
	if c := b.run(t, "", true, inside); c.status != 0 || c.stdout != "memfd_create: ok\n" {
		t.Fatalf("unconfined: runc status %d, stdout %q; stderr:\n%s", c.status, c.stdout, c.stderr)
	}
	bare, _, _ := recordTo(t, nil, probe)
	nnpOnly, _, _ := recordTo(t, []string{"--runtime", "runc", "--no-new-privileges"}, probe)
	for _, tc := range []struct {
		name    string
		profile string
		nnp     bool
	}{
		{"no baseline, noNewPrivileges", bare, true},
		{"no baseline, privileges", bare, false},
		{"noNewPrivileges list, privileges", nnpOnly, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := b.run(t, tc.profile, tc.nnp, inside)
			if c.status == 0 || strings.Contains(c.stdout, "memfd_create") {
				t.Errorf("the container ran (status %d, stdout %q): runc needed nothing beyond the workload's own syscalls", c.status, c.stdout)
			}
			t.Logf("runc status %d: %s", c.status, strings.TrimSpace(c.stderr))
		})
	}
}

// TestRuncBaselineIsCurrent measures what this host's runc makes after
// installing the filter, as scripts/measure-runtime-baseline does, and
// checks that synth's list for runc has all of it.
func TestRuncBaselineIsCurrent(t *testing.T) {
	testenv.RequireBPF(t)
	b := newBundle(t)
	allowAll := filepath.Join(t.TempDir(), "allow.json")
	// runc installs even a filter that allows everything.
	if err := os.WriteFile(allowAll, []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, nnp := range []bool{true, false} {
		t.Run("noNewPrivileges="+strconv.FormatBool(nnp), func(t *testing.T) {
			bs, err := synth.Baselines("runc", &nnp)
			if err != nil || len(bs) != 1 {
				t.Fatalf("synth.Baselines(runc, %v) = %v, %v", nnp, bs, err)
			}
			measured := map[string]bool{}
			for i := 0; i < 3; i++ {
				id := fmt.Sprintf("seccompgen-measure-%d-%d", os.Getpid(), containerSeq.Add(1))
				t.Cleanup(func() { exec.Command("runc", "delete", "-f", id).Run() })
				writeConfig(t, b, allowAll, nnp, "/bin/true")
				_, rep, _ := recordTo(t, []string{"--only-under-seccomp", "--deny", ""}, "runc", "run", "--bundle", b.dir, id)
				for _, e := range rep.Syscalls {
					measured[e.Name] = true
				}
			}
			if !measured["execve"] {
				t.Errorf("the exec of the container's process was not measured: %v", measured)
			}
			var missing []string
			for n := range measured {
				if !slices.Contains(bs[0].Syscalls, n) {
					missing = append(missing, n)
				}
			}
			slices.Sort(missing)
			if len(missing) > 0 {
				t.Errorf("runc (list from %s) now also makes %v after installing the filter: run scripts/measure-runtime-baseline and update synth/baseline.go", bs[0].Version, missing)
			}
		})
	}
}

// writeConfig writes the bundle's config.json: args run with
// noNewPrivileges set as nnp, under the profile at path profile (none:
// unconfined).
func writeConfig(t *testing.T, b *bundle, profile string, nnp bool, args ...string) {
	t.Helper()
	spec := b.spec
	spec["root"] = map[string]any{"path": b.rootfs, "readonly": true}
	proc := spec["process"].(map[string]any)
	proc["terminal"] = false
	proc["args"] = args
	proc["noNewPrivileges"] = nnp
	linux := spec["linux"].(map[string]any)
	delete(linux, "seccomp")
	if profile != "" {
		data, err := os.ReadFile(profile)
		if err != nil {
			t.Fatal(err)
		}
		linux["seccomp"] = json.RawMessage(data)
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRecordOnlyUnderSeccomp checks the measuring mode on a program that
// goes through the phases of a runtime's init: it counts what runs under
// the filter up to and including the exec, nothing before or after.
func TestRecordOnlyUnderSeccomp(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog := buildC(t, "filtered")
	for _, tc := range []struct {
		flags []string
		want  []string // of sysinfo, getppid, execve, getcpu
	}{
		{nil, []string{"execve", "getcpu", "getppid", "sysinfo"}},
		{[]string{"--only-under-seccomp"}, []string{"execve", "getppid"}},
	} {
		t.Run(strings.Join(append([]string{"flags"}, tc.flags...), " "), func(t *testing.T) {
			_, rep, _ := recordTo(t, append([]string{"--deny", ""}, tc.flags...), prog)
			var got []string
			for _, e := range rep.Syscalls {
				if slices.Contains([]string{"sysinfo", "getppid", "execve", "getcpu"}, e.Name) {
					got = append(got, e.Name)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("recorded (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRuncBusyboxPipeline(t *testing.T) {
	testenv.RequireBPF(t)
	b := newBundle(t)
	const script = "echo a b | tr a-z A-Z | wc -c"
	// Recorded on the host with the rootfs's busybox and its applets only.
	bin := filepath.Join(b.rootfs, "bin")
	prof, _, r := recordTo(t, []string{"--runtime", "runc", "--no-new-privileges"},
		filepath.Join(bin, "busybox"), "env", "-i", "PATH="+bin, "sh", "-c", script)
	if strings.TrimSpace(r.stdout) != "4" {
		t.Fatalf("on the host the pipeline printed %q", r.stdout)
	}
	c := b.run(t, prof, true, "/bin/sh", "-c", script)
	if c.status != 0 || strings.TrimSpace(c.stdout) != "4" {
		t.Errorf("runc status %d, stdout %q, want 0 and 4; stderr:\n%s", c.status, c.stdout, c.stderr)
	}
}

func TestRecordRuntimeUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown runtime", []string{"record", "--runtime", "docker", "--", "/bin/true"},
			"seccompgen record: --runtime: unknown runtime \"docker\" (want one of: none, crun, podman, runc)\nRun 'seccompgen help record' for details.\n"},
		{"no-new-privileges without runtime", []string{"record", "--no-new-privileges", "--", "/bin/true"},
			"seccompgen record: --no-new-privileges: needs --runtime (it picks that runtime's list)\nRun 'seccompgen help record' for details.\n"},
		{"no-new-privileges not a bool", []string{"record", "--runtime", "runc", "--no-new-privileges=maybe", "--", "/bin/true"},
			"seccompgen record: invalid argument \"maybe\" for \"--no-new-privileges\" flag: want true or false\nRun 'seccompgen help record' for details.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != 125 || r.stderr != tc.stderr {
				t.Errorf("status %d, stderr %q; want 125, %q", r.status, r.stderr, tc.stderr)
			}
		})
	}
}
