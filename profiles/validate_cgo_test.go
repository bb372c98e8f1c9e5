//go:build linux && cgo

package profiles

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/recording"
)

// TestValidateGenerated compiles what Generate writes, as runc would load
// it: every ABI combination, with and without explicit denies.
func TestValidateGenerated(t *testing.T) {
	tests := []Spec{
		{ABIs: []string{"x86_64"}, Allow: []string{"read", "write", "exit_group"}},
		{ABIs: []string{"x86_64", "i386"}, Allow: []string{"read", "write", "exit_group", "futex", "mmap", "mmap2"}, Deny: []string{"memfd_create", "userfaultfd"}},
		{ABIs: []string{"x86_64", "i386", "x32"}, Allow: []string{"read", "clone3", "rseq"}, Deny: []string{"memfd_create"}},
		{ABIs: []string{"x86_64"}},
	}
	for _, s := range tests {
		t.Run(strings.Join(s.ABIs, "+"), func(t *testing.T) {
			p, err := Generate(s)
			if err != nil {
				t.Fatal(err)
			}
			warnings, err := Validate(p, true)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if len(warnings) > 0 {
				t.Errorf("warnings: %q", warnings)
			}
		})
	}
}

// TestValidateDockerDefault compiles Docker's profile for several targets.
// Names newer than the host's libseccomp are warnings, as runc skips them.
func TestValidateDockerDefault(t *testing.T) {
	for _, tgt := range []Target{
		{Arch: "amd64", Kernel: "6.1"},
		{Arch: "amd64", Caps: []string{"ALL"}, Kernel: "6.1"},
		{Arch: "arm64", Kernel: "6.1"},
		{Arch: "riscv64", Caps: []string{}, Kernel: "4.4"},
	} {
		t.Run(tgt.String(), func(t *testing.T) {
			p, err := DockerDefault(tgt)
			if err != nil {
				t.Fatal(err)
			}
			warnings, err := Validate(p, false)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			for _, w := range warnings {
				if !strings.Contains(w, "runc ignores it") {
					t.Errorf("unexpected warning %q", w)
				}
			}
		})
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
		strict         bool
	}{
		{"foreign endianness", `{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_S390X"]}`,
			"profiles: p.json: add architecture SCMP_ARCH_S390X: ", false},
		{"notify as default", `{"defaultAction": "SCMP_ACT_NOTIFY"}`,
			"profiles: p.json: defaultAction: SCMP_ACT_NOTIFY cannot be the default action (runc refuses it)", false},
		{"notify on write", `{"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": "/run/agent.sock", "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]}`,
			"profiles: p.json: syscalls[0]: SCMP_ACT_NOTIFY cannot be used for write (runc needs it to pass the notify fd)", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("p.json", []byte(tc.in), testTarget)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Validate(p, tc.strict)
			if err == nil {
				t.Fatal("Validate succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error %q, want it to start with %q", err, tc.want)
			}
		})
	}
}

