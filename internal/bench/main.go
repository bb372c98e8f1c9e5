//go:build linux

// Bench measures what recording with seccompgen costs and writes
// docs/BENCHMARKS.md (`make bench`). Every comparison runs its variants
// interleaved in one go (A B A B ...) and is reported as a ratio of medians;
// absolute times are context only. It measures; it asserts nothing (the
// stress test in `make test` is what proves nothing is lost).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	var (
		bin    = flag.String("seccompgen", "bin/seccompgen", "the seccompgen binary to measure")
		out    = flag.String("o", "docs/BENCHMARKS.md", "where to write the results")
		runs   = flag.Int("runs", 7, "counted runs per variant (after one warm-up run)")
		quick  = flag.Bool("quick", false, "tiny workloads and 2 runs: check that the harness works, not the numbers")
		runCmd = flag.String("command", "make bench", "the command to name in the results")
	)
	flag.Parse()
	if err := bench(*bin, *out, *runs, *quick, *runCmd); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// sizes are the workloads' sizes, small enough that make bench takes a
// few minutes and large enough that the medians are stable.
type sizes struct {
	storm       int // getppid calls per thread, untraced vs recorded
	stormStrace int // the same under strace, which is two orders slower
	gzipMiB     int
	gofmtDirs   []string // under GOROOT/src
	stormRuns   int      // storms are short and noisy: more runs
	realRuns    int      // the realistic workloads take seconds each: fewer
	startRuns   int      // start-up is shorter still
}

