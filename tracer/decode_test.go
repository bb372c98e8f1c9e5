//go:build linux

package tracer

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestDecodeExec: a ring buffer record in the kernel's layout decodes to
// the event, and its dev_t to stat(2)'s encoding.
func TestDecodeExec(t *testing.T) {
	var e tracerExecEvent
	b := make([]byte, binarySize(e))
	binary.LittleEndian.PutUint32(b[0:], 4242)
	binary.LittleEndian.PutUint32(b[4:], 8<<20|3) // the kernel's major<<20 | minor
	binary.LittleEndian.PutUint64(b[8:], 1<<40+7)
	copy(b[16:], "/usr/bin/true\x00junk")
	decodeExec(b, &e)
	got := struct {
		Pid  uint32
		Dev  uint64
		Ino  uint64
		Path string
	}{e.Pid, kernelDev(e.Dev), e.Ino, cString(e.Filename[:])}
	want := got
	want.Pid, want.Dev, want.Ino, want.Path = 4242, unix.Mkdev(8, 3), 1<<40+7, "/usr/bin/true"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCString(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", ""},
		{"terminated", "sh\x00xx", "sh"},
		{"full, no terminator", "0123456789abcdef", "0123456789abcdef"},
		{"bytes above 127", "caf\xc3\xa9\x00", "caf\xc3\xa9"},
		{"a newline kept as is", "a\nb\x00", "a\nb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]int8, len(tc.in))
			for i := 0; i < len(tc.in); i++ {
				b[i] = int8(tc.in[i])
			}
			if got := cString(b); got != tc.want {
				t.Errorf("cString(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
