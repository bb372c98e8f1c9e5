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

// resolver finds the file a DT_NEEDED entry names, as ld.so would.
type resolver struct {
	cache map[string]string
}

func newResolver() *resolver {
	r := &resolver{cache: map[string]string{}}
	if d, err := os.ReadFile("/etc/ld.so.cache"); err == nil {
		r.cache = parseLDCache(d)
	}
	return r
}

// find looks for needed on behalf of an object at path with the given
// RUNPATH and RPATH (RPATH applies only without RUNPATH), then in
// ld.so.cache, then in the default directories. loaderRpath is the
// executable's RPATH, which ld.so also searches for its dependencies.
func (r *resolver) find(needed, path string, runpath, rpath, loaderRpath []string) string {
	if strings.Contains(needed, "/") {
		return needed
	}
	origin := filepath.Dir(path)
	try := func(dirs []string) string {
		for _, d := range dirs {
			d = strings.ReplaceAll(strings.ReplaceAll(d, "${ORIGIN}", origin), "$ORIGIN", origin)
			p := filepath.Join(d, needed)
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
	if p, ok := r.cache[needed]; ok && isELF64(p) {
		return p
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
