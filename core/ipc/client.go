package ipc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/gateway"
	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// Client talks to the running keeper. It is safe for concurrent use.
type Client struct {
	hc            *http.Client
	dialedVersion string // the keeper's answer to Dial's ping
}

const (
	// The host is never resolved: every connection goes to the endpoint.
	baseURL = "http://keeper"
	// pingTimeout bounds Dial's check, so a hung keeper does not hang the CLI.
	pingTimeout = 5 * time.Second
	// defaultCallTimeout applies to calls whose ctx has no deadline; a token
	// call may wait on a refresh with Exact, so it is generous.
	defaultCallTimeout = 2 * time.Minute
)

// Dial connects to the keeper serving dir's endpoint and checks that it
// answers. It returns ErrNoKeeper when nothing listens there.
func Dial(dir string) (*Client, error) {
	path := Endpoint(dir)
	c := &Client{hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialEndpoint(ctx, path)
		},
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	v, err := c.Version(ctx)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.dialedVersion = v
	return c, nil
}

// KeeperVersion is the version the keeper gave when Dial checked it, so
// that a caller logging whom it reached need not ask a second time.
func (c *Client) KeeperVersion() string { return c.dialedVersion }

// Close releases the client's idle connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// Token returns a valid access token of the named connection ("" for the
// only one). The refresh token never crosses the endpoint; it is empty here.
func (c *Client) Token(ctx context.Context, conn string) (exact.Token, error) {
	var tok exact.Token
	err := c.call(ctx, http.MethodGet, "/v1/token?conn="+url.QueryEscape(conn), nil, &tok)
	return tok, err
}

// Refresh asks the keeper to refresh the named connection now (when Exact
// allows it).
func (c *Client) Refresh(ctx context.Context, conn string) error {
	return c.call(ctx, http.MethodPost, "/v1/refresh", refreshRequest{Conn: conn}, nil)
}

// Status returns the status of every connection.
func (c *Client) Status(ctx context.Context) ([]keeper.ConnStatus, error) {
	var st []keeper.ConnStatus
	err := c.call(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Reload asks the keeper to re-read its configuration (after a connect or
// disconnect by another process).
func (c *Client) Reload(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/v1/reload", struct{}{}, nil)
}

// Activate asks the running app to show its dashboard; a second start of the
// app calls it and exits.
func (c *Client) Activate(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/v1/activate", struct{}{}, nil)
}

// Version returns the running keeper's version.
func (c *Client) Version(ctx context.Context) (string, error) {
	var p pingResponse
	err := c.call(ctx, http.MethodGet, "/v1/ping", nil, &p)
	return p.Version, err
}

// Events streams the keeper's events. The channel is closed when ctx ends or
// the keeper goes away; once Events returns, the subscription is in place.
func (c *Client) Events(ctx context.Context) (<-chan keeper.Event, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/events", nil)
	if err != nil {
		return nil, err
	}
	ch := make(chan keeper.Event, eventBuffer)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 4096), maxEventLine)
		for sc.Scan() {
			var ev keeper.Event
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				// A garbled line means the stream cannot be trusted;
				// ending it lets the caller reconnect.
				return
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// GatewayStatus returns the state of the keeper's API gateway.
func (c *Client) GatewayStatus(ctx context.Context) (gateway.Status, error) {
	var st gateway.Status
	err := c.call(ctx, http.MethodGet, "/v1/gateway", nil, &st)
	return st, err
}

// GatewayApply makes the keeper's gateway follow config.json (switched on
// or off, moved, keys changed) and returns its state after.
func (c *Client) GatewayApply(ctx context.Context) (gateway.Status, error) {
	var st gateway.Status
	err := c.call(ctx, http.MethodPost, "/v1/gateway/apply", struct{}{}, &st)
	return st, err
}

// Exact sends one REST call through the keeper's gateway, paced with
// every other program's; path is a gateway path (/api/v1/… or
// /connections/<name>/api/v1/…). Exact's answer comes back whatever its
// status; the caller closes its body. An error means the keeper could not
// be asked.
func (c *Client) Exact(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, baseURL+"/v1/exact"+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	if resp.StatusCode == http.StatusNotImplemented || (resp.StatusCode == http.StatusNotFound && !strings.Contains(resp.Header.Get("Content-Type"), "json")) {
		// Not Exact's answer: the keeper has no gateway, or predates it.
		defer resp.Body.Close()
		return nil, errNoGateway
	}
	return resp, nil
}

// call sends a request with a JSON body (nil for none) and decodes the JSON
// answer into out (nil to ignore it).
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultCallTimeout)
		defer cancel()
	}
	resp, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(out); err != nil {
		return fmt.Errorf("the running keeper sent an answer that could not be read (%v); update Exact Keeper and exactkeeperctl to the same version", err)
	}
	return nil
}

// do sends a request and returns a 2xx response; any other answer comes back
// as the error the keeper sent.
func (c *Client) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, baseURL+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeError(resp)
}

// transportError turns a failed round trip into one sentence, keeping
// ErrNoKeeper and context errors testable with errors.Is.
func transportError(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, ErrNoKeeper):
		return ErrNoKeeper
	case ctx.Err() != nil:
		return fmt.Errorf("the running keeper did not answer in time: %w", ctx.Err())
	}
	return fmt.Errorf("the connection to the running keeper failed (%v); check that Exact Keeper is still running", err)
}

// decodeError rebuilds the keeper's error so that errors.Is matches the same
// sentinel and Error gives the same sentence.
func decodeError(resp *http.Response) error {
	var we wireError
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(&we); err != nil || we.Error == "" {
		return fmt.Errorf("the running keeper answered %s without an explanation; update Exact Keeper and exactkeeperctl to the same version", resp.Status)
	}
	re := &remoteError{msg: we.Error}
	switch we.Kind {
	case kindNeedsReconnect:
		re.kind = keeper.ErrNeedsReconnect
	case kindUnknown:
		re.kind = keeper.ErrUnknown
	case kindNoConnections:
		re.kind = keeper.ErrNoConnections
	case kindWrongSecret:
		re.kind = keeper.ErrWrongSecret
	case kindBusy:
		re.kind = ErrBusy
	}
	return re
}

// remoteError is an error that happened in the keeper.
type remoteError struct {
	msg  string
	kind error // a keeper sentinel, ErrBusy, or nil
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }
