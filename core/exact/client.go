package exact

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/exactkeeper/exactkeeper/core/netproxy"
)

// defaultHTTP is used when Client.HTTP is nil; the timeout keeps a hung
// connection from stalling a refresh chain forever. Token calls get at
// least TokenCallTimeout instead (see tokenHTTP). Its proxy is the
// environment's, or on Windows the user's system proxy (core/netproxy). It
// is made on first use: cloning the transport at init cost every process,
// `exactkeeperctl token` served by a running keeper included, 1 % of its
// start (docs/performance.md).
var defaultHTTP = sync.OnceValue(func() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: netproxy.Transport(nil)}
})

// TokenCallTimeout is the least time a token-endpoint call is given, end to
// end, whatever the HTTP client's own timeout: Exact's token endpoint has
// taken 35 s in its busy hour, and a refresh abandoned after Exact rotated
// the chain loses it. Callers should give such a call a context of at
// least this long too, detached from anyone who may give up waiting.
const TokenCallTimeout = 150 * time.Second

// maxBody matches what x/oauth2 reads of a token answer.
const maxBody = 1 << 20

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP()
}

// tokenHTTP is the HTTP client for token calls: a copy of httpClient with
// its timeout raised to TokenCallTimeout when it is shorter. No timeout at
// all (0) stays so; the context bounds the call then.
func (c *Client) tokenHTTP() http.Client {
	hc := *c.httpClient()
	if hc.Timeout > 0 && hc.Timeout < TokenCallTimeout {
		hc.Timeout = TokenCallTimeout
	}
	return hc
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) config() *oauth2.Config {
	return OAuthConfig(c.BaseURL, c.ClientID, c.ClientSecret, c.RedirectURI)
}

// AuthCodeURL builds the authorize URL with state and a PKCE S256 challenge
// for verifier; forceLogin adds force_login=1. An empty verifier sends no
// challenge (Exact does not check PKCE).
func (c *Client) AuthCodeURL(state, verifier string, forceLogin bool) string {
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	if forceLogin {
		opts = append(opts, oauth2.SetAuthURLParam("force_login", "1"))
	}
	return c.config().AuthCodeURL(state, opts...)
}

// Exchange trades an authorization code for the first token pair. Any
// failure is an *Error.
func (c *Client) Exchange(ctx context.Context, code, verifier string) (Token, error) {
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	return c.tokenCall(ctx, "", []string{code, verifier}, func(ctx context.Context, cfg *oauth2.Config) (*oauth2.Token, error) {
		return cfg.Exchange(ctx, code, opts...)
	})
}

// Refresh spends refreshToken once. Any failure is an *Error; when it
// carries a RefreshToken, Exact rotated anyway and the caller must store it.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	if refreshToken == "" {
		return Token{}, &Error{Outcome: NeedsReconnect, Err: errNoRefreshToken}
	}
	return c.tokenCall(ctx, refreshToken, []string{refreshToken}, func(ctx context.Context, cfg *oauth2.Config) (*oauth2.Token, error) {
		// A token without an access token is never Valid, so the source
		// always posts; a fresh source per call keeps no state between calls.
		return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	})
}

// tokenCall runs one token-endpoint request through x/oauth2 and turns the
// result into a Token or a classified *Error. spent is the refresh token
// posted (empty for an exchange); secrets are cut out of any message.
func (c *Client) tokenCall(ctx context.Context, spent string, secrets []string, call func(context.Context, *oauth2.Config) (*oauth2.Token, error)) (Token, error) {
	hc := c.tokenHTTP()
	rec := &recorder{base: hc.Transport}
	if rec.base == nil {
		rec.base = http.DefaultTransport
	}
	hc.Transport = rec
	ot, err := call(context.WithValue(ctx, oauth2.HTTPClient, &hc), c.config())
	at := c.now()
	secrets = append(secrets, c.ClientSecret)
	if err != nil {
		return Token{}, c.failure(err, rec, spent, at, secrets)
	}

	// x/oauth2 fills in the posted refresh token when the answer has none;
	// anything else it returns here is a rotation the caller must keep.
	rotated := ""
	if ot.RefreshToken != spent {
		rotated = ot.RefreshToken
	}
	bad := func(what string) error {
		return &Error{Outcome: Transient, Status: rec.status, RefreshToken: rotated, Err: malformed(what)}
	}
	switch {
	case ot.AccessToken == "":
		return Token{}, bad("access_token is missing")
	case ot.ExpiresIn <= 0:
		return Token{}, bad("expires_in is missing or zero")
	case ot.RefreshToken == "":
		return Token{}, bad("refresh_token is missing")
	}
	return Token{
		AccessToken:  ot.AccessToken,
		RefreshToken: ot.RefreshToken,
		IssuedAt:     at,
		Expiry:       at.Add(time.Duration(ot.ExpiresIn) * time.Second),
	}, nil
}

// failure classifies a failed token call. The recorder's copy of the answer
// is used when x/oauth2 gives no RetrieveError (a 2xx it could not parse),
// so a refresh token rotated in such an answer is still handed back.
func (c *Client) failure(err error, rec *recorder, spent string, at time.Time, secrets []string) *Error {
	status, header, body := rec.status, rec.header, rec.body
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		status, header, body = re.Response.StatusCode, re.Response.Header, re.Body
	}
	if status == 0 {
		return &Error{Outcome: Transient, Err: err}
	}

	a := parseAnswer(body)
	e := &Error{
		Outcome: classify(status, header.Get("Reason"), body, a),
		Status:  status,
		Reason:  clean(header.Get("Reason"), secrets...),
	}
	e.RateLimit = rateLimitOf(header)
	if a.refreshToken != spent {
		e.RefreshToken = a.refreshToken
	}
	secrets = append(secrets, a.refreshToken)
	e.Code = clean(a.code, secrets...)
	e.Description = clean(a.description, secrets...)
	if status >= 200 && status <= 299 && (e.Outcome == OK || e.Outcome == Transient) {
		// x/oauth2 refused an answer Classify might call OK (say, an
		// expires_in that is not a number): it is unusable all the same.
		e.Outcome = Transient
		switch {
		case !a.isJSON:
			e.Err = malformed("the answer is not a JSON object")
		case !a.hasAccessToken && a.code == "":
			e.Err = malformed("access_token is missing")
		default:
			e.Err = malformed("a field has an unexpected type")
		}
	}
	e.RetryAfter = retryAfter(header, e.Outcome, at)
	return e
}

// recorder keeps a copy of the last answer so that failures x/oauth2 does
// not report as a RetrieveError can still be classified and mined for a
// rotated refresh token.
type recorder struct {
	base   http.RoundTripper
	status int
	header http.Header
	body   []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.status, r.header, r.body = resp.StatusCode, resp.Header.Clone(), body
	// x/oauth2 parses text/plain as a query string; Exact only speaks JSON,
	// and a JSON token read as a query string would be lost.
	if looksLikeJSONObject(body) {
		resp.Header.Set("Content-Type", "application/json")
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}
