package binscan

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fixtureDir holds the programs the tests build, shared by all tests of
// one run.
var fixtureDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "binscan-test")
	if err != nil {
		panic(err)
	}
	fixtureDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// buildC compiles testdata/src with gcc and extra flags, once per run.
func buildC(t testing.TB, src string, flags ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not installed: C fixtures cannot be built")
	}
	return build(t, src, flags, func(out string) *exec.Cmd {
		args := append([]string{"-O2", "-o", out, filepath.Join("testdata", src)}, flags...)
		return exec.Command("gcc", args...)
	})
}

// buildGo builds the Go program in testdata/dir, stripped as users ship it.
func buildGo(t testing.TB, dir string) string {
	t.Helper()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	return build(t, dir, nil, func(out string) *exec.Cmd {
		c := exec.Command(goTool, "build", "-trimpath", "-ldflags=-s", "-o", out, "./"+filepath.Join("testdata", dir))
		c.Env = append(os.Environ(), "CGO_ENABLED=0")
		return c
	})
}

func build(t testing.TB, src string, flags []string, cmd func(out string) *exec.Cmd) string {
	key := src + fmtFlags(flags)
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[key]; ok {
		return p
	}
	out := filepath.Join(fixtureDir, strings.TrimSuffix(filepath.Base(src), ".c")+fmtFlags(flags))
	c := cmd(out)
	if b, err := c.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", src, err, b)
	}
	built[key] = out
	return out
}

func fmtFlags(flags []string) string {
	s := ""
	for _, f := range flags {
		s += "_" + filepath.Base(f)
	}
	return s
}
