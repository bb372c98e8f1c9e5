package recording

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sample() *Recording {
	return &Recording{
		Syscalls: []Syscall{
			{ABI: X86_64, Nr: 1, Name: "write", Count: 3, FirstPID: 10, FirstComm: "sh"},
			{ABI: I386, Nr: 252, Name: "exit_group", Count: 1, FirstPID: 11, FirstComm: "a\nb"},
		},
		Args:   []ArgValue{{ABI: X86_64, Nr: 41, Name: "socket", Index: 0, Value: 1, Count: 2}},
		Execs:  []Exec{{PID: 10, Path: "/bin/sh", Dev: 2049, Inode: 77}},
		Losses: Losses{ProcsDropped: 1, ArgsDropped: 2},
		Exit:   Exit{Code: 0, Signal: 9},
	}
}

// TestMarshalRoundTrip: what Marshal writes reads back the same, and is
// indented JSON with a trailing newline.
func TestMarshalRoundTrip(t *testing.T) {
	data := sample().Marshal()
	if !strings.HasSuffix(string(data), "}\n") || !strings.Contains(string(data), "\n  \"syscalls\": [") {
		t.Errorf("not indented JSON with a trailing newline:\n%s", data)
	}
	var got Recording
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sample(), &got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestNameNumber(t *testing.T) {
	for _, tc := range []struct {
		abi    ABI
		name   string
		nr     int
		named  bool // Name gives name for nr
		number bool // Number accepts name
	}{
		{X86_64, "write", 1, true, true},
		{I386, "exit_group", 252, true, true},
		{X32, "read", 0, true, true},
		{X86_64, "nr:999", 999, true, true},
		{I386, "nr:4000", 4000, true, true},
		{X86_64, "socketcall", 0, false, false}, // i386 only
		{X86_64, "nr:-1", -1, false, false},
		{X86_64, "nr:abc", 0, false, false},
		{ABI("arm64"), "write", 0, false, false},
	} {
		t.Run(string(tc.abi)+"/"+tc.name, func(t *testing.T) {
			nr, ok := Number(tc.abi, tc.name)
			if ok != tc.number || ok && nr != tc.nr {
				t.Errorf("Number(%s, %q) = %d, %v; want %d, %v", tc.abi, tc.name, nr, ok, tc.nr, tc.number)
			}
			if tc.named {
				if got := Name(tc.abi, tc.nr); got != tc.name {
					t.Errorf("Name(%s, %d) = %q, want %q", tc.abi, tc.nr, got, tc.name)
				}
			}
		})
	}
}

func TestNrName(t *testing.T) {
	for _, tc := range []struct {
		name string
		is   bool
		nr   int
		ok   bool
	}{
		{"nr:0", true, 0, true},
		{"nr:547", true, 547, true},
		{"nr:", true, 0, false},
		{"nr:x", true, 0, false},
		{"nr:-3", true, -3, false},
		{"write", false, 0, false},
		{"NR:1", false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsNrName(tc.name); got != tc.is {
				t.Errorf("IsNrName(%q) = %v", tc.name, got)
			}
			nr, ok := ParseNrName(tc.name)
			if ok != tc.ok || ok && nr != tc.nr {
				t.Errorf("ParseNrName(%q) = %d, %v; want %d, %v", tc.name, nr, ok, tc.nr, tc.ok)
			}
			if ok && NrName(nr) != tc.name {
				t.Errorf("NrName(%d) = %q, want %q", nr, NrName(nr), tc.name)
			}
		})
	}
}

func TestSort(t *testing.T) {
	r := &Recording{
		Syscalls: []Syscall{
			{ABI: X32, Nr: 1}, {ABI: I386, Nr: 5}, {ABI: X86_64, Nr: 60}, {ABI: I386, Nr: 1}, {ABI: X86_64, Nr: 0},
		},
		Args: []ArgValue{
			{ABI: X86_64, Nr: 56, Index: 0, Value: 0}, {ABI: X86_64, Nr: 41, Index: 0, Value: 10},
			{ABI: X86_64, Nr: 41, Index: 0, Value: 1}, {ABI: I386, Nr: 41, Index: 0, Value: 0},
		},
	}
	r.Sort()
	want := &Recording{
		Syscalls: []Syscall{
			{ABI: X86_64, Nr: 0}, {ABI: X86_64, Nr: 60}, {ABI: I386, Nr: 1}, {ABI: I386, Nr: 5}, {ABI: X32, Nr: 1},
		},
		Args: []ArgValue{
			{ABI: X86_64, Nr: 41, Index: 0, Value: 1}, {ABI: X86_64, Nr: 41, Index: 0, Value: 10},
			{ABI: X86_64, Nr: 56, Index: 0, Value: 0}, {ABI: I386, Nr: 41, Index: 0, Value: 0},
		},
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestUsedABIs(t *testing.T) {
	for _, tc := range []struct {
		name string
		abis []ABI
		want []ABI
	}{
		{"none", nil, nil},
		{"one", []ABI{I386}, []ABI{I386}},
		{"in ABIs order, once", []ABI{X32, I386, X32, X86_64}, []ABI{X86_64, I386, X32}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Recording{}
			for _, a := range tc.abis {
				r.Syscalls = append(r.Syscalls, Syscall{ABI: a})
			}
			if diff := cmp.Diff(tc.want, r.UsedABIs()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		e    Exit
		want int
	}{{Exit{Code: 3}, 3}, {Exit{Signal: 9}, 137}, {Exit{}, 0}} {
		if got := tc.e.Status(); got != tc.want {
			t.Errorf("%+v.Status() = %d, want %d", tc.e, got, tc.want)
		}
	}
}
