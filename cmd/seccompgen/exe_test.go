package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// fileReport is the part of a report about the files the tree ran and
// mapped.
type fileReport struct {
	Execs []struct {
		PID    int    `json:"pid"`
		Path   string `json:"path"`
		Dev    uint64 `json:"dev"`
		Inode  uint64 `json:"inode"`
		Script string `json:"script"`
	} `json:"execs"`
	Libraries []struct {
		PID   int    `json:"pid"`
		Path  string `json:"path"`
		Dev   uint64 `json:"dev"`
		Inode uint64 `json:"inode"`
	} `json:"libraries"`
	GoBinaries []struct {
		Path string `json:"path"`
	} `json:"go_binaries"`
	Warnings []string `json:"warnings"`
}

func readFileReport(t *testing.T, path string) fileReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r fileReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func (r fileReport) goBinaries() []string {
	var out []string
	for _, b := range r.GoBinaries {
		out = append(out, b.Path)
	}
	return out
}

// inferredNames returns the report's syscalls inferred for the Go runtime.
func inferredNames(t *testing.T, rep string) []string {
	t.Helper()
	var out []string
	for _, e := range readReport(t, rep).Syscalls {
		if e.Reason == inferredReason() {
			out = append(out, e.Name)
		}
	}
	return out
}

// install copies the executable src to dst, making dst's directory.
func install(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, src, dst)
}

// TestRecordInspectsTheFileThatRan: Go inference reads the file the kernel
// executed, as the process saw it, not the name execve was given resolved
// in seccompgen's directory and mount namespace. A script is its
// interpreter (and no false "replaced" warning), a relative name after a
// cd is found, a program in a chroot is the one inspected.
func TestRecordInspectsTheFileThatRan(t *testing.T) {
	testenv.RequireBPF(t)
	cpu := buildGo(t, "testdata/go/cpu")
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gohello := filepath.Join(dir, "sub", "gohello")
	install(t, cpu, gohello)
	script := filepath.Join(dir, "s.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"+gohello+" -d 10ms\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		cmd     []string
		wantSh  string // the script execs report with /bin/sh as their path
		wantBin string
	}{
		{"script", []string{script}, script, gohello},
		{"cd", []string{"sh", "-c", "cd " + dir + "/sub && ./gohello -d 10ms"}, "", gohello},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rep, r := recordFiles(t, nil, tc.cmd...)
			if r.status != 0 || !strings.HasPrefix(r.stdout, "ok ") {
				t.Fatalf("status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
			}
			if strings.Contains(r.stderr, "warning") {
				t.Errorf("warnings:\n%s", r.stderr)
			}
			fr := readFileReport(t, rep)
			if diff := cmp.Diff([]string{tc.wantBin}, fr.goBinaries()); diff != "" {
				t.Errorf("go_binaries (-want +got):\n%s", diff)
			}
			if len(inferredNames(t, rep)) == 0 {
				t.Errorf("nothing inferred for %s", tc.wantBin)
			}
			var shells []string
			for _, x := range fr.Execs {
				if x.Path == sh {
					shells = append(shells, x.Script)
				}
			}
			if diff := cmp.Diff([]string{tc.wantSh}, shells); diff != "" {
				t.Errorf("scripts of the execs of %s (-want +got):\n%s", sh, diff)
			}
		})
	}
}

// TestRecordInspectsProgramInOtherRoot: a program run in a chroot, or in
// another mount namespace over a bind mount, is inspected as the process
// saw it, whether its path on the host is another file or nothing, even
// though it has exited when inference runs.
func TestRecordInspectsProgramInOtherRoot(t *testing.T) {
	testenv.RequireBPF(t)
	chroot := testenv.RequireTool(t, "chroot")
	unshare := testenv.RequireTool(t, "unshare")
	prog := buildGo(t, "testdata/go/stdin")
	for _, tc := range []struct {
		name, path string
		// cmd runs the program at path, found at inRoot on the host.
		cmd func(root, inRoot, path string) []string
	}{
		{"chroot, other file on the host", "/usr/bin/true", func(root, _, path string) []string {
			return []string{chroot, root, path}
		}},
		{"chroot, nothing on the host", "/seccompgen-test-prog", func(root, _, path string) []string {
			return []string{chroot, root, path}
		}},
		{"bind mount in a mount namespace", "/usr/bin/true", func(_, inRoot, path string) []string {
			return []string{unshare, "-m", "sh", "-c", "mount --bind " + inRoot + " " + path + " && exec " + path}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.path); strings.Contains(tc.name, "nothing on the host") && err == nil {
				t.Skipf("%s exists on the host", tc.path)
			}
			root := t.TempDir()
			inRoot := filepath.Join(root, tc.path)
			install(t, prog, inRoot)
			rep := filepath.Join(t.TempDir(), "report.json")
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			args := append([]string{"record", "-o", os.DevNull, "--report", rep, "--"}, tc.cmd(root, inRoot, tc.path)...)
			cmd := exec.CommandContext(ctx, filepath.Join(binDir, "seccompgen"), args...)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The program lives until seccompgen has opened it; then it
			// exits, before inference runs.
			waitOpened(t, cmd.Process.Pid, inRoot)
			stdin.Close()
			if err := cmd.Wait(); err != nil || stdout.String() != "ok\n" {
				t.Fatalf("record: %v, stdout %q, stderr:\n%s", err, stdout.String(), stderr.String())
			}
			if strings.Contains(stderr.String(), "warning") {
				t.Errorf("warnings:\n%s", stderr.String())
			}
			if diff := cmp.Diff([]string{tc.path}, readFileReport(t, rep).goBinaries()); diff != "" {
				t.Errorf("go_binaries (-want +got):\n%s", diff)
			}
			if len(inferredNames(t, rep)) == 0 {
				t.Errorf("nothing inferred for %s", tc.path)
			}
		})
	}
}

