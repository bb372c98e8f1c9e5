//go:build linux

package tracer

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func TestParseMaps(t *testing.T) {
	maps := `55d0c1a00000-55d0c1a02000 r--p 00000000 fe:00 247766                     /usr/bin/sleep
55d0c1a02000-55d0c1a06000 r-xp 00002000 fe:00 247766                     /usr/bin/sleep
7f1c2a028000-7f1c2a1ad000 r-xp 00028000 fe:00 326269                     /usr/lib/x86_64-linux-gnu/libc.so.6
7f1c2a300000-7f1c2a301000 r-xp 00000000 fe:00 326269                     /usr/lib/x86_64-linux-gnu/libc.so.6
7f1c2a400000-7f1c2a401000 r-xp 00000000 08:11 99                         /opt/my lib/libx.so (deleted)
7f1c2a500000-7f1c2a501000 r-xp 00000000 08:11 100                        /opt/my lib/liby.so
7f1c2a600000-7f1c2a601000 r-xp 00000000 00:00 0                          [vdso]
7f1c2a700000-7f1c2a701000 rw-p 00000000 00:00 0 
`
	want := []mapping{
		{addr: "55d0c1a02000-55d0c1a06000", dev: unix.Mkdev(0xfe, 0), ino: 247766, path: "/usr/bin/sleep"},
		{addr: "7f1c2a028000-7f1c2a1ad000", dev: unix.Mkdev(0xfe, 0), ino: 326269, path: "/usr/lib/x86_64-linux-gnu/libc.so.6"},
		{addr: "7f1c2a400000-7f1c2a401000", dev: unix.Mkdev(8, 0x11), ino: 99, path: "/opt/my lib/libx.so"},
		{addr: "7f1c2a500000-7f1c2a501000", dev: unix.Mkdev(8, 0x11), ino: 100, path: "/opt/my lib/liby.so"},
	}
	if diff := cmp.Diff(want, parseMaps(maps), cmp.AllowUnexported(mapping{})); diff != "" {
		t.Errorf("parseMaps (-want +got):\n%s", diff)
	}
}
