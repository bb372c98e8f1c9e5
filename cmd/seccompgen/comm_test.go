package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seccompgen/seccompgen/internal/testenv"
)

// TestHostileComm: a workload names itself "\n::error::pwned" with
// PR_SET_NAME. record's deny warning, check's list of breaks and run
// --complain's lines print that name; none may start a line of its own (a
// GitHub Actions annotation), so it is printed quoted.
func TestHostileComm(t *testing.T) {
	testenv.RequireBPF(t)
	testenv.RequireTool(t, "gcc")
	prog := buildC(t, "comm")
	const name = "\n::error::pwned" // 15 bytes: PR_SET_NAME keeps 15
	quoted := `"\n::error::pwned"`
	dir := t.TempDir()
	execveOnly := filepath.Join(dir, "execve-only.json")
	os.WriteFile(execveOnly, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["execve"], "action": "SCMP_ACT_ALLOW"}]}`), 0o644)

	for _, tc := range []struct {
		name string
		args []string
		want string // a line of stderr, as a regexp
	}{
		{"record", []string{"record", "-o", filepath.Join(dir, "p.json"), "--deny", "getpriority", "--", prog, name},
			`^seccompgen: warning: the workload called getpriority 1 time\(s\) \(first by pid [0-9]+, ` + regexp.QuoteMeta(quoted) + `\) but policy denies it`},
		{"check", []string{"check", "--profile", execveOnly, "--", prog, name},
			`^  getpriority \(x86_64\): 1 call\(s\), first by pid [0-9]+ \(` + regexp.QuoteMeta(quoted) + `\)$`},
		{"run --complain", []string{"run", "--complain", "--profile", execveOnly, "--", prog, name},
			`^  getpriority \(x86_64\): 1 call\(s\), first by pid [0-9]+ \(` + regexp.QuoteMeta(quoted) + `\)$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := seccompgen(t, tc.args...)
			lines := strings.Split(r.stderr, "\n")
			for _, l := range lines {
				if strings.HasPrefix(l, "::") {
					t.Errorf("stderr has a line the workload chose: %q\n%s", l, r.stderr)
				}
			}
			re := regexp.MustCompile(tc.want)
			found := false
			for _, l := range lines {
				found = found || re.MatchString(l)
			}
			if !found {
				t.Errorf("no line of stderr matches %s:\n%s", tc.want, r.stderr)
			}
		})
	}
}