// waitOpened waits until process pid has path open.
func waitOpened(t *testing.T, pid int, path string) {
	t.Helper()
	want, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	fds := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		ents, err := os.ReadDir(fds)
		if err != nil {
			t.Fatalf("seccompgen exited before it opened %s: %v", path, err)
		}
		for _, e := range ents {
			if fi, err := os.Stat(filepath.Join(fds, e.Name())); err == nil && os.SameFile(fi, want) {
				return
			}
		}
	}
	t.Fatalf("seccompgen (pid %d) did not open %s within a minute", pid, path)
}

// gcc runs gcc with args and fails the test if it fails.
func gcc(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// libraries returns the report's libraries that are one of files, by the
// file's name in files.
func libraries(t *testing.T, rep string, files ...string) map[string]string {
	t.Helper()
	got := map[string]string{}
	libs := readFileReport(t, rep).Libraries
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range libs {
			if li, err := os.Stat(l.Path); err == nil && os.SameFile(fi, li) {
				got[f] = l.Path
			}
		}
	}
	return got
}

// TestRecordLibraries: the report lists the libraries the tree mapped:
// one a program dlopen()s, the ones it is linked with, libc and the
// dynamic loader, each with the path, device and inode of the file.
func TestRecordLibraries(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "lib.c")
	if err := os.WriteFile(src, []byte("int lib_answer(void) { return 42; }\nint needed_answer(void) { return 7; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opened, needed := filepath.Join(dir, "libopened.so"), filepath.Join(dir, "libneeded.so")
	gcc(t, "-shared", "-fPIC", "-o", opened, src)
	gcc(t, "-shared", "-fPIC", "-o", needed, src)
	prog := filepath.Join(dir, "dlopen")
	gcc(t, "-O2", "-Wall", "-o", prog, filepath.Join("..", "..", "testdata", "c", "dlopen.c"), "-L"+dir, "-lneeded", "-Wl,-rpath,"+dir, "-ldl")

	_, rep, r := recordFiles(t, nil, prog, opened)
	if r.status != 0 || r.stdout != "42 7\n" {
		t.Fatalf("status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	libc, ldso := "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"
	got := libraries(t, rep, opened, needed, libc, ldso)
	want := map[string]string{opened: opened, needed: needed}
	for _, f := range []string{libc, ldso} {
		if _, ok := got[f]; ok {
			want[f] = got[f] // the same file, under the name the process saw
		} else {
			want[f] = "(missing)"
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("libraries (-want +got):\n%s\nreport: %+v", diff, readFileReport(t, rep).Libraries)
	}
	for _, l := range readFileReport(t, rep).Libraries {
		if l.Path == opened {
			fi, _ := os.Stat(opened)
			st := fi.Sys().(*syscall.Stat_t)
			if l.Dev != st.Dev || l.Inode != st.Ino {
				t.Errorf("%s: device/inode %d/%d, the file's are %d/%d", opened, l.Dev, l.Inode, st.Dev, st.Ino)
			}
		}
	}
}

// TestRecordPythonExtension: an extension module Python imports (dlopen)
// is in the report's libraries.
func TestRecordPythonExtension(t *testing.T) {
	testenv.RequireBPF(t)
	const python = "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s is not installed", python)
	}
	out, err := exec.Command(python, "-c", "import _json; print(_json.__file__)").Output()
	if err != nil {
		t.Skipf("%s has no _json extension module: %v", python, err)
	}
	ext := strings.TrimSpace(string(out))
	if !filepath.IsAbs(ext) {
		t.Skipf("%s's _json is built in (%q)", python, ext)
	}
	_, rep, r := recordFiles(t, nil, python, "-c", "import _json")
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	if got := libraries(t, rep, ext); got[ext] == "" {
		t.Errorf("%s is not among the libraries: %+v", ext, readFileReport(t, rep).Libraries)
	}
}

// TestRecordLibrariesI386: an i386 program's libraries (mapped with
// mmap2) are in the report too.
func TestRecordLibrariesI386(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	testenv.RequireIA32(t)
	dir := t.TempDir()
	src, prog := filepath.Join(dir, "m32.c"), filepath.Join(dir, "m32")
	if err := os.WriteFile(src, []byte("int main(void) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-m32", "-o", prog, src).CombinedOutput(); err != nil {
		t.Skipf("gcc -m32 cannot link a dynamic program (gcc-multilib?): %v\n%s", err, out)
	}
	libc := "/usr/lib32/libc.so.6"
	if _, err := os.Stat(libc); err != nil {
		t.Skipf("no %s", libc)
	}
	_, rep, r := recordFiles(t, nil, prog)
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	if got := libraries(t, rep, libc); got[libc] == "" {
		t.Errorf("%s is not among the libraries: %+v", libc, readFileReport(t, rep).Libraries)
	}
}
