package binscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// fde is the code range one .eh_frame FDE describes: in a compiled
// program, one function (or one cold part of it).
type fde struct {
	start, end uint64
	// signal marks a signal trampoline's FDE (augmentation 'S'): glibc
	// starts it one byte before the code, at the last byte of the
	// padding, for unwinders that subtract one from every return address.
	signal bool
}

// DWARF exception-header pointer encodings (the subset GCC, clang and
// hand-written CFI in glibc use).
const (
	peAbsptr  = 0x00
	peUleb128 = 0x01
	peUdata2  = 0x02
	peUdata4  = 0x03
	peUdata8  = 0x04
	peSleb128 = 0x09
	peSdata2  = 0x0a
	peSdata4  = 0x0b
	peSdata8  = 0x0c
	pePcrel   = 0x10
	peDatarel = 0x30
	peOmit    = 0xff
)

var errEHFrame = errors.New("malformed .eh_frame")

// parseEHFrame returns the FDE ranges of an .eh_frame section loaded at
// addr, in section order. debug/elf does not parse .eh_frame, and the few
// record kinds a linker emits make a full DWARF CFI reader unnecessary: we
// need only where each FDE's code starts and ends.
func parseEHFrame(data []byte, addr uint64) ([]fde, error) {
	var out []fde
	type cie struct {
		enc    byte
		signal bool
	}
	cies := map[int]cie{} // by offset
	for off := 0; off+4 <= len(data); {
		length := uint64(binary.LittleEndian.Uint32(data[off:]))
		hdr := 4
		if length == 0 {
			break // terminator
		}
		if length == 0xffffffff {
			if off+12 > len(data) {
				return out, errEHFrame
			}
			length = binary.LittleEndian.Uint64(data[off+4:])
			hdr = 12
		}
		body := off + hdr
		end := body + int(length)
		if length > uint64(len(data)) || end > len(data) || body+4 > end {
			return out, fmt.Errorf("record at offset %#x: %w", off, errEHFrame)
		}
		id := binary.LittleEndian.Uint32(data[body:])
		if id == 0 {
			enc, signal, err := parseCIE(data[body+4 : end])
			if err != nil {
				return out, fmt.Errorf("CIE at offset %#x: %w", off, err)
			}
			cies[off] = cie{enc, signal}
		} else {
			cieOff := body - int(id)
			c, ok := cies[cieOff]
			if !ok {
				// A CIE after its FDE is legal but never emitted by a
				// linker; parse it on demand.
				if cieOff < 0 || cieOff+8 > len(data) {
					return out, fmt.Errorf("FDE at offset %#x: CIE pointer out of range: %w", off, errEHFrame)
				}
				l := int(binary.LittleEndian.Uint32(data[cieOff:]))
				if cieOff+4+l > len(data) || l < 4 {
					return out, fmt.Errorf("FDE at offset %#x: %w", off, errEHFrame)
				}
				enc, signal, err := parseCIE(data[cieOff+8 : cieOff+4+l])
				if err != nil {
					return out, err
				}
				c = cie{enc, signal}
				cies[cieOff] = c
			}
			enc := c.enc
			p := body + 4
			start, n, err := readEncoded(data[p:end], enc, addr+uint64(p))
			if err != nil {
				return out, fmt.Errorf("FDE at offset %#x: %w", off, err)
			}
			// The range has the same format, but is a length: never
			// relative to anything.
			size, _, err := readEncoded(data[p+n:end], enc&0x0f, 0)
			if err != nil {
				return out, fmt.Errorf("FDE at offset %#x: %w", off, err)
			}
			if size > 0 {
				out = append(out, fde{start, start + size, c.signal})
			}
		}
		off = end
	}
	return out, nil
}

