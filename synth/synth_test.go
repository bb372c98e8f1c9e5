package synth

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/internal/golden"
	"github.com/seccompgen/seccompgen/recording"
)

func sys(abi recording.ABI, name string, count uint64) recording.Syscall {
	nr, ok := recording.Number(abi, name)
	if !ok {
		panic("no syscall " + name)
	}
	return recording.Syscall{ABI: abi, Nr: nr, Name: name, Count: count, FirstPID: 100, FirstComm: "app"}
}

// mixed is a recording of a 64-bit launcher that runs a 32-bit program
// which, among other things, calls memfd_create.
func mixed() *recording.Recording {
	return &recording.Recording{Syscalls: []recording.Syscall{
		sys(recording.I386, "write", 2),
		sys(recording.X86_64, "execve", 1),
		sys(recording.I386, "exit_group", 1),
		sys(recording.I386, "memfd_create", 3),
		sys(recording.I386, "mmap2", 7),
		sys(recording.X86_64, "write", 1),
	}}
}

func TestSynthesizeGolden(t *testing.T) {
	prof, _, err := Synthesize([]*recording.Recording{mixed()}, Policy{Deny: DefaultDeny})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "mixed.json", prof.Bytes())
}

func TestSynthesizeIsDeterministic(t *testing.T) {
	first, _, err := Synthesize([]*recording.Recording{mixed()}, Policy{Deny: []string{"userfaultfd", "memfd_create"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		r := mixed()
		// The same syscalls in another order must give the same bytes.
		r.Syscalls[0], r.Syscalls[len(r.Syscalls)-1] = r.Syscalls[len(r.Syscalls)-1], r.Syscalls[0]
		p, _, err := Synthesize([]*recording.Recording{r}, Policy{Deny: []string{"memfd_create", "userfaultfd"}})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), p.Bytes()) {
			t.Fatalf("run %d differs:\n%s\nvs\n%s", i, first.Bytes(), p.Bytes())
		}
	}
}

func TestDeniesWin(t *testing.T) {
	_, rep, err := Synthesize([]*recording.Recording{mixed()}, Policy{Deny: []string{"memfd_create", "write"}})
	if err != nil {
		t.Fatal(err)
	}
	var denied, allowed []string
	for _, e := range rep.Syscalls {
		switch e.Action {
		case "deny":
			denied = append(denied, e.ABI.String()+":"+e.Name+":"+e.Reason)
		case "allow":
			allowed = append(allowed, e.Name)
		}
	}
	// memfd_create: used in i386, denied in x86_64 too, with an entry for each.
	if diff := cmp.Diff([]string{"x86_64:write:policy", "i386:write:policy", "i386:memfd_create:policy", "x86_64:memfd_create:policy"}, denied); diff != "" {
		t.Errorf("denied (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"execve", "mmap2", "exit_group"}, allowed); diff != "" {
		t.Errorf("allowed (-want +got):\n%s", diff)
	}
	wantWarn := []string{
		"the workload called write 1 time(s) (first by pid 100, app) but policy denies it: under this profile that call fails with EPERM",
		"the workload called write 2 time(s) (first by pid 100, app) but policy denies it: under this profile that call fails with EPERM",
		"the workload called memfd_create 3 time(s) (first by pid 100, app) but policy denies it: under this profile that call fails with EPERM",
	}
	if diff := cmp.Diff(wantWarn, rep.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestReportGolden pins the report's JSON schema (docs/report.md): every
// entry with name, abi, nr, action, reason; a deny never used with an entry
// per ABI of the profile and that ABI's number; arrays [] and never missing.
func TestReportGolden(t *testing.T) {
	_, rep, err := Synthesize([]*recording.Recording{mixed()}, Policy{Deny: DefaultDeny, Infer: InferGo})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "mixed-report.json", append(data, '\n'))

	var keys []map[string]any
	var doc struct{ Syscalls *[]map[string]any }
	doc.Syscalls = &keys
	json.Unmarshal(data, &doc)
	for _, e := range keys {
		for _, k := range []string{"name", "abi", "nr", "action", "reason", "count", "first_pid", "first_comm", "args"} {
			if _, ok := e[k]; !ok {
				t.Errorf("entry %v has no %q", e, k)
			}
		}
		if nr, _ := e["nr"].(float64); nr < 0 {
			t.Errorf("entry %v has a negative nr", e)
		}
	}
}

func TestPolicyNames(t *testing.T) {
	for _, tc := range []struct {
		deny []string
		err  string
	}{
		{[]string{"memfd_create", "userfaultfd"}, ""},
		{[]string{"memfd_creat"}, `unknown syscall "memfd_creat" (did you mean "memfd_create"?)`},
		{[]string{"usrfaultfd", "ptrace"}, `unknown syscall "usrfaultfd" (did you mean "userfaultfd"?)`},
		{[]string{"xyzzy-not-a-call-at-all"}, `unknown syscall "xyzzy-not-a-call-at-all"`},
		{[]string{"opne", "clsoe"}, "unknown syscall \"opne\" (did you mean \"open\"?)\nunknown syscall \"clsoe\" (did you mean \"close\"?)"},
	} {
		err := CheckPolicy(Policy{Deny: tc.deny})
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("CheckPolicy(%v) = %q, want %q", tc.deny, got, tc.err)
		}
		if _, _, err := Synthesize([]*recording.Recording{mixed()}, Policy{Deny: tc.deny}); (err != nil) != (tc.err != "") {
			t.Errorf("Synthesize with deny %v: err %v", tc.deny, err)
		}
	}
}

func TestUnknownNumberIsKeptAndReported(t *testing.T) {
	r := mixed()
	r.Syscalls = append(r.Syscalls, recording.Syscall{ABI: recording.X86_64, Nr: 999, Name: recording.Name(recording.X86_64, 999), Count: 1})
	prof, rep, err := Synthesize([]*recording.Recording{r}, Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := find(rep, "nr:999"); !ok {
		t.Error("nr:999 missing from the report")
	}
	if bytes.Contains(prof.Bytes(), []byte("nr:999")) {
		t.Error("nr:999 written into the profile, where no runtime can read it")
	}
	want := "x86_64 syscall number 999 is not in seccompgen's table (a newer kernel?): it cannot be named in the profile, so the workload gets EPERM for it"
	if len(rep.Warnings) != 1 || rep.Warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", rep.Warnings, want)
	}
}

func TestEmptyRecording(t *testing.T) {
	_, _, err := Synthesize([]*recording.Recording{{}}, Policy{})
	if err == nil || err.Error() != "the recording has no syscalls: nothing ran under the tracer" {
		t.Errorf("err = %v", err)
	}
}

func TestMergedRecordingsAddUp(t *testing.T) {
	a := &recording.Recording{Syscalls: []recording.Syscall{sys(recording.X86_64, "read", 2), sys(recording.X86_64, "execve", 1)}}
	b := &recording.Recording{Syscalls: []recording.Syscall{sys(recording.X86_64, "read", 3), sys(recording.I386, "getpid", 1)}}
	prof, rep, err := Synthesize([]*recording.Recording{a, b}, Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := find(rep, "read"); e.Count != 5 {
		t.Errorf("read count %d, want 5", e.Count)
	}
	golden.Check(t, "merged.json", prof.Bytes())
}

func find(r *Report, name string) (Entry, bool) {
	for _, e := range r.Syscalls {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}
