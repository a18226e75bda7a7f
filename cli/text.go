package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/errtext"
	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// The CLI speaks the language of its environment (LC_ALL, LC_MESSAGES,
// LANG), not the app's setting: a script's owner chose it for the shell.
// Its texts are the catalogue's "cli.*" keys (assets/translations/cli).

// lang is the language of the CLI's messages, and of the pages the
// browser shows when the browser itself names none: the first of LC_ALL,
// LC_MESSAGES and LANG that is set. Windows and macOS rarely set these, so
// there the OS's display language counts when none is (on Linux and BSD
// the environment is the OS's answer).
func (e *Env) lang() string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := e.Getenv(k); v != "" {
			return i18n.Match(v)
		}
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return i18n.Language()
	}
	return i18n.Fallback
}

// t is the text of key in the CLI's language.
func (e *Env) t(key string) string { return i18n.TIn(e.lang(), key) }

// tf is Tf in the CLI's language.
func (e *Env) tf(key string, args map[string]any) string { return i18n.TfIn(e.lang(), key, args) }

// usage is a usage error with the text of key.
func (e *Env) usage(key string, args map[string]any) error { return usageError{e.tf(key, args)} }

// translated is an error whose text is already a finished sentence in the
// user's language, from the catalogue.
type translated struct{ msg string }

func (t translated) Error() string { return t.msg }

// fail is an error with the text of key.
func (e *Env) fail(key string, args map[string]any) error { return translated{e.tf(key, args)} }

// has reports whether the catalogue has key, so a command without its own
// help text falls back to what its code says.
func (e *Env) has(key string) bool { return i18n.TIn(e.lang(), key) != key }

// connError names the connection an error is about, so the sentence for
// it can say which one and give the exact command that mends it.
type connError struct {
	name string
	err  error
}

func (c connError) Error() string { return c.err.Error() }
func (c connError) Unwrap() error { return c.err }

// named attaches the connection's own name (nameOrID may be an ID) to err.
func (e *Env) named(o keeper.Options, nameOrID string, err error) error {
	if err == nil {
		return nil
	}
	var ce connError
	if errors.As(err, &ce) {
		return err
	}
	name := nameOrID
	if conn, ferr := keeper.Find(o, nameOrID); ferr == nil {
		name = conn.Name
	}
	return connError{name: name, err: err}
}

// oneShotError marks an error of a command that runs once (no keeper): its
// text must not promise a retry, as nothing will retry.
type oneShotError struct{ err error }

func (o oneShotError) Error() string { return o.err.Error() }
func (o oneShotError) Unwrap() error { return o.err }

// retryPromise is the keeper's "; will retry at 14:05" clause, compiled
// only for an error to word: not at the start of every command.
var retryPromise = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`;? *will (retry|try again) (at|on|in) [^;.]*`)
})

// kindOf is errtext.KindOf that also reads a helper's answer.
func kindOf(err error) errtext.Kind {
	var h helperError
	if errors.As(err, &h) && h.kind != "" {
		return errtext.Kind(h.kind)
	}
	return errtext.KindOf(err)
}

// errSentence is err as the one line the CLI prints: the catalogue's
// sentence with the command that mends it where there is one. English
// keeps the keeper's detailed sentence; other languages get the
// catalogue's, with the English detail only where no sentence fits.
func (e *Env) errSentence(err error) string {
	var done translated
	if errors.As(err, &done) {
		return done.msg
	}
	var ce connError
	name := ""
	if errors.As(err, &ce) {
		name = ce.name
	}
	var one oneShotError
	oneShot := errors.As(err, &one)
	kind := kindOf(err)
	args := map[string]any{"Name": name, "Quoted": fmt.Sprintf("%q", name)}
	switch kind {
	case errtext.SharedLogin:
		if name == "" {
			args["Quoted"] = e.t("cli.err.name-placeholder")
		}
		return errtext.Text(e.lang(), kind, name) + " " + e.tf("cli.err.reconnect-with", args)
	case errtext.NeedsReconnect, errtext.WrongSecret, errtext.NoConnections:
		key := "cli.err." + string(kind)
		if name == "" {
			key += ".anon"
		}
		return e.tf(key, args)
	}
	var msg string
	promised := false
	if e.lang() == "en" || kind == errtext.Other {
		msg = sentence(err)
		if oneShot {
			cut := strings.TrimSpace(retryPromise().ReplaceAllString(msg, ""))
			promised, msg = cut != msg, cut
		}
		if e.lang() != "en" {
			msg = e.tf("cli.err.detail", map[string]any{"Detail": msg})
		}
	} else {
		msg = errtext.Text(e.lang(), kind, name)
		if kind == errtext.UnknownConnection {
			msg = errtext.Text(e.lang(), kind, "") + " " + e.t("cli.err.see-status")
		}
	}
	switch kind {
	case errtext.Offline, errtext.ServerError, errtext.BadAnswer, errtext.Refused, errtext.Timeout, errtext.TooEarly, errtext.RateLimited:
		// A failure the keeper would have retried.
		promised = true
	}
	if oneShot && promised {
		msg = strings.TrimSuffix(msg, ".") + ". " + e.t("cli.err.no-retry")
	}
	return msg
}

