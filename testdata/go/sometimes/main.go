// sometimes prints "idle", or, given "exec", runs /bin/true with os/exec
// and prints "exec: ok": a recording of it idle never starts a process,
// and what os/exec needs (clone, wait4 or waitid, pipe2, ...) is there
// only to be found in its code.
package main

import (
	"fmt"
	"os"
	"os/exec"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "exec" {
		fmt.Println("idle")
		return
	}
	if err := exec.Command("/bin/true").Run(); err != nil {
		fmt.Printf("exec: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("exec: ok")
}
