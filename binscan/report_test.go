package binscan

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPrecisionReport prints, for the programs this machine has, how many
// names binscan infers, and the median number of syscalls a libc export
// reaches. It measures, it does not judge: run it with
//
//	BINSCAN_REPORT=1 go test -run PrecisionReport -v ./binscan/
func TestPrecisionReport(t *testing.T) {
	if os.Getenv("BINSCAN_REPORT") == "" {
		t.Skip("set BINSCAN_REPORT=1 to measure real programs")
	}
	libc := "/lib/x86_64-linux-gnu/libc.so.6"
	f, err := os.Open(libc)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	o, err := buildObject(libc, f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		cut  []string
	}{{"default cut", DefaultCut(false)}, {"no cut", nil}} {
		var installed uint64
		for _, d := range o.Defaults {
			installed |= 1 << d
		}
		reach := closure(o, cutSet(o, c.cut), installed)
		var counts []int
		seen := map[int32]bool{}
		for _, e := range o.Exports {
			if seen[e.Func] {
				continue
			}
			seen[e.Func] = true
			counts = append(counts, reach[e.Func].nrs.count())
		}
		slices.Sort(counts)
		t.Logf("libc.so.6 exports (%d functions), %s: median reach %d, 90th percentile %d, max %d",
			len(counts), c.name, counts[len(counts)/2], counts[len(counts)*9/10], counts[len(counts)-1])
	}
	progs := []string{"/usr/bin/ls", "/usr/bin/dash", "/usr/bin/bash", "/usr/bin/grep", "/usr/bin/git",
		"/usr/bin/python3.11", "/usr/sbin/nginx", "/usr/bin/redis-server", "/usr/bin/sqlite3",
		"/usr/bin/curl", "/usr/bin/node", "/usr/lib/postgresql/15/bin/postgres"}
	var counts []int
	var lines []string
	for _, p := range progs {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		t0 := time.Now()
		r, err := Analyze(p, Options{NoCache: true})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		counts = append(counts, len(r.Syscalls))
		lines = append(lines, fmt.Sprintf("%-40s %4d names  %2d unresolved  %2d libraries  %v", p, len(r.Syscalls), r.Unresolved, len(r.Libraries), time.Since(t0).Round(time.Millisecond)))
	}
	slices.Sort(counts)
	t.Logf("programs:\n%s", strings.Join(lines, "\n"))
	if len(counts) > 0 {
		t.Logf("median %d names, max %d", counts[len(counts)/2], counts[len(counts)-1])
	}
}
