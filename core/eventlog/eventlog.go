// Package eventlog is the keeper's lasting record of what happened:
// refreshes, failures (with Exact's Reason header and rate-limit wait),
// reconnects and reminders, as JSON lines in the state folder. The Activity
// tab and `exactkeeperctl log` read it, so what happened while the window
// was closed can be shown to the owner, the accountant or Exact support.
//
// Entries hold kinds and parameters, never sentences: they are rendered in
// the reader's language when shown (Text). They never hold a token or a
// secret: there is no free-text field for an error message, and every
// string is scrubbed of anything that looks like a token before it is
// written.
//
// The log is bounded: past MaxBytes the file is renamed to FileName+".1"
// (replacing the older one) and a new file begins, so at most two files of
// about MaxBytes each exist.
package eventlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
)

// FileName is the log's name in the state folder.
const FileName = "events.jsonl"

// MaxBytes is the size at which the log is rotated.
const MaxBytes = 1 << 20

// Kind tells what happened.
type Kind string

// Kinds of entries.
const (
	Refreshed   Kind = "refreshed"    // a refresh succeeded; LapsesAt is the new lapse
	Failed      Kind = "failed"       // a refresh failed; Outcome, HTTPStatus, Reason, RetryAfter say how
	State       Kind = "state"        // a connection's status changed from OldStatus to Status
	Reconnected Kind = "reconnected"  // a connection that needed a login works again
	Added       Kind = "added"        // a connection was added
	Removed     Kind = "removed"      // a connection was removed
	Reminder    Kind = "reminder"     // a reminder was sent; ReminderKind, Threshold, Subject
	LocalFailed Kind = "local-failed" // this PC failed (keychain, files), Exact was not asked
)

// Entry is one line of the log.
type Entry struct {
	Time         time.Time `json:"time"`
	Kind         Kind      `json:"kind"`
	ConnectionID string    `json:"connection_id,omitempty"`
	Connection   string    `json:"connection,omitempty"` // its name
	Status       string    `json:"status,omitempty"`
	OldStatus    string    `json:"old_status,omitempty"`
	LapsesAt     time.Time `json:"lapses_at,omitzero"`
	// Outcome is exact.Outcome's name: transient, too-early, rate-limited,
	// needs-reconnect, wrong-secret.
	Outcome    string `json:"outcome,omitempty"`
	HTTPStatus int    `json:"http_status,omitempty"`
	Code       string `json:"code,omitempty"`   // the OAuth error code, e.g. invalid_grant
	Reason     string `json:"reason,omitempty"` // Exact's Reason response header
	// RetryAfterSeconds is how long Exact asked to wait (Retry-After or
	// its X-RateLimit-*-Reset headers).
	RetryAfterSeconds int64 `json:"retry_after_s,omitempty"`
	// RateLimit is Exact's X-RateLimit-* headers, "Limit=200 Remaining=0 …".
	RateLimit string `json:"rate_limit,omitempty"`

	ReminderKind string `json:"reminder_kind,omitempty"` // remind.Kind*
	Threshold    string `json:"threshold,omitempty"`     // "7d", "lapsed", "today", …
	Subject      string `json:"subject,omitempty"`       // connection name, or "Platform → Grantee"
	SubjectID    string `json:"subject_id,omitempty"`
}

// Log appends to the log in one folder. Its methods are safe for
// concurrent use; several processes may append to the same folder (each
// line is one write to a file opened for appending).
type Log struct {
	dir string
	max int64
	mu  sync.Mutex
}

// Open returns the log in dir (the store's folder). Nothing is created
// until the first Append.
func Open(dir string) *Log { return &Log{dir: dir, max: MaxBytes} }

// Path is the current log file.
func (l *Log) Path() string { return filepath.Join(l.dir, FileName) }

// Append writes e as one line, rotating first when the file would grow
// past the bound. A nil Log does nothing, so callers need not check.
func (l *Log) Append(e Entry) error {
	if l == nil || l.dir == "" {
		return nil
	}
	line, err := json.Marshal(scrubEntry(e))
	if err != nil {
		return err
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	path := l.Path()
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 && fi.Size()+int64(len(line)) > l.max {
		// Rename replaces the older .1: one old file is kept.
		if err := os.Rename(path, path+".1"); err != nil {
			return fmt.Errorf("could not rotate the event log %s: %w", path, err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("could not open the event log %s: %w", path, err)
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return fmt.Errorf("could not write the event log %s: %w", path, err)
	}
	return f.Close()
}

// Read returns the entries in dir at or after since (zero: all), oldest
// first, from the rotated file and the current one. Lines that cannot be
// read (a write cut off by a crash) are skipped.
func Read(dir string, since time.Time) ([]Entry, error) {
	var out []Entry
	for _, name := range []string{FileName + ".1", FileName} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("could not read the event log: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			var e Entry
			if json.Unmarshal(sc.Bytes(), &e) != nil || e.Kind == "" {
				continue
			}
			if !since.IsZero() && e.Time.Before(since) {
				continue
			}
			out = append(out, e)
		}
	}
	// Two processes may interleave; show them in the order they happened.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// maxField caps each string, so a runaway header cannot fill the log.
const maxField = 200

// scrubEntry makes every string of e safe to keep.
func scrubEntry(e Entry) Entry {
	for _, p := range []*string{&e.ConnectionID, &e.Connection, &e.Status, &e.OldStatus, &e.Outcome,
		&e.Code, &e.Reason, &e.RateLimit, &e.ReminderKind, &e.Threshold, &e.Subject, &e.SubjectID} {
		*p = Scrub(*p)
	}
	return e
}

// Scrub replaces every word that could be a token or secret with
// "[redacted]", turns control characters into spaces and caps the length.
// A token is a long run without spaces; names, statuses and Exact's
// Reason texts are made of short words.
func Scrub(s string) string {
	if s == "" {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	words := strings.Split(s, " ")
	for i, w := range words {
		if tokenLike(w) {
			words[i] = "[redacted]"
		}
	}
	s = strings.Join(words, " ")
	if r := []rune(s); len(r) > maxField {
		s = string(r[:maxField]) + "…"
	}
	return s
}

// tokenLike: 24 or more characters without a space, holding both letters
// and digits. Exact's tokens and client secrets are long and mixed; the
// longest words of its Reason texts ("TooEarlyToRefreshTokens") hold no
// digits, and our own IDs are 12 hex characters.
func tokenLike(w string) bool {
	if len(w) < 24 {
		return false
	}
	var letter, digit bool
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	return letter && digit
}
