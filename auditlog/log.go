package auditlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"syscall"
)

// Log is what one log file held: its seccomp records, in order, and an
// account of every other line.
type Log struct {
	Records []Record
	// Lines counts the lines read; Other those that hold no seccomp
	// record (most of a dmesg).
	Lines, Other int
	// Malformed are lines that look like seccomp records but do not
	// parse: skipped, each with its line number and why.
	Malformed []Malformed
	// Duplicates counts records whose audit(TIME:SERIAL) stamp an
	// earlier record had (one event read from two logs): counted once.
	Duplicates int
	// Suppressed counts kernel messages the kernel itself said it
	// dropped, or audit events it lost (kauditd_printk_skb: N callbacks
	// suppressed; audit: audit_lost=N): the log is incomplete.
	Suppressed int
	// Overwritten counts /dev/kmsg records overwritten before they were
	// read.
	Overwritten int
}

// Malformed is a line that looks like a seccomp record but is not one.
type Malformed struct {
	Line int
	Err  error
}

// maxLine bounds a line: a longer one is skipped (as malformed when it
// starts a seccomp record), never held whole.
const maxLine = 1 << 20

// Read reads a log from r.
func Read(r io.Reader) (*Log, error) {
	l := &Log{}
	seen := map[string]bool{}
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, long, err := readLine(br)
		if line == "" && err == io.EOF {
			return l, nil
		}
		if err != nil && err != io.EOF {
			return l, err
		}
		l.add(line, long, seen)
		if err == io.EOF {
			return l, nil
		}
	}
}

// readLine returns the next line without its newline; long says it was
// longer than maxLine and only its start is returned.
func readLine(br *bufio.Reader) (string, bool, error) {
	var buf []byte
	long := false
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) <= maxLine {
			buf = append(buf, frag...)
		} else {
			long = true
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if n := len(buf); n > 0 && buf[n-1] == '\n' {
			buf = buf[:n-1]
		}
		return string(buf), long, err
	}
}

// suppressed matches the kernel's messages about audit records it dropped:
// printk's rate limit on audit's fallback to the kernel log (no auditd),
// and audit's own losses.
var suppressed = regexp.MustCompile(`kauditd_printk_skb: (\d+) callbacks suppressed|audit: audit_lost=(\d+)`)

func (l *Log) add(line string, long bool, seen map[string]bool) {
	l.Lines++
	rec, err := Parse(line)
	switch {
	case errors.Is(err, errNotSeccomp):
		l.Other++
		if m := suppressed.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1] + m[2])
			l.Suppressed += n
		}
	case long:
		l.Malformed = append(l.Malformed, Malformed{l.Lines, fmt.Errorf("line longer than %d bytes", maxLine)})
	case err != nil:
		l.Malformed = append(l.Malformed, Malformed{l.Lines, err})
	case rec.Serial != "" && seen[rec.Serial]:
		l.Duplicates++
	default:
		if rec.Serial != "" {
			seen[rec.Serial] = true
		}
		l.Records = append(l.Records, rec)
	}
}

// ReadFile reads the log at path: "-" is standard input; a character
// device (/dev/kmsg) is read record by record, without waiting, up to the
// newest record.
func ReadFile(path string) (*Log, error) {
	if path == "-" {
		l, err := Read(os.Stdin)
		if err != nil {
			return l, fmt.Errorf("standard input: %w", err)
		}
		return l, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Mode()&os.ModeCharDevice != 0 {
		return readKmsg(path)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory; give a log file", path)
	}
	l, err := Read(f)
	if err != nil {
		return l, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// readKmsg reads /dev/kmsg from its oldest record to its newest: one read
// returns one record; EAGAIN means there is no newer one yet, EPIPE that
// the reader fell behind and records were overwritten.
func readKmsg(path string) (*Log, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	l := &Log{}
	seen := map[string]bool{}
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(fd, buf)
		switch {
		case err == syscall.EAGAIN:
			return l, nil
		case err == syscall.EPIPE:
			l.Overwritten++
			continue
		case err == syscall.EINTR:
			continue
		case err != nil:
			return l, &os.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return l, nil
		}
		// "PRIO,SEQ,USEC,FLAGS;MESSAGE\n", then continuation lines
		// (" KEY=VALUE") that are no part of the message.
		rec := buf[:n]
		if i := bytes.IndexByte(rec, '\n'); i >= 0 {
			rec = rec[:i]
		}
		l.add(string(rec), false, seen)
	}
}
