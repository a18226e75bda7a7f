package vault

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// exercise runs the Vault contract every implementation must keep.
func exercise(t *testing.T, v Vault) {
	t.Helper()
	if _, err := v.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: err = %v, want ErrNotFound", err)
	}
	if err := v.Delete("a"); err != nil {
		t.Fatalf("Delete of a missing key: %v, want nil", err)
	}
	steps := []struct{ set, want string }{
		{"first", "first"},
		{"second", "second"}, // overwrite
		{"", ""},             // empty is a value, not absence
	}
	for _, s := range steps {
		if err := v.Set("a", s.set); err != nil {
			t.Fatalf("Set(%q): %v", s.set, err)
		}
		got, err := v.Get("a")
		if err != nil || got != s.want {
			t.Fatalf("Get after Set(%q) = %q, %v; want %q", s.set, got, err, s.want)
		}
	}
	if err := v.Set("b", "other"); err != nil {
		t.Fatal(err)
	}
	if err := v.Delete("a"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := v.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if got, err := v.Get("b"); err != nil || got != "other" {
		t.Fatalf("Delete of a touched b: Get(b) = %q, %v", got, err)
	}
}

func TestMemoryContract(t *testing.T) {
	exercise(t, NewMemory())
}

func TestMemoryZeroValueWorks(t *testing.T) {
	var m Memory
	if err := m.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Get("k"); got != "v" {
		t.Fatalf("Get = %q, want v", got)
	}
}

func TestMemoryErrInjection(t *testing.T) {
	m := NewMemory()
	if err := m.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	m.SetErr(ErrUnavailable)
	if _, err := m.Get("k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get: err = %v, want ErrUnavailable", err)
	}
	if err := m.Set("k", "w"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Set: err = %v, want ErrUnavailable", err)
	}
	if err := m.Delete("k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Delete: err = %v, want ErrUnavailable", err)
	}
	m.Err = nil
	if got, err := m.Get("k"); err != nil || got != "v" {
		t.Fatalf("failed calls changed the vault: Get = %q, %v; want v", got, err)
	}
}

func TestMemoryConcurrent(t *testing.T) {
	m := NewMemory()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			k := string(rune('a' + i))
			for range 100 {
				_ = m.Set(k, k)
				_, _ = m.Get(k)
			}
		})
	}
	wg.Wait()
	if got := m.Keys(); !slices.Equal(got, []string{"a", "b", "c", "d", "e", "f", "g", "h"}) {
		t.Fatalf("Keys = %v", got)
	}
}
