//go:build linux

package tracer

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/cilium/ebpf"

	"github.com/seccompgen/seccompgen/recording"
)

// The refusal tracer's constants, generated from bpf/tracer.bpf.c.
const (
	refusalNoStorage = uint32(tracerRefusalLossREFUSAL_NO_STORAGE)
	refusalNrRange   = uint32(tracerRefusalLossREFUSAL_NR_RANGE)
)

// refusalPrograms are what Config.Refusals attaches: the tree's
// bookkeeping, and sys_enter/sys_exit programs that count the calls that
// return without having entered (bpf/tracer.bpf.c, "Refusals") instead
// of the recording sys_enter program.
func (t *Tracer) refusalPrograms() []*ebpf.Program {
	return []*ebpf.Program{t.objs.SchedProcessFork, t.objs.SchedProcessExec, t.objs.SchedProcessExit, t.objs.RefusalsEnter, t.objs.RefusalsExit}
}

// WaitRefusals waits for the workload's first process, not for its
// descendants (as a shell waits for a command), and returns how it ended
// and what the seccomp filter refused the tree until then. The tracer must
// have been made with Config.Refusals.
func (r *Run) WaitRefusals() (*recording.Refusals, error) {
	st, err := r.proc.Wait()
	r.exited.Store(true)
	if err != nil {
		return nil, fmt.Errorf("tracer: wait: %w", err)
	}
	out := &recording.Refusals{}
	if ws := st.Sys().(syscall.WaitStatus); ws.Signaled() {
		out.Exit.Signal = int(ws.Signal())
	} else {
		out.Exit.Code = ws.ExitStatus()
	}
	if err := r.t.collectRefusals(out); err != nil {
		return nil, err
	}
	return out, nil
}

func (t *Tracer) collectRefusals(out *recording.Refusals) error {
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return fmt.Errorf("tracer: read refusals: %w", err)
	}
	keys := make([]uint32, len(recording.ABIs)*maxNr)
	vals := make([]tracerRefusal, len(keys)*ncpu)
	var cursor ebpf.MapBatchCursor
	n, err := t.objs.Refusals.BatchLookup(&cursor, keys, vals, nil)
	if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return fmt.Errorf("tracer: read refusals: %w", err)
	}
	if n != len(keys) {
		return fmt.Errorf("tracer: read refusals: got %d of %d slots", n, len(keys))
	}
	for k, key := range keys {
		abi, nr := recording.ABIs[int(key)/maxNr], int(key)%maxNr
		r, first := recording.Refusal{Syscall: recording.Syscall{ABI: abi, Nr: nr}}, uint64(0)
		for _, c := range vals[k*ncpu : (k+1)*ncpu] {
			if c.Count == 0 {
				continue
			}
			r.Count += c.Count
			if first == 0 || c.FirstNs < first {
				first = c.FirstNs
				r.FirstPID = int(c.FirstPid)
				r.FirstComm = cString(c.FirstComm[:])
				r.Ret = int64(c.FirstRet)
			}
		}
		if r.Count > 0 {
			r.Name = recording.Name(abi, nr)
			out.Syscalls = append(out.Syscalls, r)
		}
	}

	sum := func(m *ebpf.Map, i uint32) (uint64, error) {
		var per []uint64
		if err := m.Lookup(i, &per); err != nil {
			return 0, fmt.Errorf("tracer: read losses: %w", err)
		}
		var n uint64
		for _, v := range per {
			n += v
		}
		return n, nil
	}
	var errs [3]error
	out.Losses.ProcsDropped, errs[0] = sum(t.objs.Losses, lossProcsFull)
	out.Losses.NrOutOfRange, errs[1] = sum(t.objs.RefusalLosses, refusalNrRange)
	out.Losses.Unpaired, errs[2] = sum(t.objs.RefusalLosses, refusalNoStorage)
	for _, p := range t.refusalPrograms() {
		if st, err := p.Stats(); err == nil {
			out.Losses.RecursionMisses += st.RecursionMisses
		}
	}
	return errors.Join(errs[:]...)
}
