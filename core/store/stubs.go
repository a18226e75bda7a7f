package store

import "context"

// TODO(helper-store): implement, move into proper files, delete this file.

// DefaultDir is $EXACTKEEPER_HOME, or os.UserConfigDir()/exactkeeper.
func DefaultDir() (string, error) { panic("todo") }

// Store reads and writes config.json and state.json in Dir.
type Store struct{ Dir string }

// Open creates Dir (0700) if needed.
func Open(dir string) (*Store, error) { panic("todo") }

// LoadConfig reads config.json; a missing file is an empty Config with defaults.
func (s *Store) LoadConfig() (Config, error) { panic("todo") }

// UpdateConfig runs fn on the current config under the cross-process lock and
// writes the result atomically when fn returns nil.
func (s *Store) UpdateConfig(fn func(*Config) error) error { panic("todo") }

// LoadState reads state.json; missing is empty.
func (s *Store) LoadState() (State, error) { panic("todo") }

// UpdateState is UpdateConfig for state.json.
func (s *Store) UpdateState(fn func(*State) error) error { panic("todo") }

// Lock takes the named cross-process lock (e.g. "chain-<id>"), waiting until
// ctx ends. The returned func releases it.
func (s *Store) Lock(ctx context.Context, name string) (unlock func(), err error) {
	panic("todo")
}

// Connection finds a connection by name or ID (case-insensitive name).
func (c *Config) Connection(nameOrID string) (*Connection, error) { panic("todo") }
