package dashboard

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2/app"

	"github.com/exactkeeper/exactkeeper/assets"
	"github.com/exactkeeper/exactkeeper/core/platform"
	"github.com/exactkeeper/exactkeeper/core/store"

	"fyne.io/fyne/v2"
)

// appID names the dashboard to the OS (preferences, notifications).
const appID = "com.exactkeeper.exactkeeper"

// prefillEnv carries the demo pre-fill from the keeper process: the
// environment rather than arguments, which other users can read. It must
// match keeperapp.DemoEnv.
const prefillEnv = "EXACTKEEPER_DEMO_PREFILL"

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
	if rb, ok := b.(*realBackend); ok && version != "" {
		rb.version = version
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

// readPrefill takes the demo pre-fill from the environment and removes it,
// so the browser and other children do not inherit the demo secret.
func readPrefill() (*OnboardingPrefill, error) {
	raw := os.Getenv(prefillEnv)
	if raw == "" {
		return nil, nil
	}
	_ = os.Unsetenv(prefillEnv)
	var p struct {
		BaseURL      string `json:"base_url"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		RedirectURI  string `json:"redirect_uri"`
		UserName     string `json:"user_name"`
		Password     string `json:"password"`
		// RefreshLifetime is a Go duration string such as "5m".
		RefreshLifetime string `json:"refresh_lifetime"`
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, fmt.Errorf("the demo pre-fill in %s could not be read; start the demo again with 'exactkeeper --demo'", prefillEnv)
	}
	life, _ := time.ParseDuration(p.RefreshLifetime)
	return &OnboardingPrefill{BaseURL: p.BaseURL, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		RedirectURI: p.RedirectURI, Name: "Demo", UserName: p.UserName, Password: p.Password, RefreshLifetime: life}, nil
}
