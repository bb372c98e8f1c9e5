package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// goRuntimeRuns is how often each rare-path program is recorded briefly and
// then run for longer under its profile (issue #6).
const goRuntimeRuns = 20

// inferredReason is the reason the report gives the Go runtime's syscalls
// for binaries built by the toolchain running the tests.
func inferredReason() string {
	v := runtime.Version()
	if parts := strings.SplitN(v, ".", 3); len(parts) >= 2 {
		v = parts[0] + "." + parts[1]
	}
	return "inferred:" + v + "-runtime"
}

// recordThenRun records prog with 0.3 s of work and the given record
// flags, then runs it for 3 s under that profile, enforced, and returns
// what went wrong ("" when nothing did).
func recordThenRun(t *testing.T, flags []string, prog string) string {
	t.Helper()
	prof, rep, r := recordFiles(t, flags, prog, "-d", "300ms")
	if r.status != 0 || r.stdout != "ok true\n" {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	if len(flags) == 0 {
		// The default infers: the profile carries the runtime's rare paths.
		if e, ok := readReport(t, rep).find("restart_syscall", "x86_64"); !ok || e.Reason != inferredReason() {
			t.Fatalf("restart_syscall in the report: %+v (found %v), want reason %s", e, ok, inferredReason())
		}
	}
	got := seccompgen(t, "run", "--profile", prof, "--", prog, "-d", "3s")
	if got.status != 0 || got.stdout != "ok true\n" {
		return fmt.Sprintf("status %d, stdout %q, stderr %q", got.status, got.stdout, got.stderr)
	}
	return ""
}

// TestGoRuntimeRarePaths: a Go program recorded for 0.3 s runs for 3 s
// under its profile, every time. The runtime reaches paths in the longer
// run (preemption signals, the scavenger, restarted sleeps) that the short
// recording may not have seen; inference covers them.
func TestGoRuntimeRarePaths(t *testing.T) {
	testenv.RequireBPF(t)
	for _, name := range []string{"alloc", "cpu"} {
		prog := buildGo(t, "testdata/go/"+name)
		t.Run(name, func(t *testing.T) {
			// One program's runs at a time, the two programs side by side:
			// the CPU-bound one only makes preemption more frequent.
			t.Parallel()
			failed := 0
			for i := 1; i <= goRuntimeRuns; i++ {
				if msg := recordThenRun(t, nil, prog); msg != "" {
					failed++
					t.Errorf("run %d under the profile: %s", i, msg)
				}
			}
			t.Logf("%d/%d runs failed", failed, goRuntimeRuns)
		})
	}
}

// TestGoRuntimeInferNoneMeasurement measures the same with --infer none,
// where failures are expected at times; docs/go-runtime.md has the numbers.
// It takes minutes and asserts nothing about the outcome, so it runs only
// when asked: SECCOMPGEN_MEASURE=1 go test -run InferNoneMeasurement -v ./cmd/seccompgen
func TestGoRuntimeInferNoneMeasurement(t *testing.T) {
	if os.Getenv("SECCOMPGEN_MEASURE") != "1" {
		t.Skip("a measurement, not a test: set SECCOMPGEN_MEASURE=1 to run it")
	}
	testenv.RequireBPF(t)
	for _, name := range []string{"alloc", "cpu"} {
		prog := buildGo(t, "testdata/go/"+name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			failed := 0
			denied := map[string]int{}
			for i := 1; i <= goRuntimeRuns; i++ {
				prof, _, r := recordFiles(t, []string{"--infer", "none"}, prog, "-d", "300ms")
				if r.status != 0 {
					t.Fatalf("record: status %d, stderr:\n%s", r.status, r.stderr)
				}
				got := seccompgen(t, "run", "--profile", prof, "--", prog, "-d", "3s")
				if got.status != 0 || got.stdout != "ok true\n" {
					failed++
					t.Logf("run %d failed: status %d, stderr %.200q", i, got.status, got.stderr)
				}
				// The same profile in complain mode names what it would deny,
				// fatal or not.
				c := seccompgen(t, "run", "--complain", "--profile", prof, "--", prog, "-d", "3s")
				for _, m := range regexp.MustCompile(`(?m)^  (\S+) \(x86_64\)`).FindAllStringSubmatch(c.stderr, -1) {
					denied[m[1]]++
				}
			}
			var names []string
			for n, c := range denied {
				names = append(names, fmt.Sprintf("%s %d/%d", n, c, goRuntimeRuns))
			}
			sort.Strings(names)
			t.Logf("--infer none, %s: %d/%d enforced 3 s runs failed; complain runs would deny: %s", name, failed, goRuntimeRuns, strings.Join(names, ", "))
		})
	}
}

