package auditlog

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seccompgen/seccompgen/recording"
)

// The fields of one record as the kernel writes them; each format below
// adds its own prefix.
const fields = `auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=4242 comm="app" exe="/usr/bin/app" sig=0 arch=c000003e syscall=110 compat=0 ip=0x7f6ef49ec4c6 code=0x7ffc0000`

func TestParse(t *testing.T) {
	getppid := Record{Serial: "1796082241.339:1408", PID: 4242, Comm: "app", Exe: "/usr/bin/app", Arch: ArchX86_64, Syscall: 110, Code: 0x7ffc0000}
	noSerial := getppid
	noSerial.Serial = ""
	for _, tc := range []struct {
		name, line string
		want       Record
		abi        recording.ABI
		nr         int
		action     string
	}{
		{"dmesg", `[17932.725538] audit: type=1326 audit(1796082241.339:1408): ` + fields, getppid, recording.X86_64, 110, "log"},
		{"dmesg -T", `[Mon Nov 30 23:41:48 2026] audit: type=1326 audit(1796082241.339:1408): ` + fields, getppid, recording.X86_64, 110, "log"},
		{"/dev/kmsg", `5,1408,17932725538,-;audit: type=1326 audit(1796082241.339:1408): ` + fields, getppid, recording.X86_64, 110, "log"},
		{"journalctl -k", `Nov 30 23:41:48 host kernel: audit: type=1326 audit(1796082241.339:1408): ` + fields, getppid, recording.X86_64, 110, "log"},
		{"journalctl, journald's audit reader", `Nov 30 23:41:48 host audit[4242]: SECCOMP ` + fields, noSerial, recording.X86_64, 110, "log"},
		{"journalctl -o short-iso", `2026-11-30T23:41:48+0000 host kernel: audit: type=1326 audit(1796082241.339:1408): ` + fields, getppid, recording.X86_64, 110, "log"},
		{"audit.log", `type=SECCOMP msg=audit(1796082241.339:1408): ` + fields, getppid, recording.X86_64, 110, "log"},
		{"audit.log, enriched", "type=SECCOMP msg=audit(1796082241.339:1408): " + fields + "\x1dARCH=x86_64 SYSCALL=getppid AUID=\"unset\" UID=\"root\" GID=\"root\" SIG=0", getppid, recording.X86_64, 110, "log"},
		{"syslog-forwarded audit.log", `Nov 30 23:41:48 host audispd: node=host type=SECCOMP msg=audit(1796082241.339:1408): ` + fields, getppid, recording.X86_64, 110, "log"},
		{
			"hex-encoded comm and exe",
			`audit: type=1326 audit(1.000:7): auid=0 uid=0 gid=0 ses=1 pid=9 comm=6D7920617070 exe=2F746D702F6D7920617070 sig=0 arch=c000003e syscall=110 compat=0 ip=0x1 code=0x7ffc0000`,
			Record{Serial: "1.000:7", PID: 9, Comm: "my app", Exe: "/tmp/my app", Arch: ArchX86_64, Syscall: 110, Code: 0x7ffc0000},
			recording.X86_64, 110, "log",
		},
		{
			"no exe",
			`audit: type=1326 audit(1.000:8): pid=9 comm="kworker" exe=(null) sig=0 arch=c000003e syscall=0 compat=0 ip=0x1 code=0x7ffc0000`,
			Record{Serial: "1.000:8", PID: 9, Comm: "kworker", Arch: ArchX86_64, Syscall: 0, Code: 0x7ffc0000},
			recording.X86_64, 0, "log",
		},
		{
			"i386 compat",
			`audit: type=1326 audit(1.000:9): auid=0 uid=0 gid=0 ses=1 pid=10 comm="hello32" exe="/tmp/hello32" sig=0 arch=40000003 syscall=64 compat=1 ip=0xf7f1b579 code=0x7ffc0000`,
			Record{Serial: "1.000:9", PID: 10, Comm: "hello32", Exe: "/tmp/hello32", Arch: ArchI386, Syscall: 64, Code: 0x7ffc0000},
			recording.I386, 64, "log",
		},
		{
			"x32",
			`audit: type=1326 audit(1.000:10): pid=11 comm="x" exe="/x" sig=0 arch=c000003e syscall=1073741863 compat=1 ip=0x1 code=0x7ffc0000`,
			Record{Serial: "1.000:10", PID: 11, Comm: "x", Exe: "/x", Arch: ArchX86_64, Syscall: 0x40000027, Code: 0x7ffc0000},
			recording.X32, 39, "log",
		},
		{
			"killed, as runc's profile does for an architecture it does not list",
			`audit: type=1326 audit(1.000:11): pid=12 comm="x" exe="/x" sig=31 arch=40000003 syscall=1 compat=1 ip=0x1 code=0x0`,
			Record{Serial: "1.000:11", PID: 12, Comm: "x", Exe: "/x", Arch: ArchI386, Syscall: 1, Signal: 31},
			recording.I386, 1, "kill_thread",
		},
		{
			"errno, logged by SECCOMP_FILTER_FLAG_LOG",
			`type=SECCOMP msg=audit(1.000:12): pid=13 comm="x" exe="/x" sig=0 arch=c000003e syscall=319 compat=0 ip=0x1 code=0x50001`,
			Record{Serial: "1.000:12", PID: 13, Comm: "x", Exe: "/x", Arch: ArchX86_64, Syscall: 319, Code: 0x50001},
			recording.X86_64, 319, "errno 1",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.line)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
			abi, nr, ok := got.ABI()
			if !ok || abi != tc.abi || nr != tc.nr {
				t.Errorf("ABI() = %s %d %v, want %s %d", abi, nr, ok, tc.abi, tc.nr)
			}
			if a := got.Action(); a != tc.action {
				t.Errorf("Action() = %q, want %q", a, tc.action)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, line, err string
	}{
		{"not seccomp", `[ 1.0] audit: type=1400 audit(1.0:1): apparmor="DENIED"`, "no seccomp record"},
		{"plain text", `hello world`, "no seccomp record"},
		{"empty", ``, "no seccomp record"},
		{"no syscall", `audit: type=1326 audit(1.0:1): pid=1 comm="x" arch=c000003e code=0x7ffc0000`, "no syscall field"},
		{"truncated", `audit: type=1326 audit(1.0:1): pid=1 comm="x`, "comm: unterminated quote"},
		{"no stamp end", `audit: type=1326 audit(1.0:1 pid=1`, `audit( stamp without "):"`},
		{"interpreted (ausearch -i)", `type=SECCOMP msg=audit(11/30/2026 23:41:48.683:1351) : auid=unset pid=1 comm=x arch=x86_64 syscall=getppid compat=0 code=log`, "arch=x86_64: not a hexadecimal AUDIT_ARCH value (ausearch -i output is interpreted: give the raw log)"},
		{"bad hex comm", `audit: type=1326 audit(1.0:1): pid=1 comm=zz arch=c000003e syscall=1 code=0x7ffc0000`, `comm: "zz" is neither quoted nor hex-encoded`},
		{"bad pid", `audit: type=1326 audit(1.0:1): pid=x arch=c000003e syscall=1 code=0x7ffc0000`, "pid=x: not a number"},
		{"bad code", `audit: type=1326 audit(1.0:1): arch=c000003e syscall=1 code=log`, "code=log: not a hexadecimal seccomp return value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.line)
			if err == nil || err.Error() != tc.err {
				t.Errorf("Parse: %v, want %q", err, tc.err)
			}
		})
	}
}

