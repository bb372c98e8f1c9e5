//go:build linux

// Sufficiency measures whether profiles recorded from short runs let real
// programs survive heavier ones, and writes docs/SUFFICIENCY.md (`make
// sufficiency`, issue #12). For each program of a corpus of Debian-packaged
// servers and tools, and for each --infer level asked for, it records a
// short training run, enforces the profile during a heavier held-out run,
// and reports what passed, what was missing and how many names each
// profile allows. It measures; it asserts nothing: it exits non-zero only
// when the harness itself could not measure (a workload that fails even
// unconfined).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		bin     = flag.String("seccompgen", "bin/seccompgen", "the seccompgen binary to measure")
		out     = flag.String("o", "docs/SUFFICIENCY.md", "where to write the results")
		infer   = flag.String("infer", "none,go", "comma-separated levels, each passed verbatim as record --infer LEVEL")
		errnos  = flag.String("errno", "", "comma-separated errno values (EPERM,ENOSYS): enforce the held-out run once per value, via record --errno, if the CLI has it")
		only    = flag.String("only", "", "comma-separated programs of the corpus to measure (default: all)")
		limit   = flag.Duration("run-timeout", 90*time.Second, "time limit of one run, start-up and shutdown included")
		runCmd  = flag.String("command", "", "the command to name in the results (default: how this was run)")
		keepTmp = flag.Bool("keep", false, "keep the temporary directory (to debug a workload)")
		ref     = flag.Bool("docker-default", true, "also run each held-out run under Docker's default profile, for reference")
		args    = flag.String("args", "", "record every training run with --args=`SETTING` (all, none, default, or groups joined by +); empty: the CLI's default")
	)
	flag.Parse()
	if *runCmd == "" {
		*runCmd = "go run ./internal/sufficiency " + strings.Join(os.Args[1:], " ")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	h := &harness{levels: split(*infer), errnos: split(*errnos), runTimeout: *limit, keep: *keepTmp, reference: *ref, args: strings.ReplaceAll(*args, "+", ",")}
	err := h.run(ctx, *bin, *out, *runCmd, split(*only))
	killAll()
	if err != nil {
		fmt.Fprintf(os.Stderr, "sufficiency: %v\n", err)
		os.Exit(1)
	}
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, "sufficiency: "+format+"\n", args...) }

// harness holds what every measurement shares.
type harness struct {
	bin        string
	levels     []string
	errnos     []string // empty: the CLI's default
	runTimeout time.Duration
	keep       bool
	reference  bool   // also enforce Docker's default during the held-out run
	args       string // record --args=args; "": the CLI's default
	tmp        string
}

func (h *harness) run(ctx context.Context, bin, out, command string, only []string) error {
	if os.Geteuid() != 0 {
		return errors.New("run as root: recording loads eBPF programs (sudo make sufficiency)")
	}
	if len(h.levels) == 0 {
		return errors.New("-infer: no level given")
	}
	var err error
	if h.bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	corpus, err := selectPrograms(only)
	if err != nil {
		return err
	}
	d := &doc{command: command, levels: h.levels, runTimeout: h.runTimeout, started: time.Now().UTC(), args: h.args}
	help, err := output(ctx, nil, "", h.bin, "help", "record")
	if err != nil {
		return fmt.Errorf("%s help record: %w", h.bin, err)
	}
	d.defaultLevel = defaultOf(help, "infer")
	if len(h.errnos) > 0 {
		if !hasFlag(help, "errno") {
			d.errnoNote = fmt.Sprintf("%s asked for, not measured: `seccompgen help record` has no --errno", strings.Join(h.errnos, ", "))
			say("%s", d.errnoNote)
			h.errnos = nil
		}
	}
	d.errnos = h.errnos
	d.machine = describeMachine(ctx, h.bin)

	// The workloads' users (postgres) must reach their files: the root
	// of the temporary tree is world-searchable, each run's directory is
	// handed to the user that runs there.
	if h.tmp, err = os.MkdirTemp("", "seccompgen-sufficiency-"); err != nil {
		return err
	}
	if !h.keep {
		defer os.RemoveAll(h.tmp)
	} else {
		say("keeping %s", h.tmp)
	}
	if err := os.Chmod(h.tmp, 0o755); err != nil {
		return err
	}
	// A workload's user (postgres) starts `seccompgen run` itself, and may
	// not reach the binary where it was built (under /root, say): run a
	// copy from the temporary directory.
	if h.bin, err = copyExecutable(h.bin, filepath.Join(h.tmp, "seccompgen")); err != nil {
		return err
	}
	if err := h.probeLevels(ctx); err != nil {
		return err
	}

	var harnessErrs []string
	for _, p := range corpus {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
		r := h.measure(ctx, p)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
		if r.harnessErr != "" {
			harnessErrs = append(harnessErrs, r.name+": "+r.harnessErr)
		}
		d.programs = append(d.programs, r)
	}
	d.finished = time.Now().UTC()
	if err := os.WriteFile(out, []byte(d.markdown()), 0o644); err != nil {
		return err
	}
	say("wrote %s (%s)", out, d.finished.Sub(d.started).Round(time.Second))
	if len(harnessErrs) > 0 {
		return fmt.Errorf("could not measure %d program(s), see %s:\n  %s", len(harnessErrs), out, strings.Join(harnessErrs, "\n  "))
	}
	return nil
}

