package auditlog

import (
	"fmt"
	"sort"

	"github.com/seccompgen/seccompgen/recording"
)

// TaskCommLen is the size of the kernel's process name buffer: a name is
// cut to TaskCommLen-1 bytes.
const TaskCommLen = 16

// Filter picks records by executable or process name; an empty list does
// not filter. A record must match every list that is not empty.
type Filter struct {
	Exes, Comms []string
}

// Match reports whether r passes f. A name longer than the kernel keeps
// matches its first TaskCommLen-1 bytes, as the kernel logged it.
func (f Filter) Match(r Record) bool {
	if len(f.Exes) > 0 && !contains(f.Exes, r.Exe, len(r.Exe)) {
		return false
	}
	return len(f.Comms) == 0 || contains(f.Comms, r.Comm, TaskCommLen-1)
}

func contains(list []string, s string, cut int) bool {
	for _, x := range list {
		if len(x) > cut {
			x = x[:cut]
		}
		if x == s {
			return true
		}
	}
	return false
}

// Syscalls counts recs per ABI and syscall, in recording's order (by ABI,
// then number), each with its first caller; the names come from
// recording's tables ("nr:N" for a number they lack). Records of an
// architecture that is not x86's are counted by AUDIT_ARCH value instead.
func Syscalls(recs []Record) (calls []recording.Syscall, foreign map[string]int) {
	type key struct {
		abi recording.ABI
		nr  int
	}
	idx := map[key]int{}
	foreign = map[string]int{}
	for _, r := range recs {
		abi, nr, ok := r.ABI()
		if !ok {
			foreign[fmt.Sprintf("%08x", r.Arch)]++
			continue
		}
		k := key{abi, nr}
		i, ok := idx[k]
		if !ok {
			i = len(calls)
			idx[k] = i
			calls = append(calls, recording.Syscall{ABI: abi, Nr: nr, Name: recording.Name(abi, nr), FirstPID: r.PID, FirstComm: r.Comm})
		}
		calls[i].Count++
	}
	rank := map[recording.ABI]int{}
	for i, a := range recording.ABIs {
		rank[a] = i
	}
	sort.SliceStable(calls, func(i, j int) bool {
		if calls[i].ABI != calls[j].ABI {
			return rank[calls[i].ABI] < rank[calls[j].ABI]
		}
		return calls[i].Nr < calls[j].Nr
	})
	return calls, foreign
}