// TestGoRuntimeHTTPServer: a Go HTTP server recorded while serving one
// request serves 1000, with timers and forced collections, under its
// profile, and complain mode finds nothing it would deny.
func TestGoRuntimeHTTPServer(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildGo(t, "examples/go-http")
	prof, rep, r := recordFiles(t, nil, prog, "-requests", "1")
	if r.status != 0 || r.stdout != "served 1\n" {
		t.Fatalf("record: status %d, stdout %q, stderr:\n%s", r.status, r.stdout, r.stderr)
	}
	if bins := goBinaries(t, rep); len(bins) != 1 || bins[0] != prog {
		t.Errorf("report's go_binaries %v, want [%s]", bins, prog)
	}
	c := seccompgen(t, "run", "--complain", "--profile", prof, "--", prog, "-requests", "1000")
	if c.status != 0 || c.stdout != "served 1000\n" || !strings.Contains(c.stderr, prof+" would deny nothing CMD did") {
		t.Errorf("--complain, 1000 requests: status %d, stdout %q, stderr:\n%s", c.status, c.stdout, c.stderr)
	}
	got := seccompgen(t, "run", "--profile", prof, "--", prog, "-requests", "1000")
	if got.status != 0 || got.stdout != "served 1000\n" {
		t.Errorf("enforced, 1000 requests: status %d, stdout %q, stderr:\n%s", got.status, got.stdout, got.stderr)
	}
}

func goBinaries(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		GoBinaries []struct {
			Path string `json:"path"`
		} `json:"go_binaries"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range rep.GoBinaries {
		out = append(out, b.Path)
	}
	return out
}

// TestRecordInfersNothingForC: with --infer go, a C program's profile and
// report have no inferred syscall, and --diff says so.
func TestRecordInfersNothingForC(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	tree := buildC(t, "tree")
	prof, rep, r := recordFiles(t, []string{"--diff", "--infer", "go"}, tree)
	if r.status != 0 {
		t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
	}
	for _, e := range readReport(t, rep).Syscalls {
		// clone3's ENOSYS rule comes with clone's default pinning.
		if e.Reason != "observed" && e.Reason != "policy" && e.Reason != "args:clone3-enosys-falls-back-to-clone" {
			t.Errorf("%s has reason %s: only observed, policy and clone3's fallback belong in a C program's report", e.Name, e.Reason)
		}
	}
	if bins := goBinaries(t, rep); len(bins) != 0 {
		t.Errorf("go_binaries %v for a C program", bins)
	}
	want := fmt.Sprintf("%s: %d syscalls observed, 0 inferred\n", prof, len(readProfile(t, prof).allowed()))
	if !strings.HasPrefix(r.stderr, want) {
		t.Errorf("--diff does not start with %q:\n%s", want, r.stderr)
	}
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("warnings for a C program:\n%s", r.stderr)
	}
}

// TestRecordDiffShowsInferred: for a Go program, --diff names exactly the
// syscalls the report says were inferred, apart from the observed ones;
// --infer none adds none.
func TestRecordDiffShowsInferred(t *testing.T) {
	testenv.RequireBPF(t)
	prog := buildGo(t, "testdata/go/cpu")
	for _, tc := range []struct {
		infer    string
		inferred bool
	}{
		{"go", true},
		{"none", false},
	} {
		t.Run(tc.infer, func(t *testing.T) {
			prof, rep, r := recordFiles(t, []string{"--diff", "--infer", tc.infer}, prog, "-d", "10ms")
			if r.status != 0 {
				t.Fatalf("status %d, stderr:\n%s", r.status, r.stderr)
			}
			var observed, inferred []string
			for _, e := range readReport(t, rep).Syscalls {
				switch e.Reason {
				case "observed":
					observed = append(observed, e.Name)
				case inferredReason():
					inferred = append(inferred, e.Name)
					if e.Count != 0 || e.Action != "allow" {
						t.Errorf("inferred %+v: want count 0, action allow", e)
					}
				}
			}
			sort.Strings(inferred)
			if (len(inferred) > 0) != tc.inferred {
				t.Fatalf("--infer %s: inferred %v", tc.infer, inferred)
			}
			if len(observed)+len(inferred) != len(readProfile(t, prof).allowed()) {
				t.Errorf("%d observed + %d inferred != %d allowed", len(observed), len(inferred), len(readProfile(t, prof).allowed()))
			}
			want := fmt.Sprintf("%s: %d syscalls observed, %d inferred\n", prof, len(observed), len(inferred))
			if tc.inferred {
				want += "  " + inferredReason() + ": " + strings.Join(inferred, " ") + "\n"
			}
			if !strings.HasPrefix(r.stderr, want) {
				t.Errorf("--diff output does not start with:\n%s\ngot:\n%s", want, r.stderr)
			}
		})
	}
}
