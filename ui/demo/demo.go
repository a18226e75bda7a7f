// Package demo is the hand-off between the two demo processes: the keeper,
// which starts the simulator, tells the dashboard which pre-registered app
// to pre-fill. One definition, so the two cannot drift apart.
package demo

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Env names the environment variable that carries the pre-fill.
// Environment, not arguments: other users can read a process's command line.
const Env = "EXACTKEEPER_DEMO_PREFILL"

// Prefill is the simulator's pre-registered app and demo user.
type Prefill struct {
	BaseURL      string `json:"base_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RedirectURI  string `json:"redirect_uri"`
	UserName     string `json:"user_name"`
	Password     string `json:"password"`
	// RefreshLifetime is the simulator's refresh-token lifetime, so the
	// demo connection's lapse (and its warnings) come within minutes.
	RefreshLifetime time.Duration `json:"refresh_lifetime"`
}

// EnvEntry is the "NAME=value" entry for a child process's environment.
func (p Prefill) EnvEntry() string {
	b, _ := json.Marshal(p)
	return Env + "=" + string(b)
}

// Take reads the pre-fill from this process's environment and removes it,
// so the browser and other children do not inherit the demo secret. It
// returns nil outside the demo.
func Take() (*Prefill, error) {
	raw := os.Getenv(Env)
	if raw == "" {
		return nil, nil
	}
	_ = os.Unsetenv(Env)
	var p Prefill
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, fmt.Errorf("the demo pre-fill in %s could not be read; start the demo again with 'exactkeeper --demo'", Env)
	}
	return &p, nil
}
