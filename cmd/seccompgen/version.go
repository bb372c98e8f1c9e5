package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

var cmdVersion = &command{
	Name:      "version",
	UsageLine: "version",
	Short:     "print seccompgen's version",
	Long:      "Version prints seccompgen's version, the Go version it was built with and the platform.",
	Example:   "\tseccompgen version",
	UsageExit: exitTrouble,
	Run:       runVersion,
}

func runVersion(c *command, args []string) int {
	v := version
	if v == "" {
		v = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			v = bi.Main.Version
		}
	}
	fmt.Printf("seccompgen %s %s %s/%s\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}
