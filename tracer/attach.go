//go:build linux

package tracer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccompgen/seccompgen/recording"
)

// Attaching: recording processes seccompgen did not start (record --pid,
// record --cgroup). The kernel side is the "Attach" block of
// bpf/tracer.bpf.c.

// ErrNoProcess: the pid to attach to does not exist or has exited.
var ErrNoProcess = errors.New("no such process")

const (
	statePending = uint32(tracerStateSTATE_PENDING)
	eventAdmit   = uint32(tracerEventKindEVENT_ADMIT)
	attachAdmit  = uint32(tracerAttachOpATTACH_ADMIT)
	attachForget = uint32(tracerAttachOpATTACH_FORGET)
	admitted     = uint32(tracerAdmitResultADMITTED)
	admitTracked = uint32(tracerAdmitResultADMIT_TRACKED)
	admitFull    = uint32(tracerAdmitResultADMIT_FULL)

	// initPidNSIno is the inode of the kernel's initial pid namespace
	// (PROC_PID_INIT_INO), the same on every kernel.
	initPidNSIno = 0xEFFFFFFC
	// cgroup2Magic is CGROUP2_SUPER_MAGIC, cgroup1Magic CGROUP_SUPER_MAGIC.
	cgroup2Magic = 0x63677270
	cgroup1Magic = 0x27e0eb
)

// Target is what Attach records.
type Target struct {
	// PID is a running process: it, all its threads and every process it
	// starts from now on. Its id is the host's (seccompgen must run in the
	// host's pid namespace).
	PID int
	// FromExec counts nothing of PID until its next execve, that execve
	// included: the cut for a container runtime's init process, which
	// execs the container's entrypoint.
	FromExec bool
	// Cgroup is a cgroup v2 directory: every process in its subtree, those
	// that enter it later included. It must be the Config.Cgroup the
	// tracer was made with.
	Cgroup string
}

// CgroupID returns the id of the cgroup v2 directory at path (its inode,
// which the kernel's cgroup id is), or an error that says why path is not
// one.
func CgroupID(path string) (uint64, error) {
	var sfs unix.Statfs_t
	if err := unix.Statfs(path, &sfs); err != nil {
		return 0, fmt.Errorf("cgroup %s: %w", path, err)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("cgroup %s: %w", path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return 0, fmt.Errorf("cgroup %s: not a directory (give the cgroup's directory, not a file in it)", path)
	}
	switch sfs.Type {
	case cgroup2Magic:
		return st.Ino, nil
	case cgroup1Magic:
		return 0, fmt.Errorf("cgroup %s is in a cgroup v1 hierarchy; --cgroup records a cgroup v2 subtree: give the process's directory under the cgroup2 mount%s", path, cgroup2Hint())
	}
	return 0, fmt.Errorf("cgroup %s: not on a cgroup2 file system (type %#x); give a directory under the cgroup2 mount%s", path, sfs.Type, cgroup2Hint())
}

// cgroup2Hint names where cgroup2 is mounted, for an error message.
func cgroup2Hint() string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ... mount-point ... - fstype source options
		l := sc.Text()
		i := strings.Index(l, " - ")
		if i < 0 || !strings.HasPrefix(l[i+3:], "cgroup2 ") {
			continue
		}
		if fields := strings.Fields(l[:i]); len(fields) >= 5 {
			return " (cgroup2 is mounted at " + fields[4] + ")"
		}
	}
	return " (no cgroup2 hierarchy is mounted here)"
}

// prepareAttach sets the kernel side up for cfg before the load: the
// cgroup to record, and, when the tracer will not attach, a stand-in for
// attach_proc, whose program type (BPF_PROG_TYPE_SYSCALL, Linux 5.14) an
// older kernel would refuse, failing every recording with it.
func prepareAttach(spec *ebpf.CollectionSpec, cfg Config) error {
	if !cfg.Attach {
		if cfg.Cgroup != "" {
			return errors.New("tracer: Config.Cgroup needs Config.Attach")
		}
		ps := spec.Programs["attach_proc"]
		ps.Type, ps.AttachType, ps.SectionName, ps.Flags = ebpf.SocketFilter, ebpf.AttachNone, "socket", 0
		ps.Instructions = asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}
		return nil
	}
	if err := hostPidNS(); err != nil {
		return err
	}
	if cfg.Cgroup == "" {
		return nil
	}
	id, err := CgroupID(cfg.Cgroup)
	if err != nil {
		return fmt.Errorf("tracer: %w", err)
	}
	if err := spec.Variables["cgroup_id"].Set(id); err != nil {
		return fmt.Errorf("tracer: set cgroup_id: %w", err)
	}
	return nil
}

