// Command binscan prints what binscan infers for each executable given,
// with the reasons: a debugging aid, not part of seccompgen's CLI.
//
//	go run ./binscan/internal/cmd/binscan [-loaded LIB,...] [-nocache] [-nocut] [-all] [-cpuprofile FILE] PATH...
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/seccompgen/seccompgen/binscan"
)

func main() {
	loaded := flag.String("loaded", "", "comma-separated libraries the process dlopen'ed")
	nocache := flag.Bool("nocache", false, "analyse afresh, write no cache")
	nocut := flag.Bool("nocut", false, "follow every path, dying ones included")
	cut := flag.String("cut", "", "comma-separated functions to cut on top of the default")
	all := flag.Bool("all", false, "print every explanation kept, not just the first")
	brief := flag.Bool("brief", false, "print one line per binary")
	trace := flag.Bool("trace", false, "show the chain of functions inside each library")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		pprof.StartCPUProfile(f)
	}
	status := 0
	for _, p := range flag.Args() {
		opts := binscan.Options{NoCache: *nocache, Trace: *trace}
		if *loaded != "" {
			opts.Loaded = strings.Split(*loaded, ",")
		}
		if *nocut {
			opts.Cut = []string{}
		}
		if *cut != "" {
			opts.Cut = append(binscan.DefaultCut(false), strings.Split(*cut, ",")...)
		}
		t0 := time.Now()
		r, err := binscan.Analyze(p, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		fmt.Printf("%s: %s, %d syscalls, %d unresolved, %d libraries, %v\n", r.Binary, r.Kind, len(r.Syscalls), r.Unresolved, len(r.Libraries), time.Since(t0).Round(time.Millisecond))
		if *brief {
			continue
		}
		for _, n := range r.Notes {
			fmt.Printf("  note: %s\n", n)
		}
		for _, s := range r.Syscalls {
			via := s.Via
			if !*all && len(via) > 1 {
				via = via[:1]
			}
			fmt.Printf("  %3d %-22s %s\n", s.Nr, s.Name, strings.Join(via, "; "))
		}
	}
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	os.Exit(status)
}
