package synth

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/recording"
)

// TestAttachReport: a recording that joined running processes says so in
// the report: late without --from-exec (a warning to merge), cut short by
// --duration or a signal; and no exit status, as seccompgen started nothing.
func TestAttachReport(t *testing.T) {
	attached := func(a recording.Attach) *recording.Recording {
		r := mixed()
		r.Attach = &a
		return r
	}
	late := "the recording started late: it attached to pid 7 while it ran, so its start-up is missing from the profile; merge the profile with one recorded from the start (seccompgen merge) before enforcing it"
	for _, tc := range []struct {
		name        string
		recs        []*recording.Recording
		startedLate bool
		attach      bool
		warnings    []string
		notes       []string
	}{
		{"started by seccompgen", []*recording.Recording{mixed()}, false, false, nil, nil},
		{"pid", []*recording.Recording{attached(recording.Attach{PID: 7, Ended: recording.EndedExit})}, true, true, []string{late}, nil},
		{"pid from exec", []*recording.Recording{attached(recording.Attach{PID: 7, FromExec: true, Ended: recording.EndedExit})}, false, true, nil,
			[]string{"the recording started at pid 7's next execve (--from-exec): what it did before is not in the profile"}},
		{"pid, duration", []*recording.Recording{attached(recording.Attach{PID: 7, Ended: recording.EndedDuration})}, true, true,
			[]string{late, "the recording stopped when --duration was up, with pid 7 still running: what it did after is missing"}, nil},
		{"cgroup, interrupted", []*recording.Recording{attached(recording.Attach{Cgroup: "/cg", Ended: recording.EndedStopped})}, true, true,
			[]string{"the recording started late: it attached to the processes of cgroup /cg while it ran, so its start-up is missing from the profile; merge the profile with one recorded from the start (seccompgen merge) before enforcing it",
				"the recording was interrupted with the processes of cgroup /cg still running: what it did after is missing"}, nil},
		{"merged with one from the start", []*recording.Recording{attached(recording.Attach{PID: 7, Ended: recording.EndedExit}), mixed()}, false, false, nil, nil},
		{"merged, all late", []*recording.Recording{attached(recording.Attach{PID: 7}), attached(recording.Attach{PID: 8})}, true, false,
			[]string{"every recording started late (record --pid or --cgroup without --from-exec): the start-up is missing from the profile; merge it with one recorded from the start before enforcing it"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := &Report{}
			if len(tc.recs) == 1 {
				rep.Exit = &tc.recs[0].Exit
			}
			attachReport(tc.recs, rep)
			if rep.StartedLate != tc.startedLate || (rep.Attach != nil) != tc.attach {
				t.Errorf("started_late %v, attach %+v; want %v, set %v", rep.StartedLate, rep.Attach, tc.startedLate, tc.attach)
			}
			if tc.attach && rep.Exit != nil {
				t.Errorf("exit %+v for an attach, want null", rep.Exit)
			}
			if diff := cmp.Diff(tc.warnings, rep.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.notes, rep.Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}
