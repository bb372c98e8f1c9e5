package binscan

import (
	"os"
	"testing"
)

const libcPath = "/lib/x86_64-linux-gnu/libc.so.6"

// BenchmarkAnalyzeLibcCold measures the expensive part: disassembling
// libc.so.6 and building its function map, with no cache.
func BenchmarkAnalyzeLibcCold(b *testing.B) {
	f, err := os.Open(libcPath)
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	for b.Loop() {
		if _, err := buildObject(libcPath, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyzeWarm measures Analyze of a dynamically linked program
// whose files are all in the cache: what record pays on every run.
func BenchmarkAnalyzeWarm(b *testing.B) {
	p := buildC(b, "forkwait.c")
	for _, prog := range []string{p, "/usr/bin/git"} {
		if _, err := os.Stat(prog); err != nil {
			continue
		}
		b.Run(baseName(prog), func(b *testing.B) {
			opts := Options{CacheDir: b.TempDir()}
			if _, err := Analyze(prog, opts); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Analyze(prog, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
