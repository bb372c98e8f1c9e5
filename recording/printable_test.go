package recording

import "testing"

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, printable, escaped string }{
		{"app", "app", "app"},
		{"my prog", "my prog", "my prog"},
		{"\n::error::x", `"\n::error::x"`, `\n::error::x`},
		{"a\tb\x1b[31m", `"a\tb\x1b[31m"`, `a\tb\x1b[31m`},
		{`say "hi"`, `"say \"hi\""`, `say "hi"`},
		{"bad\xffutf8", `"bad\xffutf8"`, "bad\xffutf8"},
	} {
		if got := Printable(tc.in); got != tc.printable {
			t.Errorf("Printable(%q) = %s, want %s", tc.in, got, tc.printable)
		}
		if got := EscapeControls(tc.in); got != tc.escaped {
			t.Errorf("EscapeControls(%q) = %s, want %s", tc.in, got, tc.escaped)
		}
	}
}
