package synth

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/recording"
)

func TestExpandDeny(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, nil},
		{[]string{"memfd_create"}, []string{"memfd_create"}},
		{[]string{"memfd_create", "io_uring"}, []string{"memfd_create", "io_uring_setup", "io_uring_enter", "io_uring_register"}},
		{[]string{"io_uring_enter", "io_uring"}, []string{"io_uring_enter", "io_uring_setup", "io_uring_register"}},
	} {
		t.Run(strings.Join(tc.in, ","), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ExpandDeny(tc.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestIOUring: a recording that used io_uring says so in a warning and in
// the report, whether the profile allows it or denies it.
func TestIOUring(t *testing.T) {
	rec := func() *recording.Recording {
		return &recording.Recording{Syscalls: []recording.Syscall{
			sys(recording.X86_64, "execve", 1),
			sys(recording.X86_64, "io_uring_setup", 1),
			sys(recording.X86_64, "io_uring_enter", 3),
		}}
	}
	for _, tc := range []struct {
		name      string
		rec       *recording.Recording
		deny      []string
		want      *IOUringUse
		warnsLike string
	}{
		{name: "not used", rec: &recording.Recording{Syscalls: []recording.Syscall{sys(recording.X86_64, "execve", 1)}}},
		{
			name:      "allowed",
			rec:       rec(),
			deny:      DefaultDeny,
			want:      &IOUringUse{Syscalls: []string{"io_uring_setup", "io_uring_enter"}, Allowed: true},
			warnsLike: "its other rules do not bind what the ring does (Docker's default profile denies io_uring). To deny it: --deny memfd_create,userfaultfd,io_uring",
		},
		{
			name:      "denied",
			rec:       rec(),
			deny:      ExpandDeny([]string{"memfd_create", "io_uring"}),
			want:      &IOUringUse{Syscalls: []string{"io_uring_setup", "io_uring_enter"}, Allowed: false},
			warnsLike: "To allow io_uring, give --deny without it",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof, rep, err := Synthesize([]*recording.Recording{tc.rec}, Policy{Deny: tc.deny})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, rep.IOUring); diff != "" {
				t.Errorf("report io_uring (-want +got):\n%s", diff)
			}
			if got := slices.Contains(prof.Allowed(), "io_uring_setup"); tc.want != nil && got != tc.want.Allowed {
				t.Errorf("io_uring_setup allowed: %v, want %v", got, tc.want.Allowed)
			}
			io := slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "io_uring") })
			if tc.warnsLike == "" && io {
				t.Errorf("warnings mention io_uring: %q", rep.Warnings)
			}
			if tc.warnsLike != "" && !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, tc.warnsLike) }) {
				t.Errorf("no warning like %q: %q", tc.warnsLike, rep.Warnings)
			}
		})
	}
}

// TestCloneFallback: with clone pinned, clone3 fails with ENOSYS (its
// flags are out of a filter's reach) and the report says why; with clone
// unpinned, clone3 is left as the trace has it.
func TestCloneFallback(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(t *testing.T, r *recording.Recording, p *Policy)
		nosys   bool   // clone3 has an ERRNO(ENOSYS) rule
		allowed bool   // clone3 is allowed
		reason  string // of clone3's report entry, "" for none
	}{
		{name: "clone pinned, clone3 unused", nosys: true, reason: ReasonCloneFallback},
		{
			name: "clone pinned, clone3 used",
			edit: func(_ *testing.T, r *recording.Recording, _ *Policy) {
				r.Syscalls = append(r.Syscalls, sys(recording.X86_64, "clone3", 2))
			},
			nosys:  true,
			reason: ReasonCloneFallback,
		},
		{
			name: "without --args",
			edit: func(_ *testing.T, r *recording.Recording, p *Policy) {
				r.Syscalls = append(r.Syscalls, sys(recording.X86_64, "clone3", 2))
				p.Args = false
			},
			allowed: true,
			reason:  ReasonObserved,
		},
		{
			name: "clone not pinned (i386 used it)",
			edit: func(_ *testing.T, r *recording.Recording, _ *Policy) {
				r.Syscalls = append(r.Syscalls, sys(recording.X86_64, "clone3", 2), sys(recording.I386, "clone", 1))
			},
			allowed: true,
			reason:  ReasonObserved,
		},
		{
			name: "clone3 denied by policy",
			edit: func(_ *testing.T, r *recording.Recording, p *Policy) {
				r.Syscalls = append(r.Syscalls, sys(recording.X86_64, "clone3", 2))
				p.Deny = append(p.Deny, "clone3")
			},
			reason: ReasonPolicy,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, p := withArgs(), Policy{Deny: slices.Clone(DefaultDeny), Args: true}
			if tc.edit != nil {
				tc.edit(t, r, &p)
			}
			prof, rep, err := Synthesize([]*recording.Recording{r}, p)
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(prof.Allowed(), "clone3"); got != tc.allowed {
				t.Errorf("clone3 allowed: %v, want %v", got, tc.allowed)
			}
			if got := strings.Contains(string(prof.Bytes()), "\"clone3\"\n      ],\n      \"action\": \"SCMP_ACT_ERRNO\",\n      \"errnoRet\": 38"); got != tc.nosys {
				t.Errorf("clone3 ENOSYS rule: %v, want %v:\n%s", got, tc.nosys, prof.Bytes())
			}
			e, ok := find(rep, "clone3")
			if got := e.Reason; !ok || got != tc.reason {
				t.Errorf("clone3 report entry: %+v (found %v), want reason %q", e, ok, tc.reason)
			}
			if tc.reason == ReasonCloneFallback && (e.Action != "deny" || e.ABI != recording.X86_64 || e.Nr != 435) {
				t.Errorf("clone3 report entry: %+v", e)
			}
		})
	}
}
