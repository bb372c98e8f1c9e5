package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seccompgen/seccompgen/auditlog"
	"github.com/seccompgen/seccompgen/internal/outfile"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
)

var cmdLearn = &command{
	Name:      "learn",
	UsageLine: "learn --from-log FILE|- --profile P [-o OUT] [--exe PATH] [--comm NAME] [--add-arches] [--report FILE]",
	Short:     "allow in a profile what the kernel logged under its log-mode copy in production",
	Long: `
Learn reads the kernel's seccomp audit records (type=1326, SECCOMP) from a
log, maps each back to a syscall by architecture and number (x86_64, i386,
x32), and writes profile P with every logged syscall that P's default
action refused now allowed, with reason "logged" in the --report.

Deploy a profile in log mode first, then tighten: 'merge --log-mode' (or
'record --log-profile') writes a copy of P that logs (SCMP_ACT_LOG) what P
would refuse, explicit denies included, so the log shows what the denies
would hit too. The kernel logs those calls if
/proc/sys/kernel/seccomp/actions_logged contains "log"; the records go to
auditd's audit.log, or without auditd to the kernel log (dmesg,
journalctl -k, /dev/kmsg). Give learn that log and P itself, not the
log-mode copy.

The log may be dmesg or journalctl output, /dev/kmsg (read up to its
newest record), audit.log, or "-" for standard input; --from-log may be
repeated, and a record found in two logs counts once. Records of other
programs are everywhere in a host's log: --exe PATH and --comm NAME (each
repeatable) keep only the records of that executable or process name (as
the kernel cuts it, to 15 bytes). Lines that are no seccomp record are
skipped; those that look like one but do not parse are skipped and listed.

What learn does not allow, and says so: a syscall P denies by a rule
(denies win: remove it from the rule to allow it), one P allows only for
some argument values (an audit record has no arguments), and one whose
number seccompgen's tables do not name. An ERRNO(ENOSYS) rule makes
callers fall back on purpose: its syscall is noted, not allowed. A record
of an ABI that P does not admit makes learn refuse, since P's rules would
then apply to that architecture too; --add-arches adds it and lists what
that lets through there.

Without auditd the kernel log is rate-limited (printk_ratelimit_burst,
10 messages per 5 s): the kernel then writes "callbacks suppressed", and
learn warns that the log lacks records. See docs/learn.md.

The output is canonical (as merge writes it), written atomically.
Exit status: 0 when the profile was written and allows every logged
syscall (or there was none); 1 when it was written but the log shows
syscalls it still refuses (denied, pinned by argument, unnamed, or of a
foreign architecture); 2 on trouble, when nothing is written.`,
	Example: `	seccompgen merge --log-mode -o app.log.json app.json
	# deploy app.log.json, let production run, then:
	journalctl -k --since today | seccompgen learn --from-log - --profile app.json --exe /usr/bin/app -o app.json
	seccompgen learn --from-log /var/log/audit/audit.log --profile app.json --comm app --report why.json -o app.new.json`,
	UsageExit:    exitTrouble,
	Interspersed: true,
	AddFlags:     learnOpts.register,
	Run:          learnOpts.run,
}

// learnFlags are learn's flags.
type learnFlags struct {
	logs        []string
	profilePath string
	out         string
	reportPath  string
	exes, comms []string
	addArches   bool
}

var learnOpts learnFlags

func (f *learnFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.logs, "from-log", nil, "read the kernel's seccomp audit records from `FILE` (dmesg or journalctl output, /dev/kmsg, audit.log; \"-\" for stdin); repeatable")
	fs.StringVar(&f.profilePath, "profile", "", "the profile to add the logged syscalls to (OCI or Docker format; not its log-mode copy)")
	fs.StringVarP(&f.out, "output", "o", "-", "write the learned profile to `FILE` (\"-\" for stdout; may be the --profile file)")
	fs.StringVar(&f.reportPath, "report", "", "write a JSON report (docs/report.md) to `FILE`: each logged syscall added (reason logged) or kept denied")
	fs.StringArrayVar(&f.exes, "exe", nil, "learn only from records of the executable `PATH` (as the kernel logged it); repeatable")
	fs.StringArrayVar(&f.comms, "comm", nil, "learn only from records of processes named `NAME` (cut to 15 bytes, as the kernel does); repeatable")
	fs.BoolVar(&f.addArches, "add-arches", false, "add an architecture P does not admit when the log has calls of it, though every rule of P then applies to it (warns)")
}