// flagOut is a FlagSet's output: flag's own English messages go nowhere
// (parse says them again in the user's language), and the language rides
// along for parse, which only has the FlagSet.
type flagOut struct{ e *Env }

func (flagOut) Write(p []byte) (int, error) { return len(p), nil }

// envOf is the Env a FlagSet was made for by newFlags, or nil.
func envOf(fs *flag.FlagSet) *Env {
	if o, ok := fs.Output().(flagOut); ok {
		return o.e
	}
	return nil
}

// cmdName is the command a FlagSet parses for ("delegation add").
func cmdName(fs *flag.FlagSet) string { return strings.TrimPrefix(fs.Name(), "exactkeeperctl ") }

// flagError turns one of the flag package's errors into a sentence in the
// user's language. A secret given as a flag gets its own answer, so that
// the owner learns the safe way at once.
func (e *Env) flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	args := map[string]any{"Cmd": cmdName(fs)}
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		args["Flag"] = strings.TrimLeft(f, "-")
		if strings.HasPrefix(args["Flag"].(string), "client-secret") {
			return e.usage("cli.flag.secret-as-flag", args)
		}
		return e.usage("cli.flag.unknown", args)
	}
	if f, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		args["Flag"] = strings.TrimLeft(f, "-")
		return e.usage("cli.flag.needs-value", args)
	}
	var value, name string
	if _, serr := fmt.Sscanf(msg, "invalid value %q for flag -%s", &value, &name); serr == nil || name != "" {
		args["Flag"], args["Value"] = strings.TrimSuffix(name, ":"), value
		return e.usage("cli.flag.bad-value", args)
	}
	if _, serr := fmt.Sscanf(msg, "invalid boolean value %q for -%s", &value, &name); serr == nil || name != "" {
		args["Flag"], args["Value"] = strings.TrimSuffix(name, ":"), value
		return e.usage("cli.flag.bad-value", args)
	}
	if s, ok := strings.CutPrefix(msg, "bad flag syntax: "); ok {
		args["Value"] = s
		return e.usage("cli.flag.bad-syntax", args)
	}
	return usageError{msg}
}

// printHelp is a command's -h: what it does, its arguments and its flags,
// from the catalogue (cli.usage.<cmd>, cli.about.<cmd>,
// cli.flag.<cmd>.<flag>) where it has them.
func (e *Env) printHelp(w io.Writer, fs *flag.FlagSet) {
	cmd := cmdName(fs)
	key := strings.ReplaceAll(cmd, " ", ".")
	synopsis := "exactkeeperctl " + cmd + " [flags]"
	if e.has("cli.usage." + key) {
		synopsis = e.t("cli.usage." + key)
	}
	fmt.Fprintln(w, e.tf("cli.help.usage", map[string]any{"Synopsis": synopsis}))
	if e.has("cli.about." + key) {
		fmt.Fprintln(w, e.t("cli.about."+key))
	}
	var lines []string
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if k := "cli.flag." + key + "." + f.Name; e.has(k) {
			usage = e.t(k)
		}
		if arg != "" {
			arg = " " + strings.ToUpper(e.argName(arg))
		}
		line := fmt.Sprintf("  --%s%s\n      %s", f.Name, arg, usage)
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "0s" {
			line += " " + e.tf("cli.help.default", map[string]any{"Value": d})
		}
		lines = append(lines, line)
	})
	if len(lines) > 0 {
		sort.Strings(lines)
		fmt.Fprintln(w, "\n"+e.t("cli.help.flags"))
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
}

// argName is the placeholder of a flag's value in the user's language.
func (e *Env) argName(typ string) string {
	if k := "cli.help.arg." + typ; e.has(k) {
		return e.t(k)
	}
	return typ
}

// keyedUsage is a usage error whose sentence is looked up when reported,
// for code that has no Env at hand.
type keyedUsage struct {
	key  string
	args map[string]any
}

func (k keyedUsage) Error() string { return i18n.TfIn("en", k.key, k.args) }

// usageKey reports wrong use with the catalogue's sentence key.
func usageKey(key string, args map[string]any) error { return keyedUsage{key, args} }

// atMoment reads reminders' --at: a date as the CLI's language writes it
// (the start of that day in the user's zone) or an RFC 3339 moment.
func (e *Env) atMoment(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t, nil
	}
	d, err := i18n.ParseDateIn(e.lang(), s)
	if err != nil {
		return time.Time{}, e.usage("cli.reminders.bad-at", map[string]any{"Value": fmt.Sprintf("%q", s),
			"Hint": i18n.DateHintIn(e.lang()), "Example": i18n.FormatDateIn(e.lang(), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))})
	}
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, zoneForDates(e)), nil
}
