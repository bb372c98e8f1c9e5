// go-http serves HTTP on loopback to its own client for -requests
// requests, with timers running (a ticker, a timer per request that is
// mostly stopped before it fires, a read deadline) and, every 100 requests
// and at the end, a forced garbage collection that returns memory to the
// kernel. It prints "served N" and exits 0.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync/atomic"
	"time"
)

func main() {
	requests := flag.Int("requests", 50, "requests to serve before exiting")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var ticks, fired atomic.Int64
	ticker := time.NewTicker(2 * time.Millisecond)
	defer ticker.Stop()
	go func() {
		for range ticker.C {
			ticks.Add(1)
		}
	}()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t := time.AfterFunc(time.Millisecond, func() { fired.Add(1) })
		buf := make([]byte, 64<<10) // garbage for the collector
		buf[len(buf)-1] = 1
		if len(buf)%2 == 0 {
			t.Stop()
		}
		fmt.Fprintf(w, "ticks=%d fired=%d\n", ticks.Load(), fired.Load())
	})
	srv := &http.Server{Handler: mux, ReadTimeout: 5 * time.Second, IdleTimeout: time.Second}
	go srv.Serve(ln)

	url := "http://" + ln.Addr().String() + "/"
	for i := 1; i <= *requests; i++ {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if i%100 == 0 {
			debug.FreeOSMemory()
		}
	}
	debug.FreeOSMemory()
	fmt.Printf("served %d\n", *requests)
}
