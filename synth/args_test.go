package synth

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/golden"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

func argv(name string, value, count uint64) recording.ArgValue {
	nr, _ := recording.Number(recording.X86_64, name)
	return recording.ArgValue{ABI: recording.X86_64, Nr: nr, Name: name, Index: 0, Value: value, Count: count}
}

// withArgs is a recording made with --args: two AF_UNIX and one AF_INET
// socket, a fork (clone without namespace flags) and a personality query.
func withArgs() *recording.Recording {
	return &recording.Recording{
		Syscalls: []recording.Syscall{
			sys(recording.X86_64, "write", 1),
			sys(recording.X86_64, "socket", 3),
			sys(recording.X86_64, "clone", 1),
			sys(recording.X86_64, "execve", 1),
			sys(recording.X86_64, "personality", 1),
		},
		Args: []recording.ArgValue{
			argv("socket", 2, 1),
			argv("personality", 0xffffffff, 1),
			argv("socket", 1, 2),
			argv("clone", 0, 1),
		},
	}
}

func TestArgsGolden(t *testing.T) {
	prof, rep, err := Synthesize([]*recording.Recording{withArgs()}, Policy{Deny: DefaultDeny, Args: true})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "args.json", prof.Bytes())
	if diff := cmp.Diff([]string{"clone", "personality", "socket"}, prof.Conditional()); diff != "" {
		t.Errorf("conditional (-want +got):\n%s", diff)
	}
	if slices.Contains(prof.Allowed(), "socket") {
		t.Errorf("socket is allowed without conditions: %v", prof.Allowed())
	}
	warnings, err := profiles.Validate(prof, true)
	if err != nil && !errors.Is(err, profiles.ErrNoLibseccomp) || len(warnings) > 0 {
		t.Errorf("does not compile strictly with libseccomp: %v %v", err, warnings)
	}
	for name, want := range map[string][]ArgValues{
		"socket":      {{Index: 0, Values: []uint64{1, 2}}},
		"clone":       {{Index: 0, Mask: recording.CloneNamespaceFlags, Values: []uint64{0}}},
		"personality": {{Index: 0, Values: []uint64{0xffffffff}}},
		"write":       nil,
	} {
		e, _ := find(rep, name)
		if diff := cmp.Diff(want, e.Args); diff != "" || e.Reason != ReasonObserved {
			t.Errorf("report entry of %s: reason %q, args (-want +got):\n%s", name, e.Reason, diff)
		}
	}

	// The same values in another order, or split over two recordings,
	// give the same bytes.
	a, b := withArgs(), withArgs()
	slices.Reverse(a.Args)
	a.Syscalls[1] = sys(recording.X86_64, "socket", 2)
	a.Args[slices.IndexFunc(a.Args, func(v recording.ArgValue) bool { return v.Name == "socket" && v.Value == 1 })].Count = 1
	b.Syscalls, b.Args = []recording.Syscall{sys(recording.X86_64, "socket", 1)}, []recording.ArgValue{argv("socket", 1, 1)}
	again, _, err := Synthesize([]*recording.Recording{a, b}, Policy{Deny: DefaultDeny, Args: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(prof.Bytes()), string(again.Bytes())); diff != "" {
		t.Errorf("not deterministic (-want +got):\n%s", diff)
	}
}

// TestArgsOff: without Policy.Args the values change nothing.
func TestArgsOff(t *testing.T) {
	plain := withArgs()
	plain.Args = nil
	want, _, err := Synthesize([]*recording.Recording{plain}, Policy{Deny: DefaultDeny})
	if err != nil {
		t.Fatal(err)
	}
	got, rep, err := Synthesize([]*recording.Recording{withArgs()}, Policy{Deny: DefaultDeny})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want.Bytes()), string(got.Bytes())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if e, _ := find(rep, "socket"); e.Args != nil {
		t.Errorf("socket has args in the report: %v", e.Args)
	}
}

