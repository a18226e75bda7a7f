package demo

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	want := Prefill{BaseURL: "http://127.0.0.1:1", ClientID: "id", ClientSecret: "s", RedirectURI: "http://127.0.0.1:2/callback",
		UserName: "demo", Password: "demo", RefreshLifetime: 5 * time.Minute}
	name, value, _ := strings.Cut(want.EnvEntry(), "=")
	if name != Env {
		t.Fatalf("entry names %q", name)
	}
	t.Setenv(Env, value)
	got, err := Take()
	if err != nil || got == nil || *got != want {
		t.Fatalf("Take = %+v, %v; want %+v", got, err, want)
	}
	if _, set := os.LookupEnv(Env); set {
		t.Error("the pre-fill stays in the environment for children to inherit")
	}
}

func TestTakeOutsideDemoAndBroken(t *testing.T) {
	t.Setenv(Env, "")
	if p, err := Take(); p != nil || err != nil {
		t.Errorf("outside the demo: %+v, %v", p, err)
	}
	t.Setenv(Env, "{broken")
	if _, err := Take(); err == nil || strings.Contains(err.Error(), "{broken") {
		t.Errorf("broken pre-fill: %v", err)
	}
}