// hostPidNS checks that seccompgen runs in the host's pid namespace: the
// kernel side keys processes by their host ids, and an attached process's
// id is known only as the pid given.
func hostPidNS() error {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/pid", &st); err != nil {
		return fmt.Errorf("tracer: find seccompgen's pid namespace: %w", err)
	}
	if st.Ino != initPidNSIno {
		return errors.New("tracer: attaching to running processes needs seccompgen in the host's pid namespace (it runs in a container or under unshare -p); run it on the host")
	}
	return nil
}

// attachCgroupProg attaches the program that admits processes entering
// the recorded cgroup.
func (t *Tracer) attachCgroupProg(cfg Config) error {
	if cfg.Cgroup == "" {
		return nil
	}
	l, err := link.AttachTracing(link.TracingOptions{Program: t.objs.CgroupAttachTask, AttachType: ebpf.AttachTraceRawTp})
	if err != nil {
		return fmt.Errorf("tracer: attach cgroup_attach_task: %w", classify(err))
	}
	t.links = append(t.links, l)
	return nil
}

// Attached is a recording of processes seccompgen did not start.
type Attached struct {
	t      *Tracer
	target Target
	// With a cgroup: an inotify descriptor on its cgroup.events, which
	// the kernel modifies when the subtree becomes populated or empty,
	// and whether it has been populated since the attach.
	events    int
	populated bool
}

// Attach starts recording target. The tracer must have been made with
// Config.Attach (and Config.Cgroup for a cgroup). A Tracer records one
// target.
func (t *Tracer) Attach(target Target) (*Attached, error) {
	if !t.started.CompareAndSwap(false, true) {
		return nil, errors.New("tracer: a tracer records one workload; make a new one")
	}
	if t.objs.AttachProc.Type() != ebpf.Syscall {
		return nil, errors.New("tracer: made without Config.Attach; it cannot attach")
	}
	a := &Attached{t: t, target: target, events: -1}
	var loaded uint64
	if err := t.objs.CgroupId.Get(&loaded); err != nil {
		return nil, fmt.Errorf("tracer: read cgroup_id: %w", err)
	}
	if want, _ := CgroupID(target.Cgroup); target.Cgroup != "" && (loaded == 0 || loaded != want) {
		return nil, fmt.Errorf("tracer: made for another cgroup than %s (Config.Cgroup)", target.Cgroup)
	}
	if target.Cgroup != "" {
		// Watch before admitting: a process that enters and leaves
		// between two looks still counts as having populated it.
		fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
		if err == nil {
			if _, err := unix.InotifyAddWatch(fd, filepath.Join(target.Cgroup, "cgroup.events"), unix.IN_MODIFY); err != nil {
				unix.Close(fd)
				fd = -1
			}
			a.events = fd
		}
		return a, t.attachCgroup(target.Cgroup)
	}
	return a, t.attachPID(target.PID, target.FromExec)
}

// procStat is what /proc/PID/stat says of a process: its state letter,
// its thread group and its start time (which tells a reused pid apart).
type procStat struct {
	state byte
	start uint64
}

func readProcStat(pid int) (procStat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// The fields follow the command name, which may contain ") ".
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("/proc/%d/stat: starttime: %w", pid, err)
	}
	return procStat{state: f[0][0], start: start}, nil
}

// tgidOf returns the process of a thread id (/proc/PID/status Tgid).
func tgidOf(pid int) (int, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "Tgid:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no Tgid", pid)
}

// live reports whether pid is the process that started at start and has
// not exited (a zombie has).
func live(pid int, start uint64) bool {
	st, err := readProcStat(pid)
	return err == nil && st.start == start && st.state != 'Z' && st.state != 'X'
}

func (t *Tracer) attachPID(pid int, fromExec bool) error {
	if pid <= 0 {
		return fmt.Errorf("pid %d: %w (want a process id above 0)", pid, ErrNoProcess)
	}
	tgid, err := tgidOf(pid)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pid %d: %w (it is not running, or it is not in seccompgen's pid namespace)", pid, ErrNoProcess)
	}
	if err != nil {
		return fmt.Errorf("tracer: %w", err)
	}
	if tgid != pid {
		return fmt.Errorf("pid %d is a thread of process %d: give the process's id (its threads are all recorded)", pid, tgid)
	}
	st, err := readProcStat(pid)
	if err != nil || st.state == 'Z' || st.state == 'X' {
		return fmt.Errorf("pid %d: %w: it has exited (it is a zombie, not yet reaped); nothing was recorded", pid, ErrNoProcess)
	}
	if pid == os.Getpid() {
		return errors.New("pid is seccompgen's own: give the process to record")
	}
	state := stateActive
	if fromExec {
		state = statePending
	}
	if err := t.admit(pid, state); err != nil {
		return err
	}
	if !fromExec {
		// Inference needs the files the process already runs: the tracer
		// saw neither its exec nor its libraries' mappings.
		t.snapshot(pid)
	}
	if !live(pid, st.start) {
		t.forget(pid)
		return fmt.Errorf("pid %d: %w: it exited while seccompgen attached to it; nothing was recorded", pid, ErrNoProcess)
	}
	return nil
}

