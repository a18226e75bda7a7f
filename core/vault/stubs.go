package vault

import "time"

// TODO(helper-vault): implement, move into proper files, delete this file.

// NewKeyring is the OS keychain under service (normally "exactkeeper"); every
// call gives up after timeout (the Linux Secret Service can hang).
func NewKeyring(service string, timeout time.Duration) Vault { panic("todo") }

// Memory is an in-memory Vault for unit tests.
type Memory struct{}

// NewMemory returns an empty in-memory vault.
func NewMemory() *Memory { panic("todo") }

func (m *Memory) Get(key string) (string, error) { panic("todo") }
func (m *Memory) Set(key, value string) error    { panic("todo") }
func (m *Memory) Delete(key string) error        { panic("todo") }
