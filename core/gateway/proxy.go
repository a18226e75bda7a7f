package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// Headers passed on to Exact and back. Everything else stays: a program's
// cookies and its own Authorization never reach Exact, and Exact's cookies
// never reach the program.
var (
	requestHeaders  = []string{"Accept", "Accept-Language", "Content-Type", "Prefer", "If-Match", "If-None-Match", "DataServiceVersion", "MaxDataServiceVersion"}
	responseHeaders = []string{"Content-Type", "ETag", "DataServiceVersion", "Retry-After",
		"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
		"X-RateLimit-Minutely-Limit", "X-RateLimit-Minutely-Remaining", "X-RateLimit-Minutely-Reset"}
)

// serve passes one request to Exact. base is what __next links are
// rewritten to ("http://127.0.0.1:PORT", or "" for paths).
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, cfg store.Config, client, base string) {
	cw := &countingWriter{ResponseWriter: w, count: func(status int) {
		g.count(client, status == http.StatusTooManyRequests || status == http.StatusUnauthorized || status == http.StatusRequestEntityTooLarge)
	}}
	defer cw.once(499) // nothing answered: the program gave up
	name, rest, ok := route(r.URL.Path)
	if !ok {
		writeError(cw, http.StatusNotFound, "The gateway passes on Exact Online's REST API only: /api/v1/… or /connections/<name>/api/v1/….")
		return
	}
	conn, why := findConnection(cfg, name)
	if why != "" {
		writeError(cw, http.StatusNotFound, why)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		writeError(cw, http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is larger than the gateway passes on (%d MiB).", MaxRequestBody>>20))
		return
	}
	prefix := ""
	if name != "" {
		prefix = "/connections/" + url.PathEscape(name)
	}
	p := proxied{g: g, r: r, conn: conn, rest: rest, body: body, client: client, next: base + prefix}
	p.do(cw)
}

// countingWriter counts a request as its answer starts, not once it has
// been sent: a program that has read the answer may ask for the counters at
// once (`exactkeeperctl gateway status`), and must find its request there.
type countingWriter struct {
	http.ResponseWriter
	count   func(status int)
	counted bool
}

func (c *countingWriter) WriteHeader(status int) {
	c.once(status)
	c.ResponseWriter.WriteHeader(status)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	c.once(http.StatusOK)
	return c.ResponseWriter.Write(b)
}

func (c *countingWriter) once(status int) {
	if !c.counted {
		c.counted = true
		c.count(status)
	}
}

type proxied struct {
	g      *Gateway
	r      *http.Request
	conn   store.Connection
	rest   string
	body   []byte
	client string
	next   string // what replaces Exact's base URL in __next links
}

// do runs the request with its retries and writes the answer; it returns
// the status the program got.
func (p *proxied) do(w http.ResponseWriter) int {
	ctx := p.r.Context()
	lim := p.g.limiterFor(p.conn.BaseURL + "|" + p.conn.ClientID + "|" + strconv.Itoa(divisionOf(p.rest, p.conn.Division)))
	isGet := p.r.Method == http.MethodGet || p.r.Method == http.MethodHead
	retried401 := false
	for attempt := 0; ; attempt++ {
		if ref, err := lim.acquire(ctx, p.client, p.g.o.MaxWait); err != nil {
			return 499 // the program gave up; nothing to answer
		} else if ref != nil {
			return refuse(w, ref)
		}
		tok, err := p.g.o.Tokens.Token(ctx, p.conn.ID)
		if err != nil {
			lim.release(nil, 0, false)
			return tokenError(w, err)
		}
		resp, data, err := p.send(ctx, tok.AccessToken)
		if err != nil {
			lim.release(nil, 0, true)
			if ctx.Err() != nil {
				return 499
			}
			if isGet && attempt < getRetries && p.wait(ctx, attempt) {
				continue
			}
			if errors.Is(err, errTooLarge) {
				return writeError(w, http.StatusBadGateway, fmt.Sprintf("The answer of Exact Online is larger than the gateway passes on (%d MiB); ask for fewer rows ($top) or fields ($select).", MaxResponseBody>>20))
			}
			return writeError(w, http.StatusBadGateway, "Exact Online could not be reached; check the internet connection and try again.")
		}
		lim.release(resp.Header, resp.StatusCode, true)
		switch {
		case resp.StatusCode == http.StatusUnauthorized && !retried401:
			// Exact refused a token the keeper thought good. Only a token
			// the keeper already holds can help: asking for a refresh of
			// one that has time left would be refused as too early.
			retried401 = true
			newer, err := p.g.o.Tokens.Token(ctx, p.conn.ID)
			if err == nil && newer.AccessToken != tok.AccessToken {
				continue
			}
			return writeError(w, http.StatusUnauthorized, "Exact Online refused the current access token, and the keeper has no newer one: Exact does not allow a refresh while the token still has time left. Try again after "+tok.Expiry.Local().Format("15:04:05")+".")
		case isGet && (resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests) && attempt < getRetries:
			// A 429 also told the limiter that the window is spent, so
			// the next acquire waits for the window's end as well.
			if p.wait(ctx, attempt) {
				continue
			}
		}
		return p.answer(w, resp, data)
	}
}

// wait sleeps before retry attempt+1 of a GET; false when ctx ended.
func (p *proxied) wait(ctx context.Context, attempt int) bool {
	d := p.g.o.Backoff[min(attempt, len(p.g.o.Backoff)-1)]
	select {
	case <-p.g.o.Clock.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

var errTooLarge = errors.New("answer too large")

// send makes one call to Exact and reads the whole answer.
func (p *proxied) send(ctx context.Context, access string) (*http.Response, []byte, error) {
	target := strings.TrimRight(p.conn.BaseURL, "/") + p.rest
	if p.r.URL.RawQuery != "" {
		target += "?" + p.r.URL.RawQuery
	}
	var body io.Reader
	if len(p.body) > 0 {
		body = bytes.NewReader(p.body)
	}
	req, err := http.NewRequestWithContext(ctx, p.r.Method, target, body)
	if err != nil {
		return nil, nil, err
	}
	for _, h := range requestHeaders {
		if v := p.r.Header.Values(h); len(v) > 0 {
			req.Header[h] = v
		}
	}
	if req.Header.Get("Accept") == "" {
		// Exact answers XML (Atom) otherwise; programs want JSON.
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := p.g.o.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxResponseBody {
		return nil, nil, errTooLarge
	}
	return resp, data, nil
}

// nextLink finds the __next links of an OData answer.
var nextLink = regexp.MustCompile(`"__next"\s*:\s*"([^"]*)"`)

// answer writes Exact's answer, its __next links pointing back here.
func (p *proxied) answer(w http.ResponseWriter, resp *http.Response, data []byte) int {
	for _, h := range responseHeaders {
		if v := resp.Header.Values(h); len(v) > 0 {
			w.Header()[h] = v
		}
	}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		data = p.rewriteNext(data)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(data)
	return resp.StatusCode
}

// rewriteNext points __next links at Exact's host back through the gateway
// (and the same connection). Links elsewhere are left alone.
func (p *proxied) rewriteNext(data []byte) []byte {
	base, err := url.Parse(p.conn.BaseURL)
	if err != nil {
		return data
	}
	return nextLink.ReplaceAllFunc(data, func(m []byte) []byte {
		raw := string(nextLink.FindSubmatch(m)[1])
		var link string
		if json.Unmarshal([]byte(`"`+raw+`"`), &link) != nil {
			return m
		}
		u, err := url.Parse(link)
		if err != nil || !strings.EqualFold(u.Host, base.Host) || !strings.HasPrefix(u.Path, "/api/v1/") {
			return m
		}
		out := p.next + u.EscapedPath()
		if u.RawQuery != "" {
			out += "?" + u.RawQuery
		}
		b, _ := json.Marshal(out)
		return append([]byte(`"__next":`), b...)
	})
}

// divisionOf is the division a REST path addresses: its first segment
// after /api/v1/ when that is a number, else the connection's current one
// (current/Me counts against it).
func divisionOf(rest string, current int) int {
	seg, _, _ := strings.Cut(strings.TrimPrefix(rest, "/api/v1/"), "/")
	if n, err := strconv.Atoi(seg); err == nil && n > 0 {
		return n
	}
	return current
}

// refuse answers a request that would wait too long, or that the day's
// budget no longer covers.
func refuse(w http.ResponseWriter, ref *refusal) int {
	secs := int(math.Ceil(ref.retryAfter.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	if ref.daily {
		return writeError(w, http.StatusTooManyRequests, "Exact Online's daily limit for this division is used up; it resets at midnight UTC.")
	}
	return writeError(w, http.StatusTooManyRequests, fmt.Sprintf("Exact Online's limit per minute for this division is taken by other requests for longer than the gateway lets a request wait; try again in %d seconds.", max(secs, 1)))
}

// ReasonHeader tells a caller (exactkeeperctl api) that a 401 is the
// keeper's and which: a new login is needed, or a new client secret.
const (
	ReasonHeader         = "X-Exactkeeper-Reason"
	ReasonNeedsReconnect = "needs-reconnect"
	ReasonWrongSecret    = "wrong-secret"
)

// tokenError answers when the keeper has no token to give.
func tokenError(w http.ResponseWriter, err error) int {
	switch {
	case errors.Is(err, keeper.ErrNeedsReconnect):
		w.Header().Set(ReasonHeader, ReasonNeedsReconnect)
		return writeError(w, http.StatusUnauthorized, "The connection needs a new login to Exact Online; open Exact Keeper and log in again.")
	case errors.Is(err, keeper.ErrWrongSecret):
		w.Header().Set(ReasonHeader, ReasonWrongSecret)
		return writeError(w, http.StatusUnauthorized, "Exact Online refused the app's client secret; enter it again in Exact Keeper.")
	}
	return writeError(w, http.StatusBadGateway, "The keeper has no access token at the moment: "+oneLine(err.Error()))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// writeError answers in Exact's own error shape, so that programs read the
// gateway's refusals as they read Exact's.
func writeError(w http.ResponseWriter, status int, msg string) int {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message struct {
				Lang  string `json:"lang"`
				Value string `json:"value"`
			} `json:"message"`
		} `json:"error"`
	}
	e.Error.Message.Value = msg
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(e)
	return status
}
