package profiles

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Comparison is what two profiles let through, name by name. Make one with
// Diff.
type Comparison struct {
	a, b side
}

// side is one profile of a Comparison.
type side struct {
	name     string
	about    string   // what the summary adds after the name
	lets     []string // allowed with or without conditions
	cond     []string
	deny     []string
	verdicts map[string]*verdict
	deflt    string
	archs    []string
	warning  string // about the default action: Profile.DefaultWarning
	nothing  bool   // confines nothing: Profile.ConfinesNothing
}

func newSide(p *Profile) side {
	allow, cond, deny, v := p.sets()
	s := side{name: p.name, about: p.about, cond: cond, deny: deny, verdicts: v, deflt: p.defaultText(),
		warning: p.DefaultWarning(), nothing: p.ConfinesNothing()}
	s.lets = append(slices.Clone(allow), cond...)
	slices.Sort(s.lets)
	for _, a := range p.spec.Architectures {
		s.archs = append(s.archs, archName(a))
	}
	return s
}

// Diff compares what a and b let through.
func Diff(a, b *Profile) *Comparison {
	return &Comparison{a: newSide(a), b: newSide(b)}
}

// minus returns the sorted names in x and not in y; both sorted.
func minus(x, y []string) []string {
	out := []string{}
	for _, n := range x {
		if _, ok := slices.BinarySearch(y, n); !ok {
			out = append(out, n)
		}
	}
	return out
}

func both(x, y []string) []string {
	out := []string{}
	for _, n := range x {
		if _, ok := slices.BinarySearch(y, n); ok {
			out = append(out, n)
		}
	}
	return out
}

// condDiffers lists the names both sides let through where one needs
// conditions the other does not, or the conditions differ.
func (c *Comparison) condDiffers() []string {
	out := []string{}
	for _, n := range both(c.a.lets, c.b.lets) {
		va, vb := c.a.verdicts[n], c.b.verdicts[n]
		ca, cb := va != nil && va.kind == conditional, vb != nil && vb.kind == conditional
		if ca != cb || ca && !sameSet(va.conds, vb.conds) {
			out = append(out, n)
		}
	}
	return out
}

// Differs reports whether the profiles let through different things:
// other names, other argument conditions, or other architectures. Which
// errno a denied syscall gets does not count.
func (c *Comparison) Differs() bool {
	return !slices.Equal(c.a.lets, c.b.lets) || len(c.condDiffers()) > 0 || !slices.Equal(c.a.archs, c.b.archs)
}

func (c *Comparison) names(aName, bName string) (string, string) {
	if aName == "" {
		aName = c.a.name
	}
	if bName == "" {
		bName = c.b.name
	}
	return aName, bName
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Summary returns the comparison's one line: how many syscalls each side
// allows and how many fewer and more a allows than b. Docker's default
// profile is named with the target it was resolved for.
func (c *Comparison) Summary(aName, bName string) string {
	aName, bName = c.names(aName, bName)
	if c.a.about != "" {
		aName += " (" + c.a.about + ")"
	}
	if c.b.about != "" {
		bName += " (" + c.b.about + ")"
	}
	onlyA, onlyB := minus(c.a.lets, c.b.lets), minus(c.b.lets, c.a.lets)
	s := fmt.Sprintf("%s allows %s; %s allows %d; ", aName, plural(len(c.a.lets), "syscall", "syscalls"), bName, len(c.b.lets))
	if len(onlyA) == 0 && len(onlyB) == 0 {
		return s + "the same set"
	}
	return s + fmt.Sprintf("%d fewer, %d beyond it", len(onlyB), len(onlyA))
}

// summary compares p with Docker's default profile resolved for t and
// returns the comparison's one-line summary. name is how to call p
// ("app.json"); "" uses p's name, or "the profile".
func summary(p *Profile, name string, t Target) (string, error) {
	d, err := DockerDefault(t)
	if err != nil {
		return "", err
	}
	if name == "" {
		name = p.name
	}
	if name == "" {
		name = "the profile"
	}
	return Diff(p, d).Summary(name, ""), nil
}

// Text is the comparison for a person: the summary, the names only one side
// allows, names whose conditions differ, the explicit denies side by side,
// the default actions and the architectures. Names ending in "*" are allowed
// only under argument conditions. Empty names default to the profiles'.
func (c *Comparison) Text(aName, bName string) string {
	aName, bName = c.names(aName, bName)
	var b strings.Builder
	b.WriteString(c.Summary(aName, bName) + "\n")
	mark := func(s side, names []string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = n
			if v := s.verdicts[n]; v != nil && v.kind == conditional {
				out[i] += "*"
			}
		}
		return out
	}
	onlyA, onlyB := minus(c.a.lets, c.b.lets), minus(c.b.lets, c.a.lets)
	if len(onlyA) > 0 {
		fmt.Fprintf(&b, "\nOnly %s allows (%d):\n%s", aName, len(onlyA), columns(mark(c.a, onlyA)))
	}
	if len(onlyB) > 0 {
		fmt.Fprintf(&b, "\nOnly %s allows (%d):\n%s", bName, len(onlyB), columns(mark(c.b, onlyB)))
	}
	if len(onlyA)+len(onlyB) > 0 && (len(c.a.cond) > 0 || len(c.b.cond) > 0) {
		b.WriteString("(* only under argument conditions)\n")
	}
	if cd := c.condDiffers(); len(cd) > 0 {
		fmt.Fprintf(&b, "\nBoth allow, under different conditions (%d):\n", len(cd))
		for _, n := range cd {
			fmt.Fprintf(&b, "  %s\n%s%s", n, wrap("    "+aName+": "+condText(c.a.verdicts[n])), wrap("    "+bName+": "+condText(c.b.verdicts[n])))
		}
	}
	if denies := union(c.a.deny, c.b.deny); len(denies) > 0 {
		fmt.Fprintf(&b, "\nExplicit denies (%d):\n", len(denies))
		w := 0
		for _, n := range denies {
			w = max(w, len(n))
		}
		for _, n := range denies {
			fmt.Fprintf(&b, "  %-*s  %s\n", w+1, n+":", c.denyText(n, bName))
		}
	}
	fmt.Fprintf(&b, "\nEverything else: %s here, %s in %s.\n", c.a.deflt, c.b.deflt, bName)
	fmt.Fprintf(&b, "Architectures: %s here; %s in %s.\n", archList(c.a.archs), archList(c.b.archs), bName)
	for _, s := range []struct{ name, warning string }{{aName, c.a.warning}, {bName, c.b.warning}} {
		if s.warning != "" {
			b.WriteString(wrap(fmt.Sprintf("Note: %s: %s.", s.name, s.warning)))
		}
	}
	return b.String()
}