// admit asks the kernel side to track tgid in state.
func (t *Tracer) admit(tgid int, state uint32) error {
	ret, err := t.objs.AttachProc.Run(&ebpf.RunOptions{Context: tracerAttachReq{Op: attachAdmit, Tgid: uint32(tgid), State: state}})
	if err != nil {
		return fmt.Errorf("tracer: attach to pid %d: %w", tgid, classify(err))
	}
	switch ret {
	case admitted, admitTracked:
		return nil
	case admitFull:
		return fmt.Errorf("tracer: attach to pid %d: the map of tracked processes is full (raise --max-procs)", tgid)
	}
	return fmt.Errorf("tracer: attach to pid %d: unexpected answer %d", tgid, ret)
}

func (t *Tracer) forget(tgid int) {
	t.objs.AttachProc.Run(&ebpf.RunOptions{Context: tracerAttachReq{Op: attachForget, Tgid: uint32(tgid)}})
}

// attachCgroup admits every process already in the subtree at dir. The
// kernel side admits those that enter it from now on (it is attached
// already), so none falls between the two.
func (t *Tracer) attachCgroup(dir string) error {
	var errs []error
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != dir {
				return nil // removed meanwhile
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(filepath.Join(p, "cgroup.procs"))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != dir {
				return nil
			}
			return err
		}
		for _, f := range strings.Fields(string(data)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			st, err := readProcStat(pid)
			if err != nil || st.state == 'Z' {
				continue // gone
			}
			if err := t.admit(pid, stateActive); err != nil {
				errs = append(errs, err)
				continue
			}
			t.snapshot(pid)
			if !live(pid, st.start) {
				t.forget(pid) // exited meanwhile: its entry would stay
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tracer: read cgroup %s: %w", dir, err)
	}
	return errors.Join(errs...)
}

// snapshot records the executable and the libraries a process that runs
// already has mapped (/proc/PID/exe, /proc/PID/maps), as the tracer would
// have at its exec and its mmaps, and opens each through the process
// (/proc/PID/exe, /proc/PID/map_files) while it lives.
func (t *Tracer) snapshot(pid int) {
	proc := "/proc/" + strconv.Itoa(pid)
	var st unix.Stat_t
	if unix.Stat(proc+"/exe", &st) != nil {
		return // a kernel thread, or gone
	}
	exePath, _ := os.Readlink(proc + "/exe")
	exe := event{kind: eventExec, pid: pid, dev: st.Dev, ino: st.Ino, fd: -1, path: exePath}
	t.files.add(exe)
	t.files.addRoot(exe, false) // exePath is not the process's view: nothing to verify with
	t.mu.Lock()
	t.execs = append(t.execs, recording.Exec{PID: pid, Path: exePath, Dev: st.Dev, Inode: st.Ino})
	t.mu.Unlock()
	for _, m := range readMaps(pid) {
		if m.dev == st.Dev && m.ino == st.Ino {
			continue
		}
		e := event{kind: eventLib, pid: pid, dev: m.dev, ino: m.ino, fd: -1, path: m.path}
		t.files.addFrom(e, proc+"/map_files/"+m.addr)
		t.addLib(recording.Library{PID: pid, Path: m.path, Dev: m.dev, Inode: m.ino})
	}
}

// mapping is one file mapped executable, from /proc/PID/maps.
type mapping struct {
	addr     string // start-end, the name in /proc/PID/map_files
	dev, ino uint64
	path     string
}

// readMaps returns the files pid has mapped executable, each once.
func readMaps(pid int) []mapping {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return nil
	}
	return parseMaps(string(data))
}