// TestArgsFallBack: whatever may need other values stays unconditional.
func TestArgsFallBack(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(t *testing.T, r *recording.Recording, p *Policy)
		unpinned  []string // allowed without conditions
		denied    []string
		conds     []string
		warnsLike string
	}{
		{
			name:      "values map full",
			edit:      func(_ *testing.T, r *recording.Recording, _ *Policy) { r.Losses.ArgsDropped = 1 },
			unpinned:  []string{"clone", "personality", "socket"},
			warnsLike: "no syscall is pinned",
		},
		{
			name: "fewer values than calls",
			edit: func(_ *testing.T, r *recording.Recording, _ *Policy) {
				r.Args = slices.DeleteFunc(r.Args, func(a recording.ArgValue) bool { return a.Name == "socket" && a.Value == 2 })
			},
			unpinned:  []string{"socket"},
			conds:     []string{"clone", "personality"},
			warnsLike: "socket (x86_64): 3 call(s) but 2 value(s) of arg0 recorded",
		},
		{
			name: "recorded without --args",
			edit: func(_ *testing.T, r *recording.Recording, _ *Policy) { r.Args = nil },
			// Nothing to pin.
			unpinned: []string{"clone", "personality", "socket"},
		},
		{
			name: "i386 used it too",
			edit: func(_ *testing.T, r *recording.Recording, _ *Policy) {
				r.Syscalls = append(r.Syscalls, sys(recording.I386, "personality", 1))
			},
			unpinned: []string{"personality"},
			conds:    []string{"clone", "socket"},
		},
		{
			name:     "denied",
			edit:     func(_ *testing.T, _ *recording.Recording, p *Policy) { p.Deny = append(p.Deny, "socket") },
			denied:   []string{"clone3", "memfd_create", "socket", "userfaultfd"},
			conds:    []string{"clone", "personality"},
			unpinned: nil,
		},
		{
			// This test binary is a Go program: its runtime can call
			// clone and socket with values this run did not show.
			name: "Go runtime inference",
			edit: func(t *testing.T, r *recording.Recording, p *Policy) {
				r.Execs = goRecording(t).Execs
				p.Infer = InferGo
			},
			unpinned: []string{"clone", "socket"},
			conds:    []string{"personality"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, p := withArgs(), Policy{Deny: DefaultDeny, Args: true}
			tc.edit(t, r, &p)
			prof, rep, err := Synthesize([]*recording.Recording{r}, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tc.unpinned {
				if !slices.Contains(prof.Allowed(), n) {
					t.Errorf("%s is not allowed unconditionally; conditional: %v", n, prof.Conditional())
				}
				if e, _ := find(rep, n); e.Args != nil {
					t.Errorf("%s has args in the report: %v", n, e.Args)
				}
			}
			if diff := cmp.Diff(tc.conds, prof.Conditional(), cmp.Comparer(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) })); diff != "" {
				t.Errorf("conditional (-want +got):\n%s", diff)
			}
			if tc.denied != nil {
				if diff := cmp.Diff(tc.denied, prof.Denied()); diff != "" {
					t.Errorf("denied (-want +got):\n%s", diff)
				}
			}
			if tc.warnsLike != "" && !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, tc.warnsLike) }) {
				t.Errorf("no warning like %q: %q", tc.warnsLike, rep.Warnings)
			}
		})
	}
}

