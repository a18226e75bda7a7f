package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"
)

// File names inside Dir.
const (
	configFile = "config.json"
	stateFile  = "state.json"
	locksDir   = "locks"
)

// fileLockWait bounds how long UpdateConfig and UpdateState wait for another
// writer; a write holds the lock for milliseconds, so reaching this means a
// stuck process, which the user should hear about rather than wait forever.
const fileLockWait = 30 * time.Second

// ErrNewerVersion means a file was written by a newer Exact Keeper with a
// schema this build does not know; it is neither read nor overwritten.
var ErrNewerVersion = errors.New("written by a newer Exact Keeper")

// CorruptError means config.json or state.json cannot be read as what it
// should be. UpdateConfig refuses to write over such a config.json, so
// nothing in it is lost while the user decides what to do; a damaged
// state.json is set aside and recovered from instead (see Store.Notify).
type CorruptError struct {
	Path string // the damaged file
	Err  error  // what is wrong with it
	// Good is the copy of the file from its last successful save, when there
	// is one the user can go back to; empty otherwise.
	Good string
}

// Error names the file, what is wrong and what to do.
func (e *CorruptError) Error() string {
	if e.Good != "" {
		return fmt.Sprintf("%s is damaged (%s): replace it with %s, the copy from its last good save, or move it away to start over; your secrets in the keychain are untouched",
			e.Path, describeJSONError(e.Err), e.Good)
	}
	return fmt.Sprintf("%s is damaged (%s): move it away to start over; your secrets in the keychain are untouched",
		e.Path, describeJSONError(e.Err))
}

// Unwrap returns the decoding error.
func (e *CorruptError) Unwrap() error { return e.Err }

// describeJSONError says what is wrong in words a user can act on.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%q should be %s, not %s", typ.Field, jsonKind(typ.Type), article(typ.Value))
	case errors.As(err, &typ):
		return fmt.Sprintf("it should hold %s, not %s", jsonKind(typ.Type), article(typ.Value))
	default:
		return err.Error()
	}
}

// jsonKind names what JSON a Go type reads from, for people who edit the file.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	default:
		return t.String()
	}
}

// article puts "a" or "an" before a JSON value kind ("array", "number", …).
func article(kind string) string {
	if kind != "" && strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

var errEmpty = errors.New("the file is empty")

// DefaultDir is $EXACTKEEPER_HOME, or os.UserConfigDir()/exactkeeper.
func DefaultDir() (string, error) {
	if d := os.Getenv("EXACTKEEPER_HOME"); d != "" {
		// Absolute, so a process that changes directory keeps the same files.
		return filepath.Abs(d)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find your configuration folder (%v): set EXACTKEEPER_HOME to a folder Exact Keeper may use", err)
	}
	return filepath.Join(base, "exactkeeper"), nil
}

// Store reads and writes config.json and state.json in Dir. It holds no
// state of its own; several Stores, goroutines and processes may share Dir.
// Set the fields before the Store is used; a Store{Dir: d} works as it is.
type Store struct {
	Dir string

	// Notify hears about each damaged state.json this Store set aside and
	// recovered from (see UpdateState), once per recovery: the process that
	// did the repair is told, others simply read the repaired file. It runs
	// under the state file's lock, so it must return quickly and must not
	// call the Store. nil logs the notice with log/slog's default logger.
	Notify func(Notice)

	now func() time.Time // names of set-aside files; nil is time.Now
}

// Open creates Dir (0700) if needed and makes an existing one private.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("no folder given for Exact Keeper's files: set EXACTKEEPER_HOME or use the default")
	}
	if err := os.MkdirAll(filepath.Join(dir, locksDir), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create Exact Keeper's folder %s (%v): check that you may write there", dir, err)
	}
	// Names of companies and users are not secret, but not everyone's
	// business either. Windows has no mode bits; its profile is private.
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("cannot open Exact Keeper's folder %s (%v)", dir, err)
		}
		if fi.Mode().Perm() != 0o700 {
			if err := os.Chmod(dir, 0o700); err != nil {
				return nil, fmt.Errorf("cannot make Exact Keeper's folder %s private (%v): check that it belongs to you", dir, err)
			}
		}
	}
	return &Store{Dir: dir}, nil
}

// LoadConfig reads config.json. A missing file is an empty Config: no
// connections, and zero Settings (use the Settings …Or methods for defaults).
// A damaged file gives a *CorruptError, which names config.json.good when
// there is a copy from the last successful save to go back to.
func (s *Store) LoadConfig() (Config, error) {
	c, _, err := load[Config](s, configFile, ConfigVersion)
	var ce *CorruptError
	if errors.As(err, &ce) {
		ce.Good = goodCopy[Config](s, configFile, ConfigVersion)
	}
	return c, err
}

// UpdateConfig runs fn on the current config under the cross-process lock and
// writes the result atomically when fn returns nil; fn's error is returned as
// is and nothing is written. A damaged or newer file is never overwritten.
// After each write config.json.good holds the same content. fn must not call
// UpdateConfig itself.
func (s *Store) UpdateConfig(fn func(*Config) error) error {
	return update(s, configFile, ConfigVersion, false, func(c *Config) error {
		if err := fn(c); err != nil {
			return err
		}
		c.Version = ConfigVersion
		return nil
	})
}

// LoadState reads state.json; missing is empty. When state.json is damaged
// it returns state.json.good, the copy from the last successful save, and
// leaves the repair to the next UpdateState; without a usable copy it gives
// the *CorruptError.
func (s *Store) LoadState() (State, error) {
	st, _, err := load[State](s, stateFile, StateVersion)
	var ce *CorruptError
	if errors.As(err, &ce) {
		if good, found, gerr := load[State](s, stateFile+goodSuffix, StateVersion); found && gerr == nil {
			return good, nil
		}
	}
	return st, err
}

// UpdateState is UpdateConfig for state.json, except that a damaged
// state.json does not stop it: the keeper's record of refreshes, backoffs
// and reminders must go on. The damaged file is kept aside as
// state.json.damaged-<time>, state.json goes back to state.json.good (or, if
// there is no usable copy, starts empty), Notify hears of it once, and fn
// runs on the recovered state.
func (s *Store) UpdateState(fn func(*State) error) error {
	return update(s, stateFile, StateVersion, true, func(st *State) error {
		if err := fn(st); err != nil {
			return err
		}
		st.Version = StateVersion
		return nil
	})
}
