package auditlog

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seccompgen/seccompgen/recording"
)

// The AUDIT_ARCH_* values of the x86 ABIs (linux/audit.h). x32 shares
// x86_64's and sets bit 30 of the syscall number instead.
const (
	ArchX86_64 = 0xc000003e
	ArchI386   = 0x40000003
	x32Bit     = 0x40000000 // __X32_SYSCALL_BIT
)

// Record is one seccomp audit record: a syscall a filter logged, refused
// or killed for.
type Record struct {
	// Serial is the record's audit(TIME:SERIAL) stamp, "" when the format
	// drops it (journald's "SECCOMP ..." lines): one event written to two
	// logs has one stamp.
	Serial string
	PID    int
	// Comm and Exe are the process's name and executable, decoded when
	// audit hex-encoded them (a name with a space, a quote, a control or
	// non-ASCII byte); Exe is "" when the record has none ("(null)").
	Comm, Exe string
	Arch      uint32 // AUDIT_ARCH_*
	Syscall   uint64 // as logged: an x32 number carries bit 30
	Signal    int
	// Code is the filter's return value: the SECCOMP_RET_* action and
	// its data (the errno of ERRNO).
	Code uint32
}

// ABI returns the ABI of r's syscall and its number in that ABI's table;
// false for an architecture that is not x86's.
func (r Record) ABI() (recording.ABI, int, bool) {
	switch {
	case r.Arch == ArchX86_64 && r.Syscall&x32Bit != 0:
		return recording.X32, int(r.Syscall &^ x32Bit), true
	case r.Arch == ArchX86_64:
		return recording.X86_64, int(r.Syscall), true
	case r.Arch == ArchI386:
		return recording.I386, int(r.Syscall), true
	}
	return "", 0, false
}

// Action names what the filter did, as seccomp's actions_logged names it:
// "log", "errno EPERM" (with the errno), "kill_process", "kill_thread",
// "trap", "trace", "user_notif", "allow".
func (r Record) Action() string {
	switch r.Code & 0xffff0000 {
	case 0x80000000:
		return "kill_process"
	case 0x00000000:
		return "kill_thread"
	case 0x00030000:
		return "trap"
	case 0x00050000:
		return fmt.Sprintf("errno %d", r.Code&0xffff)
	case 0x7fc00000:
		return "user_notif"
	case 0x7ff00000:
		return "trace"
	case 0x7ffc0000:
		return "log"
	case 0x7fff0000:
		return "allow"
	}
	return fmt.Sprintf("code %#x", r.Code)
}

// markers start a seccomp record on a line, whatever came before it: the
// kernel's printk ("audit: type=1326 audit(T:S): ..."), auditd's
// audit.log ("type=SECCOMP msg=audit(T:S): ..."), and journald's own audit
// reader ("audit[4242]: SECCOMP auid=...").
var markers = []string{"type=1326 ", "type=SECCOMP ", ": SECCOMP "}

// find returns the part of line after a seccomp record's marker, or false
// when line holds no seccomp record.
func find(line string) (string, bool) {
	for _, m := range markers {
		if i := strings.Index(line, m); i >= 0 {
			return line[i+len(m):], true
		}
	}
	return "", false
}

// errNotSeccomp: the line holds no seccomp record.
var errNotSeccomp = errors.New("no seccomp record")

// Parse returns the seccomp record on line. The error is errNotSeccomp
// for a line without one, else it says what is wrong with the record.
func Parse(line string) (Record, error) {
	rest, ok := find(line)
	if !ok {
		return Record{}, errNotSeccomp
	}
	// auditd's enriched format appends its interpretations after a GS
	// byte (ARCH=x86_64 SYSCALL=getppid ...): the raw fields come first.
	if i := strings.IndexByte(rest, 0x1d); i >= 0 {
		rest = rest[:i]
	}
	var r Record
	if s, ok := strings.CutPrefix(rest, "msg="); ok {
		rest = s
	}
	if s, ok := strings.CutPrefix(rest, "audit("); ok {
		// "audit(TIME:SERIAL):", or "audit(DATE TIME:SERIAL) :" as
		// ausearch -i writes it.
		end := strings.IndexByte(s, ')')
		after, ok := strings.CutPrefix(strings.TrimLeft(s[end+1:], " "), ":")
		if end < 0 || !ok {
			return r, errors.New(`audit( stamp without "):"`)
		}
		r.Serial, rest = s[:end], after
	}
	fields, err := split(rest)
	if err != nil {
		return r, err
	}
	var missing []string
	need := func(key string) string {
		v, ok := fields[key]
		if !ok {
			missing = append(missing, key)
		}
		return v
	}
	arch, nr, code := need("arch"), need("syscall"), need("code")
	if len(missing) > 0 {
		return r, fmt.Errorf("no %s field", strings.Join(missing, ", "))
	}
	a, err := strconv.ParseUint(arch, 16, 32)
	if err != nil {
		return r, fmt.Errorf("arch=%s: not a hexadecimal AUDIT_ARCH value (ausearch -i output is interpreted: give the raw log)", arch)
	}
	r.Arch = uint32(a)
	if r.Syscall, err = strconv.ParseUint(nr, 10, 32); err != nil {
		return r, fmt.Errorf("syscall=%s: not a number (ausearch -i output is interpreted: give the raw log)", nr)
	}
	c, err := strconv.ParseUint(strings.TrimPrefix(code, "0x"), 16, 32)
	if err != nil {
		return r, fmt.Errorf("code=%s: not a hexadecimal seccomp return value", code)
	}
	r.Code = uint32(c)
	if v, ok := fields["pid"]; ok {
		if r.PID, err = strconv.Atoi(v); err != nil {
			return r, fmt.Errorf("pid=%s: not a number", v)
		}
	}
	if v, ok := fields["sig"]; ok {
		if r.Signal, err = strconv.Atoi(v); err != nil {
			return r, fmt.Errorf("sig=%s: not a number", v)
		}
	}
	if r.Comm, err = untrusted(fields["comm"]); err != nil {
		return r, fmt.Errorf("comm: %w", err)
	}
	if v := fields["exe"]; v != "(null)" {
		if r.Exe, err = untrusted(v); err != nil {
			return r, fmt.Errorf("exe: %w", err)
		}
	}
	return r, nil
}

// split returns the KEY=VALUE fields of a record, a quoted value without
// its quotes (audit hex-encodes every value with a quote in it, so a
// quoted value holds none) and the first of a repeated key.
func split(s string) (map[string]string, error) {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return out, nil
		}
		eq := strings.IndexByte(s, '=')
		sp := strings.IndexByte(s, ' ')
		if eq < 0 || (sp >= 0 && sp < eq) {
			// A word without "=" (a prefix a log added): skip it.
			if sp < 0 {
				return out, nil
			}
			s = s[sp:]
			continue
		}
		key := s[:eq]
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%s: unterminated quote", key)
			}
			val, s = `"`+s[1:1+end]+`"`, s[2+end:]
		} else if sp := strings.IndexByte(s, ' '); sp >= 0 {
			val, s = s[:sp], s[sp:]
		} else {
			val, s = s, ""
		}
		if _, ok := out[key]; !ok {
			out[key] = val
		}
		if s == "" {
			return out, nil
		}
	}
}

// untrusted decodes a string audit logged with audit_log_untrustedstring:
// quoted as it is, or hex-encoded when it has a byte audit will not print
// plainly. "" stays "".
func untrusted(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1], nil
	}
	b, err := hex.DecodeString(v)
	if err != nil {
		return "", fmt.Errorf("%q is neither quoted nor hex-encoded", v)
	}
	return string(b), nil
}
