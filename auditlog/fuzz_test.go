package auditlog

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse: no line makes Parse panic, and what it accepts has the fields
// it promises.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`[17932.725538] audit: type=1326 audit(1796082241.339:1408): ` + fields,
		`type=SECCOMP msg=audit(1.0:1): pid=1 comm=6D7920617070 exe=(null) arch=40000003 syscall=64 code=0x0`,
		`audit[1]: SECCOMP comm="x`,
		`type=1326 audit(`,
		`type=1326 a= =b ==`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, err := Parse(line)
		if err != nil {
			return
		}
		if _, ok := find(line); !ok {
			t.Errorf("Parse accepted %q, which has no marker", line)
		}
		_ = r.Action()
		if abi, _, ok := r.ABI(); ok && abi == "" {
			t.Errorf("ABI ok with no ABI: %+v", r)
		}
	})
}

// TestReadFiles: a record in two logs counts once, and a malformed line
// names its file.
func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := dir+"/a.log", dir+"/b.log"
	rec := `audit: type=1326 audit(1.0:1): ` + fields
	writeFile(t, a, rec+"\n")
	writeFile(t, b, rec+"\naudit: type=1326 audit(1.0:2): pid=1\n")
	l, err := ReadFiles(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Records) != 1 || l.Duplicates != 1 || len(l.Malformed) != 1 || l.Malformed[0].String() != b+":2: no arch, syscall, code field" {
		t.Errorf("records %d, duplicates %d, malformed %v; want 1, 1, [%s:2: no arch, syscall, code field]", len(l.Records), l.Duplicates, l.Malformed, b)
	}
	if _, err := ReadFiles(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("ReadFiles(dir): %v, want is a directory", err)
	}
}

// TestReadKmsg: /dev/kmsg is read up to its newest record, not waited on.
func TestReadKmsg(t *testing.T) {
	l, err := ReadFiles("/dev/kmsg")
	if err != nil {
		t.Skipf("/dev/kmsg cannot be read here: %v", err)
	}
	if l.Lines == 0 {
		t.Errorf("/dev/kmsg: no lines read")
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