func (f *learnFlags) run(c *command, args []string) int {
	switch {
	case len(f.logs) == 0:
		return usageError(c, "--from-log FILE is required (\"-\" for standard input)")
	case f.profilePath == "":
		return usageError(c, "--profile is required: the profile to add the logged syscalls to")
	case len(args) > 0:
		return usageError(c, "unexpected argument %q: learn reads --from-log and --profile only", args[0])
	}
	stdin := 0
	for _, p := range f.logs {
		if p == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageError(c, "--from-log -: standard input can be read only once")
	}
	for _, p := range f.logs {
		if err := outfile.CheckName("--from-log", p); err != nil {
			return usageError(c, "%v", err)
		}
	}
	if err := outfile.CheckName("--profile", f.profilePath); err != nil {
		return usageError(c, "%v", err)
	}
	dst := &outfile.File{Flag: "-o", Path: f.out}
	rep := &outfile.File{Flag: "--report", Path: f.reportPath}
	if err := outfile.Prepare(dst, rep); err != nil {
		return outputError(c, err)
	}
	prof, err := profiles.Load(f.profilePath, profiles.DefaultTarget())
	if err != nil {
		return fail(c, err)
	}
	if !prof.DeniesByDefault() {
		return fail(c, fmt.Errorf("%s lets through what no rule names (its default action does not deny): learn adds to an allowlist; give the profile the log-mode copy was made from", f.profilePath))
	}
	log, err := auditlog.ReadFiles(f.logs...)
	if err != nil {
		return fail(c, fmt.Errorf("read the log: %w", err))
	}
	logName := strings.Join(f.logs, ", ")
	filter := auditlog.Filter{Exes: f.exes, Comms: f.comms}
	recs, first := filtered(log, filter)
	warnings := logWarnings(log, first)
	for _, w := range warnings {
		fmt.Fprintf(os.Stderr, "seccompgen learn: warning: %s\n", w)
	}
	fmt.Fprintf(os.Stderr, "seccompgen learn: %s: %s\n", logName, logSummary(log, len(recs), filter))
	calls, foreign := auditlog.Syscalls(recs)
	l, err := synth.Learn(prof, f.profilePath, calls, f.addArches)
	if err != nil {
		return fail(c, err)
	}
	if err := validateLearned(l.Profile); err != nil {
		return fail(c, err)
	}
	printLearned(l, f.profilePath)
	for _, a := range sortedKeys(foreign) {
		w := fmt.Sprintf("%d record(s) of architecture %s skipped: seccompgen's syscall tables are x86's (x86_64 c000003e, i386 40000003)", foreign[a], a)
		fmt.Fprintf(os.Stderr, "seccompgen learn: warning: %s\n", w)
		warnings = append(warnings, w)
	}
	l.Report.Warnings = append(warnings, l.Report.Warnings...)
	if err := dst.Write(l.Profile.Bytes()); err != nil {
		return fail(c, err)
	}
	if rep.Used() {
		data, err := json.MarshalIndent(l.Report, "", "  ")
		if err == nil {
			err = rep.Write(append(data, '\n'))
		}
		if err != nil {
			return fail(c, fmt.Errorf("report NOT written: %w (profile written to %s)", err, f.out))
		}
	}
	if l.Refused() || len(foreign) > 0 {
		return exitDiffers
	}
	return 0
}

// filtered returns the records of l that pass f, and the index in
// l.Records of the first (0 when none does).
func filtered(l *auditlog.Log, f auditlog.Filter) ([]auditlog.Record, int) {
	var recs []auditlog.Record
	first := 0
	for i, r := range l.Records {
		if f.Match(r) {
			if recs == nil {
				first = i
			}
			recs = append(recs, r)
		}
	}
	return recs, first
}

