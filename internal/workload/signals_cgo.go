//go:build linux && cgo

package workload

/*
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

struct sg_event {
	int signo;
	int code;
	int pid;
};

static int sg_fd = -1;

// Async-signal-safe: one write(2) of a few bytes to a non-blocking pipe,
// atomic below PIPE_BUF. A full pipe drops the event (thousands pending).
static void sg_handler(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	struct sg_event e = { sig, si->si_code, si->si_pid };
	(void)uc;
	if (write(sg_fd, &e, sizeof e) < 0) {
	}
	errno = saved;
}

// SA_ONSTACK: the handler runs on the signal stack the Go runtime gives
// every thread, never on a goroutine's small stack. A full sa_mask (as the
// Go runtime's own handler has) keeps events in delivery order: no second
// handler's frame is set up over the first's.
static int sg_catch(int fd, int sig, struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = sg_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	sg_fd = fd;
	return sigaction(sig, &sa, old);
}

static int sg_restore(int sig, const struct sigaction *old)
{
	return sigaction(sig, old, NULL);
}
*/
import "C"

import (
	"encoding/binary"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// sigPipe carries what the C handler saw to Go. It lives as long as the
// process: a handler still running when forwarding stops must never write
// to a closed descriptor or, worse, to one reused since.
var sigPipe struct {
	once sync.Once
	r, w int
	err  error
}

// catchSignals installs a handler for sigs that sees the siginfo os/signal
// hides (who sent the signal: the kernel or a process), and returns the
// signals it receives and a function that puts the previous handlers back.
// Without a pipe it falls back to os/signal, whose signals count as sent
// by a process.
func catchSignals(sigs []syscall.Signal) (<-chan sigEvent, func()) {
	sigPipe.once.Do(func() {
		var p [2]int
		sigPipe.err = unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK)
		sigPipe.r, sigPipe.w = p[0], p[1]
	})
	if sigPipe.err != nil {
		return notifySignals(sigs)
	}
	// The Go runtime's own handlers stay installed but never run for
	// these signals; stop gives them back.
	old := make([]C.struct_sigaction, len(sigs))
	for i, s := range sigs {
		C.sg_catch(C.int(sigPipe.w), C.int(s), &old[i])
	}
	ch := make(chan sigEvent, 16)
	done := make(chan struct{})
	// A duplicate, so that stop can close it to end the reader while the
	// pipe itself stays open for the next caller.
	rfd, err := unix.FcntlInt(uintptr(sigPipe.r), unix.F_DUPFD_CLOEXEC, 0)
	r := os.NewFile(uintptr(rfd), "signals")
	if err != nil {
		r = nil
	}
	go func() {
		if r == nil {
			return
		}
		var buf [12]byte
		for {
			if _, err := io.ReadFull(r, buf[:]); err != nil {
				return
			}
			e := sigEvent{
				sig:  syscall.Signal(int32(binary.NativeEndian.Uint32(buf[0:]))),
				code: int32(binary.NativeEndian.Uint32(buf[4:])),
				pid:  int32(binary.NativeEndian.Uint32(buf[8:])),
			}
			select {
			case ch <- e:
			case <-done:
				return
			}
		}
	}()
	return ch, func() {
		for i, s := range sigs {
			C.sg_restore(C.int(s), &old[i])
		}
		close(done)
		if r != nil {
			r.Close()
		}
	}
}
