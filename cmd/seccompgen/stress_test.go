package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestRecordStress records a busy tree — 64 threads and 1000 short-lived
// children, half of them forks that never exec and half exec /bin/true —
// in which every member makes one distinctive syscall, while a process
// outside the tree makes another in a loop. Every member's syscall must be
// counted exactly, nothing may be lost, and the outsider must contribute
// nothing. This is about correctness under load; speed is for make bench.
func TestRecordStress(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")

	startSpinner(t)

	stress := buildC(t, "stress")
	p, rep, r := record(t, nil, stress)
	if r.status != 0 {
		t.Fatalf("status %d (10: a thread did not start, 11: a child failed or did not exit 0); stderr:\n%s", r.status, r.stderr)
	}

	// The program says how often the tree made each of its syscalls.
	want := map[string]uint64{}
	var total uint64
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		name, n, ok := strings.Cut(line, " ")
		count, err := strconv.ParseUint(n, 10, 64)
		if !ok || err != nil {
			t.Fatalf("stress printed %q, want NAME COUNT", line)
		}
		want[name] = count
		total += count
	}
	if len(want) < 40 || total != 64+1000 {
		t.Fatalf("stress made %d distinct syscalls %d times in all, want >= 40 and 1064 (one per thread and child)", len(want), total)
	}

	allowed := p.allowed()
	for name, n := range want {
		e, ok := rep.find(name, "x86_64")
		if !ok || e.Count != n || !allowed[name] {
			t.Errorf("%s: recorded %d time(s) (found %v, allowed %v), want %d", name, e.Count, ok, allowed[name], n)
		}
	}
	for _, k := range []string{"procs_dropped", "nr_out_of_range", "exec_events_lost", "recursion_misses"} {
		if v, ok := rep.Losses[k]; !ok || v != 0 {
			t.Errorf("loss counter %s = %d (present %v), want 0", k, v, ok)
		}
	}
	if allowed["sched_rr_get_interval"] {
		t.Error("sched_rr_get_interval recorded: it came from a process outside the tree")
	}
	// 500 children exec'd /bin/true: their syscalls are part of the tree.
	if e, ok := rep.find("execve", "x86_64"); !ok || e.Count != 1+500 {
		t.Errorf("execve recorded %d time(s), want 501 (the workload and 500 children)", e.Count)
	}
}
