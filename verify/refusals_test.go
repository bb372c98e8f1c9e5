package verify

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

// refusalsProfile allows read, write and getppid; x86_64 only.
func refusalsProfile(t *testing.T) *profiles.Profile {
	t.Helper()
	p, err := profiles.Parse("app.json", []byte(`{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "architectures": ["SCMP_ARCH_X86_64"],
  "syscalls": [{"names": ["getppid", "read", "write"], "action": "SCMP_ACT_ALLOW"}]
}`), profiles.Target{Arch: "amd64", Kernel: "6.1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func refused(abi recording.ABI, name string, count uint64, ret int64) recording.Refusal {
	nr, _ := recording.Number(abi, name)
	return recording.Refusal{Syscall: recording.Syscall{ABI: abi, Nr: nr, Name: name, Count: count, FirstPID: 42, FirstComm: "app"}, Ret: ret}
}

func TestRefusedText(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *recording.Refusals
		want string
	}{
		{"not traced", nil, ""},
		{"nothing refused", &recording.Refusals{}, ""},
		{"one", &recording.Refusals{Syscalls: []recording.Refusal{refused(recording.X86_64, "sync_file_range", 1, -38)}},
			"seccompgen run: the profile refused 1 syscall(s): sync_file_range (x86_64) 1 call, first by pid 42 (app), got ENOSYS\n"},
		{"several, trapped, by another filter", &recording.Refusals{Syscalls: []recording.Refusal{
			refused(recording.X86_64, "getppid", 2, -13),
			refused(recording.X86_64, "sync_file_range", 3, -1),
			refused(recording.X86_64, "ptrace", 1, 101),
			refused(recording.I386, "getppid", 1, 64),
			refused(recording.X32, "getpid", 1, 0x40000000|39),
			refused(recording.X86_64, "mlock", 1, 0),
		}},
			"seccompgen run: the profile refused 5 syscall(s):\n" +
				"  sync_file_range (x86_64) 3 calls, first by pid 42 (app), got EPERM\n" +
				"  ptrace (x86_64) 1 call, first by pid 42 (app), got SIGSYS\n" +
				"  getppid (i386) 1 call, first by pid 42 (app), got SIGSYS\n" +
				"  getpid (x32) 1 call, first by pid 42 (app), got SIGSYS\n" +
				"  mlock (x86_64) 1 call, first by pid 42 (app), got 0\n" +
				"seccompgen run: 1 syscall(s) the profile allows were refused all the same, by a seccomp filter of CMD's own or a ptrace tracer: getppid (x86_64) 2 calls, first by pid 42 (app), got EACCES\n"},
		{"losses", &recording.Refusals{Losses: recording.RefusalLosses{Unpaired: 2}},
			"seccompgen run: warning: the refusal count is incomplete: 0 process(es) not tracked, 0 refused number(s) out of range, 2 call(s) possibly miscounted as refused, 0 tracer run(s) skipped by the kernel\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Refused(refusalsProfile(t), "app.json", tc.r).Text()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefusedReport(t *testing.T) {
	got := Refused(refusalsProfile(t), "app.json", &recording.Refusals{
		Syscalls: []recording.Refusal{refused(recording.X86_64, "mlock", 1, -4095)},
		Exit:     recording.Exit{Signal: 31},
	})
	want := EnforceReport{
		Profile: "app.json", Traced: true,
		Refused: []RefusedEntry{{Name: "mlock", ABI: recording.X86_64, Nr: 149, Count: 1, FirstPID: 42, FirstComm: "app", Errno: "errno 4095", Ret: -4095, By: ByProfile}},
		Exit:    &recording.Exit{Signal: 31},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := Refused(refusalsProfile(t), "app.json", nil); got.Traced || got.Refused == nil || got.Exit != nil {
		t.Errorf("not traced: %+v; want traced false, refused [], exit nil", got)
	}
}