// TestValidateUnknownName: runc skips a name libseccomp cannot resolve, so
// that is a warning, and an error only when strict.
func TestValidateUnknownName(t *testing.T) {
	// Parse would refuse the name; a profile built in place need not.
	p, err := Generate(Spec{ABIs: []string{"x86_64"}, Allow: []string{"read", "no_such_syscall"}})
	if err != nil {
		t.Fatal(err)
	}
	p.name = "p.json"
	want := `syscall "no_such_syscall" is unknown to libseccomp for amd64; runc ignores it there`
	warnings, err := Validate(p, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{want}, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	_, err = Validate(p, true)
	if err == nil || err.Error() != "profiles: p.json: "+want {
		t.Errorf("strict: error %v, want %q", err, "profiles: p.json: "+want)
	}
}

// TestValidateConflict: libseccomp keeps the first unconditional rule for
// a syscall, so a later one with another action is silently lost.
func TestValidateConflict(t *testing.T) {
	p, err := Parse("p.json", []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
		{"names": ["read"], "action": "SCMP_ACT_ALLOW"}, {"names": ["read"], "action": "SCMP_ACT_KILL"}]}`), testTarget)
	if err != nil {
		t.Fatal(err)
	}
	warnings, err := Validate(p, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`syscall "read": syscalls[1] says SCMP_ACT_KILL but syscalls[0] already says SCMP_ACT_ALLOW, and the first wins`}
	if diff := cmp.Diff(want, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if got := p.Allowed(); len(got) != 1 || got[0] != "read" {
		t.Errorf("Allowed() = %q, want [read]: the first rule decides", got)
	}
}

// condProfile returns a profile that allows execve and the syscalls of
// names each under n values of argument 0, spread evenly.
func condProfile(t testing.TB, abis []string, names []string, n int) *Profile {
	t.Helper()
	s := Spec{ABIs: abis, Allow: []string{"execve", "exit_group"}}
	for i, name := range names {
		c := Cond{Name: name}
		for v := i; v < n; v += len(names) {
			c.Values = append(c.Values, uint64(v))
		}
		s.Conditional = append(s.Conditional, c)
	}
	p, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	p.name = "p.json"
	return p
}

// TestValidateTooLong: the kernel refuses a filter over 4096 instructions,
// so Validate and Compile do too, saying how long it is.
func TestValidateTooLong(t *testing.T) {
	x86 := []string{"x86_64"}
	tests := []struct {
		name string
		p    *Profile
		want *regexp.Regexp
	}{
		// The exact length is libseccomp's to decide.
		{"5000 values", condProfile(t, x86, []string{"socket"}, 5000), regexp.MustCompile(`^profiles: p\.json: compiles to (50[0-9][0-9]) BPF instructions; `)},
		{"120k values", condProfile(t, x86, []string{"socket", "ioctl", "fcntl", "prctl"}, 120000), regexp.MustCompile(`^profiles: p\.json: compiles to at least (120000) BPF instructions; `)},
	}
	const rest = "the kernel loads at most 4096: merge fewer conditional rules (each argument value a rule allows costs about one instruction), or allow those syscalls without conditions"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, verr := Validate(tc.p, false)
			_, _, cerr := Compile(tc.p)
			for what, err := range map[string]error{"Validate": verr, "Compile": cerr} {
				if !errors.Is(err, ErrTooLong) || !tc.want.MatchString(err.Error()) || !strings.HasSuffix(err.Error(), rest) {
					t.Errorf("%s: %v\nwant %s...%s", what, err, tc.want, rest)
				}
			}
		})
	}
}

// TestMinInsnsBound: the bound that refuses a profile before libseccomp
// compiles it never exceeds the real length, or a loadable profile would
// be refused.
func TestMinInsnsBound(t *testing.T) {
	docker, err := DockerDefault(testTarget)
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"x86_64", "i386", "x32"}
	many := recording.Names()[20:120]
	tests := []struct {
		name string
		p    *Profile
	}{
		{"docker-default", docker},
		{"one name", condProfile(t, []string{"x86_64"}, []string{"socket"}, 3000)},
		{"one name, three ABIs", condProfile(t, all, []string{"socket"}, 1000)},
		{"shared values", condProfile(t, []string{"x86_64"}, many, 100*20)},
		{"masked", mustParse(t, "m.json", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
			{"names": ["clone", "unshare"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
			{"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prog, _, err := Compile(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if lo, n := minInsns(&tc.p.spec), len(prog)/8; lo > n || lo == 0 {
				t.Errorf("bound %d, program %d instructions: want 0 < bound <= length", lo, n)
			}
		})
	}
}

// BenchmarkValidate compiles profiles of 10k and 120k conditional rules, as
// merge and run do. Past a few thousand rules libseccomp's own time grows
// with the square of the rules; the bound refuses the ones that cannot
// load before it starts.
func BenchmarkValidate(b *testing.B) {
	for _, n := range []int{10_000, 120_000} {
		p := condProfile(b, []string{"x86_64"}, []string{"socket", "ioctl", "fcntl", "prctl"}, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Validate(p, false); !errors.Is(err, ErrTooLong) {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCompileFolded: folded comparisons (a 64-bit mask with one bit
// cleared) compile for the 32-bit ABIs too, where libseccomp compares the
// low half.
func TestCompileFolded(t *testing.T) {
	p, err := Generate(Spec{ABIs: []string{"x86_64", "i386", "x32"}, Allow: []string{"execve"}, Conditional: []Cond{
		{Name: "ioctl", Index: 1, Values: []uint64{0x5401, 0x5403}},
		{Name: "prctl", Index: 0, Values: []uint64{14, 15}, Int: true},
		{Name: "socket", Index: 0, Values: []uint64{2, 10}},
		{Name: "socket", Index: 1, Mask: 0xf, Values: []uint64{1}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.verdicts()["ioctl"].conds; !cmp.Equal(got, []string{"allow if arg1 & 0xfffffffffffffffd == 0x5401"}) {
		t.Errorf("ioctl: %q", got)
	}
	if got := p.verdicts()["prctl"].conds; !cmp.Equal(got, []string{"allow if arg0 & 0xfffffffe == 14"}) {
		t.Errorf("prctl: %q", got)
	}
	if warnings, err := Validate(p, true); err != nil || len(warnings) > 0 {
		t.Errorf("Validate: %v %v", err, warnings)
	}
}
