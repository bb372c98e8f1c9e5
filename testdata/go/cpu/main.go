// cpu keeps more goroutines busy in call-free loops than there are CPUs for
// -d: only asynchronous preemption (a signal to the thread) lets the
// scheduler share the CPUs. It prints "ok" and exits 0 when done.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

var sink atomic.Uint64

//go:noinline
func spin() {
	var x uint64 = 1
	for {
		// No calls in the loop: no cooperative preemption point.
		for i := uint64(0); i < 1<<16; i++ {
			x = x*6364136223846793005 + i
		}
		sink.Store(x)
	}
}

func main() {
	d := flag.Duration("d", 3*time.Second, "how long to spin")
	flag.Parse()
	for i := 0; i < 2*runtime.GOMAXPROCS(0)+1; i++ {
		go spin()
	}
	time.Sleep(*d)
	fmt.Println("ok", sink.Load() != 0)
}
