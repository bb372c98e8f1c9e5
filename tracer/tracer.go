//go:build linux

package tracer

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/seccompgen/seccompgen/recording"
)

// Sentinels for what callers tell apart.
var (
	// ErrNotPermitted: loading or attaching eBPF programs was refused.
	ErrNotPermitted = errors.New("loading eBPF programs needs root (or CAP_BPF and CAP_PERFMON)")
	// ErrNoBTF: the kernel exposes no BTF (/sys/kernel/btf/vmlinux).
	ErrNoBTF = errors.New("the kernel has no BTF (/sys/kernel/btf/vmlinux); seccompgen needs a kernel built with CONFIG_DEBUG_INFO_BTF=y, Linux 5.8 or newer")
	// ErrUnsupported: the kernel lacks a feature the tracer uses.
	ErrUnsupported = errors.New("the kernel lacks a feature seccompgen needs (BTF tracepoints and BPF ring buffers: Linux 5.8 or newer)")
)

// The constants shared with bpf/tracer.bpf.c, generated from its enums
// (gen.go); constants_test.go ties them to package recording.
const (
	maxNr         = int(tracerLimitsMAX_NR)
	stateActive   = uint32(tracerStateSTATE_ACTIVE)
	lossProcsFull = uint32(tracerLossLOSS_PROCS_FULL)
	lossNrRange   = uint32(tracerLossLOSS_NR_RANGE)
	lossExecs     = uint32(tracerLossLOSS_EXEC_EVENTS)
	lossArgsFull  = uint32(tracerLossLOSS_ARGS_FULL)
	lossLibsFull  = uint32(tracerLossLOSS_LIBS_FULL)
	lossLibEvents = uint32(tracerLossLOSS_LIB_EVENTS)
)

// Config sizes the tracer.
type Config struct {
	// MaxProcs is how many processes of the tree can be alive at once;
	// a process beyond it is counted in Losses.ProcsDropped. Default 32768.
	MaxProcs uint32
	// FilteredOnly counts a syscall only when the calling thread already
	// runs under a seccomp filter, and only until its process's next exec
	// (that execve included): what a container runtime does between
	// installing the container's filter and starting its process. It
	// measures runtime baselines; a normal recording leaves it off.
	FilteredOnly bool
	// Args also records the arguments of recording.PinnedArgs
	// (Recording.Args), each under its mask; an argument with more than
	// ArgValuesMax distinct values is in Recording.ArgOverflows.
	Args bool
	// Attach makes a tracer that joins running processes (Tracer.Attach)
	// rather than starting one; it needs seccompgen in the host's pid
	// namespace.
	Attach bool
	// Cgroup, with Attach, is the cgroup v2 directory whose subtree
	// Attach records: processes that enter it are admitted as they do.
	Cgroup string
	// Refusals counts, instead of recording, what the tree's seccomp
	// filter refuses: each call that returns without having entered the
	// kernel (Run.WaitRefusals).
	Refusals bool
}

// Tracer is the loaded and attached eBPF tracer. It records one workload.
type Tracer struct {
	objs      tracerObjects
	links     []link.Link
	rd        *ringbuf.Reader
	mu        sync.Mutex
	execs     []recording.Exec
	libs      []recording.Library
	libSeen   map[fileKey]bool
	interps   map[fileKey]bool // executables whose PT_INTERP was looked at
	files     *Files
	taken     bool
	readErr   error
	readDone  chan struct{}
	started   atomic.Bool
	closeOnce sync.Once
}

