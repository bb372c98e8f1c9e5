//go:build !cgo

package workload

import "syscall"

// catchSignals without cgo cannot see siginfo: every signal counts as sent
// by a process and is forwarded, a terminal's ^C included.
func catchSignals(sigs []syscall.Signal) (<-chan sigEvent, func()) {
	return notifySignals(sigs)
}
