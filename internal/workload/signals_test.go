package workload

import (
	"syscall"
	"testing"
)

func TestForwardable(t *testing.T) {
	for _, tc := range []struct {
		name      string
		e         sigEvent
		leader    bool
		sameGroup bool
		want      bool
	}{
		{"kill(1) to seccompgen", sigEvent{sig: syscall.SIGINT, code: 0, pid: 7}, false, true, true},
		{"sigqueue to seccompgen", sigEvent{sig: syscall.SIGTERM, code: -1, pid: 7}, false, true, true},
		{"tgkill to seccompgen", sigEvent{sig: syscall.SIGQUIT, code: -6, pid: 7}, true, true, true},
		{"terminal ^C, workload in the group", sigEvent{sig: syscall.SIGINT, code: siKernel}, false, true, false},
		{"terminal ^C, seccompgen leads the session", sigEvent{sig: syscall.SIGINT, code: siKernel}, true, true, false},
		{"terminal ^\\, workload in the group", sigEvent{sig: syscall.SIGQUIT, code: siKernel}, false, true, false},
		{"terminal ^C, workload left the group", sigEvent{sig: syscall.SIGINT, code: siKernel}, false, false, true},
		{"hangup to the session leader alone", sigEvent{sig: syscall.SIGHUP, code: siKernel}, true, true, true},
		{"hangup to the foreground group", sigEvent{sig: syscall.SIGHUP, code: siKernel}, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := forwardable(tc.e, tc.leader, tc.sameGroup); got != tc.want {
				t.Errorf("forwardable(%+v, leader %v, same group %v) = %v, want %v", tc.e, tc.leader, tc.sameGroup, got, tc.want)
			}
		})
	}
}
