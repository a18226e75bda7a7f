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
		"log":        {cmdLog, "show what Exact Keeper did: refreshes, failures, reminders"},
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
		if len(args) == 2 {
			// "help connect" is "connect -h".
			if _, ok := commands[args[1]]; ok {
				return Main(ctx, e, []string{args[1], "-h"})
			}
		}
		e.printUsage(e.Stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		args[0] = "version"
	}
	if args[0] == forgetAllCommand { // hidden: the Windows uninstaller's
		return e.report(e.Stderr, cmdForgetAll(ctx, &e, args[1:]))
	}
	if args[0] == helperCommand { // hidden: the one-shot refresh helper
		return e.report(e.Stderr, cmdHelper(ctx, &e, args[1:]))
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.Stderr, "exactkeeperctl: %s\n", e.tf("cli.unknown-command", map[string]any{"Cmd": fmt.Sprintf("%q", args[0])}))
		return ExitUsage
	}
	err := cmd.run(ctx, &e, args[1:])
	return e.report(e.Stderr, err)
}

// report prints err as one sentence in the user's language and maps it to
// an exit code.
func (e *Env) report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	var u usageError
	var ku keyedUsage
	var quiet interface{ ExitCode() int }
	var coded codedError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &quiet):
		// The command already said why on stdout (status).
		return quiet.ExitCode()
	case errors.As(err, &u):
		fmt.Fprintf(w, "exactkeeperctl: %s\n", u.msg)
		return ExitUsage
	case errors.As(err, &coded):
		fmt.Fprintf(w, "exactkeeperctl: %s\n", coded.msg)
		return coded.code
	case errors.As(err, &ku):
		fmt.Fprintf(w, "exactkeeperctl: %s\n", e.tf(ku.key, ku.args))
		return ExitUsage
	case errors.Is(err, keeper.ErrNeedsReconnect):
		fmt.Fprintf(w, "exactkeeperctl: %s\n", e.errSentence(err))
		return ExitReconnect
	case errors.Is(err, keeper.ErrWrongSecret), errors.Is(err, keeper.ErrAPIRefused):
		fmt.Fprintf(w, "exactkeeperctl: %s\n", e.errSentence(err))
		return ExitAttention
	default:
		fmt.Fprintf(w, "exactkeeperctl: %s\n", e.errSentence(err))
		return ExitError
	}
}

// codedError is a sentence already in the user's words (Exact's, for
// `api`) with the exit code of its kind.
type codedError struct {
	msg  string
	code int
}

func (c codedError) Error() string { return c.msg }

// sentence keeps an error on one line.
func sentence(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func (e *Env) printUsage(w io.Writer) {
	fmt.Fprintln(w, e.t("cli.help.intro"))
	fmt.Fprintln(w, "\n"+e.tf("cli.help.usage", map[string]any{"Synopsis": e.t("cli.help.synopsis")})+"\n\n"+e.t("cli.help.commands"))
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		summary := commands[n].summary
		if k := "cli.cmd." + n; e.has(k) {
			summary = e.t(k)
		}
		fmt.Fprintf(w, "  %-11s %s\n", n, summary)
	}
	fmt.Fprintln(w, "\n"+e.t("cli.help.more"))
	if e.lang() == "en" {
		fmt.Fprint(w, exitCodeTable)
	} else {
		// exitCodeTable is the README's English; this is its translation.
		fmt.Fprint(w, e.t("cli.help.exit-codes"))
	}
}

// newFlags returns a FlagSet whose errors become usage errors and whose -h
// is printHelp, both in the user's language. A command may still set its
// own Usage.
func newFlags(e *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("exactkeeperctl "+name, flag.ContinueOnError)
	fs.SetOutput(flagOut{e})
	fs.Usage = func() { e.printHelp(e.Stderr, fs) }
	return fs
}

// parse parses flags and allows them after positional arguments too
// ("token NAME --json").
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	// flag calls Usage on every error too; the help is printed only when
	// asked for, and an error is one line.
	help := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = help }()
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if help != nil {
					help()
				}
				return nil, err
			}
			if e := envOf(fs); e != nil {
				return nil, e.flagError(fs, err)
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

// store returns the store for this environment.
func (e *Env) store() (*store.Store, error) {
	dir, err := e.dir()
	if err != nil {
		return nil, err
	}
	return store.Open(dir)
}

// dir is the store's folder, without opening it (which creates and
// checks folders): enough to find a running keeper's endpoint.
func (e *Env) dir() (string, error) {
	if dir := e.Getenv("EXACTKEEPER_HOME"); dir != "" {
		return dir, nil
	}
	return store.DefaultDir()
}

func cmdVersion(_ context.Context, e *Env, args []string) error {
	pos, err := parse(newFlags(e, "version"), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return e.usage("cli.version.args", map[string]any{"Args": fmt.Sprintf("%q", strings.Join(pos, " "))})
	}
	fmt.Fprintln(e.Stdout, e.Version)
	return nil
}