// New loads the eBPF programs and attaches them. On any failure it releases
// what it had taken before returning.
func New(cfg Config) (*Tracer, error) {
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return nil, fmt.Errorf("tracer: %w", ErrNoBTF)
	}
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; newer ones
	// charge the cgroup, and there RemoveMemlock does nothing. Failing to
	// raise it is not fatal: the load below reports what matters.
	_ = rlimit.RemoveMemlock()

	spec, err := loadTracer()
	if err != nil {
		return nil, fmt.Errorf("tracer: load spec: %w", err)
	}
	if cfg.MaxProcs > 0 {
		spec.Maps["procs"].MaxEntries = cfg.MaxProcs
	}
	if err := setPidNS(spec); err != nil {
		return nil, err
	}
	if cfg.FilteredOnly {
		if err := spec.Variables["filtered_only"].Set(uint32(1)); err != nil {
			return nil, fmt.Errorf("tracer: set filtered_only: %w", err)
		}
	}
	if cfg.Args {
		if err := spec.Variables["record_args"].Set(uint32(1)); err != nil {
			return nil, fmt.Errorf("tracer: set record_args: %w", err)
		}
		if err := setPins(spec); err != nil {
			return nil, err
		}
	}
	if err := prepareAttach(spec, cfg); err != nil {
		return nil, err
	}
	t := &Tracer{readDone: make(chan struct{}), files: newFiles(), libSeen: map[fileKey]bool{}, interps: map[fileKey]bool{}}
	if err := spec.LoadAndAssign(&t.objs, nil); err != nil {
		return nil, fmt.Errorf("tracer: %w", classify(err))
	}
	progs := []*ebpf.Program{t.objs.SchedProcessFork, t.objs.SchedProcessExec, t.objs.SchedProcessExit, t.objs.SysEnter}
	if cfg.Refusals {
		progs = t.refusalPrograms()
	}
	for _, p := range progs {
		l, err := link.AttachTracing(link.TracingOptions{Program: p, AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("tracer: attach %s: %w", p, classify(err))
		}
		t.links = append(t.links, l)
	}
	if err := t.attachCgroupProg(cfg); err != nil {
		t.Close()
		return nil, err
	}
	t.rd, err = ringbuf.NewReader(t.objs.Execs)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("tracer: exec events: %w", err)
	}
	go t.readExecs()
	return t, nil
}

// setPidNS tells the kernel side which pid namespace seccompgen's ids are
// in: the armed thread's id and the workload's pid are this namespace's,
// which inside a container or `unshare -p` are not the host's.
func setPidNS(spec *ebpf.CollectionSpec) error {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil {
		return fmt.Errorf("tracer: find seccompgen's pid namespace: %w", err)
	}
	// The kernel compares its own encoding of the nsfs device.
	dev := uint64(unix.Major(st.Dev))<<20 | uint64(unix.Minor(st.Dev))
	if err := spec.Variables["pidns_dev"].Set(dev); err != nil {
		return fmt.Errorf("tracer: set pidns_dev: %w", err)
	}
	if err := spec.Variables["pidns_ino"].Set(st.Ino); err != nil {
		return fmt.Errorf("tracer: set pidns_ino: %w", err)
	}
	return nil
}

// classify turns a load or attach failure into the sentinel that says what
// is missing. The library's own chain (which map, which field, a MEMLOCK
// hint that is wrong on kernels that account BPF memory by cgroup) helps
// nobody who lacks a privilege, so only the kernel's answer is kept.
func classify(err error) error {
	switch {
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("%w; run seccompgen with sudo (the kernel said: %v)", ErrNotPermitted, errno(err))
	case errors.Is(err, ebpf.ErrNotSupported), errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOENT):
		return fmt.Errorf("%w (%v)", ErrUnsupported, err)
	}
	return err
}

// errno returns the errno inside err, or err itself.
func errno(err error) error {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return err
}

// Files returns the executables and libraries of the recorded tree, opened
// as their processes saw them (see Files). The caller closes them; until
// Files is called, Close does.
func (t *Tracer) Files() *Files {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.taken = true
	return t.files
}

// Close detaches and unloads everything. It is idempotent.
func (t *Tracer) Close() error {
	t.closeOnce.Do(func() {
		defer func() {
			t.mu.Lock()
			if !t.taken {
				t.files.Close()
			}
			t.mu.Unlock()
		}()
		for _, l := range t.links {
			l.Close()
		}
		if t.rd != nil {
			t.rd.Close()
			<-t.readDone
		}
		t.objs.Close()
	})
	return nil
}

