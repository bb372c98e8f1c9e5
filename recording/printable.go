package recording

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s (a process name, an executable's path: chosen by the
// workload) ready to print on a line of its own: unchanged when it is plain
// printable text, else Go-quoted ("\n::error::x"), so a name cannot break
// the line or inject what a CI log parser takes for an annotation.
func Printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || r == '"' || r == '\\' }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// EscapeControls returns line with its control and other non-printable
// characters escaped Go-style and nothing else changed: the last guard for a
// message that may carry workload-chosen text.
func EscapeControls(line string) string {
	if strings.IndexFunc(line, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return line
	}
	var b strings.Builder
	for _, r := range line {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}
