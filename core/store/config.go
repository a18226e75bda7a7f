package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrNoSuchConnection means no connection has that ID or name.
var ErrNoSuchConnection = errors.New("no such connection")

// ErrAmbiguousConnection means several connections have that name.
var ErrAmbiguousConnection = errors.New("several connections have that name")

// NewID returns a random, URL-safe identifier of 12 hex characters for a
// connection or delegation.
func NewID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// Connection finds a connection by exact ID, or else by case-insensitive
// name. The pointer is into c.Connections, so changes made through it inside
// UpdateConfig are saved.
func (c *Config) Connection(nameOrID string) (*Connection, error) {
	for i := range c.Connections {
		if c.Connections[i].ID == nameOrID {
			return &c.Connections[i], nil
		}
	}
	var found []int
	for i := range c.Connections {
		if nameOrID != "" && strings.EqualFold(c.Connections[i].Name, nameOrID) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 1:
		return &c.Connections[found[0]], nil
	case 0:
		if len(c.Connections) == 0 {
			return nil, fmt.Errorf("%w %q: there are no connections yet, connect one first", ErrNoSuchConnection, nameOrID)
		}
		names := make([]string, len(c.Connections))
		for i, conn := range c.Connections {
			names[i] = fmt.Sprintf("%q", conn.Name)
		}
		return nil, fmt.Errorf("%w %q: use one of %s", ErrNoSuchConnection, nameOrID, strings.Join(names, ", "))
	default:
		ids := make([]string, len(found))
		for i, j := range found {
			ids[i] = c.Connections[j].ID
		}
		return nil, fmt.Errorf("%w (%q): use the ID instead, one of %s", ErrAmbiguousConnection, nameOrID, strings.Join(ids, ", "))
	}
}

// UpsertConnection replaces the connection with conn's ID, or appends conn.
func (c *Config) UpsertConnection(conn Connection) {
	for i := range c.Connections {
		if c.Connections[i].ID == conn.ID {
			c.Connections[i] = conn
			return
		}
	}
	c.Connections = append(c.Connections, conn)
}

// RemoveConnection removes the connection with that ID and reports whether
// there was one. Delegations that refer to it are kept: they are the owner's
// records.
func (c *Config) RemoveConnection(id string) bool {
	n := len(c.Connections)
	c.Connections = slices.DeleteFunc(c.Connections, func(x Connection) bool { return x.ID == id })
	return len(c.Connections) != n
}

// Delegation returns the delegation with that ID (a pointer into
// c.Delegations), or nil.
func (c *Config) Delegation(id string) *Delegation {
	for i := range c.Delegations {
		if c.Delegations[i].ID == id {
			return &c.Delegations[i]
		}
	}
	return nil
}

// UpsertDelegation replaces the delegation with d's ID, or appends d.
func (c *Config) UpsertDelegation(d Delegation) {
	if old := c.Delegation(d.ID); old != nil {
		*old = d
		return
	}
	c.Delegations = append(c.Delegations, d)
}

// RemoveDelegation removes the delegation with that ID and reports whether
// there was one.
func (c *Config) RemoveDelegation(id string) bool {
	n := len(c.Delegations)
	c.Delegations = slices.DeleteFunc(c.Delegations, func(x Delegation) bool { return x.ID == id })
	return len(c.Delegations) != n
}

// RefreshLifetimeOr is the connection's refresh-token lifetime, or
// DefaultRefreshLifetime when unset.
func (c Connection) RefreshLifetimeOr() time.Duration {
	if c.RefreshLifetime <= 0 {
		return DefaultRefreshLifetime
	}
	return time.Duration(c.RefreshLifetime)
}

// KeepAliveOr is the keep-alive interval, or DefaultKeepAlive when unset.
func (s Settings) KeepAliveOr() time.Duration {
	if s.KeepAlive <= 0 {
		return DefaultKeepAlive
	}
	return time.Duration(s.KeepAlive)
}

// RefreshWarningsOr lists how long before a refresh token lapses to warn, or
// DefaultRefreshWarnings when unset. The slice is the caller's to change.
func (s Settings) RefreshWarningsOr() []time.Duration {
	if len(s.RefreshWarnings) == 0 {
		return slices.Clone(DefaultRefreshWarnings)
	}
	out := make([]time.Duration, len(s.RefreshWarnings))
	for i, d := range s.RefreshWarnings {
		out[i] = time.Duration(d)
	}
	return out
}

// DelegationWarnDaysOr lists the days before a delegation's end to warn, or
// DefaultDelegationWarnDays when unset. The slice is the caller's to change.
func (s Settings) DelegationWarnDaysOr() []int {
	if len(s.DelegationWarnDays) == 0 {
		return slices.Clone(DefaultDelegationWarnDays)
	}
	return slices.Clone(s.DelegationWarnDays)
}
