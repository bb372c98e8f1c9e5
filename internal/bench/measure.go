//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sample is one finished run of one variant.
type sample struct {
	wall   time.Duration
	cpu    time.Duration // user + system, the children it waited for included
	stdout string
	maxRSS int64 // KiB: the process and the children it waited for (see maxrss.c)
}

// variant is one way of running a workload: the baseline or what is compared
// with it.
type variant struct {
	name string
	argv []string
	// discard sends stdout to /dev/null instead of keeping it.
	discard bool
	// maxrss, when set, runs argv under testdata/c/maxrss.c: wait4's
	// ru_maxrss of a child the harness starts directly is the harness's.
	maxrss string
	// around, when set, runs before each run and its result after it (a
	// floor program attached only while the variant runs).
	around func() (func(), error)
}

// runOnce runs v to completion and fails unless it exits 0.
func runOnce(v variant) (sample, error) {
	if v.around != nil {
		done, err := v.around()
		if err != nil {
			return sample{}, fmt.Errorf("%s: %w", v.name, err)
		}
		defer done()
	}
	argv := v.argv
	var rssFile string
	if v.maxrss != "" {
		rssFile = filepath.Join(filepath.Dir(v.maxrss), "maxrss.out")
		argv = append([]string{v.maxrss, rssFile}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if v.discard {
		cmd.Stdout = io.Discard
		if f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
			defer f.Close()
			cmd.Stdout = f
		}
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %s: %w\n%s", v.name, strings.Join(v.argv, " "), err, stderr.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	s := sample{wall: wall, stdout: stdout.String(), maxRSS: ru.Maxrss,
		cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	if rssFile != "" {
		data, err := os.ReadFile(rssFile)
		if err == nil {
			s.maxRSS, err = strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		}
		if err != nil {
			return sample{}, fmt.Errorf("%s: peak RSS: %w", v.name, err)
		}
	}
	return s, nil
}

// interleave runs every variant once to warm caches, then runs times
// rounds of all variants (A B C, B C A, C A B, ...: the order rotates so no
// variant always runs first or right after another). It returns the samples
// of the counted rounds, per variant in the order given.
func interleave(vs []variant, runs int, progress func(string)) ([][]sample, error) {
	out := make([][]sample, len(vs))
	for _, v := range vs {
		if _, err := runOnce(v); err != nil {
			return nil, err
		}
	}
	for r := 0; r < runs; r++ {
		quiet()
		for k := range vs {
			i := (r + k) % len(vs)
			s, err := runOnce(vs[i])
			if err != nil {
				return nil, err
			}
			out[i] = append(out[i], s)
		}
		progress(fmt.Sprintf("round %d/%d", r+1, runs))
	}
	return out, nil
}

// Rounds counts the measured rounds; Disturbed those that started while
// someone else's program was on sys_enter, which taxes every variant.
var rounds, disturbed int

// quiet waits, up to 15 s, until no one else's program is attached to
// sys_enter (tests of seccompgen itself, another tracer) and counts the
// round as disturbed if it has to start anyway.
func quiet() {
	rounds++
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if len(otherSysEnter()) == 0 {
			return
		}
		if time.Now().After(deadline) {
			disturbed++
			return
		}
	}
}

// stats are the min, median and max of a metric over runs.
type stats struct {
	min, median, max float64
	n                int
}

func summarize(xs []float64) stats {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return stats{min: s[0], median: med, max: s[n-1], n: n}
}

// metric turns a sample into the number compared.
type metric struct {
	unit   string
	digits int
	value  func(sample) (float64, error)
}

func (m metric) of(ss []sample) (stats, error) {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		v, err := m.value(s)
		if err != nil {
			return stats{}, err
		}
		xs[i] = v
	}
	return summarize(xs), nil
}

func (m metric) format(x float64) string {
	return strconv.FormatFloat(x, 'f', m.digits, 64)
}

var (
	wallSeconds = metric{"s", 3, func(s sample) (float64, error) { return s.wall.Seconds(), nil }}
	cpuSeconds  = metric{"s", 3, func(s sample) (float64, error) { return s.cpu.Seconds(), nil }}
	wallMillis  = metric{"ms", 1, func(s sample) (float64, error) { return float64(s.wall.Microseconds()) / 1000, nil }}
	maxRSSMiB   = metric{"MiB", 1, func(s sample) (float64, error) { return float64(s.maxRSS) / 1024, nil }}
)

// cpuPerCall reads the storm's own measurement (its last line: wall and
// CPU nanoseconds of the storm alone) and divides the CPU time by the
// calls made. A tracer's work runs in the calling thread, so CPU time holds
// all of it, and unlike wall time it does not grow when other programs
// take the CPU away from the storm.
func cpuPerCall(calls int) metric {
	return metric{"ns/call", 1, func(s sample) (float64, error) {
		lines := strings.Split(strings.TrimSpace(s.stdout), "\n")
		f := strings.Fields(lines[len(lines)-1])
		var cpu float64
		err := fmt.Errorf("storm printed %q, want WALL_NS CPU_NS", s.stdout)
		if len(f) == 2 {
			cpu, err = strconv.ParseFloat(f[1], 64)
		}
		if err != nil || cpu <= 0 || math.IsInf(cpu, 0) {
			return 0, fmt.Errorf("storm printed %q, want WALL_NS CPU_NS", s.stdout)
		}
		return cpu / float64(calls), nil
	}}
}

// backgroundRecord records another workload (a shell that sleeps) for the
// duration of each run: the storm then runs outside the traced tree, and
// pays what every other process on the host pays while seccompgen records.
func backgroundRecord(bin, profile string) func() (func(), error) {
	return background(bin, "record", "-o", profile, "--", "/bin/sh", "-c", "echo ready; exec sleep 600")
}

// background starts `bin args...`, whose workload prints "ready" and
// sleeps, for the duration of each run, and stops it with SIGTERM, which
// seccompgen forwards to the sleep (record then writes its profile).
func background(bin string, args ...string) func() (func(), error) {
	return func() (func(), error) {
		cmd := exec.Command(bin, args...)
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, fmt.Errorf("seccompgen %s of a sleeping shell: workload said %q\n%s", args[0], line, stderr.String())
		}
		return func() {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}, nil
	}
}
