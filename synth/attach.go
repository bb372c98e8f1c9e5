package synth

import (
	"fmt"

	"github.com/seccompgen/seccompgen/goruntime"
	"github.com/seccompgen/seccompgen/recording"
)

// attachReport says in rep when the recordings joined running processes
// (record --pid, --cgroup): a profile that misses the start-up fails the
// next time the program starts, unless merged with one that saw it.
func attachReport(recs []*recording.Recording, rep *Report) {
	late := 0
	for _, r := range recs {
		if r.Attach.StartedLate() {
			late++
		}
	}
	if len(recs) == 1 && recs[0].Attach != nil {
		a := recs[0].Attach
		rep.Attach = a
		rep.StartedLate = a.StartedLate()
		rep.Exit = nil // seccompgen did not start it, so saw no exit status
		what := fmt.Sprintf("pid %d", a.PID)
		if a.Cgroup != "" {
			what = "the processes of cgroup " + a.Cgroup
		}
		switch {
		case a.FromExec:
			rep.Notes = append(rep.Notes, fmt.Sprintf("the recording started at %s's next execve (--from-exec): what it did before is not in the profile", what))
		default:
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the recording started late: it attached to %s while it ran, so its start-up is missing from the profile; merge the profile with one recorded from the start (seccompgen merge) before enforcing it", what))
		}
		switch a.Ended {
		case recording.EndedDuration:
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the recording stopped when --duration was up, with %s still running: what it did after is missing", what))
		case recording.EndedStopped:
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("the recording was interrupted with %s still running: what it did after is missing", what))
		}
		return
	}
	if late > 0 && late == len(recs) {
		rep.StartedLate = true
		rep.Warnings = append(rep.Warnings, "every recording started late (record --pid or --cgroup without --from-exec): the start-up is missing from the profile; merge it with one recorded from the start before enforcing it")
	}
}

// roots are the Files that know the root directory each process ran its
// executable under (tracer.Files.Root).
type roots interface {
	Root(pid int, dev, ino uint64) string
}

// rootOf returns the root directory x's process ran its executable under, when
// not the host's and files know it: binscan looks the libraries up there
// (a chroot, a container), not on the host. "" otherwise.
func rootOf(files goruntime.Files, x recording.Exec) string {
	if r, ok := files.(roots); ok {
		return r.Root(x.PID, x.Dev, x.Inode)
	}
	return ""
}