func archList(a []string) string {
	if len(a) == 0 {
		return "native only"
	}
	return strings.Join(a, " ")
}

// condText says when a name gets through: "always", or per action the
// alternatives, "allow if arg0 == 0x1 or arg0 == 0x2".
func condText(v *verdict) string {
	if v == nil || v.kind != conditional {
		return "always"
	}
	var order []string
	alts := map[string][]string{}
	for _, r := range v.rules {
		a := describe(r.Action, r.ErrnoRet)
		if alts[a] == nil {
			order = append(order, a)
		}
		if t := argsText(r.Args); !slices.Contains(alts[a], t) {
			alts[a] = append(alts[a], t)
		}
	}
	parts := make([]string, len(order))
	for i, a := range order {
		parts[i] = a + " if " + strings.Join(alts[a], " or ")
	}
	return strings.Join(parts, "; ")
}

// wrap breaks a line to fit 80 columns, continuing with a
// deeper indent, and ends it with a newline.
func wrap(line string) string {
	const width, indent = 80, "        "
	var b strings.Builder
	for len(line) > width {
		// Break after " or " where possible, so a condition stays whole.
		i := strings.LastIndex(line[:width], " or ")
		skip := len(" or")
		if i <= len(indent) {
			i, skip = strings.LastIndexByte(line[:width], ' '), 0
		}
		if i <= len(indent) {
			break
		}
		b.WriteString(line[:i+skip] + "\n")
		line = indent + line[i+skip+1:]
	}
	b.WriteString(line + "\n")
	return b.String()
}

// denyText says what both sides do with a name at least one denies
// explicitly: "denied here (EPERM), allowed by docker-default".
func (c *Comparison) denyText(n, bName string) string {
	va, vb := c.a.verdicts[n], c.b.verdicts[n]
	da, db := va != nil && va.kind == denied, vb != nil && vb.kind == denied
	switch {
	case da && db:
		if va.action == vb.action {
			return fmt.Sprintf("denied by both (%s)", va.action)
		}
		return fmt.Sprintf("denied by both (%s here, %s in %s)", va.action, vb.action, bName)
	case da:
		return fmt.Sprintf("denied here (%s), %s", va.action, otherText(vb, c.b.deflt, "by "+bName, "in "+bName))
	default:
		return fmt.Sprintf("denied by %s (%s), %s", bName, vb.action, otherText(va, c.a.deflt, "here", "here"))
	}
}

func otherText(v *verdict, deflt, by, in string) string {
	switch {
	case v == nil:
		if deflt == "allow" || deflt == "log" {
			return "allowed " + by + " (default)"
		}
		return fmt.Sprintf("denied by default %s (%s)", in, deflt)
	case v.kind == conditional:
		return "allowed " + by + " under argument conditions"
	}
	return "allowed " + by
}

