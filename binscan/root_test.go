package binscan

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// makeRoot builds a root directory, as a chroot or a container's, whose
// /lib differs from the host's: it alone has libsgroot.so.1 (rootlib.c),
// reached through an absolute symbolic link that means something else on
// the host, next to copies of the host's libc and ld.so. It returns the
// root and the executable rootexe.c, which needs libsgroot.so.1.
func makeRoot(t *testing.T) (root, exe string) {
	t.Helper()
	lib := buildC(t, "../../testdata/c/rootlib.c", "-shared", "-fPIC", "-Wl,-soname,libsgroot.so.1")
	exe = buildC(t, "../../testdata/c/rootexe.c", lib)
	root = t.TempDir()
	libdir := filepath.Join(root, "usr/lib/x86_64-linux-gnu")
	for _, d := range []string{libdir, filepath.Join(root, "opt/sg")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, lib, filepath.Join(root, "opt/sg/libsgroot.so.1"))
	if err := os.Symlink("/opt/sg/libsgroot.so.1", filepath.Join(libdir, "libsgroot.so.1")); err != nil {
		t.Fatal(err)
	}
	// Debian's merged /usr: /lib is a link to usr/lib.
	if err := os.Symlink("usr/lib", filepath.Join(root, "lib")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"libc.so.6", "ld-linux-x86-64.so.2"} {
		copyFile(t, filepath.Join("/lib/x86_64-linux-gnu", f), filepath.Join(libdir, f))
	}
	return root, exe
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

// TestAnalyzeRoot: with Options.Root the libraries an executable needs are
// looked up under that root (symbolic links resolved inside it), not on
// the host, which lacks libsgroot.so.1.
func TestAnalyzeRoot(t *testing.T) {
	root, exe := makeRoot(t)
	if _, err := os.Stat("/opt/sg/libsgroot.so.1"); err == nil {
		t.Skip("the host has /opt/sg/libsgroot.so.1: the test needs a host without it")
	}
	for _, tc := range []struct {
		name     string
		root     string
		mlockall bool
		libs     []string
	}{
		{"host", "", false, nil},
		{"root", root, true, []string{root + "/opt/sg/libsgroot.so.1", root + "/usr/lib/x86_64-linux-gnu/libc.so.6"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Analyze(exe, Options{NoCache: true, Root: tc.root})
			if err != nil {
				t.Fatal(err)
			}
			var via []string
			got := slices.ContainsFunc(r.Syscalls, func(s Syscall) bool {
				if s.Name == "mlockall" {
					via = s.Via
					return true
				}
				return false
			})
			if got != tc.mlockall {
				t.Errorf("mlockall inferred: %v, want %v (notes %q)", got, tc.mlockall, r.Notes)
			}
			if tc.mlockall && !slices.ContainsFunc(via, func(v string) bool { return strings.Contains(v, "libsgroot.so.1") }) {
				t.Errorf("mlockall via %q: want it through libsgroot.so.1", via)
			}
			var libs []string
			for _, l := range r.Libraries {
				if tc.root != "" && strings.HasPrefix(l, tc.root) && !strings.Contains(l, "ld-linux") {
					libs = append(libs, l)
				}
			}
			slices.Sort(libs)
			if diff := cmp.Diff(tc.libs, libs); diff != "" {
				t.Errorf("libraries under the root (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolverIn(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"usr/lib", "opt/a"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.Symlink("usr/lib", filepath.Join(root, "lib"))
	os.Symlink("/opt/a", filepath.Join(root, "usr/lib/abs"))
	os.Symlink("../../../../../../etc", filepath.Join(root, "usr/lib/up"))
	os.Symlink("loop", filepath.Join(root, "loop"))
	r := &resolver{root: root}
	for _, tc := range []struct{ in, want string }{
		{"/lib/x.so", root + "/usr/lib/x.so"},
		{"/lib/abs/x.so", root + "/opt/a/x.so"},
		{"/lib/up/passwd", root + "/etc/passwd"},
		{"/../../lib/x.so", root + "/usr/lib/x.so"},
		{"/loop/x", root + "/loop/x"},
		{"rel/x.so", "rel/x.so"},
	} {
		if got := r.in(tc.in); got != tc.want {
			t.Errorf("in(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := (&resolver{}).in("/lib/x.so"); got != "/lib/x.so" {
		t.Errorf("without a root: in(/lib/x.so) = %q", got)
	}
}
