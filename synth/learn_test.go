package synth

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/profiles"
	"github.com/seccompgen/seccompgen/recording"
)

func TestLearn(t *testing.T) {
	p, err := profiles.Generate(profiles.Spec{
		ABIs:        []string{"x86_64"},
		Allow:       []string{"read", "execve"},
		Deny:        []string{"memfd_create"},
		NoSys:       []string{"clone3"},
		Conditional: []profiles.Cond{{Name: "socket", Values: []uint64{2}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	call := func(abi recording.ABI, name string, nr int) recording.Syscall {
		return recording.Syscall{ABI: abi, Nr: nr, Name: name, Count: 2, FirstPID: 42, FirstComm: "app"}
	}
	x86 := []recording.Syscall{
		call(recording.X86_64, "read", 0),
		call(recording.X86_64, "socket", 41),
		call(recording.X86_64, "getppid", 110),
		call(recording.X86_64, "memfd_create", 319),
		call(recording.X86_64, "clone3", 435),
		call(recording.X86_64, "nr:4000", 4000),
	}
	type summary struct {
		Added, Already []string
		Kept           map[string]profiles.Treatment
		Allowed        []string
		Reasons        map[string]string
		DeniedButUsed  []string
		Refused        bool
		Widened        []string
	}
	sum := func(l *Learned) summary {
		s := summary{Kept: map[string]profiles.Treatment{}, Reasons: map[string]string{}, Refused: l.Refused(), Allowed: l.Profile.Allowed()}
		for _, c := range l.Added {
			s.Added = append(s.Added, string(c.ABI)+":"+c.Name)
		}
		for _, c := range l.Already {
			s.Already = append(s.Already, string(c.ABI)+":"+c.Name)
		}
		for _, k := range l.Kept {
			s.Kept[k.Name] = k.By
		}
		for _, e := range l.Report.Syscalls {
			s.Reasons[string(e.ABI)+":"+e.Name] = string(e.Action) + " " + e.Reason
		}
		for _, e := range l.Report.DeniedButUsed {
			s.DeniedButUsed = append(s.DeniedButUsed, e.Name)
		}
		for _, w := range l.Widenings {
			s.Widened = append(s.Widened, w.Arch+":"+strings.Join(w.Names, ","))
		}
		return s
	}
	for _, tc := range []struct {
		name      string
		calls     []recording.Syscall
		addArches bool
		want      summary
	}{
		{
			"x86_64",
			x86,
			false,
			summary{
				Added:         []string{"x86_64:getppid"},
				Already:       []string{"x86_64:read"},
				Kept:          map[string]profiles.Treatment{"socket": profiles.Conditional, "memfd_create": profiles.Denied, "clone3": profiles.Denied, "nr:4000": profiles.ByDefault},
				Allowed:       []string{"execve", "getppid", "read"},
				Reasons:       map[string]string{"x86_64:getppid": "allow logged", "x86_64:memfd_create": "deny policy", "x86_64:clone3": "deny policy"},
				DeniedButUsed: []string{"clone3", "memfd_create"},
				Refused:       true,
			},
		},
		{
			"only what the default refused",
			[]recording.Syscall{call(recording.X86_64, "getppid", 110), call(recording.X86_64, "clone3", 435)},
			false,
			summary{
				Added:         []string{"x86_64:getppid"},
				Kept:          map[string]profiles.Treatment{"clone3": profiles.Denied},
				Allowed:       []string{"execve", "getppid", "read"},
				Reasons:       map[string]string{"x86_64:getppid": "allow logged", "x86_64:clone3": "deny policy"},
				DeniedButUsed: []string{"clone3"},
				Refused:       false, // ENOSYS is a fallback, not a failure
			},
		},
		{
			"i386 added",
			[]recording.Syscall{call(recording.I386, "read", 3), call(recording.I386, "getppid", 64)},
			true,
			summary{
				Added:   []string{"i386:read", "i386:getppid"},
				Kept:    map[string]profiles.Treatment{},
				Allowed: []string{"execve", "getppid", "read"},
				Reasons: map[string]string{"i386:read": "allow logged", "i386:getppid": "allow logged"},
				// read was logged on i386; execve and socket (pinned) were not.
				Widened: []string{"x86:execve,socket"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Learn(p, "app.json", tc.calls, tc.addArches)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, sum(l)); diff != "" {
				t.Errorf("learned (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLearnRefusesNewArch: an ABI the profile does not admit is not added
// unless asked, and the error names the calls.
func TestLearnRefusesNewArch(t *testing.T) {
	p, err := profiles.Generate(profiles.Spec{ABIs: []string{"x86_64"}, Allow: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Learn(p, "app.json", []recording.Syscall{{ABI: recording.I386, Nr: 64, Name: "getppid", Count: 1}}, false)
	var ae *ArchError
	const want = "the log has calls of i386, which app.json does not admit: getppid (i386); adding an architecture applies every rule of the profile to it too. Pass --add-arches to add it, or record the workload on that ABI"
	if !errors.As(err, &ae) || err.Error() != want {
		t.Errorf("Learn: %v, want %q", err, want)
	}
}
