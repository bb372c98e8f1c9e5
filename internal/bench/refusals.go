//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
)

// benchRefusals measures what run's refusal reporting costs (issue #13):
// the storm confined by its own profile under `run --quiet` (enforcing
// only) against `run` (enforcing and counting refusals: programs on
// sys_enter and sys_exit) and against `run --quiet` with empty programs on
// both (the floor of that design); and the storm unconfined, alone and
// while `run` reports a sleeping shell: what the rest of the host pays;
// a realistic workload (real) confined, with and without reporting; and
// start-up: loading the tracer before CMD starts.
func benchRefusals(r *results, bin, storm, tmp string, sz sizes, real workload, say func(string, ...any)) error {
	calls, runs := sz.storm, sz.stormRuns
	floors, err := exitFloorPrograms()
	if err != nil {
		return err
	}
	defer func() {
		for _, p := range floors {
			p.Close()
		}
	}()
	shell := []string{"/bin/sh", "-c", "echo ready; exec sleep 600"}
	shellProfile := filepath.Join(tmp, "sleeping-shell.json")
	if _, err := runOnce(variant{name: "record a sleeping shell's profile", argv: []string{bin, "record", "-o", shellProfile, "--", "/bin/sh", "-c", "echo ready; exec sleep 0"}}); err != nil {
		return err
	}
	for _, threads := range []int{1, 2} {
		what := fmt.Sprintf("refusal reporting: syscall storm, %s × %s getppid", threadsText(threads), count(calls))
		say("%s", what)
		argv := []string{storm, fmt.Sprint(threads), fmt.Sprint(calls)}
		generated := filepath.Join(tmp, fmt.Sprintf("refusals-storm-%d.json", threads))
		if _, err := runOnce(variant{name: "record the storm's profile", argv: []string{bin, "record", "-o", generated, "--", storm, fmt.Sprint(threads), "1000"}}); err != nil {
			return err
		}
		quiet := append([]string{bin, "run", "--quiet", "--profile", generated, "--"}, argv...)
		vs := []variant{
			{name: "seccompgen run --quiet (enforcing only)", argv: quiet},
			{name: "seccompgen run (enforcing, counting refusals)", argv: append([]string{bin, "run", "--profile", generated, "--"}, argv...)},
			{name: "run --quiet, empty sys_enter and sys_exit programs (floor)", argv: quiet, around: attachAll(floors)},
			{name: "unconfined", argv: argv},
			{name: "outside the tree while seccompgen run reports another", argv: argv, around: backgroundRun(bin, shellProfile, shell)},
		}
		ss, err := interleave(vs, runs, func(p string) { say("  %s", p) })
		if err != nil {
			return err
		}
		m := cpuPerCall(threads * calls)
		r.add(row{what: what, metric: m, base: vs[0].name, name: vs[2].name, target: reference}, ss[0], ss[2])
		r.add(row{what: what, metric: m, base: vs[0].name, name: vs[1].name, target: reference}, ss[0], ss[1])
		r.add(row{what: what, metric: m, base: vs[3].name, name: vs[4].name, target: reference}, ss[3], ss[4])
		r.refusals = append(r.refusals, refusalNote{threads: threads, m: m, quiet: ss[0], counting: ss[1], floor: ss[2], unconfined: ss[3], outside: ss[4]})
	}

	say("refusal reporting: %s", real.what)
	realProfile := filepath.Join(tmp, "refusals-real.json")
	if _, err := runOnce(variant{name: "record " + real.what, argv: append([]string{bin, "record", "-o", realProfile, "--"}, real.argv...), discard: true}); err != nil {
		return err
	}
	vs := []variant{
		{name: "seccompgen run --quiet (enforcing only)", argv: append([]string{bin, "run", "--quiet", "--profile", realProfile, "--"}, real.argv...), discard: true},
		{name: "seccompgen run (enforcing, counting refusals)", argv: append([]string{bin, "run", "--profile", realProfile, "--"}, real.argv...), discard: true},
	}
	ss, err := interleave(vs, real.runs, func(p string) { say("  %s", p) })
	if err != nil {
		return err
	}
	r.add(row{what: "refusal reporting: " + real.what + " (wall)", metric: wallSeconds, base: vs[0].name, name: vs[1].name, target: reference}, ss[0], ss[1])
	r.add(row{what: "refusal reporting: " + real.what + " (CPU: user + system)", metric: cpuSeconds, base: vs[0].name, name: vs[1].name, target: reference}, ss[0], ss[1])

	say("refusal reporting: start-up")
	trueProfile := filepath.Join(tmp, "refusals-true.json")
	if _, err := runOnce(variant{name: "record /bin/true", argv: []string{bin, "record", "-o", trueProfile, "--", "/bin/true"}}); err != nil {
		return err
	}
	vs = []variant{
		{name: "seccompgen run --quiet -- /bin/true", argv: []string{bin, "run", "--quiet", "--profile", trueProfile, "--", "/bin/true"}},
		{name: "seccompgen run -- /bin/true", argv: []string{bin, "run", "--profile", trueProfile, "--", "/bin/true"}},
	}
	if ss, err = interleave(vs, sz.startRuns, func(p string) { say("  %s", p) }); err != nil {
		return err
	}
	r.add(row{what: "refusal reporting: start-up, load and attach before CMD (wall)", metric: wallMillis, base: vs[0].name, name: vs[1].name, target: reference}, ss[0], ss[1])
	return nil
}

