package gateway

import (
	"errors"
	"net"
	"strings"
	"time"
	"unicode"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// Errors of the key operations; front ends say them in the user's words.
var (
	ErrKeyName   = errors.New("a key's name is up to 64 characters without spaces")
	ErrKeyExists = errors.New("a key of that name exists already")
	ErrNoSuchKey = errors.New("no key of that name")
)

// ValidKeyName reports whether n can name a key: one word people can type
// and read back in a list, and not the name the CLI's own use is counted
// under.
func ValidKeyName(n string) bool {
	if n == "" || len(n) > 64 || strings.EqualFold(n, CLIClient) {
		return false
	}
	for _, r := range n {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// AddKey stores a new key for the program called name and returns it; it
// exists nowhere else, so it can be shown only now.
func AddKey(st *store.Store, name string, now time.Time) (string, error) {
	if !ValidKeyName(name) {
		return "", ErrKeyName
	}
	key, hash := NewKey()
	err := st.UpdateConfig(func(c *store.Config) error {
		for _, k := range c.Settings.Gateway.Keys {
			if strings.EqualFold(k.Name, name) {
				return ErrKeyExists
			}
		}
		c.Settings.Gateway.Keys = append(c.Settings.Gateway.Keys, store.GatewayKey{Name: name, SHA256: hash, Created: now.UTC().Truncate(time.Second)})
		return nil
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// RemoveKey revokes the key called name. The gateway reads the keys on
// every request, so the next request with it is refused.
func RemoveKey(st *store.Store, name string) error {
	return st.UpdateConfig(func(c *store.Config) error {
		keys := c.Settings.Gateway.Keys
		for i, k := range keys {
			if strings.EqualFold(k.Name, name) {
				c.Settings.Gateway.Keys = append(keys[:i:i], keys[i+1:]...)
				return nil
			}
		}
		return ErrNoSuchKey
	})
}

// Switch turns the gateway on (at addr; "" keeps the address it has) or
// off in config.json. The running keeper follows once asked to Apply.
func Switch(st *store.Store, on bool, addr string) error {
	if on && addr != "" {
		if err := CheckAddr(addr); err != nil {
			return err
		}
	}
	return st.UpdateConfig(func(c *store.Config) error {
		c.Settings.Gateway.Enabled = on
		if addr != "" {
			c.Settings.Gateway.Addr = addr
		}
		return nil
	})
}

// Configured is the state config.json describes, for when no keeper runs
// to say more: no counters, not running.
func Configured(cfg store.Config) Status {
	g := cfg.Settings.Gateway
	s := Status{Enabled: g.Enabled, Addr: Addr(g), Keys: []KeyStats{}}
	for _, k := range g.Keys {
		s.Keys = append(s.Keys, KeyStats{Name: k.Name, Created: k.Created})
	}
	return s
}

// PickAddr is the address to switch the gateway on at when none is given:
// the one it has, or the per-user default; when that port is taken by
// anything but this gateway itself (running, may be nil), a free port.
// moved tells that the port was taken.
func PickAddr(g store.Gateway, running *Status) (addr string, moved bool, err error) {
	addr = Addr(g)
	if running != nil && running.Running && running.Addr == addr {
		return addr, false, nil
	}
	if l, err := net.Listen("tcp", addr); err == nil {
		l.Close()
		return addr, false, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", false, err
	}
	defer l.Close()
	return l.Addr().String(), true, nil
}
