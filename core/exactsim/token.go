package exactsim

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Token lengths. Exact's access tokens are about 1 KB; anything over 600
// characters makes keychain splitting elsewhere get exercised.
const (
	accessTokenLen  = 1024
	refreshTokenLen = 512
	// oldTokensKept is how many rotated refresh tokens per chain are still
	// recognised as "old"; older ones are forgotten and answer invalid_grant,
	// which means the same to a client (log in again) and bounds memory.
	oldTokensKept = 64
)

// chain is the one refresh chain of an app and user.
type chain struct {
	gen     int // changes when a new login replaces the chain
	refresh string
	access  string
	issued  time.Time
	// The previous refresh token and when its pair was issued, kept for
	// Grace until the current pair is first used (then cleared).
	prevRefresh string
	prevIssued  time.Time
	old         []string // rotated refresh tokens, oldest first
}

type refreshRec struct {
	key    chainKey
	gen    int
	issued time.Time
}

type accessRec struct {
	key     chainKey
	gen     int
	expires time.Time
}

// budget is the token-endpoint budget of one app and user.
type budget struct {
	day          time.Time // UTC midnight of the day calls counts
	calls        int
	errStart     time.Time // start of the hour errors counts
	errors       int
	blockedUntil time.Time
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    string `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// reply is a token-endpoint answer decided under mu and written after it.
type reply struct {
	status int
	body   any
	header http.Header
}

func errReply(status int, code, desc string) reply {
	return reply{status: status, body: oauthError{code, desc}}
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	form, bad := readTokenForm(w, r)

	s.mu.Lock()
	s.stats.TokenCalls++
	if bad != "" {
		s.stats.ClientErrors++
		s.logf("token: malformed request")
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", bad})
		return
	}
	now := s.cfg.Now()
	key := s.keyFor(form)
	b := s.budget(key, now)
	b.calls++
	hdr := s.rateHeaders(b)
	if rep, limited := s.checkBudget(b, now); limited {
		s.mu.Unlock()
		write(w, rep, hdr)
		return
	}
	kind, delay, faulted := s.takeFault(false, form)
	if faulted {
		s.logf("token: injected fault %s", kind)
		if s.serveMoreFault(w, r, kind, delay) { // faults_more.go
			return
		}
		switch kind {
		case FaultServerError:
			s.stats.ServerErrors++
			s.mu.Unlock()
			serverError(w)
			return
		case FaultDrop:
			s.stats.Dropped++
			s.mu.Unlock()
			drop(w)
			return
		case FaultTooMany:
			s.stats.RateLimited++
			hdr.Set("X-RateLimit-Remaining", "0")
			hdr.Set("Retry-After", "60")
			s.mu.Unlock()
			write(w, errReply(http.StatusTooManyRequests, "rate_limit_exceeded", "Too many requests; try again in a minute."), hdr)
			return
		case FaultSlow:
			s.mu.Unlock()
			wait(r.Context(), delay)
			s.mu.Lock()
			now = s.cfg.Now()
		}
	}

	rep := s.grant(form, r.Header.Get("Authorization") != "", now)
	if rep.status >= 400 && rep.status < 500 {
		s.countError(b, key, now)
	}
	if rep.status == http.StatusOK {
		if kind, _, ok := s.takeFault(true, form); ok {
			s.logf("token: injected fault %s", kind)
			if kind == FaultDropAfterRotate {
				s.stats.Dropped++
				s.mu.Unlock()
				drop(w)
				return
			}
			s.stats.ServerErrors++
			s.mu.Unlock()
			serverError(w)
			return
		}
	}
	s.mu.Unlock()
	write(w, rep, hdr)
}

// readTokenForm reads the form body; bad is a description for a 400 answer.
func readTokenForm(w http.ResponseWriter, r *http.Request) (form url.Values, bad string) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		return nil, "The token request must be sent as application/x-www-form-urlencoded."
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		return nil, "The token request body is not a valid form."
	}
	q := r.URL.Query()
	for _, k := range []string{"client_id", "client_secret", "code", "refresh_token", "code_verifier"} {
		if q.Has(k) {
			return nil, "Parameters must be sent in the form body, not in the URL."
		}
	}
	return r.PostForm, ""
}

// keyFor finds the app and user a token call is about, for its budget.
// Callers hold mu.
func (s *Server) keyFor(form url.Values) chainKey {
	key := chainKey{client: form.Get("client_id")}
	switch form.Get("grant_type") {
	case "authorization_code":
		if c, ok := s.codes[form.Get("code")]; ok {
			key.user = c.user
		}
	case "refresh_token":
		if rec, ok := s.refresh[form.Get("refresh_token")]; ok {
			key.user = rec.key.user
		}
	}
	return key
}

func (s *Server) budget(key chainKey, now time.Time) *budget {
	b := s.budgets[key]
	if b == nil {
		b = &budget{}
		s.budgets[key] = b
	}
	if day := now.UTC().Truncate(24 * time.Hour); !day.Equal(b.day) {
		b.day, b.calls = day, 0
	}
	return b
}

func (s *Server) rateHeaders(b *budget) http.Header {
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.DailyLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, s.cfg.DailyLimit-b.calls)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(b.day.Add(24*time.Hour).UnixMilli(), 10))
	return h
}

// checkBudget refuses a call while the app and user are blocked or over the
// daily limit. Callers hold mu.
func (s *Server) checkBudget(b *budget, now time.Time) (reply, bool) {
	if now.Before(b.blockedUntil) {
		s.stats.Blocked++
		s.logf("token: blocked until %s", b.blockedUntil.UTC().Format(time.RFC3339))
		rep := errReply(http.StatusTooManyRequests, "rate_limit_exceeded",
			fmt.Sprintf("Too many errors; blocked until %s.", b.blockedUntil.UTC().Format(time.RFC3339)))
		rep.header = http.Header{"Retry-After": {retryAfter(b.blockedUntil.Sub(now))}}
		return rep, true
	}
	if b.calls > s.cfg.DailyLimit {
		s.stats.RateLimited++
		s.logf("token: daily limit of %d calls exceeded", s.cfg.DailyLimit)
		reset := b.day.Add(24 * time.Hour)
		rep := errReply(http.StatusTooManyRequests, "rate_limit_exceeded",
			fmt.Sprintf("Rate limit exceeded: at most %d token requests per day; try again after %s.", s.cfg.DailyLimit, reset.Format(time.RFC3339)))
		rep.header = http.Header{"Retry-After": {retryAfter(reset.Sub(now))}}
		return rep, true
	}
	return reply{}, false
}

// countError records a 4xx answer and starts a block once the hour's
// errors reach the limit. Callers hold mu.
func (s *Server) countError(b *budget, key chainKey, now time.Time) {
	if b.errStart.IsZero() || !now.Before(b.errStart.Add(time.Hour)) {
		b.errStart, b.errors = now, 0
	}
	b.errors++
	if b.errors >= s.cfg.HourlyErrorLimit {
		b.blockedUntil = now.Add(s.cfg.BlockFor)
		b.errStart, b.errors = time.Time{}, 0
		s.logf("token: %d errors within an hour for client %s; blocking for %s", s.cfg.HourlyErrorLimit, key.client, s.cfg.BlockFor)
	}
}

func retryAfter(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// grant authenticates the client and handles the grant. Callers hold mu.
func (s *Server) grant(form url.Values, authHeader bool, now time.Time) reply {
	clientID := form.Get("client_id")
	if authHeader {
		// Exact wants the credentials in the body only; clients that send
		// them both ways risk posting a single-use token twice.
		s.stats.ClientErrors++
		s.logf("token: Authorization header sent by client %s", clientID)
		return errReply(http.StatusUnauthorized, "invalid_client", "Send client_id and client_secret in the form body, not in an Authorization header.")
	}
	app, ok := s.apps[clientID]
	if !ok {
		s.stats.ClientErrors++
		s.logf("token: unknown client %s", clientID)
		return errReply(http.StatusBadRequest, "invalid_client", fmt.Sprintf("Client with identifier '%s' not found", clientID))
	}
	if form.Get("client_secret") != app.ClientSecret {
		s.stats.ClientErrors++
		s.logf("token: wrong client secret for client %s", clientID)
		return errReply(http.StatusUnauthorized, "invalid_client", "The client secret is not valid.")
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		return s.exchange(form, app, now)
	case "refresh_token":
		return s.refreshGrant(form, app, now)
	}
	s.stats.ClientErrors++
	s.logf("token: unsupported grant type")
	return errReply(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
}

func (s *Server) invalidGrant(desc string) reply {
	s.stats.InvalidGrant++
	s.logf("token: invalid_grant: %s", desc)
	return errReply(http.StatusBadRequest, "invalid_grant", desc)
}

func (s *Server) exchange(form url.Values, app App, now time.Time) reply {
	c, ok := s.codes[form.Get("code")]
	switch {
	case !ok:
		return s.invalidGrant("The authorization code is not valid.")
	case c.used:
		return s.invalidGrant("The authorization code has already been used.")
	case now.After(c.expires):
		return s.invalidGrant("The authorization code has expired.")
	}
	c.used = true // a presented code is spent, even when the call fails below
	switch {
	case c.client != app.ClientID:
		return s.invalidGrant("The authorization code was issued to another client.")
	case form.Get("redirect_uri") != c.redirect:
		return s.invalidGrant("The redirect URI does not match the one the authorization code was issued for.")
	case c.challenge != "" && S256(form.Get("code_verifier")) != c.challenge:
		return s.invalidGrant("The code verifier does not match the code challenge.")
	}

	key := chainKey{app.ClientID, c.user}
	if old := s.chains[key]; old != nil {
		// A new login starts a new chain and breaks the previous one. Its
		// rotated tokens are forgotten (they would answer invalid_grant
		// anyway); its current token stays to say why.
		for _, t := range old.old {
			delete(s.refresh, t)
		}
		if old.prevRefresh != "" {
			delete(s.refresh, old.prevRefresh)
		}
		s.logf("token: a new login for client %s replaces the previous chain", app.ClientID)
	}
	s.chainGen++
	ch := &chain{gen: s.chainGen}
	s.chains[key] = ch
	s.stats.Exchanges++
	s.logf("token: code exchanged for %s", s.userName(c.user))
	return s.issue(ch, key, now)
}

func (s *Server) refreshGrant(form url.Values, app App, now time.Time) reply {
	tok := form.Get("refresh_token")
	rec, ok := s.refresh[tok]
	if !ok || rec.key.client != app.ClientID {
		return s.invalidGrant("The refresh token is not valid.")
	}
	ch := s.chains[rec.key]
	if ch == nil || ch.gen != rec.gen {
		return s.invalidGrant("The refresh token belongs to a chain that a newer login replaced.")
	}
	var held time.Time // when the access token the client holds was issued
	grace := false
	switch {
	case tok == ch.refresh:
		ch.prevRefresh = "" // first use of this pair ends grace
		held = ch.issued
	case s.cfg.Grace && tok == ch.prevRefresh:
		held, grace = ch.prevIssued, true
	default:
		s.stats.OldTokenReuses++
		s.logf("token: old refresh token used for %s", s.userName(rec.key.user))
		return errReply(http.StatusUnauthorized, "unauthorized_client", "Old refresh token used.")
	}
	if lapse := rec.issued.Add(s.cfg.RefreshIdle); !now.Before(lapse) {
		s.stats.ExpiredRefresh++
		s.logf("token: refresh token lapsed for %s", s.userName(rec.key.user))
		return errReply(http.StatusBadRequest, "invalid_request",
			fmt.Sprintf("The refresh token expired at %s and it is now %s", lapse.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339)))
	}
	life := s.cfg.AccessLifetime
	if now.Before(held.Add(life - life*30/600)) {
		s.stats.TooEarly++
		s.logf("token: refresh too early for %s", s.userName(rec.key.user))
		rep := errReply(http.StatusBadRequest, "access_denied", "Rate limit exceeded: access_token not expired")
		rep.header = http.Header{"Reason": {"TooEarlyToRefreshTokens"}}
		return rep
	}

	if grace {
		// The unseen pair is dropped; the previous token stays the grace
		// token until the pair issued now is first used.
		ch.old = append(ch.old, ch.refresh)
		s.logf("token: previous refresh token accepted (grace) for %s", s.userName(rec.key.user))
	} else {
		ch.prevRefresh, ch.prevIssued = tok, ch.issued
		ch.old = append(ch.old, tok)
	}
	for len(ch.old) > oldTokensKept {
		if ch.old[0] != ch.prevRefresh {
			delete(s.refresh, ch.old[0])
		}
		ch.old = ch.old[1:]
	}
	s.stats.Refreshes++
	s.logf("token: refreshed for %s", s.userName(rec.key.user))
	return s.issue(ch, rec.key, now)
}

// issue gives ch a new token pair and returns it as a 200 reply. Callers
// hold mu.
func (s *Server) issue(ch *chain, key chainKey, now time.Time) reply {
	for t, a := range s.access {
		if !now.Before(a.expires) {
			delete(s.access, t)
		}
	}
	ch.access = newToken(accessTokenLen)
	ch.refresh = newToken(refreshTokenLen)
	ch.issued = now
	s.refresh[ch.refresh] = refreshRec{key: key, gen: ch.gen, issued: now}
	s.access[ch.access] = accessRec{key: key, gen: ch.gen, expires: now.Add(s.cfg.AccessLifetime)}
	return reply{status: http.StatusOK, body: tokenResponse{
		AccessToken:  ch.access,
		TokenType:    "bearer",
		ExpiresIn:    strconv.FormatInt(int64(s.cfg.AccessLifetime/time.Second), 10),
		RefreshToken: ch.refresh,
	}}
}

func (s *Server) userName(userID string) string {
	if u, ok := s.usersID[userID]; ok {
		return u.UserName
	}
	return "an unknown user"
}

func write(w http.ResponseWriter, rep reply, hdr http.Header) {
	for k, vs := range hdr {
		w.Header()[k] = vs
	}
	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	writeJSON(w, rep.status, rep.body)
}

// serverError answers like a failing Exact front end: 500 with an HTML body,
// which clients must not try to read as a token response.
func serverError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte("<html><body><h1>500 Internal Server Error</h1><p>An error occurred while processing your request.</p></body></html>\n"))
}

// drop closes the connection without writing an answer.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): aborting the handler resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// wait returns after d or when ctx ends, whichever comes first. It uses real
// time: it simulates a slow network, which the fake clock knows nothing of.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