// parseCIE returns the FDE pointer encoding of a CIE whose body (after the
// CIE id) is b, and whether it describes signal frames.
func parseCIE(b []byte) (byte, bool, error) {
	enc, err := parseCIEEnc(b)
	if err != nil || len(b) < 2 {
		return enc, false, err
	}
	aug := b[1:]
	if i := bytes.IndexByte(aug, 0); i >= 0 {
		aug = aug[:i]
	}
	return enc, len(aug) > 0 && aug[0] == 'z' && bytes.IndexByte(aug, 'S') > 0, nil
}

func parseCIEEnc(b []byte) (byte, error) {
	if len(b) < 2 {
		return 0, errEHFrame
	}
	version := b[0]
	i := 1
	aug := i
	for i < len(b) && b[i] != 0 {
		i++
	}
	if i >= len(b) {
		return 0, errEHFrame
	}
	augmentation := string(b[aug:i])
	i++
	if augmentation == "eh" { // an old GCC's eh_ptr
		i += 8
	}
	_, n := uleb(b[i:]) // code alignment
	i += n
	_, n = sleb(b[i:]) // data alignment
	i += n
	if version == 1 {
		i++ // return address register
	} else {
		_, n = uleb(b[i:])
		i += n
	}
	enc := byte(peAbsptr)
	if len(augmentation) == 0 || augmentation[0] != 'z' {
		return enc, nil
	}
	_, n = uleb(b[i:]) // augmentation data length
	i += n
	for _, c := range augmentation[1:] {
		if i >= len(b) {
			return 0, errEHFrame
		}
		switch c {
		case 'R':
			enc = b[i]
			i++
		case 'L':
			i++
		case 'P':
			penc := b[i]
			i++
			_, n, err := readEncoded(b[i:], penc&0x7f, 0)
			if err != nil {
				return 0, err
			}
			i += n
		case 'S', 'B', 'G':
			// signal frame, BTI, MTE: no data
		default:
			return enc, nil // unknown augmentation: R came first if present
		}
	}
	return enc, nil
}

// readEncoded reads one pointer in encoding enc; pc is the address of b[0]
// for pc-relative values.
func readEncoded(b []byte, enc byte, pc uint64) (uint64, int, error) {
	if enc == peOmit {
		return 0, 0, nil
	}
	var v uint64
	var n int
	need := func(k int) bool { return len(b) >= k }
	switch enc & 0x0f {
	case peAbsptr, peUdata8, peSdata8:
		if !need(8) {
			return 0, 0, errEHFrame
		}
		v, n = binary.LittleEndian.Uint64(b), 8
	case peUdata4:
		if !need(4) {
			return 0, 0, errEHFrame
		}
		v, n = uint64(binary.LittleEndian.Uint32(b)), 4
	case peSdata4:
		if !need(4) {
			return 0, 0, errEHFrame
		}
		v, n = uint64(int64(int32(binary.LittleEndian.Uint32(b)))), 4
	case peUdata2:
		if !need(2) {
			return 0, 0, errEHFrame
		}
		v, n = uint64(binary.LittleEndian.Uint16(b)), 2
	case peSdata2:
		if !need(2) {
			return 0, 0, errEHFrame
		}
		v, n = uint64(int64(int16(binary.LittleEndian.Uint16(b)))), 2
	case peUleb128:
		v, n = uleb(b)
	case peSleb128:
		var s int64
		s, n = sleb(b)
		v = uint64(s)
	default:
		return 0, 0, fmt.Errorf("pointer encoding %#x: %w", enc, errEHFrame)
	}
	switch enc & 0x70 {
	case 0:
	case pePcrel:
		v += pc
	default:
		// datarel/textrel/funcrel do not occur in x86-64 .eh_frame.
		return 0, 0, fmt.Errorf("pointer encoding %#x: %w", enc, errEHFrame)
	}
	return v, n, nil
}

func uleb(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		if i < 10 {
			v |= uint64(c&0x7f) << (7 * i)
		}
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return v, len(b)
}

func sleb(b []byte) (int64, int) {
	var v int64
	var shift uint
	for i, c := range b {
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, i + 1
		}
	}
	return v, len(b)
}