func union(x, y []string) []string {
	out := append(slices.Clone(x), y...)
	slices.Sort(out)
	return slices.Compact(out)
}

// columns lays names out in as many columns as fit 80-character lines,
// down each column first, as ls does.
func columns(names []string) string {
	const indent, gap, width = 2, 2, 80
	cols, rows := 1, len(names)
	var widths []int
	for c := len(names); c >= 1; c-- {
		r := (len(names) + c - 1) / c
		if (len(names)+r-1)/r != c {
			continue // c columns would leave the last one empty
		}
		w := make([]int, c)
		total := indent + gap*(c-1)
		for i, n := range names {
			w[i/r] = max(w[i/r], len(n))
		}
		for _, x := range w {
			total += x
		}
		if total <= width {
			cols, rows, widths = c, r, w
			break
		}
	}
	var b strings.Builder
	for r := 0; r < rows; r++ {
		line := strings.Repeat(" ", indent)
		for c := 0; c < cols; c++ {
			i := c*rows + r
			if i >= len(names) {
				break
			}
			if c > 0 {
				line += strings.Repeat(" ", gap)
			}
			line += fmt.Sprintf("%-*s", widths[c], names[i])
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}

// comparisonJSON fixes the key order of the JSON form.
type comparisonJSON struct {
	A              string   `json:"a"`
	B              string   `json:"b"`
	Differ         bool     `json:"differ"`
	AllowedOnlyInA []string `json:"allowed_only_in_a"`
	AllowedOnlyInB []string `json:"allowed_only_in_b"`
	AllowedInBoth  []string `json:"allowed_in_both"`
	ConditionalInA []string `json:"conditional_in_a"`
	ConditionalInB []string `json:"conditional_in_b"`
	DeniedInA      []string `json:"denied_in_a"`
	DeniedInB      []string `json:"denied_in_b"`
	DefaultA       string   `json:"default_action_a"`
	DefaultB       string   `json:"default_action_b"`
	ArchesA        []string `json:"architectures_a"`
	ArchesB        []string `json:"architectures_b"`
	// A default action that allows and no rule that refuses.
	ConfinesNothingA bool   `json:"confines_nothing_a"`
	ConfinesNothingB bool   `json:"confines_nothing_b"`
	Counts           counts `json:"counts"`
}

type counts struct {
	AllowedA       int `json:"allowed_a"`
	AllowedB       int `json:"allowed_b"`
	AllowedOnlyInA int `json:"allowed_only_in_a"`
	AllowedOnlyInB int `json:"allowed_only_in_b"`
	AllowedInBoth  int `json:"allowed_in_both"`
	ConditionalInA int `json:"conditional_in_a"`
	ConditionalInB int `json:"conditional_in_b"`
	DeniedInA      int `json:"denied_in_a"`
	DeniedInB      int `json:"denied_in_b"`
}

// JSON is the comparison for machines: sorted name arrays (allowed_* count
// conditional names as allowed; conditional_* says which they are), the
// default actions, the architectures and the counts, indented, with a
// trailing newline.
func (c *Comparison) JSON(aName, bName string) []byte {
	aName, bName = c.names(aName, bName)
	j := comparisonJSON{
		A: aName, B: bName, Differ: c.Differs(),
		AllowedOnlyInA: minus(c.a.lets, c.b.lets),
		AllowedOnlyInB: minus(c.b.lets, c.a.lets),
		AllowedInBoth:  both(c.a.lets, c.b.lets),
		ConditionalInA: nonNil(c.a.cond), ConditionalInB: nonNil(c.b.cond),
		DeniedInA: nonNil(c.a.deny), DeniedInB: nonNil(c.b.deny),
		DefaultA: c.a.deflt, DefaultB: c.b.deflt,
		ArchesA: nonNil(c.a.archs), ArchesB: nonNil(c.b.archs),
		ConfinesNothingA: c.a.nothing, ConfinesNothingB: c.b.nothing,
	}
	j.Counts = counts{
		AllowedA: len(c.a.lets), AllowedB: len(c.b.lets),
		AllowedOnlyInA: len(j.AllowedOnlyInA), AllowedOnlyInB: len(j.AllowedOnlyInB),
		AllowedInBoth:  len(j.AllowedInBoth),
		ConditionalInA: len(j.ConditionalInA), ConditionalInB: len(j.ConditionalInB),
		DeniedInA: len(j.DeniedInA), DeniedInB: len(j.DeniedInB),
	}
	data, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		panic(err) // plain values only: cannot fail
	}
	return append(data, '\n')
}