// TestArgsTooLong: a pinned profile the kernel would not load loses the
// conditions of the syscall with the most values, with a warning and an
// "unpinned" entry, and keeps the others.
func TestArgsTooLong(t *testing.T) {
	if _, _, err := profiles.Compile(mustGenerate(t)); errors.Is(err, profiles.ErrNoLibseccomp) {
		t.Skip("built without cgo: the filter's length is libseccomp's to tell")
	}
	rec := &recording.Recording{Syscalls: []recording.Syscall{
		sys(recording.X86_64, "execve", 1),
		sys(recording.X86_64, "ioctl", 5000),
		sys(recording.X86_64, "prctl", 1),
	}}
	for v := uint64(0); v < 5000; v++ {
		rec.Args = append(rec.Args, recording.ArgValue{ABI: recording.X86_64, Nr: 16, Name: "ioctl", Index: 1, Value: 0x10000 + 3*v, Count: 1})
	}
	rec.Args = append(rec.Args, recording.ArgValue{ABI: recording.X86_64, Nr: 157, Name: "prctl", Value: 15, Count: 1})
	prof, rep, err := Synthesize([]*recording.Recording{rec}, Policy{Args: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := profiles.Compile(prof); err != nil {
		t.Errorf("the profile does not compile: %v", err)
	}
	if diff := cmp.Diff([]string{"prctl"}, prof.Conditional()); diff != "" {
		t.Errorf("conditional (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Unpinned{{Name: "ioctl", ABI: recording.X86_64, Index: 1, Reason: UnpinnedTooLong}}, rep.Unpinned); diff != "" {
		t.Errorf("unpinned (-want +got):\n%s", diff)
	}
	if e, _ := find(rep, "ioctl"); len(e.Args) != 0 {
		t.Errorf("the report still lists ioctl's values: %v", e.Args)
	}
	want := "the profile with ioctl pinned to its recorded values compiles to more than 4096 BPF instructions, more than the kernel loads: ioctl stays allowed with any arguments"
	if !slices.Contains(rep.Warnings, want) {
		t.Errorf("warnings %q, want %q", rep.Warnings, want)
	}
}

func mustGenerate(t *testing.T) *profiles.Profile {
	p, err := profiles.Generate(profiles.Spec{ABIs: []string{"x86_64"}, Allow: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestArgsABIs: the values of one name in x86_64 and i386 are one set
// (a profile's rules name syscalls, not ABIs); a name an x32 call used,
// whose arguments the tracer does not record, stays unconditional.
func TestArgsABIs(t *testing.T) {
	arg := func(abi recording.ABI, name string, index int, value uint64) recording.ArgValue {
		nr, _ := recording.Number(abi, name)
		return recording.ArgValue{ABI: abi, Nr: nr, Name: name, Index: index, Value: value, Count: 1}
	}
	rec := &recording.Recording{
		Syscalls: []recording.Syscall{
			sys(recording.X86_64, "execve", 1),
			sys(recording.X86_64, "ioctl", 1),
			sys(recording.I386, "ioctl", 1),
			sys(recording.I386, "socketcall", 2),
			sys(recording.X86_64, "prctl", 1),
			sys(recording.X32, "prctl", 1),
		},
		Args: []recording.ArgValue{
			arg(recording.X86_64, "ioctl", 1, 0x5401),
			arg(recording.I386, "ioctl", 1, 0x541b),
			arg(recording.I386, "socketcall", 0, 1),
			arg(recording.I386, "socketcall", 0, 3),
			arg(recording.X86_64, "prctl", 0, 15),
		},
	}
	prof, rep, err := Synthesize([]*recording.Recording{rec}, Policy{Args: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ioctl", "socketcall"}, prof.Conditional()); diff != "" {
		t.Errorf("conditional (-want +got):\n%s", diff)
	}
	if !slices.Contains(prof.Allowed(), "prctl") {
		t.Errorf("prctl, which x32 used, is not unconditional: %v", prof.Allowed())
	}
	for _, abi := range []recording.ABI{recording.X86_64, recording.I386} {
		i := slices.IndexFunc(rep.Syscalls, func(e Entry) bool { return e.Name == "ioctl" && e.ABI == abi })
		if i < 0 {
			t.Fatalf("no %s ioctl entry", abi)
		}
		if diff := cmp.Diff([]ArgValues{{Index: 1, Values: []uint64{0x5401, 0x541b}}}, rep.Syscalls[i].Args); diff != "" {
			t.Errorf("%s ioctl: args (-want +got):\n%s", abi, diff)
		}
	}
}

func TestParsePins(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{in: "", want: recording.PinGroups},
		{in: "all", want: recording.PinGroups},
		{in: "none", want: nil},
		{in: "default", want: DefaultPins},
		{in: "ioctl,socket", want: []string{"socket", "ioctl"}},
		{in: "default,ioctl", want: []string{"socket", "clone", "namespaces", "personality", "ioctl", "prctl", "exec-memory"}},
		{in: "ioctl,ioctls", err: `unknown group "ioctls": want all, none, default or a list of socket, clone, namespaces, personality, ioctl, prctl, exec-memory, exec-mmap`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePins(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("error %v, want %q", err, tc.err)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); err != nil || diff != "" {
				t.Errorf("%v, groups (-want +got):\n%s", err, diff)
			}
		})
	}
}
