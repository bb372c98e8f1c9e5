package recording

// Refusals is what an enforcing seccomp filter refused one run's process
// tree: the calls that returned without entering the kernel.
type Refusals struct {
	// Syscalls has one entry per (ABI, number) refused, in the order of
	// Recording.Syscalls.
	Syscalls []Refusal     `json:"refused"`
	Losses   RefusalLosses `json:"losses"`
	// Exit is how the workload's first process ended.
	Exit Exit `json:"exit"`
}

// Refusal is one syscall number of one ABI refused, how often, and who
// was refused first.
type Refusal struct {
	Syscall
	// Ret is what the first refused call returned: -errno for an
	// SCMP_ACT_ERRNO action, the syscall's own number for a trap or kill.
	Ret int64 `json:"ret"`
}

// RefusalLosses counts what the refusal tracer could not account for. All
// zero means the count is exact for the tracked tree.
type RefusalLosses struct {
	// ProcsDropped counts processes of the tree that could not be
	// tracked (the process map was full): their refusals are missing.
	ProcsDropped uint64 `json:"procs_dropped"`
	// NrOutOfRange counts refused calls whose number was beyond the
	// tracer's table.
	NrOutOfRange uint64 `json:"nr_out_of_range"`
	// Unpaired counts syscalls whose entry could not be marked: each may
	// have been counted as refused although it ran.
	Unpaired uint64 `json:"unpaired"`
	// RecursionMisses counts times the kernel skipped the tracer's
	// programs because one was already running on that CPU.
	RecursionMisses uint64 `json:"recursion_misses"`
}

// Any reports whether anything at all was lost.
func (l RefusalLosses) Any() bool { return l != RefusalLosses{} }