// TestRead: a log's lines are accounted for: records kept, a record seen
// twice (the same stamp in dmesg and audit.log) counted once, seccomp
// lines that do not parse listed with their line numbers, the kernel's
// word that it dropped records added up.
func TestRead(t *testing.T) {
	log := strings.Join([]string{
		`[    0.000000] Linux version 6.18`,
		`[ 9101.074728] audit: type=1326 audit(1796073409.683:1351): ` + fields,
		`[ 9184.159596] kauditd_printk_skb: 51 callbacks suppressed`,
		`[ 9184.159599] audit: type=1326 audit(1796073409.683:1351): ` + fields,
		`[ 9184.2] audit: type=1326 audit(1796073409.683:1352): pid=1 comm="x" arch=c000003e`,
		`[ 9185.0] audit: audit_lost=3 audit_rate_limit=0 audit_backlog_limit=64`,
		`[ 9186.0] audit: audit_lost=5 audit_rate_limit=0 audit_backlog_limit=64`,
		"\x00\xff garbage",
		`type=SECCOMP msg=audit(1796073409.683:1353): ` + strings.Replace(fields, "syscall=110", "syscall=39", 1),
	}, "\n") // no final newline: the last line still counts
	l, err := Read(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, r := range l.Records {
		got = append(got, r.Syscall)
	}
	if diff := cmp.Diff([]uint64{110, 39}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if l.Lines != 9 || l.Other != 5 || l.Duplicates != 1 || len(l.Malformed) != 1 {
		t.Errorf("lines %d other %d duplicates %d malformed %v; want 9 5 1 [line 5]", l.Lines, l.Other, l.Duplicates, l.Malformed)
	}
	// audit_lost counts since boot: 3, then 2 more.
	if diff := cmp.Diff([]Suppressed{{After: 1, N: 51}, {After: 1, N: 3}, {After: 1, N: 2}}, l.Suppressed); diff != "" {
		t.Errorf("suppressed (-want +got):\n%s", diff)
	}
	if n0, n1 := l.SuppressedSince(0), l.SuppressedSince(1); n0 != 56 || n1 != 0 {
		t.Errorf("SuppressedSince(0), (1) = %d, %d; want 56, 0", n0, n1)
	}
	if len(l.Malformed) == 1 && (l.Malformed[0].Line != 5 || l.Malformed[0].Err.Error() != "no syscall, code field") {
		t.Errorf("malformed %d: %v; want line 5: no syscall, code field", l.Malformed[0].Line, l.Malformed[0].Err)
	}
}

// TestReadJournalJSON: journalctl -o json escapes the record's quotes;
// its MESSAGE is the record, as text or, when not UTF-8, as bytes.
func TestReadJournalJSON(t *testing.T) {
	msg := `audit: type=1326 audit(1796082241.339:1408): ` + fields
	text, err := json.Marshal(map[string]string{"_TRANSPORT": "kernel", "MESSAGE": msg})
	if err != nil {
		t.Fatal(err)
	}
	raw := []int{}
	for _, b := range []byte(strings.Replace(msg, "1408", "1409", 1)) {
		raw = append(raw, int(b))
	}
	bytesForm, err := json.Marshal(map[string]any{"MESSAGE": raw})
	if err != nil {
		t.Fatal(err)
	}
	l, err := Read(strings.NewReader(string(text) + "\n" + string(bytesForm) + "\n" + `{"MESSAGE":"eth0: link up"}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 2 || len(l.Malformed) != 0 || l.Records[0].Comm != "app" || l.Records[1].Serial != "1796082241.339:1409" {
		t.Errorf("records %+v, malformed %v; want the two records, comm app", l.Records, l.Malformed)
	}
}

// TestReadLongLine: a line beyond maxLine is skipped, the next one read.
func TestReadLongLine(t *testing.T) {
	long := `audit: type=1326 audit(1.0:1): comm="` + strings.Repeat("a", maxLine) + `" arch=c000003e syscall=1 code=0x7ffc0000`
	l, err := Read(strings.NewReader(long + "\n" + `audit: type=1326 audit(1.0:2): ` + fields + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 1 || len(l.Malformed) != 1 || l.Lines != 2 {
		t.Fatalf("records %d, malformed %v, lines %d; want 1, 1, 2", len(l.Records), l.Malformed, l.Lines)
	}
	if !strings.Contains(l.Malformed[0].Err.Error(), "longer than") {
		t.Errorf("malformed: %v", l.Malformed[0].Err)
	}
}

func TestFilter(t *testing.T) {
	r := Record{Comm: "postgres: check", Exe: "/usr/lib/postgresql/16/bin/postgres"}
	for _, tc := range []struct {
		name string
		f    Filter
		want bool
	}{
		{"none", Filter{}, true},
		{"exe", Filter{Exes: []string{"/usr/bin/x", r.Exe}}, true},
		{"other exe", Filter{Exes: []string{"/usr/bin/postgres"}}, false},
		{"comm", Filter{Comms: []string{"postgres: check"}}, true},
		{"comm longer than the kernel keeps", Filter{Comms: []string{"postgres: checkpointer"}}, true},
		{"other comm", Filter{Comms: []string{"postgres"}}, false},
		{"exe and comm", Filter{Exes: []string{r.Exe}, Comms: []string{"x"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Match(r); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSyscalls(t *testing.T) {
	recs := []Record{
		{PID: 2, Comm: "b", Arch: ArchI386, Syscall: 64},
		{PID: 1, Comm: "a", Arch: ArchX86_64, Syscall: 110},
		{PID: 3, Comm: "c", Arch: ArchX86_64, Syscall: 110},
		{PID: 4, Comm: "d", Arch: ArchX86_64, Syscall: 0x40000000 | 519},
		{PID: 5, Comm: "e", Arch: ArchX86_64, Syscall: 4000},
		{PID: 6, Comm: "f", Arch: 0xc00000b7, Syscall: 1},
	}
	calls, foreign := Syscalls(recs)
	want := []recording.Syscall{
		{ABI: recording.X86_64, Nr: 110, Name: "getppid", Count: 2, FirstPID: 1, FirstComm: "a"},
		{ABI: recording.X86_64, Nr: 4000, Name: "nr:4000", Count: 1, FirstPID: 5, FirstComm: "e"},
		{ABI: recording.I386, Nr: 64, Name: "getppid", Count: 1, FirstPID: 2, FirstComm: "b"},
		{ABI: recording.X32, Nr: 519, Name: "recvmsg", Count: 1, FirstPID: 4, FirstComm: "d"},
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("syscalls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"c00000b7": 1}, foreign); diff != "" {
		t.Errorf("foreign (-want +got):\n%s", diff)
	}
}
