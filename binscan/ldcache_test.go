package binscan

import (
	"encoding/binary"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func slicesSort(s []uint64) { slices.Sort(s) }

func TestParseLDCache(t *testing.T) {
	le := binary.LittleEndian
	strs := "libc.so.6\x00/lib/x86_64-linux-gnu/libc.so.6\x00libx.so.1\x00/usr/lib/i386-linux-gnu/libx.so.1\x00"
	const hdr = 48
	n := 2
	strOff := hdr + n*24
	var d []byte
	d = append(d, cacheMagicNew...)
	d = le.AppendUint32(d, uint32(n))
	d = le.AppendUint32(d, uint32(len(strs)))
	d = append(d, make([]byte, hdr-len(d))...)
	entry := func(flags int32, k, v int) {
		d = le.AppendUint32(d, uint32(flags))
		d = le.AppendUint32(d, uint32(strOff+k))
		d = le.AppendUint32(d, uint32(strOff+v))
		d = le.AppendUint32(d, 0)
		d = le.AppendUint64(d, 0)
	}
	entry(flagX8664, 0, 10)
	entry(0x0803, 42, 52) // an i386 library: skipped
	d = append(d, strs...)
	got := parseLDCache(d)
	want := map[string]string{"libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseLDCache (-want +got):\n%s", diff)
	}
	if got := parseLDCache([]byte("garbage")); len(got) != 0 {
		t.Errorf("garbage parsed to %v", got)
	}
	// The machine's own cache knows its libc.
	if real, err := os.ReadFile("/etc/ld.so.cache"); err == nil {
		if p := parseLDCache(real)["libc.so.6"]; p == "" || !isELF64(p) {
			t.Errorf("/etc/ld.so.cache: libc.so.6 -> %q, want an x86-64 ELF file", p)
		}
	}
}