// workload is a realistic command to measure, and how many runs it gets.
type workload struct {
	what string
	argv []string
	runs int
}

// exitFloorPrograms are empty programs for sys_enter and sys_exit: the
// price of sending every syscall through both tracepoints.
func exitFloorPrograms() ([]*ebpf.Program, error) {
	var ps []*ebpf.Program
	for _, tp := range []string{"sys_enter", "sys_exit"} {
		p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
			Name:         "bench_floor",
			Type:         ebpf.Tracing,
			AttachType:   ebpf.AttachTraceRawTp,
			AttachTo:     tp,
			Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
			License:      "GPL",
		})
		if err != nil {
			for _, p := range ps {
				p.Close()
			}
			return nil, fmt.Errorf("load the empty %s program: %w", tp, err)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// attachAll attaches ps for one run and returns their detach.
func attachAll(ps []*ebpf.Program) func() (func(), error) {
	return func() (func(), error) {
		var ls []link.Link
		done := func() {
			for _, l := range ls {
				l.Close()
			}
		}
		for _, p := range ps {
			l, err := link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachTraceRawTp})
			if err != nil {
				done()
				return nil, fmt.Errorf("attach an empty program: %w", err)
			}
			ls = append(ls, l)
		}
		return done, nil
	}
}

// backgroundRun runs argv (which prints "ready" and sleeps) under `run
// --profile profile` for the duration of each run: the storm then runs
// outside the confined tree while run counts its refusals.
func backgroundRun(bin, profile string, argv []string) func() (func(), error) {
	return background(bin, append([]string{"run", "--profile", profile, "--"}, argv...)...)
}

// refusalNote keeps a storm's samples for the note on what refusal
// reporting costs.
type refusalNote struct {
	threads                                     int
	m                                           metric
	quiet, counting, floor, unconfined, outside []sample
}

// refusalNotes writes what refusal reporting costs, from the storm rows.
func (r *results) refusalNotes(b *strings.Builder) {
	if len(r.refusals) == 0 {
		return
	}
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## What refusal reporting costs\n\n")
	for _, n := range r.refusals {
		q, err1 := n.m.of(n.quiet)
		c, err2 := n.m.of(n.counting)
		f, err3 := n.m.of(n.floor)
		u, err4 := n.m.of(n.unconfined)
		o, err5 := n.m.of(n.outside)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil {
			continue
		}
		p("- %s, confined by its profile: `run --quiet` %.1f ns/call; with empty\n", threadsText(n.threads), q.median)
		p("  programs on sys_enter and sys_exit %.1f ns/call (%.2f×, %+.1f ns); `run`\n", f.median, f.median/q.median, f.median-q.median)
		p("  %.1f ns/call (%.2f×, %+.1f ns), %+.1f ns/call of it seccompgen's programs.\n", c.median, c.median/q.median, c.median-q.median, c.median-f.median)
		p("  Outside the tree: %.1f ns/call alone, %.1f ns/call while `run` reports\n", u.median, o.median)
		p("  another (%.2f×, %+.1f ns).\n", o.median/u.median, o.median-u.median)
	}
	p("\nAs for recording, the floor is the kernel's: a program on sys_enter or\n")
	p("sys_exit sends every syscall of the host through the slow path and the\n")
	p("tracepoint's BPF dispatch, here twice. Above it, each program tests one\n")
	p("bit for a process outside the tree; for the tree it looks up the\n")
	p("thread's flag in task storage, on entry and on exit. A getppid is the\n")
	p("worst case; the gofmt rows show a real program.\n\n")
}
