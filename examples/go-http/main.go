// go-http is an HTTP server on loopback with a ticker, which also drives
// itself with a client loop: it exercises the Go runtime's netpoller,
// timers, futexes and sysmon. It exits 0 after -requests requests.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
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
	var ticks atomic.Int64
	ticker := time.NewTicker(5 * time.Millisecond)
	defer ticker.Stop()
	go func() {
		for range ticker.C {
			ticks.Add(1)
		}
	}()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		fmt.Fprintf(w, "ticks=%d\n", ticks.Load())
	})
	go http.Serve(ln, mux)

	url := "http://" + ln.Addr().String() + "/"
	for i := 0; i < *requests; i++ {
		resp, err := http.Get(url)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	fmt.Printf("served %d requests\n", *requests)
}
