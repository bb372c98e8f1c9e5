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

func TestStoppedBy(t *testing.T) {
	term := map[syscall.Signal]bool{syscall.SIGTERM: true}
	for _, tc := range []struct {
		name     string
		status   int
		received map[syscall.Signal]bool
		want     syscall.Signal
	}{
		{"killed by a forwarded SIGTERM", 128 + 15, term, syscall.SIGTERM},
		{"killed by a forwarded SIGINT", 128 + 2, map[syscall.Signal]bool{syscall.SIGINT: true}, syscall.SIGINT},
		{"killed by a forwarded SIGHUP", 128 + 1, map[syscall.Signal]bool{syscall.SIGHUP: true, syscall.SIGTERM: true}, syscall.SIGHUP},
		{"SIGTERM nobody sent to seccompgen", 128 + 15, nil, 0},
		{"SIGTERM, but SIGINT was forwarded", 128 + 15, map[syscall.Signal]bool{syscall.SIGINT: true}, 0},
		{"SIGSEGV after a forwarded SIGTERM", 128 + 11, term, 0},
		{"a forwarded SIGQUIT is no stop", 128 + 3, map[syscall.Signal]bool{syscall.SIGQUIT: true}, 0},
		{"exit 1 after a forwarded SIGTERM", 1, term, 0},
		{"exit 0", 0, term, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := stoppedBy(tc.status, tc.received)
			if got != tc.want || ok != (tc.want != 0) {
				t.Errorf("stoppedBy(%d, %v) = %v, %v; want %v", tc.status, tc.received, got, ok, tc.want)
			}
		})
	}
}
