package exactsim

import (
	"context"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// The standard Go OAuth client, configured as Exact requires, works against
// the simulator end to end.
func TestWithOAuth2Client(t *testing.T) {
	h := newHarness(t, nil)
	conf := &oauth2.Config{
		ClientID:     DemoClientID,
		ClientSecret: DemoClientSecret,
		RedirectURL:  testRedirect,
		Endpoint: oauth2.Endpoint{
			AuthURL:   h.ts.URL + "/api/oauth2/auth",
			TokenURL:  h.ts.URL + "/api/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st-123", oauth2.S256ChallengeOption(verifier))
	resp, err := h.http.Get(authURL)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login page: %v", err)
	}
	resp.Body.Close()

	code := h.login(oauth2.S256ChallengeFromVerifier(verifier))
	ctx := context.Background()
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Expiry.IsZero() || tok.Extra("expires_in") != "600" {
		t.Fatalf("expiry %v, expires_in %#v: want the string \"600\" read as an expiry", tok.Expiry, tok.Extra("expires_in"))
	}

	// Once the window is open, a token source refreshes with rotation.
	h.clock.Advance(10 * time.Minute)
	tok.Expiry = time.Now().Add(-time.Second)
	next, err := conf.TokenSource(ctx, tok).Token()
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken {
		t.Fatal("refresh through oauth2 did not rotate")
	}
	if st := h.s.Stats(); st.Refreshes != 1 || st.ClientErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
}
