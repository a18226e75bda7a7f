package exact

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// invalid_client naming the client without "not found" is a wrong secret,
// not an unknown app registration.
func TestInvalidClientNamingTheClientIsWrongSecret(t *testing.T) {
	body := `{"error":"invalid_client","error_description":"Client with identifier 'abc' failed authentication"}`
	if got := Classify(401, "", []byte(body)); got != WrongSecret {
		t.Fatalf("Classify = %v, want WrongSecret", got)
	}
}

// A refresh token rotated in a refused answer is handed back in
// RefreshToken only, never in the message texts.
func TestRotatedRefreshTokenNotInMessages(t *testing.T) {
	const rotated = "rotated-refresh-token-0123456789"
	_, c := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"too early for ` + rotated + `","refresh_token":"` + rotated + `"}`))
	})
	_, err := c.Refresh(context.Background(), testRT)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not an *Error", err)
	}
	if e.RefreshToken != rotated {
		t.Fatalf("RefreshToken = %q", e.RefreshToken)
	}
	if all := err.Error() + e.Description + e.Code; strings.Contains(all, rotated) {
		t.Fatalf("the rotated refresh token shows in %q", all)
	}
}
