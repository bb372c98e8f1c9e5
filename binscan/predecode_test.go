package binscan

import (
	"os"
	"reflect"
	"runtime"
	"testing"
)

// TestPredecodeSame checks that decoding on other cores changes nothing:
// the object built with them equals the one built on one core, where scan
// decodes each function itself as it always did.
func TestPredecodeSame(t *testing.T) {
	bins := []string{libcPath, "/usr/bin/git", "/usr/bin/caddy"}
	if !testing.Short() {
		bins = append(bins, "/usr/bin/node")
	}
	for _, p := range bins {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		t.Run(baseName(p), func(t *testing.T) {
			defer f.Close()
			prev := runtime.GOMAXPROCS(1)
			one, err := buildObject(p, f)
			runtime.GOMAXPROCS(max(prev, 2))
			if err != nil {
				runtime.GOMAXPROCS(prev)
				t.Fatal(err)
			}
			many, err := buildObject(p, f)
			runtime.GOMAXPROCS(prev)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(one, many) {
				t.Errorf("%s: the object built decoding ahead differs from the one built on one core", p)
			}
		})
	}
}
