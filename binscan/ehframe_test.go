package binscan

import (
	"debug/elf"
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseEHFrame(t *testing.T) {
	le := binary.LittleEndian
	// One CIE ("zR", FDE pointers pc-relative signed 4-byte) and two FDEs,
	// at section address 0x2000.
	var sec []byte
	cie := []byte{0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x1b, 0, 0, 0}
	sec = le.AppendUint32(sec, uint32(len(cie)))
	sec = append(sec, cie...)
	fdeAt := func(start, size uint32) {
		off := len(sec)
		body := le.AppendUint32(nil, uint32(off+4)) // CIE pointer: back to offset 0
		pc := uint32(0x2000 + off + 8)              // address of the pc_begin field
		body = le.AppendUint32(body, start-pc)
		body = le.AppendUint32(body, size)
		body = append(body, 0, 0, 0, 0) // augmentation length, padding
		sec = le.AppendUint32(sec, uint32(len(body)))
		sec = append(sec, body...)
	}
	fdeAt(0x1000, 0x40)
	fdeAt(0x1040, 0x13)
	sec = le.AppendUint32(sec, 0) // terminator
	got, err := parseEHFrame(sec, 0x2000)
	if err != nil {
		t.Fatal(err)
	}
	want := []fde{{0x1000, 0x1040, false}, {0x1040, 0x1053, false}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(fde{})); diff != "" {
		t.Errorf("parseEHFrame (-want +got):\n%s", diff)
	}
	if _, err := parseEHFrame(sec[:30], 0x2000); err == nil {
		t.Error("truncated section: no error")
	}
}

// TestEHFrameMatchesHeader checks the parser on a real file against
// .eh_frame_hdr, the binary search table the linker builds from the same
// FDEs.
func TestEHFrameMatchesHeader(t *testing.T) {
	p := buildC(t, "forkwait.c")
	for _, path := range []string{p, "/lib/x86_64-linux-gnu/libc.so.6"} {
		ef, err := elf.Open(path)
		if err != nil {
			t.Logf("%s: %v", path, err)
			continue
		}
		eh, hdr := ef.Section(".eh_frame"), ef.Section(".eh_frame_hdr")
		if eh == nil || hdr == nil {
			t.Fatalf("%s: no .eh_frame or .eh_frame_hdr", path)
		}
		d, _ := eh.Data()
		h, _ := hdr.Data()
		fdes, err := parseEHFrame(d, eh.Addr)
		if err != nil {
			t.Fatal(err)
		}
		// Header: version, eh_frame_ptr enc, fde_count enc (udata4),
		// table enc (datarel sdata4), eh_frame_ptr, fde_count, table.
		if h[2] != 0x03 || h[3] != 0x3b {
			t.Fatalf("%s: unexpected .eh_frame_hdr encodings %#x %#x", path, h[2], h[3])
		}
		n := int(binary.LittleEndian.Uint32(h[8:]))
		var want, got []uint64
		for i := 0; i < n; i++ {
			want = append(want, hdr.Addr+uint64(int64(int32(binary.LittleEndian.Uint32(h[12+8*i:])))))
		}
		for _, f := range fdes {
			got = append(got, f.start)
		}
		slicesSort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: FDE starts differ from .eh_frame_hdr (-want +got):\n%s", path, diff)
		}
	}
}
