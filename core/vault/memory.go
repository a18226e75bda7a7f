package vault

import (
	"slices"
	"sync"
)

// Memory is an in-memory Vault for unit tests, with the same ErrNotFound
// semantics as the keychain. Set Err (before sharing the vault, or with
// SetErr while it is in use) to make every call fail, e.g. with
// ErrUnavailable, to test how callers handle a missing keychain.
type Memory struct {
	// Err, when not nil, is returned by every call and nothing changes.
	Err error

	mu    sync.Mutex
	items map[string]string
}

// NewMemory returns an empty in-memory vault.
func NewMemory() *Memory { return &Memory{items: map[string]string{}} }

// SetErr sets Err safely while other goroutines use the vault.
func (m *Memory) SetErr(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Err = err
}

// Get returns the value under key, or ErrNotFound.
func (m *Memory) Get(key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return "", m.Err
	}
	v, ok := m.items[key]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set stores value under key.
func (m *Memory) Set(key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	if m.items == nil { // a zero Memory works too
		m.items = map[string]string{}
	}
	m.items[key] = value
	return nil
}

// Delete removes key; nil when already absent.
func (m *Memory) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	delete(m.items, key)
	return nil
}

// Keys lists the stored keys, sorted, so tests can check that nothing is
// left behind. It ignores Err.
func (m *Memory) Keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]string, 0, len(m.items))
	for k := range m.items {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
