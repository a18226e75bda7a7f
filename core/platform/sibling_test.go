package platform

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// A program beside this executable is found; a missing one is
// ErrNoSibling (the test binary's folder holds no such program, and PATH
// is emptied).
func TestSiblingExecutable(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Skip("no executable path on this OS")
	}
	name := filepath.Base(self)
	if runtime.GOOS == "windows" {
		name = name[:len(name)-len(".exe")]
	}
	if got, err := SiblingExecutable(name); err != nil || got != filepath.Join(filepath.Dir(self), filepath.Base(self)) {
		t.Errorf("SiblingExecutable(%q) = %q, %v; want this test binary", name, got, err)
	}
	t.Setenv("PATH", "")
	if _, err := SiblingExecutable("exactkeeper-no-such-program"); !errors.Is(err, ErrNoSibling) {
		t.Errorf("a missing program: %v, want ErrNoSibling", err)
	}
}