// measure runs one program of the corpus through every level.
func (h *harness) measure(ctx context.Context, p *program) (r programResult) {
	start := time.Now()
	r = programResult{name: p.name, packages: strings.Join(p.debs, ", "), versions: versions(ctx, p.debs), training: p.training, heldOut: p.heldOut}
	defer func() { r.elapsed = time.Since(start) }()
	dir := filepath.Join(h.tmp, p.name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		r.harnessErr = err.Error()
		return r
	}
	if !h.keep {
		defer os.RemoveAll(dir)
	}
	env, err := p.setUp(ctx, dir)
	if err != nil {
		r.harnessErr = fmt.Sprintf("set-up: %v", err)
		return r
	}
	if env.cleanup != nil {
		defer env.cleanup()
	}

	// What the held-out run really uses, recorded unconfined. It must
	// pass: a held-out run that fails without any profile tests nothing.
	say("%s: held-out, recorded unconfined", p.name)
	report := filepath.Join(dir, "held-out.report.json")
	o, err := h.runPhase(ctx, p, env, dir, "held-out-unconfined", heldOutPhase,
		h.recordArgs("none", "", report, filepath.Join(dir, "held-out.json"), p.user))
	if err != nil {
		r.harnessErr = err.Error()
		return r
	}
	if !o.passed {
		r.harnessErr = fmt.Sprintf("the held-out run fails even unconfined: %s\n\n```\n%s\n```", o.symptom, o.logTail)
		return r
	}
	data, err := os.ReadFile(report)
	if err == nil {
		var sum reportSummary
		if sum, err = parseReport(data); err == nil {
			r.used, r.losses = sum.used, sum.losses
		}
	}
	if err != nil {
		r.harnessErr = fmt.Sprintf("held-out report: %v", err)
		return r
	}
	say("%s: held-out used %d names (%s)", p.name, len(r.used), o.elapsed.Round(time.Millisecond))

	for _, level := range h.levels {
		r.levels = append(r.levels, h.measureLevel(ctx, p, env, dir, level, r.used))
		if ctx.Err() != nil {
			return r
		}
	}
	if h.reference {
		r.levels = append(r.levels, h.measureReference(ctx, p, env, dir))
	}
	return r
}

// measureLevel records the training run at one level and enforces its
// profile(s) during the held-out run.
func (h *harness) measureLevel(ctx context.Context, p *program, env *programEnv, dir, level string, used []string) levelResult {
	l := levelResult{level: level}
	errnos := h.errnos
	if len(errnos) == 0 {
		errnos = []string{""}
	}
	for i, errno := range errnos {
		tag := "infer-" + safe(level)
		if errno != "" {
			tag += "-" + errno
		}
		profile := filepath.Join(dir, tag+".json")
		report := filepath.Join(dir, tag+".report.json")
		say("%s: training, --infer %s%s", p.name, level, errnoText(errno))
		o, err := h.runPhase(ctx, p, env, dir, "training-"+tag, trainingPhase, h.recordArgs(level, errno, report, profile, p.user))
		if err == nil && !o.passed {
			err = fmt.Errorf("the training run failed while recorded: %s", o.symptom)
		}
		if err != nil {
			l.err = err.Error()
			return l
		}
		if i == 0 {
			if err := h.describeProfile(ctx, &l, profile, report); err != nil {
				l.err = err.Error()
				return l
			}
		}
		say("%s: held-out under the --infer %s profile%s (%d names)", p.name, level, errnoText(errno), len(l.allowed))
		inv := invocation{prefix: []string{h.bin, "run", "--profile", profile, "--"}}
		if p.user != "" {
			if inv.cred, err = credential(p.user); err != nil {
				l.err = err.Error()
				return l
			}
		}
		o, err = h.runPhase(ctx, p, env, dir, "held-out-"+tag, heldOutPhase, inv)
		if err != nil {
			l.err = err.Error()
			return l
		}
		if o.passed {
			say("%s:   passed (%s)", p.name, o.elapsed.Round(time.Millisecond))
		} else {
			say("%s:   failed: %s; missing %s", p.name, o.symptom, names(minus(used, l.allowed)))
		}
		l.runs = append(l.runs, heldOut{errno: errno, outcome: o})
	}
	return l
}

func errnoText(errno string) string {
	if errno == "" {
		return ""
	}
	return ", --errno " + errno
}

// safe makes a level usable in a file name.
func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}

func (h *harness) recordArgs(level, errno, report, profile, user string) invocation {
	args := []string{h.bin, "record", "--infer", level, "--report", report, "-o", profile}
	if errno != "" {
		args = append(args, "--errno", errno)
	}
	if h.args != "" {
		args = append(args, "--args="+h.args)
	}
	if user != "" {
		args = append(args, "--user", user)
	}
	return invocation{prefix: append(args, "--")}
}