func (t *Tracer) readExecs() {
	defer close(t.readDone)
	var rec ringbuf.Record
	for {
		if err := t.rd.ReadInto(&rec); err != nil {
			if !errors.Is(err, ringbuf.ErrFlushed) && !errors.Is(err, ringbuf.ErrClosed) && !errors.Is(err, os.ErrClosed) {
				t.mu.Lock()
				t.readErr = err
				t.mu.Unlock()
			}
			return
		}
		e, ok := decodeEvent(rec.RawSample)
		if !ok {
			continue
		}
		if e.kind == eventAdmit {
			t.snapshot(e.pid) // a process entered the recorded cgroup
			continue
		}
		// Open the file at once, while its process most likely lives.
		t.files.add(e)
		switch e.kind {
		case eventExec:
			t.files.addRoot(e, true)
			x := recording.Exec{PID: e.pid, Path: e.path, Dev: e.dev, Inode: e.ino}
			if e.flags&execInterpreted != 0 {
				x.Script = e.name
			}
			if e.flags&pathTruncated != 0 {
				x.Path = e.name // the best name there is
			}
			t.mu.Lock()
			t.execs = append(t.execs, x)
			t.mu.Unlock()
			t.addInterp(e)
		case eventLib:
			t.addLib(recording.Library{PID: e.pid, Path: e.path, Dev: e.dev, Inode: e.ino})
		}
	}
}

func (t *Tracer) addLib(l recording.Library) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := fileKey{l.Dev, l.Inode}
	if t.libSeen[k] {
		return
	}
	t.libSeen[k] = true
	t.libs = append(t.libs, l)
}

