package profiles

import (
	"fmt"
	"strings"
	"sync"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccompgen/seccompgen/recording"
)

// knownByLibseccomp reports whether libseccomp resolves name on some
// architecture. The cgo build sets it, so a name that only libseccomp knows
// (a syscall of an architecture our tables do not cover) is accepted there;
// without cgo the tables below decide alone.
var knownByLibseccomp func(name string) bool

// dockerNames holds every name Docker's default profile mentions, for any
// architecture: the x86 tables of recording do not list arm_fadvise64_64 or
// s390_runtime_instr, yet a copy of Docker's profile must parse everywhere.
var dockerNames = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, s := range seccomp.DefaultProfile().Syscalls {
		for _, n := range s.Names {
			m[n] = true
		}
	}
	return m
})

// checkSyscall returns nil for a syscall name some table knows, else an
// error that suggests the closest known name.
func checkSyscall(name string) error {
	if recording.Known(name) || dockerNames()[name] || (knownByLibseccomp != nil && knownByLibseccomp(name)) {
		return nil
	}
	if recording.IsNrName(name) {
		return fmt.Errorf("syscall %q: profiles name syscalls, not numbers", name)
	}
	return recording.CheckName(name)
}

// actions are the actions runtime-spec defines, in the order help text
// lists them.
var actions = []specs.LinuxSeccompAction{
	specs.ActAllow, specs.ActErrno, specs.ActKill, specs.ActKillThread,
	specs.ActKillProcess, specs.ActTrap, specs.ActTrace, specs.ActLog, specs.ActNotify,
}

var operators = []specs.LinuxSeccompOperator{
	specs.OpEqualTo, specs.OpNotEqual, specs.OpGreaterThan, specs.OpGreaterEqual,
	specs.OpLessThan, specs.OpLessEqual, specs.OpMaskedEqual,
}

// specArches are the architectures runtime-spec and runc know, each
// primary one before its sub-architectures as Docker's archMap lists them.
var specArches = []specs.Arch{
	specs.ArchX86_64, specs.ArchX86, specs.ArchX32, specs.ArchAARCH64, specs.ArchARM,
	specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPS, specs.ArchMIPSEL64,
	specs.ArchMIPSEL64N32, specs.ArchMIPSEL, specs.ArchPPC64LE, specs.ArchPPC64,
	specs.ArchPPC, specs.ArchS390X, specs.ArchS390, specs.ArchRISCV64,
	specs.ArchLOONGARCH64, specs.ArchPARISC64, specs.ArchPARISC, specs.ArchM68K,
	specs.ArchSH, specs.ArchSHEB,
}

var specFlags = []specs.LinuxSeccompFlag{
	specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow,
	specs.LinuxSeccompFlagWaitKillableRecv, "SECCOMP_FILTER_FLAG_TSYNC",
}

// unknown returns the error for a value that is not one of valid, with the
// closest valid value as a suggestion when one is close enough.
func unknown[T ~string](what string, v T, valid []T) error {
	cands := make([]string, len(valid))
	for i, c := range valid {
		cands[i] = string(c)
	}
	if s := closest(string(v), cands); s != "" {
		return fmt.Errorf("unknown %s %q (did you mean %q?)", what, v, s)
	}
	return fmt.Errorf("unknown %s %q", what, v)
}

func known[T comparable](v T, valid []T) bool {
	for _, c := range valid {
		if c == v {
			return true
		}
	}
	return false
}

// closest returns the candidate nearest to s by edit distance, ignoring
// case, or "" when none is reasonably close (more than about half of s
// would have to change).
func closest(s string, cands []string) string {
	best, bestD := "", len(s)/2+2
	ls := strings.ToLower(s)
	for _, c := range cands {
		if d := distance(ls, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
