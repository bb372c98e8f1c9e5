// Command seccompgen writes seccomp profiles from what a program really does.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

// Exit statuses shared by the commands that start a workload (as env(1) and
// timeout(1) use them) and by the diff(1)-style commands.
const (
	exitFailure  = 125 // seccompgen itself failed, usage errors included
	exitNoExec   = 126 // CMD was found but cannot be run
	exitNotFound = 127 // CMD was not found
	exitDiffers  = 1   // diff/merge/check: different, drift
	exitTrouble  = 2   // diff/merge/check: trouble
)

// command is one subcommand: its help, its flags and what it does.
type command struct {
	Name      string
	UsageLine string // after "seccompgen "
	Short     string
	Long      string // full help: what it does, flags are appended, then an example
	Example   string
	// UsageExit is the status for a usage error: 125 for commands that run
	// a workload, 2 for the diff(1)-style ones.
	UsageExit int
	Flags     *pflag.FlagSet
	// Run executes the command with the arguments left after the flags and
	// returns the process exit status.
	Run func(args []string) int
}

// commands is filled by each subcommand's file in init.
var commands = map[string]*command{}

func register(c *command) {
	if c.Flags == nil {
		c.Flags = pflag.NewFlagSet(c.Name, pflag.ContinueOnError)
	}
	c.Flags.SortFlags = false
	c.Flags.SetInterspersed(false) // "--" or the first non-flag ends seccompgen's flags
	c.Flags.Usage = func() {}
	commands[c.Name] = c
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		usage(os.Stderr)
		return exitTrouble
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		if len(args) > 1 && name == "help" {
			c, ok := commands[args[1]]
			if !ok {
				fmt.Fprintf(os.Stderr, "seccompgen help %s: unknown command. Run 'seccompgen help' for the list.\n", args[1])
				return exitTrouble
			}
			printHelp(os.Stdout, c)
			return 0
		}
		usage(os.Stdout)
		return 0
	case "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "seccompgen: unknown command %q. Run 'seccompgen help' for the list.\n", name)
		return exitTrouble
	}
	if err := c.Flags.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			printHelp(os.Stdout, c)
			return 0
		}
		fmt.Fprintf(os.Stderr, "seccompgen %s: %v\nRun 'seccompgen help %s' for details.\n", c.Name, err, c.Name)
		return c.UsageExit
	}
	return c.Run(c.Flags.Args())
}

// usageError prints a usage error for c and returns its usage exit status.
func usageError(c *command, format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "seccompgen %s: %s\nRun 'seccompgen help %s' for details.\n", c.Name, fmt.Sprintf(format, a...), c.Name)
	return c.UsageExit
}

func usage(w io.Writer) {
	fmt.Fprint(w, `seccompgen writes seccomp profiles from what a program really does.

Usage:

	seccompgen <command> [flags] [-- CMD [ARG...]]

Commands:

`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		if !strings.HasPrefix(n, "__") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "\t%-10s %s\n", n, commands[n].Short)
	}
	fmt.Fprint(w, "\nRun 'seccompgen help <command>' for more about a command.\n")
}

func printHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: seccompgen %s\n\n%s\n", c.UsageLine, strings.TrimSpace(c.Long))
	if c.Flags.HasFlags() {
		fmt.Fprintf(w, "\nFlags:\n%s", c.Flags.FlagUsages())
	}
	if c.Example != "" {
		fmt.Fprintf(w, "\nExample:\n%s\n", strings.TrimRight(c.Example, "\n"))
	}
}
