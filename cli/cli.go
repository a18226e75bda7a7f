// Package cli is exactkeeperctl: the pure-Go command line over the same core
// as the tray app, for scripts and headless machines. The command contract
// (names, flags, output, exit codes) is in design.md; tests rely on it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
)

// Exit codes of the contract.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitReconnect = 3
	ExitAttention = 4 // needs the owner: a refused client secret, API calls refused
)

// Env is everything a command touches outside the process, so tests can run
// commands in-process with their own streams, clock and keychain.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	// Opener opens the browser for connect; nil means the system browser.
	Opener interface{ Open(url string) error }
	// Vault overrides the OS keychain (unit tests only).
	Vault vault.Vault
	// Version is the build's version string.
	Version string
}

// OSEnv is the real environment.
func OSEnv() Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now}
}

type command struct {
	run     func(ctx context.Context, e *Env, args []string) error
	summary string
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"connect":    {cmdConnect, "log in to Exact Online and start keeping a connection"},
		"status":     {cmdStatus, "show every connection and its refresh chain"},
		"token":      {cmdToken, "print a valid access token"},
		"refresh":    {cmdRefresh, "refresh a connection now (when Exact allows it)"},
		"disconnect": {cmdDisconnect, "forget a connection and its secrets"},
		"run":        {cmdRun, "run the keeper in the foreground (headless machines)"},
		"delegation": {cmdDelegation, "keep track of delegations: add, list, renew, remove, export"},
		"reminders":  {cmdReminders, "show the reminders due now"},
		"sim":        {cmdSim, "run the Exact Online simulator"},
		"version":    {cmdVersion, "print the version"},
		"secret":     {cmdSecret, "enter a connection's client secret again (when Exact refused it)"},
		"relay-page": {cmdRelayPage, "print the login relay page, to host on your own site"},
	}
}

// usageError makes Main exit with code 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// usagef reports wrong use of a command.
func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// Main runs one command line and returns the exit code.
func Main(ctx context.Context, e Env, args []string) int {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(e.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		args[0] = "version"
	}
	if args[0] == helperCommand { // hidden: the one-shot refresh helper
		return report(e.Stderr, cmdHelper(ctx, &e, args[1:]))
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.Stderr, "exactkeeperctl: unknown command %q; run 'exactkeeperctl help' for the list\n", args[0])
		return ExitUsage
	}
	err := cmd.run(ctx, &e, args[1:])
	return report(e.Stderr, err)
}

// report prints err as one sentence and maps it to an exit code.
func report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	var u usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &u):
		fmt.Fprintf(w, "exactkeeperctl: %s\n", u.msg)
		return ExitUsage
	case errors.Is(err, keeper.ErrNeedsReconnect):
		fmt.Fprintf(w, "exactkeeperctl: %s\n", sentence(err))
		return ExitReconnect
	case errors.Is(err, keeper.ErrWrongSecret), errors.Is(err, keeper.ErrAPIRefused):
		fmt.Fprintf(w, "exactkeeperctl: %s\n", sentence(err))
		return ExitAttention
	default:
		fmt.Fprintf(w, "exactkeeperctl: %s\n", sentence(err))
		return ExitError
	}
}

// sentence keeps an error on one line.
func sentence(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "exactkeeperctl keeps Exact Online connections alive.")
	fmt.Fprintln(w, "\nUsage: exactkeeperctl COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'exactkeeperctl COMMAND -h' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 error, 2 usage, 3 needs reconnect (log in again), 4 needs attention.")
}

// newFlags returns a FlagSet whose errors become usage errors.
func newFlags(e *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("exactkeeperctl "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return fs
}

// parse parses flags and allows them after positional arguments too
// ("token NAME --json").
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// home returns the store for this environment.
func (e *Env) store() (*store.Store, error) {
	dir := e.Getenv("EXACTKEEPER_HOME")
	if dir == "" {
		d, err := store.DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return store.Open(dir)
}

func cmdVersion(_ context.Context, e *Env, _ []string) error {
	fmt.Fprintln(e.Stdout, e.Version)
	return nil
}
