//go:build linux

package tracer

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

func binarySize(e tracerExecEvent) int { return 4 + 4 + 8 + len(e.Filename) }

// decodeExec fills e from a ring buffer record in the kernel's (little
// endian, naturally aligned) layout.
func decodeExec(b []byte, e *tracerExecEvent) {
	e.Pid = binary.LittleEndian.Uint32(b[0:])
	e.Dev = binary.LittleEndian.Uint32(b[4:])
	e.Ino = binary.LittleEndian.Uint64(b[8:])
	for i := range e.Filename {
		e.Filename[i] = int8(b[16+i])
	}
}

// kernelDev turns the kernel's internal dev_t (major<<20 | minor) into the
// encoding stat(2) reports, so exec events compare with os.Stat.
func kernelDev(d uint32) uint64 {
	return unix.Mkdev(d>>20, d&(1<<20-1))
}
