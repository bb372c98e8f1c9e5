package tracer

import (
	"fmt"
	"slices"

	"github.com/cilium/ebpf"

	"github.com/seccompgen/seccompgen/recording"
)

// ArgValuesMax is how many distinct values of one pinned argument the
// tracer keeps (its ARG_VALUES_MAX); more go to Recording.ArgOverflows.
const ArgValuesMax = int(tracerArgpinARG_VALUES_MAX)

// pinTables builds the eBPF program's pin_first and pins from
// recording.PinnedArgs: the slots of one syscall adjacent, in the list's
// order, and slot order for readArgs.
func pinTables() (first [int(tracerAbiNR_ABIS) * maxNr]uint8, pins [tracerArgpinMAX_PIN_SLOTS]tracerPinslot, slots []recording.PinnedArg, err error) {
	slots = slices.Clone(recording.PinnedArgs)
	slices.SortStableFunc(slots, func(a, b recording.PinnedArg) int {
		return pinKey(a) - pinKey(b)
	})
	if len(slots) > len(pins) {
		return first, pins, nil, fmt.Errorf("tracer: %d pinned arguments, the eBPF program has room for %d", len(slots), len(pins))
	}
	perSyscall := map[int]int{}
	for i, pa := range slots {
		k := pinKey(pa)
		if k < 0 || k >= len(first) {
			return first, pins, nil, fmt.Errorf("tracer: pinned %s %s (%d) is beyond the eBPF program's tables", pa.ABI, pa.Name, pa.Nr)
		}
		if perSyscall[k]++; perSyscall[k] > int(tracerArgpinPINS_PER_SYSCALL) {
			return first, pins, nil, fmt.Errorf("tracer: %s %s has more pinned arguments than the eBPF program's %d", pa.ABI, pa.Name, tracerArgpinPINS_PER_SYSCALL)
		}
		if first[k] == 0 {
			first[k] = uint8(i + 1)
		}
		pins[i] = tracerPinslot{Key: uint32(k), Idx: uint32(pa.Index), Mask: pa.Mask}
	}
	return first, pins, slots, nil
}

// pinKey is the argument's syscall as the eBPF program indexes it.
func pinKey(pa recording.PinnedArg) int {
	return slices.Index(recording.ABIs, pa.ABI)*maxNr + pa.Nr
}

func setPins(spec *ebpf.CollectionSpec) error {
	first, pins, _, err := pinTables()
	if err != nil {
		return err
	}
	if err := spec.Variables["pin_first"].Set(first); err != nil {
		return fmt.Errorf("tracer: set pin_first: %w", err)
	}
	if err := spec.Variables["pins"].Set(pins); err != nil {
		return fmt.Errorf("tracer: set pins: %w", err)
	}
	return nil
}

// readArgs adds the recorded argument values, and the arguments whose
// values overflowed, to rec.
func (t *Tracer) readArgs(rec *recording.Recording) error {
	var ak tracerArgkey
	var av uint64
	it := t.objs.Argvals.Iterate()
	for it.Next(&ak, &av) {
		if int(ak.Abi) >= len(recording.ABIs) {
			continue
		}
		abi := recording.ABIs[ak.Abi]
		rec.Args = append(rec.Args, recording.ArgValue{
			ABI: abi, Nr: int(ak.Nr), Name: recording.Name(abi, int(ak.Nr)),
			Index: int(ak.Idx), Value: ak.Value, Count: av,
		})
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("tracer: read argument values: %w", err)
	}
	_, _, slots, err := pinTables()
	if err != nil {
		return err
	}
	for i, pa := range slots {
		var set tracerArgset
		if err := t.objs.Argsets.Lookup(uint32(i), &set); err != nil {
			return fmt.Errorf("tracer: read argument sets: %w", err)
		}
		if set.Dropped > 0 {
			rec.ArgOverflows = append(rec.ArgOverflows, recording.ArgOverflow{
				ABI: pa.ABI, Nr: pa.Nr, Name: pa.Name, Index: pa.Index, Kept: int(set.Distinct), Dropped: set.Dropped,
			})
		}
	}
	return nil
}