// logWarnings says what makes the log incomplete from its record first
// on, or hard to read.
func logWarnings(l *auditlog.Log, first int) []string {
	var out []string
	if n := l.SuppressedSince(first); n > 0 {
		out = append(out, fmt.Sprintf("the kernel dropped %d message(s) (\"callbacks suppressed\", \"audit_lost\"): without auditd, audit records reach the kernel log through printk's rate limit (kernel.printk_ratelimit_burst, 10 per 5 s): the log may lack syscalls. Learn from auditd's audit.log, or raise the limit while learning (sysctl -w kernel.printk_ratelimit_burst=1000) and run the workload again", n))
	}
	if l.Overwritten > 0 {
		out = append(out, fmt.Sprintf("%d batch(es) of /dev/kmsg records were overwritten before they were read: the log may lack syscalls", l.Overwritten))
	}
	const show = 5
	for i, m := range l.Malformed {
		if i == show {
			out = append(out, fmt.Sprintf("%d more malformed seccomp line(s) skipped", len(l.Malformed)-show))
			break
		}
		out = append(out, fmt.Sprintf("malformed seccomp record skipped: %s", recording.EscapeControls(m.String())))
	}
	return out
}

// logSummary accounts for the log's lines and records in one sentence,
// and when no record passed the filter, whose records there were.
func logSummary(l *auditlog.Log, kept int, f auditlog.Filter) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d line(s), %d seccomp record(s)", l.Lines, len(l.Records))
	if l.Duplicates > 0 {
		fmt.Fprintf(&b, " (and %d duplicate(s) counted once)", l.Duplicates)
	}
	if len(f.Exes)+len(f.Comms) > 0 {
		fmt.Fprintf(&b, ", %d of them of %s", kept, filterText(f))
	}
	if len(l.Malformed) > 0 {
		fmt.Fprintf(&b, ", %d malformed line(s) skipped", len(l.Malformed))
	}
	switch {
	case len(l.Records) == 0:
		b.WriteString(": no seccomp records, nothing to learn. The kernel logs a SCMP_ACT_LOG call only when /proc/sys/kernel/seccomp/actions_logged has \"log\"; with auditd running the records are in its audit.log, not in the kernel log")
	case kept == 0:
		b.WriteString(": none to learn from; the records are of " + whose(l.Records))
	}
	return b.String()
}

func filterText(f auditlog.Filter) string {
	var parts []string
	for _, e := range f.Exes {
		parts = append(parts, "--exe "+recording.Printable(e))
	}
	for _, c := range f.Comms {
		parts = append(parts, "--comm "+recording.Printable(c))
	}
	return strings.Join(parts, " or ")
}

// whose names the executables (or, without one, the process names) of
// recs, the most frequent first, at most five.
func whose(recs []auditlog.Record) string {
	n := map[string]int{}
	for _, r := range recs {
		k := "exe " + recording.Printable(r.Exe)
		if r.Exe == "" {
			k = "comm " + recording.Printable(r.Comm)
		}
		n[k]++
	}
	keys := sortedKeys(n)
	sort.SliceStable(keys, func(i, j int) bool { return n[keys[i]] > n[keys[j]] })
	var parts []string
	for i, k := range keys {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("%d more", len(keys)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", k, n[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// printLearned says on stderr what learn added, what it kept refused and
// what adding architectures widened.
func printLearned(l *synth.Learned, name string) {
	if len(l.Added) > 0 {
		fmt.Fprintf(os.Stderr, "seccompgen learn: %s: allowed %d logged syscall(s):\n", name, len(l.Added))
		for _, c := range l.Added {
			fmt.Fprintf(os.Stderr, "  %s (%s) %d call(s), first by pid %d (%s)\n", c.Name, c.ABI, c.Count, c.FirstPID, recording.Printable(c.FirstComm))
		}
	}
	for _, a := range l.NewABIs {
		fmt.Fprintf(os.Stderr, "seccompgen learn: %s: added architecture %s (--add-arches)\n", name, a)
	}
	for _, w := range l.Report.Warnings {
		fmt.Fprintf(os.Stderr, "seccompgen learn: warning: %s\n", recording.EscapeControls(w))
	}
	for _, n := range l.Report.Notes {
		fmt.Fprintf(os.Stderr, "seccompgen learn: note: %s\n", recording.EscapeControls(n))
	}
}

// validateLearned compiles p as runc would; libseccomp's warnings go to
// stderr.
func validateLearned(p *profiles.Profile) error {
	warnings, err := profiles.Validate(p, false)
	for _, w := range warnings {
		if err == nil {
			fmt.Fprintf(os.Stderr, "seccompgen learn: warning: %s\n", w)
		}
	}
	if err != nil && !errors.Is(err, profiles.ErrNoLibseccomp) {
		return err
	}
	return nil
}
