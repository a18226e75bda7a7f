package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The macOS logic runs everywhere against a fake launchctl; only the exec of
// /bin/launchctl itself is Mac-only.
func TestLaunchAgentLifecycle(t *testing.T) {
	home := t.TempDir()
	var calls [][]string
	var fail error
	exe := "/Applications/Exact Keeper.app/Contents/MacOS/exactkeeper"
	l := newLaunchAgent(exe, nil, envOf(map[string]string{"HOME": home}), func(args ...string) error {
		calls = append(calls, args)
		return fail
	})
	plist := filepath.Join(home, "Library", "LaunchAgents", "nl.exactkeeper.app.plist")

	if on, err := l.Enabled(); on || err != nil {
		t.Fatalf("Enabled() = %v, %v before Enable", on, err)
	}
	if err := l.Enable(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(plist)
	if err != nil {
		t.Fatal(err)
	}
	if got := parsePlist(t, b)["ProgramArguments"]; !reflect.DeepEqual(got, []string{exe}) {
		t.Errorf("ProgramArguments = %q", got)
	}
	want := [][]string{{"enable", fmt.Sprintf("gui/%d/nl.exactkeeper.app", os.Getuid())}}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("launchctl calls = %q, want %q (no bootstrap: it would start a second keeper now)", calls, want)
	}
	if on, err := l.Enabled(); !on || err != nil {
		t.Fatalf("Enabled() = %v, %v after Enable", on, err)
	}

	fail = errors.New("exit status 1")
	if err := l.Enable(); err == nil || !strings.Contains(err.Error(), plist) || !strings.Contains(err.Error(), "Login Items") {
		t.Errorf("Enable with a failing launchctl: err = %v, want one naming the file and Login Items", err)
	}

	calls = nil
	if err := l.Disable(); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 0 {
		t.Errorf("Disable ran launchctl %q: bootout would stop the running keeper", calls)
	}
	if on, err := l.Enabled(); on || err != nil {
		t.Fatalf("Enabled() = %v, %v after Disable", on, err)
	}
	if err := l.Disable(); err != nil {
		t.Errorf("second Disable: %v", err)
	}
}

func TestLaunchAgentWithoutHome(t *testing.T) {
	l := newLaunchAgent("/x", nil, envOf(map[string]string{"HOME": "relative"}), func(...string) error {
		t.Error("launchctl ran without a home folder")
		return nil
	})
	if err := l.Enable(); err == nil || !strings.Contains(err.Error(), "set HOME") {
		t.Errorf("err = %v, want advice to set HOME", err)
	}
}
