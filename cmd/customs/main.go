// Command customs protects a team from poisoned open-source packages.
// This file holds the root command and the exit-code convention only; each
// subcommand lives in its own file and registers itself with registerCommand.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes, the same for every command.
const (
	exitOK      = 0 // nothing flagged
	exitFlagged = 1 // something flagged
	exitUsage   = 2 // bad usage or an unreadable target
)

// exitError carries an exit code out of a command without printing anything
// more: the command has already reported what went wrong.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// app is what every subcommand may touch of the outside world, so that
// run can be tested without a process.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

var commandFactories []func(*app) *cobra.Command

// registerCommand adds a subcommand; called from each command file's init.
func registerCommand(f func(*app) *cobra.Command) { commandFactories = append(commandFactories, f) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "customs",
		Short: "Stop poisoned open-source packages at the border",
		Long: `customs inspects package archives for malicious code, judges package names
(typosquats, dependency confusion), checks every dependency of a project against
known malware and registry history, and shows what a release adds over the
version people already trust.

Exit codes: 0 nothing flagged, 1 something flagged, 2 bad usage or an
unreadable target.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	for _, f := range commandFactories {
		root.AddCommand(f(a))
	}
	err := root.Execute()
	var code exitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	default:
		fmt.Fprintf(stderr, "customs: %v\n", err)
		return exitUsage
	}
}
