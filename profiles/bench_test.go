package profiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// BenchmarkMerge reads and merges profiles of 10k and 120k conditional
// rules, the part of merge and run that is seccompgen's own: it grows
// linearly (libseccomp's part is BenchmarkValidate).
func BenchmarkMerge(b *testing.B) {
	for _, n := range []int{10_000, 120_000} {
		c := Cond{Name: "socket"}
		for v := range n {
			c.Values = append(c.Values, uint64(v))
		}
		p, err := Generate(Spec{ABIs: []string{"x86_64"}, Allow: []string{"execve"}, Conditional: []Cond{c}})
		if err != nil {
			b.Fatal(err)
		}
		// Compact, as a machine writes it: indented, 120k rules are
		// larger than ReadFile takes.
		var buf bytes.Buffer
		if err := json.Compact(&buf, p.Bytes()); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				p, err := Parse("p.json", data, testTarget)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Merge(p, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
