package synth

import (
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/recording"
)

func TestBaselineData(t *testing.T) {
	type key struct {
		runtime string
		nnp     bool
	}
	seen := map[key]bool{}
	for _, b := range baselines {
		k := key{b.Runtime, b.NoNewPrivileges}
		if seen[k] {
			t.Errorf("%s noNewPrivileges=%v: listed twice", b.Runtime, b.NoNewPrivileges)
		}
		seen[k] = true
		if b.Version == "" || (b.Source != sourceMeasured && b.Source != sourceCode) {
			t.Errorf("%s noNewPrivileges=%v: version %q, source %q: say which version and how", b.Runtime, b.NoNewPrivileges, b.Version, b.Source)
		}
		if !sort.StringsAreSorted(b.Syscalls) || len(slices.Compact(slices.Clone(b.Syscalls))) != len(b.Syscalls) {
			t.Errorf("%s noNewPrivileges=%v: names not sorted and unique: %v", b.Runtime, b.NoNewPrivileges, b.Syscalls)
		}
		// Every runtime execs the container's process under the filter.
		if !slices.Contains(b.Syscalls, "execve") {
			t.Errorf("%s noNewPrivileges=%v: no execve", b.Runtime, b.NoNewPrivileges)
		}
		for _, n := range b.Syscalls {
			if _, ok := recording.Number(recording.X86_64, n); !ok {
				t.Errorf("%s noNewPrivileges=%v: %q is no x86_64 syscall", b.Runtime, b.NoNewPrivileges, n)
			}
		}
	}
	for k := range seen {
		if !seen[key{k.runtime, !k.nnp}] {
			t.Errorf("%s has a list for noNewPrivileges=%v only", k.runtime, k.nnp)
		}
	}
	for alias, target := range aliases {
		if !seen[key{target, true}] {
			t.Errorf("%s uses %s, which has no list", alias, target)
		}
	}
}

func TestSynthesizeBaseline(t *testing.T) {
	yes, no := true, false
	// true: a static program's run, a few names of which are in runc's lists.
	rec := &recording.Recording{Syscalls: []recording.Syscall{
		sys(recording.X86_64, "execve", 1),
		sys(recording.X86_64, "write", 2),
		sys(recording.X86_64, "memfd_create", 1),
		sys(recording.X86_64, "exit_group", 1),
	}}
	runcTrue := []string{"close", "epoll_ctl", "fstatfs", "futex", "getdents64", "getpid", "openat", "rt_sigreturn"}
	runcFalseOnly := []string{"capget", "capset", "chdir", "faccessat2", "fcntl", "fstat", "getcwd", "getppid", "newfstatat", "prctl", "read", "setgid", "setgroups", "setuid"}
	for _, tc := range []struct {
		name     string
		policy   Policy
		baseline []string // entries with reason baseline:RUNTIME, sorted
		reason   string
		warnings []string
	}{
		{"none", Policy{Deny: DefaultDeny, Runtime: "none"}, nil, "", nil},
		{"runc, both settings", Policy{Deny: DefaultDeny, Runtime: "runc"},
			sorted(append(slices.Clone(runcTrue), runcFalseOnly...)), "baseline:runc", nil},
		{"runc, noNewPrivileges", Policy{Deny: DefaultDeny, Runtime: "runc", NoNewPrivileges: &yes}, runcTrue, "baseline:runc", nil},
		{"runc, privileges", Policy{Deny: DefaultDeny, Runtime: "runc", NoNewPrivileges: &no},
			sorted(append(slices.Clone(runcTrue), runcFalseOnly...)), "baseline:runc", nil},
		{"podman is runc's list", Policy{Deny: DefaultDeny, Runtime: "podman", NoNewPrivileges: &yes}, runcTrue, "baseline:podman", nil},
		{"crun, noNewPrivileges", Policy{Runtime: "crun", NoNewPrivileges: &yes}, []string{"close"}, "baseline:crun", nil},
		{"deny wins over the baseline", Policy{Deny: []string{"memfd_create", "openat"}, Runtime: "runc", NoNewPrivileges: &yes},
			[]string{"close", "epoll_ctl", "fstatfs", "futex", "getdents64", "getpid", "rt_sigreturn"}, "baseline:runc",
			[]string{"runc makes openat after installing the filter, but policy denies it: the container may fail to start"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof, rep, err := Synthesize([]*recording.Recording{rec}, tc.policy)
			if err != nil {
				t.Fatal(err)
			}
			var base []string
			for _, e := range rep.Syscalls {
				if e.Reason != ReasonObserved && e.Reason != ReasonPolicy {
					if e.Reason != tc.reason || e.Action != "allow" || e.ABI != recording.X86_64 || e.Count != 0 {
						t.Errorf("entry %+v: want action allow, abi x86_64, count 0, reason %s", e, tc.reason)
					}
					base = append(base, e.Name)
				}
			}
			if diff := cmp.Diff(tc.baseline, base); diff != "" {
				t.Errorf("baseline entries (-want +got):\n%s", diff)
			}
			// Observed wins: execve and write are in runc's lists, but
			// the workload made them.
			for _, n := range []string{"execve", "write"} {
				if e, _ := find(rep, n); e.Reason != ReasonObserved {
					t.Errorf("%s: reason %q, want observed", n, e.Reason)
				}
			}
			allowed := prof.Allowed()
			for _, n := range tc.baseline {
				if !slices.Contains(allowed, n) {
					t.Errorf("%s is in the report but not allowed by the profile", n)
				}
			}
			var warnings []string
			for _, w := range rep.Warnings {
				if w != "the workload called memfd_create 1 time(s) (first by pid 100, app) but policy denies it: under this profile that call fails with EPERM" {
					warnings = append(warnings, w)
				}
			}
			if diff := cmp.Diff(tc.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBaselineAddsX86_64(t *testing.T) {
	// A 32-bit recording: runc itself is a 64-bit program.
	rec := &recording.Recording{Syscalls: []recording.Syscall{sys(recording.I386, "exit_group", 1)}}
	prof, _, err := Synthesize([]*recording.Recording{rec}, Policy{Runtime: "runc"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}, prof.Architectures()); diff != "" {
		t.Errorf("architectures (-want +got):\n%s", diff)
	}
}

func TestPolicyRuntime(t *testing.T) {
	yes := true
	for _, tc := range []struct {
		name string
		p    Policy
		err  string
	}{
		{"unset", Policy{}, ""},
		{"none", Policy{Runtime: "none"}, ""},
		{"runc", Policy{Runtime: "runc", NoNewPrivileges: &yes}, ""},
		{"unknown", Policy{Runtime: "docker"}, `unknown runtime "docker" (want one of: none, crun, podman, runc)`},
		{"nnp without runtime", Policy{NoNewPrivileges: &yes}, "no-new-privileges chooses a runtime's baseline, but no runtime is given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := CheckPolicy(tc.p); err != nil {
				got = err.Error()
			}
			if got != tc.err {
				t.Errorf("CheckPolicy = %q, want %q", got, tc.err)
			}
		})
	}
}

func sorted(s []string) []string {
	sort.Strings(s)
	return s
}
