package binscan

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// siteSummary is what Analyze takes from a program's code: per function
// with anything to say, its syscall and wrapper call sites, the numbers
// it passes on, and what stayed unresolved.
type siteSummary struct {
	Start      uint64
	Sites      []int32
	CallSites  []int32
	Params     []param
	Unres      int32
	TotalSites int
	TotalUnres int
}

func summarize(o *object) []siteSummary {
	out := []siteSummary{{TotalSites: o.Sites, TotalUnres: o.Unres}}
	for _, f := range o.Funcs {
		if len(f.Sites)+len(f.CallSites)+len(f.Params) > 0 || f.Unres > 0 {
			out = append(out, siteSummary{Start: f.Start, Sites: f.Sites, CallSites: f.CallSites, Params: f.Params, Unres: f.Unres})
		}
	}
	return out
}

func buildWith(t *testing.T, path string, full bool) *object {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fullScan = full
	defer func() { fullScan = false }()
	o, err := buildObject(path, f)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestSparseScanMatchesFull: decoding only the functions whose bytes can
// hold a syscall instruction or a call to a wrapper finds, in a program,
// exactly what decoding every function finds.
func TestSparseScanMatchesFull(t *testing.T) {
	progs := map[string]string{
		"wrapper":        buildC(t, "wrapper.c"),
		"wrapper-static": buildC(t, "wrapper.c", "-static"),
		"static":         buildC(t, "static.c", "-static"),
		"gettid":         buildC(t, "gettid.c"),
		"gohello":        buildGo(t, "gohello"),
		"gohttp":         buildGo(t, "gohttp"),
	}
	// Real programs where installed (busybox-static is in make deps).
	for _, p := range []string{"/bin/ls", "/bin/busybox", "/usr/bin/redis-server", "/usr/sbin/nginx", "/usr/bin/node"} {
		if _, err := os.Stat(p); err == nil {
			progs[p] = p
		}
	}
	for name, p := range progs {
		t.Run(name, func(t *testing.T) {
			full, sparse := buildWith(t, p, true), buildWith(t, p, false)
			if diff := cmp.Diff(summarize(full), summarize(sparse)); diff != "" {
				t.Errorf("sparse scan differs from the full scan (-full +sparse):\n%s", diff)
			}
			if len(summarize(full)) == 1 && progs[name] != name {
				t.Errorf("no syscall or wrapper call site found: the comparison proves nothing")
			}
		})
	}
}

// TestProgramWrappers: the numbers a program passes to its own wrappers,
// one and two calls deep, are found.
func TestProgramWrappers(t *testing.T) {
	for _, flags := range [][]string{nil, {"-static"}} {
		p := buildC(t, "wrapper.c", flags...)
		r, err := Analyze(p, Options{NoCache: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"getpid", "gettid"} {
			v, ok := via(r, name)
			if !ok {
				t.Errorf("%s %v: %s not inferred", p, flags, name)
				continue
			}
			if !contains(v, "syscall(SYS_"+name+") call site in main") {
				t.Errorf("%s %v: %s via %q, want a call site in main", p, flags, name, v)
			}
		}
	}
}

func contains(vs []string, s string) bool {
	for _, v := range vs {
		if len(v) >= len(s) && v[len(v)-len(s):] == s {
			return true
		}
	}
	return false
}
