package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// benchConns is an office's scale: an integrator's or an accountant's
// connections in one keeper (issue 13).
const benchConns = 500

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "home"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	err = s.UpdateConfig(func(c *Config) error {
		for i := range benchConns {
			c.Connections = append(c.Connections, Connection{ID: fmt.Sprintf("%012x", i), Name: fmt.Sprintf("Klant %04d", i),
				Region: "nl", BaseURL: "https://start.exactonline.nl", ClientID: "f7a0c9d2-6b1e-4c8a-9d3f-2e5b7a1c0d4e",
				RedirectURI: "https://relay.example/exact", RefreshLifetime: Duration(DefaultRefreshLifetime),
				User:     User{ID: fmt.Sprintf("guid-%d", i), UserName: fmt.Sprintf("user%d", i), FullName: "Jan de Vries", Email: "jan@example.nl"},
				Division: 100000 + i, DivisionName: fmt.Sprintf("Klant %04d BV", i), Created: now})
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	err = s.UpdateState(func(st *State) error {
		if st.Connections == nil {
			st.Connections = map[string]ConnState{}
		}
		for i := range benchConns {
			st.Connections[fmt.Sprintf("%012x", i)] = ConnState{Status: "ok", LastRefresh: now, AccessExpiry: now.Add(10 * time.Minute), APICheck: now}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkUpdateState500 is what the keeper pays after each refresh with
// 500 connections: read state.json, change one chain, write it back
// atomically (the copy as state.json.good included).
func BenchmarkUpdateState500(b *testing.B) {
	s := benchStore(b)
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("%012x", i%benchConns)
		i++
		if err := s.UpdateState(func(st *State) error {
			c := st.Connections[id]
			c.LastRefresh = at.Add(time.Duration(i) * time.Second)
			st.Connections[id] = c
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadConfig500 is a reload of the configuration with 500
// connections (the keeper on a change; `exactkeeperctl token` without a
// name).
func BenchmarkLoadConfig500(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		c, err := s.LoadConfig()
		if err != nil || len(c.Connections) != benchConns {
			b.Fatalf("%d connections, %v", len(c.Connections), err)
		}
	}
}
