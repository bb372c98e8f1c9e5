//go:build linux

package tracer

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// struct file_event's kinds and flags, generated from bpf/tracer.bpf.c.
const (
	eventExec = uint32(tracerEventKindEVENT_EXEC)
	eventLib  = uint32(tracerEventKindEVENT_LIB)

	pathTruncated   = uint32(tracerEventFlagPATH_TRUNCATED)
	pathDetached    = uint32(tracerEventFlagPATH_DETACHED)
	execInterpreted = uint32(tracerEventFlagEXEC_INTERPRETED)
)

// event is a decoded ring buffer record: an exec, or a file first mapped
// executable (a library).
type event struct {
	kind     uint32
	pid      int
	dev, ino uint64 // dev in stat(2)'s encoding
	flags    uint32
	fd       int
	name     string // exec: the name execve was given
	path     string // as the process saw it, from its root
}

// decodeEvent decodes a record in the kernel's (little endian, naturally
// aligned) layout; ok is false for a record too short to be one.
func decodeEvent(b []byte) (e event, ok bool) {
	var k tracerFileEvent
	if len(b) < int(unsafe.Sizeof(k)) {
		return e, false
	}
	le := binary.LittleEndian
	e.kind = le.Uint32(b[0:])
	e.pid = int(le.Uint32(b[4:]))
	e.ino = le.Uint64(b[8:])
	e.dev = kernelDev(le.Uint32(b[16:]))
	e.flags = le.Uint32(b[20:])
	pathLen := int(le.Uint32(b[24:]))
	e.fd = int(int32(le.Uint32(b[28:])))
	name := b[32 : 32+len(k.Name)]
	if i := bytes.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	e.name = string(name)
	path := b[32+len(k.Name) : 32+len(k.Name)+len(k.Path)]
	e.path = joinPath(path[:min(pathLen, len(path))], e.flags)
	return e, true
}

// joinPath turns the kernel's names, leaf first and each NUL-terminated,
// into a path. A truncated one starts with ".../" (and so opens nothing).
func joinPath(b []byte, flags uint32) string {
	names := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	if len(b) == 0 {
		names = nil
	}
	var sb strings.Builder
	if flags&pathTruncated != 0 {
		sb.WriteString("...")
	}
	for i := len(names) - 1; i >= 0; i-- {
		sb.WriteByte('/')
		sb.WriteString(names[i])
	}
	if sb.Len() == 0 {
		return "/"
	}
	return sb.String()
}

// kernelDev turns the kernel's internal dev_t (major<<20 | minor) into the
// encoding stat(2) reports, so exec events compare with os.Stat.
func kernelDev(d uint32) uint64 {
	return unix.Mkdev(d>>20, d&(1<<20-1))
}
