package keeper

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
	"unicode"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// sentenceError is an error whose message is a finished sentence for the
// user, while errors.Is still finds the sentinel behind it.
type sentenceError struct {
	msg  string
	kind error
}

func (e *sentenceError) Error() string { return e.msg }
func (e *sentenceError) Unwrap() error { return e.kind }

func sentence(kind error, format string, args ...any) error {
	return &sentenceError{msg: fmt.Sprintf(format, args...), kind: kind}
}

// needsReconnect is the error of a chain only a browser login can mend.
func needsReconnect(name, why string) error {
	if why == "" {
		why = "Exact Online no longer accepts its login"
	}
	return sentence(ErrNeedsReconnect, "%s needs reconnecting: %s", name, why)
}

// wrongSecret is the error of a chain whose client secret Exact refused.
func wrongSecret(name string) error {
	return sentence(ErrWrongSecret, "%s: Exact Online refused the app's client secret (it is wrong, or was renewed in the App Center); enter it again with 'exactkeeperctl secret %q --client-secret-stdin' or in the dashboard. The login itself is kept", name, name)
}

// lookup finds a connection by ID or by case-insensitive name; an empty
// nameOrID picks the only connection there is.
func lookup(cfg store.Config, nameOrID string) (store.Connection, error) {
	if len(cfg.Connections) == 0 {
		return store.Connection{}, ErrNoConnections
	}
	nameOrID = strings.TrimSpace(nameOrID)
	shown := printable(nameOrID)
	if nameOrID == "" {
		if len(cfg.Connections) == 1 {
			return cfg.Connections[0], nil
		}
		return store.Connection{}, sentence(ErrUnknown, "there are several connections: name one of %s", names(cfg))
	}
	for _, c := range cfg.Connections {
		if c.ID == nameOrID {
			return c, nil
		}
	}
	var found []store.Connection
	for _, c := range cfg.Connections {
		if strings.EqualFold(c.Name, nameOrID) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return store.Connection{}, sentence(ErrUnknown, "no connection named %s (known: %s)", shown, names(cfg))
	case 1:
		return found[0], nil
	}
	var ids []string
	for _, c := range found {
		ids = append(ids, c.ID)
	}
	return store.Connection{}, sentence(ErrUnknown, "several connections are named %s: use the ID, one of %s", shown, strings.Join(ids, ", "))
}

func names(cfg store.Config) string {
	var n []string
	for _, c := range cfg.Connections {
		n = append(n, printable(c.Name))
	}
	return strings.Join(n, ", ")
}

// maxShownName caps a name echoed in a message.
const maxShownName = 100

// printable is a name as a message may echo it: without control characters
// (a pasted newline or an escape sequence must not forge lines or colours
// in a terminal or a log; bidi controls must not reorder the sentence) and
// at most maxShownName characters.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
	if r := []rune(s); len(r) > maxShownName {
		s = string(r[:maxShownName]) + "…"
	}
	return s
}

// when formats a deadline for a message: the time alone today, with the
// date otherwise.
func when(t, now time.Time) string {
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// failureText says in plain words why a refresh failed, without advice (the
// caller adds when it retries). The exact package keeps secrets out of
// descriptions; transport errors are reduced to their root cause so that no
// URL or request detail shows.
func failureText(err error) string {
	var e *exact.Error
	if !errors.As(err, &e) {
		return fmt.Sprintf("the refresh failed (%s)", rootCause(err))
	}
	said := ""
	if e.Description != "" {
		said = fmt.Sprintf(": %q", e.Description)
	}
	switch e.Outcome {
	case exact.NeedsReconnect, exact.WrongSecret:
		return e.Error()
	case exact.TooEarly:
		return "Exact Online said it was too early to refresh"
	case exact.RateLimited:
		return "Exact Online's rate limit was reached" + said
	}
	switch {
	case e.Status == 0:
		return fmt.Sprintf("Exact Online is not reachable (%s)", rootCause(e.Err))
	case e.Status >= 200 && e.Status <= 299:
		return "Exact Online sent an answer that could not be understood"
	case e.Status >= 500:
		return fmt.Sprintf("Exact Online had a server error (HTTP %d)", e.Status)
	}
	return fmt.Sprintf("Exact Online refused the refresh for an unrecognised reason (HTTP %d%s)", e.Status, said)
}

// rootCause is the innermost error's text: "connection refused" rather than
// a URL and a chain of operations.
func rootCause(err error) string {
	if err == nil {
		return "no answer"
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return "no answer in time"
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
