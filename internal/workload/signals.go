package workload

import (
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Signals. seccompgen stays alive while the workload runs so it can still
// write the profile for what ran: SIGINT, SIGTERM, SIGHUP and SIGQUIT that
// are sent to seccompgen are passed on to the workload, which decides what
// they mean (many servers dump their state on SIGQUIT).
//
// The workload stays in seccompgen's process group, session and terminal,
// exactly as if it ran alone, so a signal the kernel sends to the
// foreground process group (^C, ^\ typed on a terminal) reaches it
// directly. Such a signal is not forwarded again. seccompgen tells it apart
// as sudo does, by si_code: the kernel's own signals carry SI_KERNEL, a
// process's kill(2), tgkill(2) or sigqueue(3) a code of 0 or less. A
// signal sent by a process to seccompgen is forwarded; one the kernel sent
// is forwarded only when the workload did not get it too (it left
// seccompgen's process group, or a terminal hangup signalled seccompgen
// alone as the session leader). A process that signals the whole group
// (kill -- -PGID) reaches the workload directly and through seccompgen.
//
// After forwarding, a stopped target is continued (SIGCONT), as shells do
// for stopped jobs: a stopped process never acts on the signal, and record
// would wait for it forever.

// forwardedSignals are the signals seccompgen passes on to the workload.
var forwardedSignals = []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// siKernel is si_code SI_KERNEL: the kernel sent the signal itself (the
// terminal's ^C, ^\, a hangup), to a process group or a session leader.
const siKernel = 0x80

// sigEvent is one signal as the kernel delivered it to seccompgen.
type sigEvent struct {
	sig  syscall.Signal
	code int32 // si_code
	pid  int32 // si_pid: the sender, for SI_USER and SI_QUEUE
}

// forwardable reports whether e should be passed on to the workload:
// leader says seccompgen leads its session, sameGroup that the workload's
// first process is in seccompgen's process group.
func forwardable(e sigEvent, leader, sameGroup bool) bool {
	if e.code != siKernel {
		return true // sent by a process, to seccompgen
	}
	if !sameGroup {
		return true // the terminal's group signal missed the workload
	}
	// A hangup signals only the session leader; everything else the
	// kernel sends here went to the whole foreground group.
	return e.sig == syscall.SIGHUP && leader
}

// Forwarder passes forwardedSignals on to the workload. It subscribes
// before the workload starts: a signal that arrives in between is held
// and delivered as soon as the workload exists.
type Forwarder struct {
	events <-chan sigEvent
	stopFn func()
	target chan target
	done   chan struct{}

	mu       sync.Mutex
	received map[syscall.Signal]bool // what reached the workload, by StoppedBy
}

// target is where forwarded signals go: the workload's first process (its
// process group decides what the terminal already reached) and a function
// that delivers to it or its tree.
type target struct {
	pid  int
	send func(os.Signal)
}

// ForwardSignals starts forwarding; Forwarder.To names the workload once
// it is started, Stop ends it.
func ForwardSignals() *Forwarder {
	// A signal seccompgen was started with ignored (nohup's SIGHUP) stays
	// ignored, and CMD inherits that.
	var sigs []syscall.Signal
	for _, s := range forwardedSignals {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	events, stop := catchSignals(sigs)
	f := &Forwarder{
		events: events,
		stopFn: stop,
		target: make(chan target, 1),
		done:   make(chan struct{}),
	}
	go f.loop()
	return f
}

func (f *Forwarder) loop() {
	var to *target
	var held []sigEvent
	for {
		select {
		case e := <-f.events:
			// Noted before it is sent: by the time the workload has died
			// of it, StoppedBy knows.
			f.note(e.sig)
			if to == nil {
				held = append(held, e)
				continue
			}
			to.deliver(e)
		case t := <-f.target:
			to = &t
			for _, e := range held {
				to.deliver(e)
			}
			held = nil
		case <-f.done:
			return
		}
	}
}

func (t *target) deliver(e sigEvent) {
	leader := unix.Getpid() == mustSid()
	pg, err := unix.Getpgid(t.pid)
	// A first process already gone leaves its tree in the group it had,
	// seccompgen's unless it moved.
	sameGroup := err != nil || pg == unix.Getpgrp()
	if forwardable(e, leader, sameGroup) {
		t.send(e.sig)
	}
}

func mustSid() int {
	sid, err := unix.Getsid(0)
	if err != nil {
		return -1
	}
	return sid
}

func (f *Forwarder) note(sig syscall.Signal) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.received == nil {
		f.received = map[syscall.Signal]bool{}
	}
	f.received[sig] = true
}

// stopSignals are the forwarded signals that ask a workload to stop.
// SIGQUIT is not one: it asks for a core dump, which is a crash on
// request, not an ordinary stop.
var stopSignals = []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP}

// StoppedBy returns the signal that stopped a workload which ended with
// status (as ExitStatus gives it), when that was a stop signal (SIGTERM,
// SIGINT, SIGHUP) sent to seccompgen and passed on to the workload: by
// seccompgen, or by the terminal to both. Status 128+N counts whether
// signal N killed the workload or it exited 128+N itself, as a shell
// script or a JVM does when it stops on N. A signal nobody sent to
// seccompgen (a SIGSEGV, a SIGTERM sent straight to the workload) is not
// a stop.
func (f *Forwarder) StoppedBy(status int) (syscall.Signal, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return stoppedBy(status, f.received)
}

func stoppedBy(status int, received map[syscall.Signal]bool) (syscall.Signal, bool) {
	for _, s := range stopSignals {
		if status == 128+int(s) && received[s] {
			return s, true
		}
	}
	return 0, false
}

// To starts delivering to send, for the workload whose first process is
// pid; held signals first.
func (f *Forwarder) To(pid int, send func(os.Signal)) { f.target <- target{pid: pid, send: send} }

// Stop ends forwarding; signals get their default effect again.
func (f *Forwarder) Stop() {
	f.stopFn()
	close(f.done)
}

// SignalProcess sends sig to pid and continues pid if it is stopped, so
// that it acts on sig.
func SignalProcess(pid int, sig syscall.Signal) error {
	if err := unix.Kill(pid, sig); err != nil {
		return err
	}
	if sig != syscall.SIGKILL && sig != syscall.SIGCONT && stopped(pid) {
		unix.Kill(pid, syscall.SIGCONT)
	}
	return nil
}

// stopped reports whether pid is stopped by a signal (state T in
// /proc/PID/stat; a ptrace stop, t, is not SIGCONT's to end).
func stopped(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which may contain ") ".
	for i := len(data) - 1; i > 0; i-- {
		if data[i] == ')' {
			return i+2 < len(data) && data[i+2] == 'T'
		}
	}
	return false
}

// notifySignals is catchSignals through os/signal: no siginfo, so every
// signal counts as sent by a process and is forwarded.
func notifySignals(sigs []syscall.Signal) (<-chan sigEvent, func()) {
	in := make(chan os.Signal, 16)
	out := make(chan sigEvent, 16)
	done := make(chan struct{})
	all := make([]os.Signal, len(sigs))
	for i, s := range sigs {
		all[i] = s
	}
	signal.Notify(in, all...)
	go func() {
		for {
			select {
			case s := <-in:
				select {
				case out <- sigEvent{sig: s.(syscall.Signal)}:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()
	return out, func() {
		signal.Stop(in)
		close(done)
	}
}
