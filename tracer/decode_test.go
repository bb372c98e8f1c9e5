//go:build linux

package tracer

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestDecodeEvent: a ring buffer record in the kernel's layout (struct
// file_event) decodes to the event, its dev_t to stat(2)'s encoding and its
// names, leaf first, to a path.
func TestDecodeEvent(t *testing.T) {
	var k tracerFileEvent
	b := make([]byte, unsafe.Sizeof(k))
	le := binary.LittleEndian
	le.PutUint32(b[0:], eventExec)
	le.PutUint32(b[4:], 4242)
	le.PutUint64(b[8:], 1<<40+7)
	le.PutUint32(b[16:], 8<<20|3) // the kernel's major<<20 | minor
	le.PutUint32(b[20:], execInterpreted)
	names := "s.sh\x00bin\x00usr\x00"
	le.PutUint32(b[24:], uint32(len(names)))
	le.PutUint32(b[28:], 0xffffffff) // fd -1
	copy(b[32:], "./s.sh\x00junk")
	copy(b[32+len(k.Name):], names)
	got, ok := decodeEvent(b)
	if !ok {
		t.Fatal("a whole record did not decode")
	}
	want := event{kind: eventExec, pid: 4242, dev: unix.Mkdev(8, 3), ino: 1<<40 + 7, flags: execInterpreted, fd: -1, name: "./s.sh", path: "/usr/bin/s.sh"}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(event{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, ok := decodeEvent(b[:len(b)-1]); ok {
		t.Error("a short record decoded")
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
