package synth

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/recording"
)

// TestReportLibraries: the report lists the libraries of all recordings,
// each file once, sorted by path.
func TestReportLibraries(t *testing.T) {
	libc := recording.Library{PID: 10, Path: "/usr/lib/x86_64-linux-gnu/libc.so.6", Dev: 1, Inode: 2}
	ext := recording.Library{PID: 11, Path: "/usr/lib/python3.11/lib-dynload/_json.so", Dev: 1, Inode: 3}
	sys := []recording.Syscall{{ABI: recording.X86_64, Nr: 60, Name: "exit", Count: 1}}
	a := &recording.Recording{Syscalls: sys, Libraries: []recording.Library{libc}}
	libc2 := libc
	libc2.PID = 20
	b := &recording.Recording{Syscalls: sys, Libraries: []recording.Library{libc2, ext}}
	_, rep, err := Synthesize([]*recording.Recording{a, b}, Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]recording.Library{ext, libc}, rep.Libraries); diff != "" {
		t.Errorf("libraries (-want +got):\n%s", diff)
	}
}
