package recording

import (
	"encoding/json"
	"slices"
	"sort"
)

// Recording is everything one traced run produced.
type Recording struct {
	// Syscalls has one entry per (ABI, number) the workload used, sorted by
	// ABI in the order of ABIs, then by number.
	Syscalls []Syscall `json:"syscalls"`
	// Args has the values of the arguments in PinnedArgs, recorded only
	// when asked (tracer.Config.Args), sorted by ABI, number,
	// index and value.
	Args []ArgValue `json:"args,omitempty"`
	// ArgOverflows lists the arguments whose values the tracer could not
	// all keep.
	ArgOverflows []ArgOverflow `json:"arg_overflows,omitempty"`
	// Execs lists the executables the tree ran, in order.
	Execs []Exec `json:"execs,omitempty"`
	// Libraries lists the files the tree mapped executable (shared
	// libraries, dlopen'ed ones included, and each executable's dynamic
	// loader), each once, sorted by path.
	Libraries []Library `json:"libraries,omitempty"`
	// Losses counts everything the tracer could not account for. All zero
	// means the recording is complete.
	Losses Losses `json:"losses"`
	// Exit is how the workload's first process ended.
	Exit Exit `json:"exit"`
	// Attach is set when the tracer joined processes that already ran
	// (record --pid, --cgroup) instead of starting the workload: what
	// they did before is missing. nil when the recording saw the start.
	Attach *Attach `json:"attach,omitempty"`
}

// Attach says what a recording joined, and how it ended.
type Attach struct {
	// PID is the process attached to (record --pid).
	PID int `json:"pid,omitempty"`
	// FromExec: nothing was counted before PID's next execve.
	FromExec bool `json:"from_exec,omitempty"`
	// Cgroup is the cgroup v2 directory whose subtree was recorded.
	Cgroup string `json:"cgroup,omitempty"`
	// Ended is why the recording stopped: EndedExit, EndedDuration or
	// EndedStopped.
	Ended string `json:"ended"`
}

// Why an attached recording ended.
const (
	EndedExit     = "exit"        // every recorded process exited (the cgroup emptied)
	EndedDuration = "duration"    // the time given for it was up
	EndedStopped  = "interrupted" // seccompgen was told to stop (SIGINT, SIGTERM)
)

// StartedLate reports whether the recording may miss the workload's
// start-up: it joined a running process, and not at an exec.
func (a *Attach) StartedLate() bool {
	return a != nil && !a.FromExec
}

// Syscall is one syscall number of one ABI as the workload used it.
type Syscall struct {
	ABI       ABI    `json:"abi"`
	Nr        int    `json:"nr"`
	Name      string `json:"name"`
	Count     uint64 `json:"count"`
	FirstPID  int    `json:"first_pid"`
	FirstComm string `json:"first_comm"`
}

// ArgValue is one value one argument of one syscall had, and how often.
// For an argument pinned under a mask (PinnedArg.Mask) Value is already
// masked.
type ArgValue struct {
	ABI   ABI    `json:"abi"`
	Nr    int    `json:"nr"`
	Name  string `json:"name"`
	Index int    `json:"index"`
	Value uint64 `json:"value"`
	Count uint64 `json:"count"`
}

// PinnedArg is a syscall argument the tracer records when asked, and a
// profile can then pin to the values seen.
type PinnedArg struct {
	ABI   ABI
	Name  string
	Nr    int
	Index int
	// Mask, when not 0, is the only bits recorded and pinned
	// (SCMP_CMP_MASKED_EQ); 0 pins the whole value (SCMP_CMP_EQ).
	Mask uint64
	// Group is what --args calls it (PinGroups).
	Group string
	// Int says the kernel reads only the argument's low 32 bits (an int
	// or unsigned int): values folded into one comparison may ignore the
	// high ones, which keeps the profile's numbers below 2^32, exact in
	// every JSON tool.
	Int bool
}

// CloneNamespaceFlags are clone's flags that create namespaces
// (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET,
// NEWTIME): the only bits of clone's flags worth pinning, and of
// unshare's flags and setns's nstype.
const CloneNamespaceFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 |
	0x10000000 | 0x20000000 | 0x40000000 | 0x00000080

