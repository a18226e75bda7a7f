package exact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
)

func (o Outcome) String() string {
	switch o {
	case OK:
		return "ok"
	case NeedsReconnect:
		return "needs-reconnect"
	case TooEarly:
		return "too-early"
	case RateLimited:
		return "rate-limited"
	case Transient:
		return "transient"
	case WrongSecret:
		return "wrong-secret"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// answer is what classification and error reporting need from a token
// endpoint body. It is decoded field by field so that one oddly typed field
// (Exact sends numbers as strings) cannot hide the others, above all a
// rotated refresh_token.
type answer struct {
	isJSON         bool
	code           string
	description    string
	refreshToken   string
	hasAccessToken bool
}

func parseAnswer(body []byte) answer {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return answer{}
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	return answer{
		isJSON:         true,
		code:           str("error"),
		description:    str("error_description"),
		refreshToken:   str("refresh_token"),
		hasAccessToken: str("access_token") != "",
	}
}

// looksLikeJSONObject tells whether a body is meant as JSON whatever its
// Content-Type says.
func looksLikeJSONObject(body []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("{"))
}

// Classify maps an HTTP answer of the token endpoint to an Outcome.
//
// Only answers Exact documents as fatal give NeedsReconnect; anything not
// understood is Transient, because dropping a refresh token that still works
// costs the user a login while a needless retry costs one request.
func Classify(status int, reasonHeader string, body []byte) Outcome {
	return classify(status, reasonHeader, body, parseAnswer(body))
}

func classify(status int, reasonHeader string, body []byte, a answer) Outcome {
	code := strings.ToLower(strings.TrimSpace(a.code))
	// "too_many_requests" and "rate_limit_exceeded" are spelled with
	// underscores; compare them as words.
	words := strings.ReplaceAll(code, "_", " ")
	desc := strings.ToLower(a.description)
	success := status >= 200 && status <= 299
	switch {
	case success && a.isJSON && code == "" && a.hasAccessToken:
		return OK
	case tooEarlyReason(reasonHeader),
		strings.Contains(desc, "access_token not expired"),
		strings.Contains(desc, "access token not expired"):
		return TooEarly
	case status == 429:
		return RateLimited
	case status >= 500:
		return Transient
	case strings.Contains(desc, "old refresh token used"),
		code == "invalid_grant",
		code == "invalid_request" && strings.Contains(desc, "refresh token expired"),
		isUnknownClient(desc, body):
		return NeedsReconnect
	case code == "invalid_client":
		return WrongSecret
	case strings.Contains(words, "rate limit"), strings.Contains(desc, "rate limit"),
		strings.Contains(words, "too many"), strings.Contains(desc, "too many"):
		return RateLimited
	}
	return Transient
}

// tooEarlyReason recognises Exact's Reason header for a refresh asked too
// early. The live value carries more after the name ("TooEarlyToRefreshTokens:
// Rate limit exceeded: access_token not expired"), so the name is matched
// as a prefix, in any case, as a whole word.
func tooEarlyReason(h string) bool {
	const name = "tooearlytorefreshtokens"
	h = strings.TrimSpace(h)
	if len(h) < len(name) || !strings.EqualFold(h[:len(name)], name) {
		return false
	}
	rest := h[len(name):]
	return rest == "" || !unicode.IsLetter(rune(rest[0])) && !unicode.IsDigit(rune(rest[0]))
}

// isUnknownClient recognises an app registration the host does not know:
// usually the wrong region, so the connection must be set up again. The
// message is searched in the raw body too, as it may come outside JSON. A
// bare invalid_client is not this: it means a wrong client secret.
func isUnknownClient(desc string, body []byte) bool {
	if strings.Contains(desc, "client with identifier") && strings.Contains(desc, "not found") {
		return true
	}
	raw := bytes.ToLower(body)
	return bytes.Contains(raw, []byte("client with identifier")) && bytes.Contains(raw, []byte("not found"))
}
