package workload

import "syscall"

// Exit statuses of the commands that start a workload, as env(1) and
// timeout(1) use them.
const (
	ExitFailure  = 125 // seccompgen itself failed, usage errors included
	ExitNoExec   = 126 // CMD was found but cannot be run
	ExitNotFound = 127 // CMD was not found
)

// ExitStatus is the status a shell reports for a child that ended with ws:
// its exit status, or 128+N if signal N killed it.
func ExitStatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