// addInterp records the dynamic loader of an exec's file: the kernel maps
// it itself (PT_INTERP), not through mmap, so the tracer never sees it.
// Its path is resolved under the process's root while the process lives,
// else on the host.
func (t *Tracer) addInterp(e event) {
	k := fileKey{e.dev, e.ino}
	t.mu.Lock()
	done := t.interps[k]
	t.interps[k] = true
	t.mu.Unlock()
	if done {
		return // a shell loop runs the same program many times
	}
	f, _ := t.files.File(e.dev, e.ino)
	if f == nil {
		return
	}
	interp, ok := elfInterp(f)
	if !ok {
		return
	}
	var st unix.Stat_t
	for _, p := range []string{"/proc/" + strconv.Itoa(e.pid) + "/root" + interp, interp} {
		if unix.Stat(p, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		ev := event{kind: eventLib, pid: e.pid, dev: st.Dev, ino: st.Ino, fd: -1, path: interp}
		t.files.add(ev)
		t.addLib(recording.Library{PID: e.pid, Path: interp, Dev: st.Dev, Inode: st.Ino})
		return
	}
}

// elfInterp returns the PT_INTERP path of an ELF file.
func elfInterp(f *os.File) (string, bool) {
	ef, err := elf.NewFile(f)
	if err != nil {
		return "", false
	}
	for _, p := range ef.Progs {
		if p.Type != elf.PT_INTERP || p.Filesz == 0 || p.Filesz > 4096 {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			return "", false
		}
		s := strings.TrimRight(string(b), "\x00")
		return s, filepath.IsAbs(s)
	}
	return "", false
}

// Workload is the command to record: a resolved path, argv, and how to run it.
type Workload struct {
	Path       string
	Args       []string // argv, Args[0] included
	Env        []string
	Dir        string
	Files      []*os.File // stdin, stdout, stderr, ...
	Credential *syscall.Credential
	// SkipExecs is how many execs the child makes before it runs the
	// workload (a launcher that re-executes seccompgen to set the child up
	// first): neither they nor anything before them is recorded.
	SkipExecs uint32
}

// Run is a started workload.
type Run struct {
	t      *Tracer
	proc   *os.Process
	start  time.Time
	exited atomic.Bool
}

// Start starts w with the tracer already watching: from its first execve on,
// every syscall of every thread and descendant is counted; nothing seccompgen
// does in the child before that execve is. A Tracer starts one workload.
func (t *Tracer) Start(w Workload) (*Run, error) {
	if !t.started.CompareAndSwap(false, true) {
		return nil, errors.New("tracer: a tracer records one workload; make a new one")
	}
	// The kernel side tracks the first process forked by this thread. Pin
	// the goroutine so the fork comes from the thread named in spawners
	// (by its id in seccompgen's pid namespace, as is LastChild).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := uint32(unix.Gettid())
	if err := t.objs.Spawners.Put(tid, tracerSpawn{SkipExecs: w.SkipExecs}); err != nil {
		return nil, fmt.Errorf("tracer: arm: %w", err)
	}
	proc, err := os.StartProcess(w.Path, w.Args, &os.ProcAttr{
		Dir:   w.Dir,
		Env:   w.Env,
		Files: w.Files,
		Sys:   &syscall.SysProcAttr{Credential: w.Credential},
	})
	var sp tracerSpawn
	lerr := t.objs.Spawners.Lookup(tid, &sp)
	t.objs.Spawners.Delete(tid)
	if err != nil {
		return nil, err // the caller tells not-found from not-executable
	}
	if lerr != nil || sp.LastChild != uint32(proc.Pid) {
		// The fork happened on another thread: the tree is not tracked.
		proc.Kill()
		proc.Wait()
		return nil, fmt.Errorf("tracer: the workload (pid %d) was not forked by the armed thread (last child seen: %d); nothing was recorded", proc.Pid, sp.LastChild)
	}
	return &Run{t: t, proc: proc, start: time.Now()}, nil
}

// Pid is the workload's first process, in seccompgen's pid namespace.
func (r *Run) Pid() int { return r.proc.Pid }

// Signal sends sig to the workload's first process while it lives, and
// after that to every process of the tree still running. A target that is
// stopped is continued after sig, as shells do for stopped jobs: a stopped
// process never acts on sig, and Wait would wait for it forever.
func (r *Run) Signal(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return
	}
	// The first process "lives" while the kernel side tracks it: once it
	// has exited it is a zombie until Wait reaps it, and kill(2) on a
	// zombie succeeds but reaches nobody.
	tracked, all := r.t.procs()
	if !r.exited.Load() && slices.Contains(all, uint32(r.proc.Pid)) {
		if err := r.proc.Signal(sig); err == nil || !errors.Is(err, os.ErrProcessDone) {
			continueStopped(r.proc.Pid, s)
			return
		}
	}
	for _, pid := range tracked {
		if unix.Kill(int(pid), s) == nil {
			continueStopped(int(pid), s)
		}
	}
}

// continueStopped sends SIGCONT to pid after sig if pid is stopped by a
// signal (state T in /proc/PID/stat; a ptrace stop, t, is not SIGCONT's
// to end).
func continueStopped(pid int, sig syscall.Signal) {
	if sig == syscall.SIGKILL || sig == syscall.SIGCONT {
		return
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return
	}
	// The state follows the command name, which may contain ") ".
	for i := len(data) - 1; i > 0; i-- {
		if data[i] == ')' {
			if i+2 < len(data) && data[i+2] == 'T' {
				unix.Kill(pid, syscall.SIGCONT)
			}
			return
		}
	}
}

// procs returns the tree's ACTIVE processes and every process it tracks in
// any state (a workload not yet exec'd is PENDING), by their ids in
// seccompgen's pid namespace.
func (t *Tracer) procs() (active, all []uint32) {
	var k uint32
	var v tracerProc
	it := t.objs.Procs.Iterate()
	for it.Next(&k, &v) { // k is the host's id
		all = append(all, v.Nspid)
		if v.State == stateActive {
			active = append(active, v.Nspid)
		}
	}
	return active, all
}