// parseMaps parses /proc/PID/maps: "start-end perms offset major:minor
// inode path", the path last and possibly with spaces.
func parseMaps(data string) []mapping {
	var out []mapping
	seen := map[fileKey]bool{}
	for _, l := range strings.Split(data, "\n") {
		f := strings.SplitN(l, " ", 6)
		if len(f) < 6 || len(f[1]) < 3 || f[1][2] != 'x' {
			continue
		}
		// A file replaced since it was mapped (a package upgrade) is
		// still reached through map_files.
		path := strings.TrimSuffix(strings.TrimLeft(f[5], " "), " (deleted)")
		if !strings.HasPrefix(path, "/") {
			continue
		}
		ino, err := strconv.ParseUint(f[4], 10, 64)
		maj, min, ok := strings.Cut(f[3], ":")
		if err != nil || ino == 0 || !ok {
			continue
		}
		ma, err1 := strconv.ParseUint(maj, 16, 32)
		mi, err2 := strconv.ParseUint(min, 16, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		m := mapping{addr: f[0], dev: unix.Mkdev(uint32(ma), uint32(mi)), ino: ino, path: path}
		if k := (fileKey{m.dev, m.ino}); !seen[k] {
			seen[k] = true
			out = append(out, m)
		}
	}
	return out
}

// Wait waits until the recorded processes are gone (with a cgroup: until
// the subtree is empty, after it has had a process: one empty at the
// attach is waited for) or ctx is done, then returns the recording.
func (a *Attached) Wait(ctx context.Context) (*recording.Recording, error) {
	ended := recording.EndedExit
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		if a.done() {
			break
		}
		select {
		case <-ctx.Done():
			ended = recording.EndedStopped
			if errors.Is(context.Cause(ctx), ErrDuration) {
				ended = recording.EndedDuration
			}
		case <-time.After(delay):
			continue
		}
		break
	}
	if a.events >= 0 {
		unix.Close(a.events)
		a.events = -1
	}
	rec := &recording.Recording{Attach: &recording.Attach{
		PID: a.target.PID, FromExec: a.target.FromExec, Cgroup: a.target.Cgroup, Ended: ended,
	}}
	return a.t.collect(rec)
}

// ErrDuration is the cause to cancel Wait's context with when the time
// given for the recording is up.
var ErrDuration = errors.New("the recording's duration is up")

// done reports whether nothing is left to record: no process tracked, and
// with a cgroup, none in its subtree (one that has not been admitted yet
// is on its way).
func (a *Attached) done() bool {
	var k uint32
	var v tracerProc
	tracked := a.t.objs.Procs.Iterate().Next(&k, &v)
	if a.target.Cgroup == "" {
		return !tracked
	}
	if tracked {
		a.populated = true
		return false
	}
	if a.events >= 0 {
		var buf [4096]byte
		if n, _ := unix.Read(a.events, buf[:]); n > 0 {
			a.populated = true
		}
	}
	data, err := os.ReadFile(filepath.Join(a.target.Cgroup, "cgroup.events"))
	if err != nil {
		return true // the cgroup was removed
	}
	if !bytes.Contains(data, []byte("populated 0")) {
		a.populated = true
		return false
	}
	// Empty from the start: wait for what enters it.
	return a.populated
}

// rootKey is one exec: a process and the file it ran.
type rootKey struct {
	pid      int
	dev, ino uint64
}

// addRoot keeps the root directory of e's process open when it is not
// seccompgen's own (a chroot, a container): the libraries its executable
// needs are looked up there (Root), not on the host. For an exec event
// the root must still be the one the exec's path was taken from (the file
// is at that path under it): a process can chroot after the exec, before
// seccompgen looks (chroot(1) does).
func (f *Files) addRoot(e event, verify bool) {
	var st, own unix.Stat_t
	p := "/proc/" + strconv.Itoa(e.pid) + "/root"
	if unix.Stat(p, &st) != nil || unix.Stat("/", &own) != nil || (st.Dev == own.Dev && st.Ino == own.Ino) {
		return
	}
	fd, err := unix.Open(p, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	root := os.NewFile(uintptr(fd), p)
	if verify {
		var fst unix.Stat_t
		at := "/proc/self/fd/" + strconv.Itoa(fd) + e.path
		if !filepath.IsAbs(e.path) || unix.Stat(at, &fst) != nil || fst.Dev != e.dev || fst.Ino != e.ino {
			root.Close()
			return
		}
	}
	k := rootKey{e.pid, e.dev, e.ino}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.roots == nil {
		f.roots = map[rootKey]*os.File{}
	}
	if old := f.roots[k]; old != nil {
		old.Close()
	}
	f.roots[k] = root
}

// Root returns a path to the root directory pid had when it ran the
// executable with this device and inode, when that was not seccompgen's
// own ("" otherwise, or when seccompgen could not tell). The path is
// valid until Close.
func (f *Files) Root(pid int, dev, ino uint64) string {
	if f == nil {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.roots[rootKey{pid, dev, ino}]; r != nil {
		return "/proc/self/fd/" + strconv.Itoa(int(r.Fd()))
	}
	return ""
}

// addFrom opens the file of e at first (a path that reaches it through
// its process, such as /proc/PID/map_files/...), else as add does.
func (f *Files) addFrom(e event, first string) {
	k := fileKey{e.dev, e.ino}
	f.mu.Lock()
	_, have := f.open[k]
	full := len(f.open) >= maxOpenFiles
	f.mu.Unlock()
	if !have && !full {
		if file, err := openVerified(first, e.path, e.dev, e.ino); err == nil {
			f.mu.Lock()
			if f.open[k] == nil {
				f.open[k] = file
				delete(f.errs, k)
			} else {
				file.Close()
			}
			f.mu.Unlock()
			return
		}
	}
	f.add(e)
}
