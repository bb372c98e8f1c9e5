package goruntime

import (
	"bufio"
	"embed"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// data holds the generated lists (go1.N-linux-GOARCH.txt, one per Go minor
// version and GOARCH) and the measured cgo list (cgo-glibc-linux-GOARCH.txt).
//
//go:embed data/*.txt
var data embed.FS

// entry is one syscall of a list and what the binary must link for the
// runtime to be able to issue it.
type entry struct {
	name string
	// needs: every group must have one of its symbols in the binary; nil
	// means always.
	needs [][]string
}

// list is one data file.
type list struct {
	version string // "go1.26", or "" for the cgo lists
	minor   int
	goarch  string
	entries []entry
}

var (
	lists    []*list              // runtime lists, sorted by goarch then minor
	cgoLists = map[string]*list{} // by goarch
)

var (
	runtimeFile = regexp.MustCompile(`^go1\.(\d+)-linux-(\w+)\.txt$`)
	cgoFile     = regexp.MustCompile(`^cgo-glibc-linux-(\w+)\.txt$`)
)

func init() {
	des, err := data.ReadDir("data")
	if err != nil {
		panic(err)
	}
	for _, de := range des {
		l, err := parseList(de.Name())
		if err != nil {
			panic(err) // embedded and tested: cannot happen in a built binary
		}
		if l.version == "" {
			cgoLists[l.goarch] = l
		} else {
			lists = append(lists, l)
		}
	}
	sort.Slice(lists, func(i, j int) bool {
		if lists[i].goarch != lists[j].goarch {
			return lists[i].goarch < lists[j].goarch
		}
		return lists[i].minor < lists[j].minor
	})
}

func parseList(name string) (*list, error) {
	l := &list{}
	if m := runtimeFile.FindStringSubmatch(name); m != nil {
		l.minor, _ = strconv.Atoi(m[1])
		l.version, l.goarch = "go1."+m[1], m[2]
	} else if m := cgoFile.FindStringSubmatch(name); m != nil {
		l.goarch = m[1]
	} else {
		return nil, fmt.Errorf("goruntime: data/%s: not a list name (go1.N-linux-GOARCH.txt or cgo-glibc-linux-GOARCH.txt)", name)
	}
	f, err := data.Open(path.Join("data", name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 {
			return nil, fmt.Errorf("goruntime: data/%s:%d: want 3 tab-separated fields (name, needs, source), got %d", name, n, len(fields))
		}
		e := entry{name: fields[0]}
		if fields[1] != "-" {
			for _, g := range strings.Split(fields[1], "+") {
				e.needs = append(e.needs, strings.Split(g, ","))
			}
		}
		l.entries = append(l.entries, e)
	}
	return l, s.Err()
}

// Versions returns the Go versions ("go1.26") that have a list for goarch,
// oldest first.
func Versions(goarch string) []string {
	var out []string
	for _, l := range lists {
		if l.goarch == goarch {
			out = append(out, l.version)
		}
	}
	return out
}

var goMinor = regexp.MustCompile(`go1\.(\d+)`)

// Minor returns N of a Go version string such as "go1.26.8", "go1.27rc1" or
// "devel go1.27-abcdef Tue ...".
func Minor(goVersion string) (int, bool) {
	m := goMinor.FindStringSubmatch(goVersion)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// lookup returns the list for goVersion on goarch: its own when there is
// one, else the nearest older one (a newer Go than seccompgen knows), else
// the oldest (an older Go), with a note saying which was used and why.
func lookup(goVersion, goarch string) (*list, string) {
	minor, ok := Minor(goVersion)
	if !ok {
		return nil, fmt.Sprintf("its Go version %q cannot be read", goVersion)
	}
	var older, oldest *list
	for _, l := range lists {
		if l.goarch != goarch {
			continue
		}
		if oldest == nil {
			oldest = l
		}
		switch {
		case l.minor == minor:
			return l, ""
		case l.minor < minor:
			older = l
		}
	}
	switch {
	case oldest == nil:
		return nil, fmt.Sprintf("seccompgen has no Go runtime list for linux/%s", goarch)
	case older != nil:
		return older, fmt.Sprintf("go1.%d is newer than any Go runtime seccompgen has a list for: using %s's list, which may miss syscalls go1.%d's runtime added (update seccompgen, or run `go generate ./goruntime` with Go 1.%d)", minor, older.version, minor, minor)
	default:
		return oldest, fmt.Sprintf("go1.%d is older than any Go runtime seccompgen has a list for: using %s's list, which may differ from go1.%d's runtime", minor, oldest.version, minor)
	}
}