// Wait waits until the first process and every descendant have exited,
// then returns the recording.
func (r *Run) Wait() (*recording.Recording, error) {
	st, err := r.proc.Wait()
	r.exited.Store(true)
	if err != nil {
		return nil, fmt.Errorf("tracer: wait: %w", err)
	}
	rec := &recording.Recording{}
	ws := st.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		rec.Exit.Signal = int(ws.Signal())
	} else {
		rec.Exit.Code = ws.ExitStatus()
	}
	// Descendants can outlive the first process (orphans reparent to
	// init): the tree is done when the kernel side tracks no process.
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		var k uint32
		var v tracerProc
		if !r.t.objs.Procs.Iterate().Next(&k, &v) {
			break
		}
		time.Sleep(delay)
	}
	return r.t.collect(rec)
}

func (t *Tracer) collect(rec *recording.Recording) (*recording.Recording, error) {
	// Every exec event is in the ring by now; let the reader drain it.
	if err := t.rd.Flush(); err != nil {
		return nil, fmt.Errorf("tracer: flush exec events: %w", err)
	}
	<-t.readDone
	t.mu.Lock()
	rec.Execs, t.execs = t.execs, nil
	rec.Libraries, t.libs = t.libs, nil
	err := t.readErr
	t.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("tracer: read exec events: %w", err)
	}

	// One batch read of every slot on every CPU: a lookup per slot is
	// thousands of bpf() calls, a tenth of record's start-up to end time.
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return nil, fmt.Errorf("tracer: read stats: %w", err)
	}
	keys := make([]uint32, len(recording.ABIs)*maxNr)
	vals := make([]tracerStat, len(keys)*ncpu)
	var cursor ebpf.MapBatchCursor
	n, err := t.objs.Stats.BatchLookup(&cursor, keys, vals, nil)
	if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return nil, fmt.Errorf("tracer: read stats: %w", err)
	}
	if n != len(keys) {
		return nil, fmt.Errorf("tracer: read stats: got %d of %d slots", n, len(keys))
	}
	for k, key := range keys {
		abi, nr := recording.ABIs[int(key)/maxNr], int(key)%maxNr
		s, first := recording.Syscall{ABI: abi, Nr: nr}, uint64(0)
		for _, c := range vals[k*ncpu : (k+1)*ncpu] {
			if c.Count == 0 {
				continue
			}
			s.Count += c.Count
			if first == 0 || c.FirstNs < first {
				first = c.FirstNs
				s.FirstPID = int(c.FirstPid)
				s.FirstComm = cString(c.FirstComm[:])
			}
		}
		if s.Count > 0 {
			s.Name = recording.Name(abi, nr)
			rec.Syscalls = append(rec.Syscalls, s)
		}
	}

	var lost []uint64
	sum := func(i uint32) (uint64, error) {
		if err := t.objs.Losses.Lookup(i, &lost); err != nil {
			return 0, fmt.Errorf("tracer: read losses: %w", err)
		}
		var n uint64
		for _, v := range lost {
			n += v
		}
		return n, nil
	}
	var errs []error
	var e error
	rec.Losses.ProcsDropped, e = sum(lossProcsFull)
	errs = append(errs, e)
	rec.Losses.NrOutOfRange, e = sum(lossNrRange)
	errs = append(errs, e)
	rec.Losses.ExecEventsLost, e = sum(lossExecs)
	errs = append(errs, e)
	rec.Losses.ArgsDropped, e = sum(lossArgsFull)
	errs = append(errs, e)
	rec.Losses.LibsDropped, e = sum(lossLibsFull)
	errs = append(errs, e)
	rec.Losses.LibEventsLost, e = sum(lossLibEvents)
	errs = append(errs, e)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := t.readArgs(rec); err != nil {
		return nil, err
	}
	// The kernel skips a program that is already running on the same CPU;
	// such a skip is a syscall not counted. (The counter covers the whole
	// host, so it can only overstate what this tree lost.)
	for _, p := range []*ebpf.Program{t.objs.SysEnter, t.objs.SchedProcessFork, t.objs.SchedProcessExec, t.objs.SchedProcessExit} {
		if st, err := p.Stats(); err == nil {
			rec.Losses.RecursionMisses += st.RecursionMisses
		}
	}
	rec.Sort()
	return rec, nil
}

func cString(b []int8) string {
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(b[i])
	}
	return string(out)
}
