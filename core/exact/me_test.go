package exact

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMe(t *testing.T) {
	var gotAuth, gotAccept, gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotAccept, gotPath = r.Header.Get("Authorization"), r.Header.Get("Accept"), r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"d":{"results":[{"__metadata":{"uri":"x"},"UserID":"2c3a8a3e-1b7e-4f8e-9a59-2b0f5c6d7e8f","UserName":"jan@example.nl","FullName":"Jan Jansen","Email":"jan@example.nl","CurrentDivision":123456,"LanguageCode":"nl-NL"}]}}`))
	}))
	defer srv.Close()

	me, err := newClient(srv.URL+"/").Me(context.Background(), testAT)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	want := Me{UserID: "2c3a8a3e-1b7e-4f8e-9a59-2b0f5c6d7e8f", UserName: "jan@example.nl", FullName: "Jan Jansen", Email: "jan@example.nl", CurrentDivision: 123456, LanguageCode: "nl-NL"}
	if me != want {
		t.Errorf("Me = %+v, want %+v", me, want)
	}
	if gotAuth != "Bearer "+testAT || gotAccept != "application/json" || gotPath != "/api/v1/current/Me" {
		t.Errorf("request: bearer ok=%v, Accept=%q, path=%q", gotAuth == "Bearer "+testAT, gotAccept, gotPath)
	}
}

func TestMeFailures(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantRefused bool
		wantMsg     string
	}{
		{"access token refused", 401, `{"error":{"code":"","message":{"lang":"","value":"Unauthorized ` + testAT + `"}}}`, true, "access token was refused"},
		{"malformed JSON", 200, `{"d":{"results":[`, false, "could not be understood"},
		{"HTML page", 200, htmlPage, false, "could not be understood"},
		{"wrong field type", 200, `{"d":{"results":[{"CurrentDivision":"abc"}]}}`, false, "could not be understood"},
		{"empty results", 200, `{"d":{"results":[]}}`, false, "named no user"},
		{"no d", 200, `{}`, false, "named no user"},
		{"server error with Exact message", 500, `{"error":{"code":"","message":{"lang":"","value":"Internal error for ` + testAT + `"}}}`, false, `HTTP 500 (Exact Online says "Internal error for [redacted]")`},
		{"rate limited", 429, ``, false, "HTTP 429"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			_, err := newClient(srv.URL).Me(context.Background(), testAT)
			if err == nil {
				t.Fatal("Me succeeded, want an error")
			}
			if errors.Is(err, ErrAccessTokenRefused) != tt.wantRefused {
				t.Errorf("errors.Is(err, ErrAccessTokenRefused) = %v, want %v", !tt.wantRefused, tt.wantRefused)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("message %q does not contain %q", err, tt.wantMsg)
			}
			noSecrets(t, err.Error())
		})
	}
}

func TestMeUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := newClient(srv.URL).Me(context.Background(), testAT)
	if err == nil || !strings.Contains(err.Error(), "could not reach Exact Online") {
		t.Fatalf("Me on a closed port = %v, want a could-not-reach error", err)
	}
}

func TestDivisionName(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
		errHas string
	}{
		{"named", 200, `{"d":{"results":[{"Code":1234567,"Description":"Bakkerij De Jong"}]}}`, "Bakkerij De Jong", ""},
		{"other division only", 200, `{"d":{"results":[{"Code":7,"Description":"Ander"}]}}`, "", "no company name for division 1234567"},
		{"refused", 401, `{}`, "", "HTTP 401"},
		{"forbidden", 403, `{"error":{"message":{"value":"You have no access to this division."}}}`, "", "no access to this division"},
		{"malformed", 200, `{"d":`, "", "could not be understood"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotPath, gotQuery, gotAuth string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath, gotQuery, gotAuth = r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c := &Client{BaseURL: srv.URL}
			got, err := c.DivisionName(context.Background(), "tok-123", 1234567)
			if gotPath != "/api/v1/1234567/system/Divisions" || !strings.Contains(gotQuery, "Code%20eq%201234567") || gotAuth != "Bearer tok-123" {
				t.Errorf("asked %s?%s with %q", gotPath, gotQuery, gotAuth)
			}
			if tt.errHas == "" {
				if err != nil || got != tt.want {
					t.Errorf("DivisionName = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error %v, want one containing %q", err, tt.errHas)
			}
			if err != nil && strings.Contains(err.Error(), "tok-123") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}
