package binscan

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// defaultDirs are where ld.so looks last on Debian x86-64.
var defaultDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"}

const (
	cacheMagicNew = "glibc-ld.so.cache1.1"
	cacheMagicOld = "ld.so-1.7.0"
	// flagX8664 is FLAG_X8664_LIB64|FLAG_ELF_LIBC6 in an entry's flags.
	flagX8664 = 0x0303
)

// parseLDCache returns soname -> path for the x86-64 libraries of an
// ld.so.cache in the "glibc-ld.so.cache1.1" format (alone, or after the
// old "ld.so-1.7.0" part). Earlier entries win, as in ld.so.
func parseLDCache(d []byte) map[string]string {
	out := map[string]string{}
	base := 0
	if bytes.HasPrefix(d, []byte(cacheMagicOld)) && len(d) >= 16 {
		n := int(binary.LittleEndian.Uint32(d[12:]))
		base = 16 + n*12
		base = (base + 7) &^ 7
		if i := bytes.Index(d, []byte(cacheMagicNew)); i >= 0 {
			base = i
		}
	}
	if base+48 > len(d) || string(d[base:base+len(cacheMagicNew)]) != cacheMagicNew {
		return out
	}
	n := int(binary.LittleEndian.Uint32(d[base+20:]))
	str := func(off uint32) string {
		// String offsets count from the start of the new-format header.
		o := base + int(off)
		if o < 0 || o >= len(d) {
			return ""
		}
		if e := bytes.IndexByte(d[o:], 0); e >= 0 {
			return string(d[o : o+e])
		}
		return ""
	}
	for i := 0; i < n; i++ {
		e := base + 48 + i*24
		if e+24 > len(d) {
			break
		}
		flags := int32(binary.LittleEndian.Uint32(d[e:]))
		if flags&0xffff != flagX8664 {
			continue
		}
		k, v := str(binary.LittleEndian.Uint32(d[e+4:])), str(binary.LittleEndian.Uint32(d[e+8:]))
		if _, ok := out[k]; !ok && k != "" {
			out[k] = v
		}
	}
	return out
}

// resolver finds the file a DT_NEEDED entry names, as ld.so would, under
// root ("" for the host's /).
type resolver struct {
	cache map[string]string
	root  string
}

func newResolver(root string) *resolver {
	r := &resolver{cache: map[string]string{}, root: root}
	if d, err := os.ReadFile(r.in("/etc/ld.so.cache")); err == nil {
		r.cache = parseLDCache(d)
	}
	return r
}

// maxLinks is how many symbolic links in.go follows in one path, as the
// kernel's MAXSYMLINKS.
const maxLinks = 40

// in returns the path by which seccompgen reaches p, a path as a process
// under r.root sees it: p under root, with every symbolic link resolved
// inside root (an absolute target starts again at root, ".." stops at
// it), as the kernel resolves it for that process.
func (r *resolver) in(p string) string {
	if r.root == "" || !filepath.IsAbs(p) {
		return p
	}
	var done []string // resolved components, under root
	rest := strings.Split(p, "/")
	links := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := r.root + "/" + strings.Join(append(done, c), "/")
		fi, err := os.Lstat(cur)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 || links >= maxLinks {
			done = append(done, c)
			continue
		}
		links++
		target, err := os.Readlink(cur)
		if err != nil {
			done = append(done, c)
			continue
		}
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return r.root + "/" + strings.Join(done, "/")
}

// find looks for needed on behalf of an object at path with the given
// RUNPATH and RPATH (RPATH applies only without RUNPATH), then in
// ld.so.cache, then in the default directories. loaderRpath is the
// executable's RPATH, which ld.so also searches for its dependencies.
func (r *resolver) find(needed, path string, runpath, rpath, loaderRpath []string) string {
	if strings.Contains(needed, "/") {
		return r.in(needed)
	}
	origin := filepath.Dir(path)
	try := func(dirs []string) string {
		for _, d := range dirs {
			// $ORIGIN is the object's own directory, a path seccompgen
			// reaches already; any other directory is under the root.
			rooted := !strings.Contains(d, "$ORIGIN") && !strings.Contains(d, "${ORIGIN}")
			d = strings.ReplaceAll(strings.ReplaceAll(d, "${ORIGIN}", origin), "$ORIGIN", origin)
			p := filepath.Join(d, needed)
			if rooted {
				p = r.in(p)
			}
			if isELF64(p) {
				return p
			}
		}
		return ""
	}
	if len(runpath) == 0 {
		if p := try(slices.Concat(rpath, loaderRpath)); p != "" {
			return p
		}
	} else if p := try(runpath); p != "" {
		return p
	}
	if p, ok := r.cache[needed]; ok && isELF64(r.in(p)) {
		return r.in(p)
	}
	return try(defaultDirs)
}

func isELF64(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var h [20]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		return false
	}
	return string(h[:4]) == "\x7fELF" && h[4] == 2 && binary.LittleEndian.Uint16(h[18:]) == 62
}
