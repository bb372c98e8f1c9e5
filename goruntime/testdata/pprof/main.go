// pprof links the CPU profiler.
package main

import (
	"io"
	"runtime/pprof"
)

func main() {
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		panic(err)
	}
	pprof.StopCPUProfile()
}
