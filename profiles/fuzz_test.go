package profiles

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the parser arbitrary bytes: it must never panic, and
// whatever it accepts must write out canonically and read back to the same
// bytes, as a profile and as a SeccompProfile resource. The seed corpus is
// testdata/fuzz/FuzzParse plus every profile under testdata/profiles and
// testdata/spo.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/profiles/*.json")
	if err != nil {
		f.Fatal(err)
	}
	spo, _ := filepath.Glob("testdata/spo/*.yaml")
	files = append(files, spo...)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.json", data, testTarget)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out := p.Bytes()
		q, err := Parse("fuzz.json", out, testTarget)
		if err != nil {
			t.Fatalf("reading back what was written: %v\n%s", err, out)
		}
		if again := q.Bytes(); string(again) != string(out) {
			t.Fatalf("not canonical:\nfirst:\n%s\nsecond:\n%s", out, again)
		}
		if y, err := p.SPOBytes(SPOMeta{Name: "fuzz"}); err == nil {
			r, err := Parse("fuzz.yaml", y, testTarget)
			if err != nil {
				t.Fatalf("reading back the resource written: %v\n%s", err, y)
			}
			if again, _ := r.SPOBytes(SPOMeta{Name: "fuzz"}); string(again) != string(y) {
				t.Fatalf("resource not canonical:\nfirst:\n%s\nsecond:\n%s", y, again)
			}
		}
		// Everything downstream must cope with whatever parsed.
		_ = Diff(p, q).Text("a", "b")
		_, _ = Merge(p, q)
	})
}
