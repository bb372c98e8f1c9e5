//go:build linux

package tracer

import (
	"testing"
	"unsafe"

	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/recording"
)

// TestConstants ties the numbers bpf/tracer.bpf.c shares with Go (its
// enums, generated into tracer_bpfel.go) to package recording, which
// defines them for everything else. A change on one side alone fails here.
func TestConstants(t *testing.T) {
	abis := map[tracerAbi]recording.ABI{
		tracerAbiABI_X8664: recording.X86_64,
		tracerAbiABI_I386:  recording.I386,
		tracerAbiABI_X32:   recording.X32,
	}
	if int(tracerAbiNR_ABIS) != len(recording.ABIs) || len(abis) != len(recording.ABIs) {
		t.Errorf("the eBPF program has %d ABIs, recording.ABIs %d", tracerAbiNR_ABIS, len(recording.ABIs))
	}
	for i, want := range abis {
		if int(i) >= len(recording.ABIs) || recording.ABIs[i] != want {
			t.Errorf("ABI index %d is %s in the eBPF program, not in recording.ABIs %v", i, want, recording.ABIs)
		}
	}

	// The tables the eBPF program's pinning reads are built from
	// recording.PinnedArgs: every argument fits them, and each syscall
	// names its slots.
	first, pins, slots, err := pinTables()
	if err != nil {
		t.Fatal(err)
	}
	for i, pa := range slots {
		if nr, _ := recording.Number(pa.ABI, pa.Name); nr != pa.Nr {
			t.Errorf("recording.PinnedArgs: %s %s is number %d, not %d", pa.ABI, pa.Name, nr, pa.Nr)
		}
		if pa.Index < 0 || pa.Index > 5 {
			t.Errorf("recording.PinnedArgs: %s %s arg%d: a syscall has arguments 0 to 5", pa.ABI, pa.Name, pa.Index)
		}
		k := pinKey(pa)
		if f := int(first[k]) - 1; f < 0 || f > i || pins[f].Key != uint32(k) {
			t.Errorf("%s %s: pin_first %d does not lead to its slot %d", pa.ABI, pa.Name, first[k], i)
		}
		if pins[i] != (tracerPinslot{Key: uint32(k), Idx: uint32(pa.Index), Mask: pa.Mask}) {
			t.Errorf("slot %d is %+v, not %s %s arg%d", i, pins[i], pa.ABI, pa.Name, pa.Index)
		}
	}

	// Every recording.ABIs' table fits below MAX_NR (x32 without its bit).
	for _, abi := range recording.ABIs {
		for nr := maxNr; nr < 2*maxNr; nr++ {
			if n := recording.Name(abi, nr); n[:3] != "nr:" {
				t.Errorf("%s syscall %s is number %d, beyond the eBPF program's MAX_NR %d", abi, n, nr, maxNr)
			}
		}
	}
}

// TestSpec checks the embedded object against the Go side: the maps are
// sized by the enums, the structs read from them have the kernel's layout,
// and the enums in its BTF are the ones generated into Go (a stale object
// or a stale tracer_bpfel.go fails here without clang).
func TestSpec(t *testing.T) {
	spec, err := loadTracer()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint32{
		"stats":   uint32(tracerAbiNR_ABIS) * uint32(tracerLimitsMAX_NR),
		"losses":  uint32(tracerLossNR_LOSSES),
		"argvals": uint32(tracerArgpinMAX_PIN_SLOTS) * uint32(ArgValuesMax),
		"argsets": uint32(tracerArgpinMAX_PIN_SLOTS),
	} {
		if got := spec.Maps[name].MaxEntries; got != want {
			t.Errorf("map %s has %d entries, want %d", name, got, want)
		}
	}
	if got, want := spec.Maps["stats"].ValueSize, uint32(unsafe.Sizeof(tracerStat{})); got != want {
		t.Errorf("struct stat is %d bytes in the object, %d in Go", got, want)
	}

	wantEnums := map[string]map[string]uint64{
		"abi":        {"ABI_X86_64": uint64(tracerAbiABI_X8664), "ABI_I386": uint64(tracerAbiABI_I386), "ABI_X32": uint64(tracerAbiABI_X32), "NR_ABIS": uint64(tracerAbiNR_ABIS)},
		"limits":     {"MAX_NR": uint64(tracerLimitsMAX_NR)},
		"loss":       {"LOSS_PROCS_FULL": uint64(lossProcsFull), "LOSS_NR_RANGE": uint64(lossNrRange), "LOSS_EXEC_EVENTS": uint64(lossExecs), "LOSS_ARGS_FULL": uint64(lossArgsFull), "LOSS_LIBS_FULL": uint64(lossLibsFull), "LOSS_LIB_EVENTS": uint64(lossLibEvents), "NR_LOSSES": uint64(tracerLossNR_LOSSES)},
		"event_kind": {"EVENT_EXEC": uint64(eventExec), "EVENT_LIB": uint64(eventLib)},
		"event_flag": {"PATH_TRUNCATED": uint64(pathTruncated), "PATH_DETACHED": uint64(pathDetached), "EXEC_INTERPRETED": uint64(execInterpreted)},
		"state":      {"STATE_PENDING": uint64(tracerStateSTATE_PENDING), "STATE_ACTIVE": uint64(stateActive), "STATE_DONE": uint64(tracerStateSTATE_DONE)},
		"argpin":     {"MAX_PIN_SLOTS": uint64(tracerArgpinMAX_PIN_SLOTS), "ARG_VALUES_MAX": uint64(ArgValuesMax), "PINS_PER_SYSCALL": uint64(tracerArgpinPINS_PER_SYSCALL)},
	}
	// Attaching (attach.go).
	wantEnums["event_kind"]["EVENT_ADMIT"] = uint64(eventAdmit)
	wantEnums["admit_result"] = map[string]uint64{"ADMITTED": uint64(admitted), "ADMIT_TRACKED": uint64(admitTracked), "ADMIT_FULL": uint64(admitFull),
		"ADMIT_REMOVED": uint64(tracerAdmitResultADMIT_REMOVED), "ADMIT_ABSENT": uint64(tracerAdmitResultADMIT_ABSENT)}
	wantEnums["attach_op"] = map[string]uint64{"ATTACH_ADMIT": uint64(attachAdmit), "ATTACH_FORGET": uint64(attachForget)}
	for name, want := range wantEnums {
		var e *btf.Enum
		if err := spec.Types.TypeByName(name, &e); err != nil {
			t.Errorf("enum %s: %v", name, err)
			continue
		}
		got := map[string]uint64{}
		for _, v := range e.Values {
			got[v.Name] = v.Value
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("enum %s: Go (-want) vs the object's BTF (+got):\n%s", name, diff)
		}
	}
}
