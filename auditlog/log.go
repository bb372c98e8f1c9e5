package auditlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
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
	// Suppressed are the kernel's own words that it dropped messages or
	// lost audit events (kauditd_printk_skb: N callbacks suppressed;
	// audit: audit_lost=N), in order: the log is incomplete there.
	Suppressed []Suppressed
	// Overwritten counts /dev/kmsg records overwritten before they were
	// read.
	Overwritten int

	seen map[string]bool // the stamps of Records, the lines of Suppressed
	lost int             // the last audit_lost=N
	file string          // being read, for Malformed
}

// Suppressed is one message of the kernel about what it dropped: N
// messages or events, before it wrote this line, which came after the
// first After records of Records.
type Suppressed struct {
	After, N int
}

// SuppressedSince adds up what the kernel said it dropped after the first
// i records: what may be missing from the log from record i on.
func (l *Log) SuppressedSince(i int) int {
	n := 0
	for _, s := range l.Suppressed {
		if s.After > i {
			n += s.N
		}
	}
	return n
}

// Malformed is a line that looks like a seccomp record but is not one.
type Malformed struct {
	File string // as given; "" for Read's reader
	Line int
	Err  error
}

func (m Malformed) String() string {
	if m.File == "" {
		return fmt.Sprintf("line %d: %v", m.Line, m.Err)
	}
	return fmt.Sprintf("%s:%d: %v", m.File, m.Line, m.Err)
}

// maxLine bounds a line: a longer one is skipped (as malformed when it
// starts a seccomp record), never held whole.
const maxLine = 1 << 20

// Read reads a log from r.
func Read(r io.Reader) (*Log, error) {
	l := &Log{}
	return l, l.read(r)
}

func (l *Log) read(r io.Reader) error {
	lineNo := 0
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, long, err := readLine(br)
		if line == "" && err == io.EOF {
			return nil
		}
		if err != nil && err != io.EOF {
			return err
		}
		lineNo++
		l.add(lineNo, line, long)
		if err == io.EOF {
			return nil
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

func (l *Log) add(lineNo int, line string, long bool) {
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	l.Lines++
	line = journalMessage(line)
	rec, err := Parse(line)
	switch {
	case errors.Is(err, errNotSeccomp):
		l.Other++
		if m := suppressed.FindStringSubmatch(line); m != nil && !l.seen[line] {
			// A notice read twice (dmesg and journalctl -k) drops
			// nothing more.
			l.seen[line] = true
			n, _ := strconv.Atoi(m[1] + m[2])
			if m[2] != "" {
				// audit_lost counts since boot: what is new is
				// the rise since the last such line.
				n, l.lost = n-l.lost, n
			}
			if n > 0 {
				l.Suppressed = append(l.Suppressed, Suppressed{After: len(l.Records), N: n})
			}
		}
	case long:
		l.Malformed = append(l.Malformed, Malformed{l.file, lineNo, fmt.Errorf("line longer than %d bytes", maxLine)})
	case err != nil:
		l.Malformed = append(l.Malformed, Malformed{l.file, lineNo, err})
	case rec.Serial != "" && l.seen[rec.Serial]:
		l.Duplicates++
	default:
		if rec.Serial != "" {
			l.seen[rec.Serial] = true
		}
		l.Records = append(l.Records, rec)
	}
}

// ReadFiles reads the logs at paths into one Log, a record in two of
// them counted once. "-" is standard input; a character device
// (/dev/kmsg) is read record by record, without waiting, up to the newest
// record.
func ReadFiles(paths ...string) (*Log, error) {
	l := &Log{}
	for _, p := range paths {
		l.file = p
		if err := l.readFile(p); err != nil {
			return l, err
		}
	}
	l.file = ""
	return l, nil
}

func (l *Log) readFile(path string) error {
	if path == "-" {
		if err := l.read(os.Stdin); err != nil {
			return fmt.Errorf("standard input: %w", err)
		}
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Mode()&os.ModeCharDevice != 0 {
		return l.readKmsg(path)
	}
	if st.IsDir() {
		return fmt.Errorf("%s: is a directory; give a log file", path)
	}
	if err := l.read(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readKmsg reads /dev/kmsg from its oldest record to its newest: one read
// returns one record; EAGAIN means there is no newer one yet, EPIPE that
// the reader fell behind and records were overwritten.
func (l *Log) readKmsg(path string) error {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	buf := make([]byte, 64<<10)
	lineNo := 0
	for {
		n, err := syscall.Read(fd, buf)
		switch {
		case err == syscall.EAGAIN:
			return nil
		case err == syscall.EPIPE:
			l.Overwritten++
			continue
		case err == syscall.EINTR:
			continue
		case err != nil:
			return &os.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return nil
		}
		// "PRIO,SEQ,USEC,FLAGS;MESSAGE\n", then continuation lines
		// (" KEY=VALUE") that are no part of the message.
		rec := buf[:n]
		if i := bytes.IndexByte(rec, '\n'); i >= 0 {
			rec = rec[:i]
		}
		lineNo++
		l.add(lineNo, string(rec), false)
	}
}

// journalMessage returns the MESSAGE of a line of journalctl -o json (or
// json-pretty's one-line cousin, -o json-seq without its RS), where the
// record's quotes are JSON-escaped, and any other line as it is. journald
// writes a MESSAGE that is not valid UTF-8 as an array of bytes.
func journalMessage(line string) string {
	t := strings.TrimLeft(line, "\x1e ")
	if !strings.HasPrefix(t, "{") || !strings.Contains(t, `"MESSAGE"`) {
		return line
	}
	var entry struct {
		Message json.RawMessage `json:"MESSAGE"`
	}
	if json.Unmarshal([]byte(t), &entry) != nil {
		return line
	}
	var text string
	if json.Unmarshal(entry.Message, &text) == nil {
		return text
	}
	var raw []byte
	var ints []int
	if json.Unmarshal(entry.Message, &ints) == nil {
		for _, i := range ints {
			raw = append(raw, byte(i))
		}
		return string(raw)
	}
	return line
}