// SocketTypeMask is SOCK_TYPE_MASK: socket's type without SOCK_NONBLOCK
// and SOCK_CLOEXEC, the bits that say stream, datagram, raw, packet.
const SocketTypeMask = 0xf

// ProtExec is PROT_EXEC, the only bit of mmap's and mprotect's
// protection pinned: memory made executable.
const ProtExec = 0x4

// The groups of PinnedArgs, as --args names them.
const (
	PinSocket      = "socket"      // socket's domain and type, socketpair's domain, i386 socketcall's call
	PinClone       = "clone"       // clone's namespace flags
	PinNamespaces  = "namespaces"  // unshare's namespace flags, setns's nstype
	PinPersonality = "personality" // personality's persona
	PinIoctl       = "ioctl"       // ioctl's request
	PinPrctl       = "prctl"       // prctl's option
	PinExecMemory  = "exec-memory" // PROT_EXEC of mprotect, pkey_mprotect: memory made executable
	// PinExecMmap: PROT_EXEC of mmap and mmap2, memory mapped executable.
	// The dynamic loader of every dynamically linked program does that,
	// so it binds only a tree that never ran one, and breaks it when it
	// later execs one (the filter is inherited).
	PinExecMmap = "exec-mmap"
)

// PinGroups lists the groups in the order help and docs list them.
var PinGroups = []string{PinSocket, PinClone, PinNamespaces, PinPersonality, PinIoctl, PinPrctl, PinExecMemory, PinExecMmap}

// PinnedArgs are the arguments recorded with tracer.Config.Args. The
// tracer's tables are built from this list (tracer.pinTables), so it is
// the one definition. Each is a plain value a seccomp filter can compare
// (clone3's flags and socketcall's arguments are behind pointers, which a
// filter cannot read). The x32 ABI's are not recorded: a name an x32 call
// used stays unconditional.
var PinnedArgs = pinnedArgs()

func pinnedArgs() []PinnedArg {
	type p struct {
		name  string
		index int
		mask  uint64
		group string
	}
	// Every argument pinned whole is an int or unsigned int in the kernel.
	both := []p{
		{"socket", 0, 0, PinSocket},              // domain
		{"socket", 1, SocketTypeMask, PinSocket}, // type
		{"socketpair", 0, 0, PinSocket},          // domain
		{"clone", 0, CloneNamespaceFlags, PinClone},
		{"unshare", 0, CloneNamespaceFlags, PinNamespaces},
		{"setns", 1, CloneNamespaceFlags, PinNamespaces},
		{"personality", 0, 0, PinPersonality},
		{"ioctl", 1, 0, PinIoctl},
		{"prctl", 0, 0, PinPrctl},
		{"mprotect", 2, ProtExec, PinExecMemory},
		{"pkey_mprotect", 2, ProtExec, PinExecMemory},
	}
	perABI := map[ABI][]p{
		X86_64: {{"mmap", 2, ProtExec, PinExecMmap}},
		// i386's mmap takes a pointer to its arguments; mmap2 does not.
		I386: {{"mmap2", 2, ProtExec, PinExecMmap}, {"socketcall", 0, 0, PinSocket}},
	}
	var out []PinnedArg
	for _, abi := range []ABI{X86_64, I386} {
		for _, x := range append(slices.Clone(both), perABI[abi]...) {
			nr, ok := Number(abi, x.name)
			if !ok {
				panic("recording: no " + string(abi) + " syscall " + x.name)
			}
			out = append(out, PinnedArg{ABI: abi, Name: x.name, Nr: nr, Index: x.index, Mask: x.mask, Group: x.group, Int: x.mask == 0})
		}
	}
	return out
}

// ArgOverflow is an argument of one syscall that took more distinct
// values than the tracer keeps (tracer's ARG_VALUES_MAX): its recorded
// values are incomplete, and it cannot be pinned.
type ArgOverflow struct {
	ABI   ABI    `json:"abi"`
	Nr    int    `json:"nr"`
	Name  string `json:"name"`
	Index int    `json:"index"`
	// Kept is how many distinct values were recorded, Dropped how many
	// calls had a value that was not.
	Kept    int    `json:"kept"`
	Dropped uint64 `json:"dropped"`
}

