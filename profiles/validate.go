package profiles

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/seccompgen/seccompgen/recording"
)

// ErrNoLibseccomp is what Validate returns in a build without cgo: the
// profile could not be compiled, which says nothing about whether it is
// valid.
var ErrNoLibseccomp = errors.New("profiles: validation needs libseccomp: build with cgo (CGO_ENABLED=1) and libseccomp-dev")

// ErrTooLong is wrapped by the error of Validate and Compile for a profile
// whose filter is longer than the kernel loads.
var ErrTooLong = errors.New("filter too long for the kernel")

// MaxInsns is the kernel's BPF_MAXINSNS: seccomp(2) refuses a longer filter
// with EINVAL.
const MaxInsns = 4096

// tooLong is the error for a filter of n instructions; atLeast when n is a
// lower bound because the profile was not compiled.
type tooLong struct {
	n       int
	atLeast bool
}

func (e *tooLong) Error() string {
	at := ""
	if e.atLeast {
		at = "at least "
	}
	return fmt.Sprintf("compiles to %s%d BPF instructions; the kernel loads at most %d: merge fewer conditional rules (each argument value a rule allows costs about one instruction), or allow those syscalls without conditions", at, e.n, MaxInsns)
}

func (e *tooLong) Unwrap() error { return ErrTooLong }

// minInsns is a lower bound on the length of s's filter, found in linear
// time. libseccomp takes time quadratic in the number of rules to build and
// generate a filter (measured with 2.5.4: 12,000 conditional rules take 0.6
// s, 120,000 take minutes), so a profile that cannot fit is refused before
// libseccomp sees it.
//
// The bound counts the distinct single-condition rule bodies (action,
// argument, operator, values) that libseccomp is given: each is a
// comparison the program must make at least once. libseccomp shares the
// comparisons of equal bodies between syscalls and architectures, so the
// bound counts them once, and nothing else.
func minInsns(s *specs.LinuxSeccomp) int {
	type body struct {
		action     string
		index      uint
		op         specs.LinuxSeccompOperator
		value, two uint64
	}
	seen := map[body]bool{}
	p := &Profile{spec: *s}
	for name, v := range p.verdicts() {
		if !recording.Known(name) && (knownByLibseccomp == nil || !knownByLibseccomp(name)) {
			continue // runc skips it
		}
		for _, r := range v.rules {
			if len(r.Args) != 1 {
				continue
			}
			a := r.Args[0]
			// A condition that always holds may be folded away.
			if a.Op != specs.OpEqualTo && (a.Op != specs.OpMaskedEqual || a.Value == 0) {
				continue
			}
			seen[body{describe(r.Action, r.ErrnoRet), a.Index, a.Op, a.Value, a.ValueTwo}] = true
		}
	}
	return len(seen)
}

// countRules is how many libseccomp rules runc would add for s, before it
// skips redundant ones.
func countRules(s *specs.LinuxSeccomp) int {
	n := 0
	for _, r := range s.Syscalls {
		n += len(r.Names)
	}
	return n
}

// precheck refuses a profile that cannot fit before it is compiled. Small
// profiles compile in well under a second, and the compiler gives the exact
// length, so only large ones are judged by the bound.
func precheck(s *specs.LinuxSeccomp) error {
	if countRules(s) <= 2*MaxInsns {
		return nil
	}
	if n := minInsns(s); n > MaxInsns {
		return &tooLong{n: n, atLeast: true}
	}
	return nil
}

// checkLen refuses a compiled program (struct sock_filter, 8 bytes each)
// the kernel would not load.
func checkLen(prog []byte) error {
	if n := len(prog) / 8; n > MaxInsns {
		return &tooLong{n: n}
	}
	return nil
}
