// cgo starts its threads through libc.
package main

// #include <unistd.h>
// static int pid(void) { return getpid(); }
import "C"

func main() { println(C.pid() > 0) }