// Exec is one successful execve in the tree.
type Exec struct {
	PID int `json:"pid"`
	// Path is the file the kernel executed, as the process saw it (from
	// its root: in a chroot or container, inside it); for a script, its
	// interpreter. Recordings made before seccompgen knew this have the
	// name execve was given.
	Path  string `json:"path"`
	Dev   uint64 `json:"dev"`
	Inode uint64 `json:"inode"`
	// Script is the name execve was given when that was a script (or
	// another file run through an interpreter) and Path its interpreter.
	Script string `json:"script,omitempty"`
}

// Library is a file a process of the tree first mapped executable: a
// shared library, or an executable's dynamic loader.
type Library struct {
	PID   int    `json:"pid"`
	Path  string `json:"path"` // as the process saw it, from its root
	Dev   uint64 `json:"dev"`
	Inode uint64 `json:"inode"`
}

// Losses are the tracer's overflow and loss counters.
type Losses struct {
	// ProcsDropped counts processes of the tree that could not be tracked
	// because the map of tracked processes was full: their syscalls are
	// missing.
	ProcsDropped uint64 `json:"procs_dropped"`
	// NrOutOfRange counts syscalls whose number was beyond the tracer's
	// table (a bogus number, or a kernel with far more syscalls).
	NrOutOfRange uint64 `json:"nr_out_of_range"`
	// ExecEventsLost counts exec events the ring buffer had no room for.
	ExecEventsLost uint64 `json:"exec_events_lost"`
	// RecursionMisses counts times the kernel skipped the tracer's programs
	// because one was already running on that CPU.
	RecursionMisses uint64 `json:"recursion_misses"`
	// ArgsDropped counts argument values not recorded because the map of
	// values was full: the recorded sets are then incomplete.
	ArgsDropped uint64 `json:"args_dropped,omitempty"`
	// LibsDropped counts libraries not recorded because the tracer's map
	// of libraries seen was full; LibEventsLost those the ring buffer had
	// no room for. Either means Libraries is incomplete.
	LibsDropped   uint64 `json:"libs_dropped,omitempty"`
	LibEventsLost uint64 `json:"lib_events_lost,omitempty"`
}

// Any reports whether anything at all was lost.
func (l Losses) Any() bool {
	return l != Losses{}
}

// Exit is a process's end: a code, or the signal that killed it.
type Exit struct {
	Code   int `json:"code"`
	Signal int `json:"signal,omitempty"`
}

// Status is the shell-style exit status: the code, or 128+N for signal N.
func (e Exit) Status() int {
	if e.Signal != 0 {
		return 128 + e.Signal
	}
	return e.Code
}

// Sort puts Syscalls in their canonical order.
func (r *Recording) Sort() {
	rank := map[ABI]int{}
	for i, a := range ABIs {
		rank[a] = i
	}
	sort.Slice(r.Syscalls, func(i, j int) bool {
		a, b := r.Syscalls[i], r.Syscalls[j]
		if a.ABI != b.ABI {
			return rank[a.ABI] < rank[b.ABI]
		}
		return a.Nr < b.Nr
	})
	sort.Slice(r.Args, func(i, j int) bool {
		a, b := r.Args[i], r.Args[j]
		switch {
		case a.ABI != b.ABI:
			return rank[a.ABI] < rank[b.ABI]
		case a.Nr != b.Nr:
			return a.Nr < b.Nr
		case a.Index != b.Index:
			return a.Index < b.Index
		}
		return a.Value < b.Value
	})
	sort.Slice(r.Libraries, func(i, j int) bool {
		a, b := r.Libraries[i], r.Libraries[j]
		switch {
		case a.Path != b.Path:
			return a.Path < b.Path
		case a.Dev != b.Dev:
			return a.Dev < b.Dev
		case a.Inode != b.Inode:
			return a.Inode < b.Inode
		}
		return a.PID < b.PID
	})
}

// UsedABIs returns the ABIs the recording has syscalls of, in ABIs order.
func (r *Recording) UsedABIs() []ABI {
	seen := map[ABI]bool{}
	for _, s := range r.Syscalls {
		seen[s.ABI] = true
	}
	var out []ABI
	for _, a := range ABIs {
		if seen[a] {
			out = append(out, a)
		}
	}
	return out
}

// Marshal returns the recording as indented JSON with a trailing newline.
func (r *Recording) Marshal() []byte {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err) // only plain values: cannot fail
	}
	return append(data, '\n')
}
