package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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
// should be. Update* refuse to write over such a file, so nothing in it is
// lost while the user decides what to do.
type CorruptError struct {
	Path string // the damaged file
	Err  error  // what is wrong with it
}

// Error names the file, what is wrong and what to do.
func (e *CorruptError) Error() string {
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
type Store struct{ Dir string }

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
func (s *Store) LoadConfig() (Config, error) {
	return load[Config](s, configFile, ConfigVersion)
}

// UpdateConfig runs fn on the current config under the cross-process lock and
// writes the result atomically when fn returns nil; fn's error is returned as
// is and nothing is written. A damaged or newer file is never overwritten.
// fn must not call UpdateConfig itself.
func (s *Store) UpdateConfig(fn func(*Config) error) error {
	return update(s, configFile, ConfigVersion, func(c *Config) error {
		if err := fn(c); err != nil {
			return err
		}
		c.Version = ConfigVersion
		return nil
	})
}

// LoadState reads state.json; missing is empty.
func (s *Store) LoadState() (State, error) {
	return load[State](s, stateFile, StateVersion)
}

// UpdateState is UpdateConfig for state.json.
func (s *Store) UpdateState(fn func(*State) error) error {
	return update(s, stateFile, StateVersion, func(st *State) error {
		if err := fn(st); err != nil {
			return err
		}
		st.Version = StateVersion
		return nil
	})
}

// load reads Dir/name, refusing files of a newer schema than version.
func load[T any](s *Store, name string, version int) (T, error) {
	var v T
	path := filepath.Join(s.Dir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return v, nil
	}
	if err != nil {
		return v, fmt.Errorf("cannot read %s (%v): check that it belongs to you", path, err)
	}
	if len(data) == 0 {
		return v, &CorruptError{Path: path, Err: errEmpty}
	}
	// The version first: a newer schema may not decode into T, and then the
	// user must hear "update", not "damaged".
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return v, &CorruptError{Path: path, Err: err}
	}
	if head.Version > version {
		return v, fmt.Errorf("%s was %w (version %d); update the app", name, ErrNewerVersion, head.Version)
	}
	if head.Version < 0 {
		return v, &CorruptError{Path: path, Err: fmt.Errorf("version %d is impossible", head.Version)}
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, &CorruptError{Path: path, Err: err}
	}
	return v, nil
}

// update is the read-modify-write of Dir/name under its file lock.
func update[T any](s *Store, name string, version int, fn func(*T) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), fileLockWait)
	defer cancel()
	unlock, err := s.lock(ctx, name+".lock", name)
	if err != nil {
		return err
	}
	defer unlock()

	// Re-read under the lock: another process may have written since the
	// caller last looked.
	v, err := load[T](s, name, version)
	if err != nil {
		return err
	}
	if err := fn(&v); err != nil {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode %s: %w", name, err)
	}
	path := filepath.Join(s.Dir, name)
	if err := writeAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("cannot save %s (%v): check that the disk is not full and the folder is writable", path, err)
	}
	return nil
}

// writeAtomic replaces path with data so that readers, and the file after a
// crash, see either the old or the new content, never a mix.
func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = replaceFile(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every OS can sync a directory, and
	// the data is already safe in the file, so this is best effort.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
