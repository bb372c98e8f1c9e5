//go:build linux && cgo

package profiles

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// returns lists the constant return values of a classic BPF program.
func returns(prog []byte) map[uint32]bool {
	const retK = 0x06 // BPF_RET | BPF_K
	out := map[uint32]bool{}
	for i := 0; i+8 <= len(prog); i += 8 {
		if binary.LittleEndian.Uint16(prog[i:]) == retK {
			out[binary.LittleEndian.Uint32(prog[i+4:])] = true
		}
	}
	return out
}

// TestLogModeNeverKills: the log-mode copy of a profile logs a syscall of
// an architecture the profile does not list (an i386 int 0x80, an x32
// call) instead of killing the process as libseccomp does by default, and
// keeps an ENOSYS rule, whose callers fall back, enforced.
func TestLogModeNeverKills(t *testing.T) {
	const (
		killProcess = 0x80000000
		killThread  = 0x00000000
		log         = 0x7ffc0000
		errnoENOSYS = 0x00050000 | ENOSYS
	)
	p, err := Generate(Spec{ABIs: []string{"x86_64"}, Allow: []string{"read", "execve"}, NoSys: []string{"clone3"}, Deny: []string{"memfd_create"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		p    *Profile
		want map[uint32]bool // of kill-thread, kill-process, log and ERRNO(ENOSYS)
	}{
		{"enforced", p, map[uint32]bool{killThread: true, errnoENOSYS: true}},
		{"log mode", p.LogMode(), map[uint32]bool{log: true, errnoENOSYS: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prog, _, err := Compile(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			ret := returns(prog)
			got := map[uint32]bool{}
			for _, k := range []uint32{killThread, killProcess, log, errnoENOSYS} {
				if ret[k] {
					got[k] = true
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("return values (-want +got):\n%s", diff)
			}
		})
	}
}
