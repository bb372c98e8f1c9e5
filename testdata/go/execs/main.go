// execs runs /bin/true with os/exec and prints "os/exec: ok" or the error:
// under a profile that pins clone it shows that the Go runtime's process
// start (clone, or clone3 that falls back to clone on ENOSYS) still works.
package main

import (
	"fmt"
	"os/exec"
)

func main() {
	if err := exec.Command("/bin/true").Run(); err != nil {
		fmt.Printf("os/exec: %v\n", err)
		return
	}
	fmt.Println("os/exec: ok")
}
