// Command seccompgen writes seccomp profiles from what a program really does.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// command is one subcommand: its help, its flags and what it does, as
// cmd/go's base.Command. Each command's file declares it as a value
// (cmdRecord, cmdCheck, ...) with its flags in a struct of its own whose
// register method binds them; main lists them in commands.
type command struct {
	Name      string
	UsageLine string // after "seccompgen "
	Short     string
	Long      string // full help: what it does, flags are appended, then an example
	Example   string
	// UsageExit is the status for a usage error: 125 for commands that run
	// a workload, 2 for the diff(1)-style ones.
	UsageExit int
	// Interspersed lets flags follow the file names: for the commands no
	// CMD follows. Otherwise "--" or the first non-flag ends seccompgen's
	// flags.
	Interspersed bool
	// AddFlags declares the command's flags on its FlagSet, bound to the
	// fields of the command's own flags struct; nil for none.
	AddFlags func(fs *pflag.FlagSet)
	// Flags is the command's FlagSet, made by setup with AddFlags.
	Flags *pflag.FlagSet
	// Run executes the command with the arguments left after the flags and
	// returns the process exit status.
	Run func(c *command, args []string) int
}

// commands are seccompgen's commands in the order help lists them. Those
// whose name starts with "__" are internal and not listed.
var commands = []*command{
	cmdCheck,
	cmdDiff,
	cmdLearn,
	cmdMerge,
	cmdOCIHook,
	cmdRecord,
	cmdRun,
	cmdVersion,
	cmdExec,
	cmdOCIRecord,
}

// lookup returns the command called name, its FlagSet made, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.Name == name {
			c.setup()
			return c
		}
	}
	return nil
}

// setup makes c's FlagSet once.
func (c *command) setup() {
	if c.Flags != nil {
		return
	}
	c.Flags = pflag.NewFlagSet(c.Name, pflag.ContinueOnError)
	c.Flags.SortFlags = false
	c.Flags.SetInterspersed(c.Interspersed)
	c.Flags.Usage = func() {}
	if c.AddFlags != nil {
		c.AddFlags(c.Flags)
	}
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
			c := lookup(args[1])
			if c == nil {
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
	c := lookup(name)
	if c == nil {
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
	return c.Run(c, c.Flags.Args())
}

func usage(w io.Writer) {
	fmt.Fprint(w, `seccompgen writes seccomp profiles from what a program really does.

Usage:

	seccompgen <command> [flags] [-- CMD [ARG...]]

Commands:

`)
	for _, c := range commands {
		if !strings.HasPrefix(c.Name, "__") {
			fmt.Fprintf(w, "\t%-10s %s\n", c.Name, c.Short)
		}
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