func bench(bin, out string, runs int, quick bool, runCmd string) error {
	if os.Geteuid() != 0 {
		return errors.New("run as root: recording loads eBPF programs (sudo make bench)")
	}
	sz := sizes{storm: 2_000_000, stormStrace: 100_000, gzipMiB: 256, gofmtDirs: []string{"net", "runtime", "crypto"}, stormRuns: runs + 4, realRuns: max(runs-2, 3), startRuns: 3 * runs}
	if quick {
		runs = 2
		sz = sizes{storm: 20_000, stormStrace: 2_000, gzipMiB: 4, gofmtDirs: []string{"errors"}, stormRuns: 2, realRuns: 2, startRuns: 2}
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "seccompgen-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	say := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }

	storm, maxrss := filepath.Join(tmp, "storm"), filepath.Join(tmp, "maxrss")
	for _, prog := range []string{storm, maxrss} {
		src := "testdata/c/" + filepath.Base(prog) + ".c"
		if msg, err := exec.Command("gcc", "-O2", "-Wall", "-pthread", "-o", prog, src).CombinedOutput(); err != nil {
			return fmt.Errorf("gcc %s (run from the repository root): %v\n%s", src, err, msg)
		}
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	src := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	corpus := filepath.Join(tmp, "corpus")
	if err := writeCorpus(corpus, src, sz.gzipMiB<<20); err != nil {
		return err
	}
	floor, err := floorProgram()
	if err != nil {
		return err
	}
	defer floor.Close()

	r := &results{command: runCmd, runs: runs, machine: describeMachine(bin), started: time.Now().UTC()}
	profile := filepath.Join(tmp, "profile.json")
	record := func(argv ...string) []string {
		return append([]string{bin, "record", "-o", profile, "--"}, argv...)
	}

	for _, threads := range []int{1, 2} {
		t := fmt.Sprint(threads)
		what := fmt.Sprintf("syscall storm, %s × %s getppid", threadsText(threads), count(sz.storm))
		say("%s", what)
		argv := []string{storm, t, fmt.Sprint(sz.storm)}
		vs := []variant{
			{name: "untraced", argv: argv},
			{name: "empty sys_enter program (floor)", argv: argv, around: attachFloor(floor)},
			{name: "seccompgen record", argv: record(argv...)},
			{name: "outside the tree while seccompgen records another", argv: argv, around: backgroundRecord(bin, filepath.Join(tmp, "other.json"))},
			{name: "outside the cgroup while seccompgen record --cgroup records one", argv: argv, around: backgroundCgroupRecord(bin, filepath.Join(tmp, "cgroup.json"))},
		}
		ss, err := interleave(vs, sz.stormRuns, func(p string) { say("  %s", p) })
		if err != nil {
			return err
		}
		m := cpuPerCall(threads * sz.storm)
		r.add(row{what: what, metric: m, base: vs[0].name, name: vs[1].name, target: reference}, ss[0], ss[1])
		r.add(row{what: what, metric: m, base: vs[0].name, name: vs[2].name, target: ratioAtMost(1.10)}, ss[0], ss[2])
		r.add(row{what: what, metric: m, base: vs[0].name, name: vs[3].name, target: reference}, ss[0], ss[3])
		// Issue #14: record --cgroup must leave the hot path of a process
		// outside as cheap as record of a command's tree does.
		r.add(row{what: what, metric: m, base: vs[3].name, name: vs[4].name, target: ratioAtMost(1.05)}, ss[3], ss[4])
		r.floors = append(r.floors, floorNote{threads: threads, m: m, untraced: ss[0], floor: ss[1], record: ss[2]})

		what = fmt.Sprintf("syscall storm, %s × %s getppid", threadsText(threads), count(sz.stormStrace))
		say("%s under strace", what)
		argv = []string{storm, t, fmt.Sprint(sz.stormStrace)}
		vs = []variant{
			{name: "untraced", argv: argv},
			{name: "strace -f -c (Debian's)", argv: append([]string{"strace", "-f", "-c", "-o", os.DevNull}, argv...)},
		}
		if ss, err = interleave(vs, sz.stormRuns, func(p string) { say("  %s", p) }); err != nil {
			return err
		}
		r.add(row{what: what, metric: cpuPerCall(threads * sz.stormStrace), base: vs[0].name, name: vs[1].name, target: reference}, ss[0], ss[1])
	}

	dirs := make([]string, len(sz.gofmtDirs))
	for i, d := range sz.gofmtDirs {
		dirs[i] = filepath.Join(src, d)
	}
	gofmt := append([]string{filepath.Join(filepath.Dir(src), "bin", "gofmt"), "-l"}, dirs...)
	gzip := []string{"gzip", "-1", "-c", corpus}
	for _, w := range []struct {
		what string
		argv []string
	}{
		{"gofmt -l over $GOROOT/src/{" + strings.Join(sz.gofmtDirs, ",") + "}", gofmt},
		{fmt.Sprintf("gzip -1 of %d MiB of Go source", sz.gzipMiB), gzip},
	} {
		say("%s", w.what)
		vs := []variant{{name: "untraced", argv: w.argv, discard: true}, {name: "seccompgen record", argv: record(w.argv...), discard: true}}
		ss, err := interleave(vs, sz.realRuns, func(p string) { say("  %s", p) })
		if err != nil {
			return err
		}
		r.add(row{what: w.what + " (wall)", metric: wallSeconds, base: vs[0].name, name: vs[1].name, target: ratioAtMost(1.02)}, ss[0], ss[1])
		r.add(row{what: w.what + " (CPU: user + system)", metric: cpuSeconds, base: vs[0].name, name: vs[1].name, target: ratioAtMost(1.02)}, ss[0], ss[1])
	}

	say("start-up")
	vs := []variant{{name: "/bin/true", argv: []string{"/bin/true"}}, {name: "seccompgen record -- /bin/true", argv: record("/bin/true")}}
	ss, err := interleave(vs, sz.startRuns, func(p string) { say("  %s", p) })
	if err != nil {
		return err
	}
	r.add(row{what: "start-up: load, attach, run, wait, write the profile (wall)", metric: wallMillis, base: vs[0].name, name: vs[1].name, target: plusAtMost(100, "ms")}, ss[0], ss[1])

	say("peak RSS")
	stormArgv := []string{storm, "2", fmt.Sprint(sz.storm)}
	vs = []variant{
		{name: "the storm alone, 2 threads", argv: stormArgv, maxrss: maxrss},
		{name: "seccompgen record -- the storm", argv: record(stormArgv...), maxrss: maxrss},
		{name: "/bin/true alone", argv: []string{"/bin/true"}, maxrss: maxrss},
		{name: "seccompgen record -- /bin/true", argv: record("/bin/true"), maxrss: maxrss},
	}
	if ss, err = interleave(vs, runs, func(p string) { say("  %s", p) }); err != nil {
		return err
	}
	for i := 0; i < len(vs); i += 2 {
		r.add(row{what: "peak RSS (ru_maxrss, the workload included)", metric: maxRSSMiB, base: vs[i].name, name: vs[i+1].name, target: valueAtMost(64, "MiB"), noRatio: true}, ss[i], ss[i+1])
	}

	for _, threads := range []int{1, 2} {
		what := fmt.Sprintf("enforcement: syscall storm, %s × %s getppid", threadsText(threads), count(sz.storm))
		say("%s", what)
		argv := []string{storm, fmt.Sprint(threads), fmt.Sprint(sz.storm)}
		generated := filepath.Join(tmp, fmt.Sprintf("storm-%d.json", threads))
		if _, err := runOnce(variant{name: "record the storm's profile", argv: []string{bin, "record", "-o", generated, "--", storm, fmt.Sprint(threads), "1000"}}); err != nil {
			return err
		}
		// --quiet: the filter's price alone; refusal reporting has its
		// own rows.
		run := func(profile string) []string {
			return append([]string{bin, "run", "--quiet", "--profile", profile, "--"}, argv...)
		}
		vs := []variant{
			{name: "unconfined", argv: argv},
			{name: "seccompgen run --quiet --profile docker-default", argv: run("docker-default")},
			{name: "seccompgen run --quiet --profile (the storm's recorded profile)", argv: run(generated)},
		}
		ss, err := interleave(vs, runs, func(p string) { say("  %s", p) })
		if err != nil {
			return err
		}
		m := cpuPerCall(threads * sz.storm)
		r.add(row{what: what, metric: m, base: vs[0].name, name: vs[1].name, target: reference}, ss[0], ss[1])
		r.add(row{what: what, metric: m, base: vs[0].name, name: vs[2].name, target: reference}, ss[0], ss[2])
		r.add(row{what: what, metric: m, base: "docker-default", name: "the recorded profile", target: ratioAtMost(1.00)}, ss[1], ss[2])
	}

	gofmtWhat := "gofmt -l over $GOROOT/src/{" + strings.Join(sz.gofmtDirs, ",") + "}"
	if err := benchRefusals(r, bin, storm, tmp, sz, workload{gofmtWhat, gofmt, sz.realRuns}, say); err != nil {
		return err
	}

	r.finished = time.Now().UTC()
	r.machine.loadEnd = loadAvg()
	r.machine.tracersEnd = otherTracers()
	if err := os.WriteFile(out, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	say("wrote %s", out)
	return nil
}

// writeCorpus writes size bytes of Go source from src (repeated if need
// be) to path: gzip's input, compressible like real text.
func writeCorpus(path, src string, size int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	written := 0
	for written < size {
		before := written
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			data = data[:min(len(data), size-written)]
			n, err := f.Write(data)
			written += n
			if err == nil && written >= size {
				return fs.SkipAll
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("gzip's input from %s: %w", src, err)
		}
		if written == before {
			return fmt.Errorf("gzip's input: no Go source under %s", src)
		}
	}
	return f.Close()
}

func threadsText(n int) string {
	if n == 1 {
		return "1 thread"
	}
	return fmt.Sprintf("%d threads", n)
}

// count writes n as 2M, 100k or 20000.
func count(n int) string {
	switch {
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return fmt.Sprint(n)
}
