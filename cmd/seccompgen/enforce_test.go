package main

import (
	"strings"
	"testing"
)

// TestErrnoOutOfRange: every command that reads a profile refuses an errno
// runc would cut to 16 bits, pointing at the value.
func TestErrnoOutOfRange(t *testing.T) {
	const file = "testdata/errno-65536.json"
	const msg = file + ":3:22: defaultErrnoRet: 65536 is not an errno: want 1 to 4095 (MAX_ERRNO); runc keeps only 16 bits, which makes it 0: denied syscalls would return success without running\n"
	for _, tc := range []struct {
		args   []string
		prefix string
		status int
	}{
		{[]string{"diff", file}, "", 2},
		{[]string{"diff", "--against", file, "testdata/a.json"}, "", 2},
		{[]string{"merge", "-o", "-", "testdata/a.json", file}, "", 2},
		{[]string{"run", "--profile", file, "--", "/bin/true"}, "seccompgen run: ", 125},
		{[]string{"check", "--profile", file, "--", "/bin/true"}, "seccompgen check: ", 2},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			if r.status != tc.status || r.stderr != tc.prefix+msg {
				t.Errorf("exit %d, stderr %q; want %d, %q", r.status, r.stderr, tc.status, tc.prefix+msg)
			}
		})
	}
}
