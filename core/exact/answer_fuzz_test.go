package exact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The fuzz targets of this file run in `go test` on their seed corpus (the
// f.Add calls and testdata/fuzz/<Target>/), and for real under `make fuzz`.
// A crasher found there is kept in testdata/fuzz/<Target>/ as a regression
// test.

// rotatedIn finds the refresh token a token answer carries, decoding the
// body independently of parseAnswer: a JSON object whose "refresh_token"
// (exactly that key; the last one wins, as in encoding/json) is a non-empty
// string.
func rotatedIn(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	raw, ok := m["refresh_token"]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

var answerSeeds = []string{
	`{"access_token":"a","token_type":"bearer","expires_in":"600","refresh_token":"new-refresh-token"}`,
	`{"access_token":"a","token_type":"bearer","expires_in":600,"refresh_token":"new-refresh-token"}`,
	`{"access_token":"a","expires_in":"ten","refresh_token":"new-refresh-token"}`,
	`{"access_token":"","expires_in":"600","refresh_token":"new-refresh-token"}`,
	`{"error":"access_denied","error_description":"Rate limit exceeded: access_token not expired","refresh_token":"new-refresh-token"}`,
	`{"error":"unauthorized_client","error_description":"Old refresh token used."}`,
	`{"fault":{"faultstring":"Failed to execute the ExtractVariables: ExtractAccessToken","detail":{"errorcode":"steps.extractvariables.ExecutionFailed"}}}`,
	`{"refresh_token":"a","refresh_token":"b","access_token":"x","expires_in":"600"}`,
	`{"refresh_token":123}`,
	`{"Refresh_Token":"case"}`,
	` {"refresh_token":"leading-space","access_token":"x","expires_in":"600"}`,
	`{"refresh_token":"\u00e9\ud800","access_token":"x","expires_in":"600"}`,
	`refresh_token=query-form&access_token=x&expires_in=600`,
	`<html><body><h1>502 Bad Gateway</h1></body></html>`,
	`{"access_token":"a","expires_in":"600","refresh_token":"trunc`,
	``,
	`null`,
}

// FuzzParseAnswer: parseAnswer never panics and never loses a refresh token
// that a JSON object body carries.
func FuzzParseAnswer(f *testing.F) {
	for _, b := range answerSeeds {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		a := parseAnswer(body)
		if want := rotatedIn(body); want != a.refreshToken {
			t.Fatalf("parseAnswer(%q).refreshToken = %q, want %q", body, a.refreshToken, want)
		}
	})
}

// answerTransport answers every request with one fixed response, in memory.
type answerTransport struct {
	status int
	header http.Header
	body   []byte
}

func (a answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode:    a.status,
		Status:        http.StatusText(a.status),
		Header:        a.header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(a.body)),
		ContentLength: int64(len(a.body)),
		Request:       r,
		Proto:         "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

// FuzzRefreshAnswer runs Client.Refresh against arbitrary token-endpoint
// answers (status, Reason header, Content-Type, body). It must never panic;
// a refresh token rotated in the answer must come back either in the Token
// or in the *Error; a success needs a 2xx with an access token; and no
// message may quote the spent refresh token, the client secret or the new
// refresh token.
func FuzzRefreshAnswer(f *testing.F) {
	for _, b := range answerSeeds {
		f.Add(200, "", "application/json", []byte(b))
		f.Add(400, "TooEarlyToRefreshTokens: Rate limit exceeded: access_token not expired", "application/json", []byte(b))
	}
	f.Add(500, "", "application/json", []byte(answerSeeds[6]))
	f.Add(429, "", "text/plain", []byte(`{"error":"too_many_requests","refresh_token":"new-refresh-token"}`))
	f.Add(200, "", "text/plain", []byte(answerSeeds[0]))
	f.Add(200, "", "application/x-www-form-urlencoded", []byte(answerSeeds[12]))
	f.Add(302, "", "", []byte(""))
	f.Fuzz(func(t *testing.T, status int, reason, contentType string, body []byte) {
		if status < 100 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		const spent, secret = "spent-refresh-token-0123456789", "client-secret-0123456789"
		h := http.Header{}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		if reason != "" {
			h.Set("Reason", reason)
		}
		c := Client{
			BaseURL:      "http://exact.invalid",
			ClientID:     "client-id",
			ClientSecret: secret,
			HTTP:         &http.Client{Transport: answerTransport{status: status, header: h, body: body}},
		}
		tok, err := c.Refresh(context.Background(), spent)
		rotated := rotatedIn(body)
		if rotated == spent {
			rotated = ""
		}
		var e *Error
		switch {
		case err == nil:
			if status < 200 || status > 299 || tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Fatalf("HTTP %d %q gave success %+v", status, body, tok)
			}
			if rotated != "" && tok.RefreshToken != rotated {
				t.Fatalf("success lost the rotated refresh token: got %q, want %q", tok.RefreshToken, rotated)
			}
		case errors.As(err, &e):
			if rotated != "" && e.RefreshToken != rotated {
				t.Fatalf("HTTP %d %q: the error lost the rotated refresh token (outcome %v, got %q)", status, body, e.Outcome, e.RefreshToken)
			}
			if e.Outcome == OK {
				t.Fatalf("an error with outcome OK: %v", err)
			}
			msg := err.Error()
			for _, s := range []string{spent, secret} {
				if strings.Contains(msg, s) {
					t.Fatalf("the message quotes a secret: %q", msg)
				}
			}
			if len(rotated) >= 6 && strings.Contains(msg, rotated) {
				t.Fatalf("the message quotes the new refresh token: %q", msg)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("the message is not one line: %q", msg)
			}
		default:
			t.Fatalf("Refresh returned %T, not *Error: %v", err, err)
		}
	})
}
