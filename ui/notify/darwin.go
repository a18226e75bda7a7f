//go:build darwin

package notify

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

func newPlatform(appName string, _ []byte) Notifier { return osaNotifier{appName: appName} }

// NotifyAbout shows the notification without a way back: a notification
// posted by osascript belongs to Script Editor, and clicking it opens that,
// not us. Clicks need a signed app bundle posting through
// UNUserNotificationCenter (cgo), which the macOS packaging may add.
func (n osaNotifier) NotifyAbout(_, title, body string) error { return n.Notify(title, body) }

// OnActivate is never called back on macOS (see NotifyAbout).
func (osaNotifier) OnActivate(func(subject string)) {}

// osaNotifier uses AppleScript's "display notification", which needs no
// bundle or entitlement. The script goes in on stdin, so the texts are not
// on a command line.
type osaNotifier struct{ appName string }

func (n osaNotifier) Notify(title, body string) error {
	script := fmt.Sprintf("display notification %s with title %s subtitle %s",
		appleString(body), appleString(n.appName), appleString(title))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "osascript", "-")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("could not show a notification because osascript failed (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// appleString quotes s as an AppleScript string literal.
func appleString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
