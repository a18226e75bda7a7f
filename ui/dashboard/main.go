package dashboard

import (
	"flag"
	"fmt"
	"io"
	"os"

	"fyne.io/fyne/v2/app"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/platform"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/ui/demo"

	"fyne.io/fyne/v2"
)

// appID names the dashboard to the OS (preferences, notifications).
const appID = "com.exactkeeper.exactkeeper"

// Main runs `exactkeeper dashboard [--focus SUBJECT]` until its window
// closes and returns the exit code.
func Main(args []string, version string, stderr io.Writer) int {
	fs := flag.NewFlagSet("exactkeeper dashboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	focus := fs.String("focus", "", "open on a subject: connection:ID, reconnect:ID, delegation:ID or reminder:KEY")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir, err := store.DefaultDir()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	b, err := NewBackend(dir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if rb, ok := b.(*realBackend); ok {
		if version != "" {
			rb.version = version
		}
		// The keeper starts the window with stderr into its own log, so
		// this shows there whether the window reached it.
		rb.handshake = newHandshakeLog(stderr)
	}
	prefill, err := readPrefill()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if rb, ok := b.(*realBackend); ok && prefill == nil {
		if exe, err := os.Executable(); err == nil {
			rb.autostart = platform.NewAutostart(exe, nil)
		}
	}
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("app.png", assets.AppIcon()))
	d := New(a, b, Options{Prefill: prefill, Focus: *focus})
	d.Window().ShowAndRun()
	return 0
}

// readPrefill turns the keeper's demo hand-off into the onboarding pre-fill.
func readPrefill() (*OnboardingPrefill, error) {
	p, err := demo.Take()
	if p == nil || err != nil {
		return nil, err
	}
	return &OnboardingPrefill{BaseURL: p.BaseURL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURI: p.RedirectURI, Name: "Demo", UserName: p.UserName, Password: p.Password, RefreshLifetime: p.RefreshLifetime}, nil
}
