package recording

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elastic/go-seccomp-bpf/arch"
)

// ABI names a system call ABI of the x86 family: each has its own numbering.
type ABI string

// The ABIs a 64-bit x86 kernel serves.
const (
	X86_64 ABI = "x86_64" // the native 64-bit ABI
	I386   ABI = "i386"   // 32-bit programs through IA32 emulation
	X32    ABI = "x32"    // 64-bit registers, 32-bit pointers; numbers carry bit 30
)

// ABIs lists the ABIs in the order the tracer indexes them.
var ABIs = []ABI{X86_64, I386, X32}

var tables = map[ABI]*arch.Info{
	X86_64: arch.X86_64,
	I386:   arch.I386,
	X32:    arch.X32,
}

// Name returns the syscall's name in abi's table, or "nr:N" (NrName) when
// the table does not know the number (a kernel newer than the table): the
// number is kept, never dropped.
func Name(abi ABI, nr int) string {
	if t, ok := tables[abi]; ok {
		if name, ok := t.SyscallNumbers[nr]; ok {
			return name
		}
	}
	return NrName(nr)
}

// Number returns the number of the named syscall in abi's table. It also
// accepts the "nr:N" form that Name returns for unknown numbers.
func Number(abi ABI, name string) (int, bool) {
	if IsNrName(name) {
		return ParseNrName(name)
	}
	t, ok := tables[abi]
	if !ok {
		return 0, false
	}
	nr, ok := t.SyscallNames[name]
	return nr, ok
}

// nrPrefix starts the name of a syscall known only by its number.
const nrPrefix = "nr:"

// NrName is the name of a syscall known only by its number: "nr:N".
func NrName(nr int) string { return nrPrefix + strconv.Itoa(nr) }

// IsNrName reports whether name is in the "nr:N" form (or claims to be:
// it starts with "nr:"), not a syscall's name.
func IsNrName(name string) bool { return strings.HasPrefix(name, nrPrefix) }

// ParseNrName returns N of a name in the "nr:N" form.
func ParseNrName(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, nrPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0
}

// Known reports whether name is a syscall of any ABI this package knows.
func Known(name string) bool {
	for _, t := range tables {
		if _, ok := t.SyscallNames[name]; ok {
			return true
		}
	}
	return false
}

// Names returns every syscall name of every known ABI, sorted.
func Names() []string {
	set := map[string]bool{}
	for _, t := range tables {
		for name := range t.SyscallNames {
			set[name] = true
		}
	}
	out := make([]string, 0, len(set))
	for name := range set {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// CheckName returns nil when name is a known syscall, else an error that
// suggests the closest real name.
func CheckName(name string) error {
	if Known(name) {
		return nil
	}
	if s := Closest(name); s != "" {
		return fmt.Errorf("unknown syscall %q (did you mean %q?)", name, s)
	}
	return fmt.Errorf("unknown syscall %q", name)
}

// Closest returns the known syscall name nearest to name by edit distance,
// or "" when nothing is reasonably close.
func Closest(name string) string {
	best, bestD := "", len(name)/2+2
	for _, cand := range Names() {
		if d := distance(name, cand); d < bestD {
			best, bestD = cand, d
		}
	}
	return best
}

// distance is the optimal string alignment distance between a and b: the
// edits of Levenshtein plus swapping two neighbours, the commonest typo.
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func (a ABI) String() string { return string(a) }
