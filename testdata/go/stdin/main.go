// stdin reads its standard input to the end and prints "ok": a Go program
// whose lifetime the test controls.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
		fmt.Println("read:", err)
		os.Exit(1)
	}
	fmt.Println("ok")
}
