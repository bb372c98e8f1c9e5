// alloc allocates hard for -d: a churning live heap of tens of MiB keeps
// the garbage collector busy, and the background scavenger returning freed
// pages to the kernel (madvise, munmap, and the timer it sleeps on, which
// arms the netpoller) has work. It prints "ok" and exits 0 when done.
package main

import (
	"flag"
	"fmt"
	"time"
)

func main() {
	d := flag.Duration("d", 3*time.Second, "how long to allocate")
	flag.Parse()
	deadline := time.Now().Add(*d)
	var live [256][]byte
	var sum int
	for i := 0; time.Now().Before(deadline); i++ {
		// Sizes up to 1 MiB: large objects come straight from the page
		// heap, small ones from spans, so both are freed and scavenged.
		size := 1 << (10 + i%11)
		b := make([]byte, size)
		b[size-1] = byte(i)
		live[i%len(live)] = b
		if live[(i*7)%len(live)] != nil {
			sum++
		}
		if i%4096 == 0 {
			// Drop the whole live set now and then: the heap shrinks and
			// the scavenger has pages to return.
			live = [256][]byte{}
		}
	}
	fmt.Println("ok", sum > 0)
}