// describeProfile fills in what the profile allows, why, and how it
// compares with Docker's default.
func (h *harness) describeProfile(ctx context.Context, l *levelResult, profile, report string) error {
	data, err := os.ReadFile(profile)
	if err != nil {
		return err
	}
	pn, err := parseProfile(data)
	if err != nil {
		return fmt.Errorf("%s: %w", profile, err)
	}
	l.allowed, l.conditional = pn.allowed, pn.conditional
	if data, err = os.ReadFile(report); err != nil {
		return err
	}
	sum, err := parseReport(data)
	if err != nil {
		return fmt.Errorf("%s: %w", report, err)
	}
	l.inferred = sum.inferred
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// diff exits 1 when the profiles differ, which they do.
	js, err := output(dctx, nil, "", h.bin, "diff", "--format", "json", profile)
	if js == "" && err != nil {
		return fmt.Errorf("seccompgen diff: %w", err)
	}
	if l.docker, err = parseDiff([]byte(js)); err != nil {
		return err
	}
	return nil
}

var loopbackPort = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)

// runPhase prepares a fresh directory for one run and executes it. An
// error is the harness's own (the workload could not even be set up).
func (h *harness) runPhase(ctx context.Context, p *program, env *programEnv, dir, name string, ph phase, inv invocation) (outcome, error) {
	runDir := filepath.Join(dir, name)
	if err := os.Mkdir(runDir, 0o755); err != nil {
		return outcome{}, err
	}
	if p.user != "" {
		if err := chownTo(runDir, p.user); err != nil {
			return outcome{}, err
		}
	}
	w, err := p.prepare(ctx, env, runDir, ph)
	if err != nil {
		return outcome{}, fmt.Errorf("prepare the %s run: %w", ph, err)
	}
	w.user = p.user
	o := execute(ctx, inv, w, runDir, h.runTimeout)
	// Temporary paths and ports change from run to run; the doc names
	// them alike.
	o.symptom = loopbackPort.ReplaceAllString(strings.ReplaceAll(o.symptom, h.tmp, "$TMP"), "127.0.0.1:PORT")
	o.logTail = strings.ReplaceAll(o.logTail, h.tmp, "$TMP")
	if w.cleanup != nil {
		w.cleanup()
	}
	if !h.keep {
		// Keep the profile and reports (one level up); the run's data
		// (a database, big files) goes now, not at the end.
		os.RemoveAll(runDir)
	}
	return o, nil
}

// probeLevels records /bin/true at every level (and errno) asked for: a
// level the CLI does not know is a mistake in the command line, better
// said at once than as a "not measured" in every row.
func (h *harness) probeLevels(ctx context.Context) error {
	errnos := h.errnos
	if len(errnos) == 0 {
		errnos = []string{""}
	}
	for _, level := range h.levels {
		for _, errno := range errnos {
			pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			// Never -o /dev/null: record writes its output by renaming a
			// temporary file into place, which would replace the device.
			out := filepath.Join(h.tmp, "probe.json")
			inv := h.recordArgs(level, errno, filepath.Join(h.tmp, "probe.report.json"), out, "")
			_, err := output(pctx, nil, "", append(inv.prefix, "/bin/true")...)
			cancel()
			if err != nil {
				return fmt.Errorf("seccompgen record --infer %s%s -- /bin/true: %w", level, errnoText(errno), err)
			}
		}
	}
	return nil
}

func copyExecutable(src, dst string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", fmt.Errorf("the seccompgen binary: %w (make build)", err)
	}
	return dst, os.WriteFile(dst, data, 0o755)
}

// referenceLevel names the row of the held-out run under Docker's
// default profile: the reference, which every held-out run
// should survive.
const referenceLevel = "(docker-default)"

// measureReference enforces Docker's default profile during the held-out
// run.
func (h *harness) measureReference(ctx context.Context, p *program, env *programEnv, dir string) levelResult {
	l := levelResult{level: referenceLevel}
	say("%s: held-out under docker-default", p.name)
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	js, err := output(dctx, nil, "", h.bin, "diff", "--format", "json", "docker-default")
	cancel()
	if err == nil {
		l.docker, err = parseDiff([]byte(js))
	}
	if err != nil {
		l.err = fmt.Sprintf("seccompgen diff docker-default: %v", err)
		return l
	}
	l.allowed = l.docker.names
	inv := invocation{prefix: []string{h.bin, "run", "--profile", "docker-default", "--"}}
	if p.user != "" {
		if inv.cred, err = credential(p.user); err != nil {
			l.err = err.Error()
			return l
		}
	}
	o, err := h.runPhase(ctx, p, env, dir, "held-out-docker-default", heldOutPhase, inv)
	if err != nil {
		l.err = err.Error()
		return l
	}
	if o.passed {
		say("%s:   passed (%s)", p.name, o.elapsed.Round(time.Millisecond))
	} else {
		say("%s:   failed: %s", p.name, o.symptom)
	}
	errno := ""
	if len(h.errnos) > 0 {
		errno = h.errnos[0]
	}
	l.runs = append(l.runs, heldOut{errno: errno, outcome: o})
	return l
}
