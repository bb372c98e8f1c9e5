package recording

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Recording is everything one traced run produced.
type Recording struct {
	// Syscalls has one entry per (ABI, number) the workload used, sorted by
	// ABI in the order of ABIs, then by number.
	Syscalls []Syscall `json:"syscalls"`
	// Execs lists the executables the tree ran, in order.
	Execs []Exec `json:"execs,omitempty"`
	// Losses counts everything the tracer could not account for. All zero
	// means the recording is complete.
	Losses Losses `json:"losses"`
	// Exit is how the workload's first process ended.
	Exit Exit `json:"exit"`
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

// Exec is one successful execve in the tree.
type Exec struct {
	PID   int    `json:"pid"`
	Path  string `json:"path"`
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

// Load reads a recording saved with Save.
func Load(path string) (*Recording, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Recording
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, s := range r.Syscalls {
		if _, ok := tables[s.ABI]; !ok {
			return nil, fmt.Errorf("%s: syscall %d: unknown abi %q (want x86_64, i386 or x32)", path, i, s.ABI)
		}
	}
	r.Sort()
	return &r, nil
}

// Marshal returns the recording as indented JSON with a trailing newline.
func (r *Recording) Marshal() []byte {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic(err) // only plain values: cannot fail
	}
	return append(data, '\n')
}
