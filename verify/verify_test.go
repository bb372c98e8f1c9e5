package verify

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/golden"
	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
	"github.com/seccompgen/seccompgen/synth"
)

// profileJSON allows a few names, socket only with AF_UNIX, clone only
// without namespace flags, and denies memfd_create; x86_64 only.
const profileJSON = `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    {"names": ["close", "exit_group", "read", "write"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["memfd_create"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
  ]
}
`

func profile(t *testing.T) *profiles.Profile {
	t.Helper()
	p, err := profiles.Parse("app.json", []byte(profileJSON), profiles.Target{Arch: "amd64", Kernel: "6.1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func observed(abi recording.ABI, name string, args ...synth.ArgValues) synth.Entry {
	nr, _ := recording.Number(abi, name)
	return synth.Entry{Name: name, ABI: abi, Nr: nr, Action: synth.Allow, Reason: synth.ReasonObserved,
		Count: 3, FirstPID: 42, FirstComm: "app", Args: args}
}

func inferred(name string) synth.Entry {
	nr, _ := recording.Number(recording.X86_64, name)
	return synth.Entry{Name: name, ABI: recording.X86_64, Nr: nr, Action: synth.Allow, Reason: synth.ReasonInferred + "go1.26-runtime"}
}

func arg0(values ...uint64) synth.ArgValues { return synth.ArgValues{Index: 0, Values: values} }

func TestCheck(t *testing.T) {
	const newNet = 0x40000000
	cloneArgs := func(values ...uint64) synth.ArgValues {
		return synth.ArgValues{Index: 0, Mask: recording.CloneNamespaceFlags, Values: values}
	}
	tests := []struct {
		name      string
		needs     []synth.Entry
		opts      Options
		refusals  []Refusal
		unchecked []Refusal
		policy    []Drift
		looser    []string
		verdict   Verdict
	}{
		{
			name:    "allowed",
			needs:   []synth.Entry{observed(recording.X86_64, "read"), observed(recording.X86_64, "write")},
			verdict: InSync,
		},
		{
			name:     "name not allowed",
			needs:    []synth.Entry{observed(recording.X86_64, "read"), observed(recording.X86_64, "openat")},
			refusals: []Refusal{{Entry: observed(recording.X86_64, "openat"), Kind: NameNotAllowed}},
			verdict:  Breaks,
		},
		{
			name:     "explicitly denied",
			needs:    []synth.Entry{observed(recording.X86_64, "memfd_create")},
			refusals: []Refusal{{Entry: observed(recording.X86_64, "memfd_create"), Kind: NameNotAllowed}},
			verdict:  Breaks,
		},
		{
			name:     "ABI not admitted, though the name is allowed",
			needs:    []synth.Entry{observed(recording.I386, "read")},
			refusals: []Refusal{{Entry: observed(recording.I386, "read"), Kind: ABINotAdmitted}},
			verdict:  Breaks,
		},
		{
			name:     "inferred need",
			needs:    []synth.Entry{inferred("futex")},
			refusals: []Refusal{{Entry: inferred("futex"), Kind: NameNotAllowed}},
			verdict:  Breaks,
		},
		{
			name:    "argument values all allowed",
			needs:   []synth.Entry{observed(recording.X86_64, "socket", arg0(1)), observed(recording.X86_64, "clone", cloneArgs(0))},
			verdict: InSync,
		},
		{
			name:  "argument values refused: only those are kept, by name",
			needs: []synth.Entry{observed(recording.X86_64, "socket", arg0(1, 2, 10)), observed(recording.X86_64, "clone", cloneArgs(0, newNet))},
			refusals: []Refusal{
				{Entry: observed(recording.X86_64, "clone", cloneArgs(newNet)), Kind: ArgRefused},
				{Entry: observed(recording.X86_64, "socket", arg0(2, 10)), Kind: ArgRefused},
			},
			verdict: Breaks,
		},
		{
			name:      "conditions unchecked without values",
			needs:     []synth.Entry{observed(recording.X86_64, "socket")},
			unchecked: []Refusal{{Entry: observed(recording.X86_64, "socket"), Kind: ConditionsUnchecked}},
			verdict:   InSync,
		},
		{
			name:    "deny entries are the policy's, not needs",
			needs:   []synth.Entry{{Name: "openat", Nr: -1, Action: synth.Deny, Reason: synth.ReasonPolicy}},
			verdict: InSync,
		},
		{
			name:    "looser than needed, explicit denies aside",
			needs:   []synth.Entry{observed(recording.X86_64, "read")},
			opts:    Options{Needed: []string{"read", "exit_group"}},
			looser:  []string{"close", "write"},
			verdict: Looser,
		},
		{
			name:    "policy drift",
			opts:    Options{Deny: []string{"userfaultfd", "write", "memfd_create", "socket", "bpf"}},
			policy:  []Drift{{"socket", DenyAllowed}, {"write", DenyAllowed}, {"bpf", DenyMissing}, {"userfaultfd", DenyMissing}},
			verdict: PolicyDrift,
		},
		{
			name:     "breaks before policy drift",
			needs:    []synth.Entry{observed(recording.X86_64, "openat")},
			opts:     Options{Deny: []string{"userfaultfd"}, Needed: []string{"openat"}},
			refusals: []Refusal{{Entry: observed(recording.X86_64, "openat"), Kind: NameNotAllowed}},
			policy:   []Drift{{"userfaultfd", DenyMissing}},
			looser:   []string{"close", "exit_group", "read", "write"},
			verdict:  Breaks,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Check(profile(t), tc.needs, tc.opts)
			if diff := cmp.Diff(tc.refusals, r.Refusals); diff != "" {
				t.Errorf("refusals (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.unchecked, r.Unchecked); diff != "" {
				t.Errorf("unchecked (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.policy, r.Policy); diff != "" {
				t.Errorf("policy (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.looser, r.Looser); diff != "" {
				t.Errorf("looser (-want +got):\n%s", diff)
			}
			if got := r.Verdict(); got != tc.verdict {
				t.Errorf("verdict %q, want %q", got, tc.verdict)
			}
		})
	}
}

func TestVerdictFails(t *testing.T) {
	for _, tc := range []struct {
		v             Verdict
		lax, strictly bool
	}{
		{Breaks, true, true}, {PolicyDrift, true, true}, {Looser, false, true}, {InSync, false, false},
	} {
		t.Run(string(tc.v), func(t *testing.T) {
			if got := tc.v.Fails(false); got != tc.lax {
				t.Errorf("Fails(false) = %v", got)
			}
			if got := tc.v.Fails(true); got != tc.strictly {
				t.Errorf("Fails(true) = %v", got)
			}
		})
	}
}

func TestNeeds(t *testing.T) {
	rec := &recording.Recording{
		Syscalls: []recording.Syscall{
			{ABI: recording.X86_64, Nr: 1, Name: "write", Count: 2, FirstPID: 7, FirstComm: "sh"},
			{ABI: recording.X86_64, Nr: 41, Name: "socket", Count: 3, FirstPID: 7, FirstComm: "sh"},
			{ABI: recording.X86_64, Nr: 56, Name: "clone", Count: 1, FirstPID: 7, FirstComm: "sh"},
		},
		Args: []recording.ArgValue{
			{ABI: recording.X86_64, Nr: 41, Name: "socket", Index: 0, Value: 16, Count: 1},
			{ABI: recording.X86_64, Nr: 41, Name: "socket", Index: 0, Value: 2, Count: 2},
			{ABI: recording.I386, Nr: 41, Name: "nr:41", Index: 0, Value: 5, Count: 1},
			{ABI: recording.X86_64, Nr: 56, Name: "clone", Index: 0, Value: 0x10000000, Count: 1},
		},
	}
	want := []synth.Entry{
		{Name: "write", ABI: recording.X86_64, Nr: 1, Action: synth.Allow, Reason: synth.ReasonObserved, Count: 2, FirstPID: 7, FirstComm: "sh"},
		{Name: "socket", ABI: recording.X86_64, Nr: 41, Action: synth.Allow, Reason: synth.ReasonObserved, Count: 3, FirstPID: 7, FirstComm: "sh",
			Args: []synth.ArgValues{{Index: 0, Values: []uint64{2, 16}}}},
		{Name: "clone", ABI: recording.X86_64, Nr: 56, Action: synth.Allow, Reason: synth.ReasonObserved, Count: 1, FirstPID: 7, FirstComm: "sh",
			Args: []synth.ArgValues{{Index: 0, Mask: recording.CloneNamespaceFlags, Values: []uint64{0x10000000}}}},
	}
	if diff := cmp.Diff(want, Needs(rec)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// needsAll is a run that meets every kind of finding.
func needsAll() []synth.Entry {
	return []synth.Entry{
		observed(recording.X86_64, "read"),
		observed(recording.X86_64, "socket", arg0(1, 2)),
		observed(recording.X86_64, "openat"),
		observed(recording.I386, "write"),
		inferred("futex"),
		observed(recording.X86_64, "clone"),
	}
}

func TestCheckGolden(t *testing.T) {
	tests := []struct {
		name  string
		needs []synth.Entry
		opts  Options
	}{
		{"breaks", needsAll(), Options{Needed: []string{"futex", "openat", "read", "write"}, Deny: []string{"memfd_create", "userfaultfd", "write"}}},
		{"policy-drift", []synth.Entry{observed(recording.X86_64, "read")}, Options{Needed: []string{"close", "exit_group", "read", "write"}, Deny: []string{"write", "userfaultfd"}}},
		{"looser", []synth.Entry{observed(recording.X86_64, "read")}, Options{Needed: []string{"read"}, Deny: []string{"memfd_create"}}},
		{"in-sync", []synth.Entry{observed(recording.X86_64, "read")}, Options{Needed: []string{"close", "exit_group", "read", "write"}, Deny: []string{"memfd_create"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Check(profile(t), tc.needs, tc.opts)
			golden.Check(t, "check-"+tc.name+".txt", []byte(r.CheckText("app.json")))
			rep := NewCheckReport("app.json")
			r.Report(&rep)
			data, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "check-"+tc.name+".json", append(data, '\n'))
		})
	}
}

func TestComplainGolden(t *testing.T) {
	sys := func(abi recording.ABI, name string) recording.Syscall {
		nr, _ := recording.Number(abi, name)
		return recording.Syscall{ABI: abi, Nr: nr, Name: name, Count: 3, FirstPID: 42, FirstComm: "app"}
	}
	tests := []struct {
		name     string
		syscalls []recording.Syscall
		args     []recording.ArgValue
	}{
		{"denies", []recording.Syscall{
			sys(recording.X86_64, "read"), sys(recording.X86_64, "socket"), sys(recording.X86_64, "openat"),
			sys(recording.X86_64, "clone"), sys(recording.I386, "write"), sys(recording.X86_64, "bpf"),
		}, nil},
		{"nothing", []recording.Syscall{sys(recording.X86_64, "read"), sys(recording.X86_64, "write")}, nil},
		// With the arguments recorded: only the values the conditions
		// refuse are complaints, each with its value.
		{"args", []recording.Syscall{
			sys(recording.X86_64, "read"), sys(recording.X86_64, "socket"), sys(recording.X86_64, "clone"), sys(recording.X86_64, "openat"),
		}, []recording.ArgValue{
			{ABI: recording.X86_64, Nr: 41, Name: "socket", Index: 0, Value: 1, Count: 1},
			{ABI: recording.X86_64, Nr: 41, Name: "socket", Index: 0, Value: 16, Count: 2},
			{ABI: recording.X86_64, Nr: 56, Name: "clone", Index: 0, Value: 0, Count: 1},
			{ABI: recording.X86_64, Nr: 56, Name: "clone", Index: 0, Value: 0x40000000, Count: 2},
		}},
		{"args-allowed", []recording.Syscall{sys(recording.X86_64, "socket"), sys(recording.X86_64, "clone")}, []recording.ArgValue{
			{ABI: recording.X86_64, Nr: 41, Name: "socket", Index: 0, Value: 1, Count: 3},
			{ABI: recording.X86_64, Nr: 56, Name: "clone", Index: 0, Value: 0, Count: 3},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recording.Recording{Syscalls: tc.syscalls, Args: tc.args}
			r := Check(profile(t), Needs(rec), Options{})
			golden.Check(t, "complain-"+tc.name+".txt", []byte(r.ComplainText("app.json", len(rec.Syscalls))))
		})
	}
}
