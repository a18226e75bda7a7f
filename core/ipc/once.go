package ipc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
)

// PendingToken is a token asked of the running keeper by AskToken, whose
// answer has not been read yet.
type PendingToken struct {
	c    net.Conn
	br   *bufio.Reader
	ctx  context.Context
	stop func() bool
}

// AskToken asks the keeper serving dir for a token of the named connection
// ("" for the only one) in a single short connection, for a process that
// asks once (`exactkeeperctl token`): such a process pays neither for an
// http.Client's transport and its goroutines nor for the round trip of
// Dial's separate check. The check is still made, pipelined ahead of the
// request on the same connection, so that AskToken fails as Dial does:
// ErrNoKeeper when nothing listens, an error within pingTimeout when a
// keeper accepts but does not answer. Errors of the token itself come from
// PendingToken.Token, as from Client.Token. The connection ends when ctx
// does.
func AskToken(ctx context.Context, dir, conn string) (*PendingToken, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(defaultCallTimeout)
	}
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	c, err := dialEndpoint(pctx, Endpoint(dir))
	if err != nil {
		return nil, transportError(pctx, err)
	}
	p := &PendingToken{c: c, br: bufio.NewReader(c), ctx: ctx}
	// A deadline in the past unblocks any read or write when ctx ends
	// early (a signal), as a request's context does for an http.Client.
	p.stop = context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	fail := func(err error) (*PendingToken, error) {
		p.close()
		return nil, err
	}
	_ = c.SetDeadline(earlier(deadline, time.Now().Add(pingTimeout)))
	req := "GET /v1/ping HTTP/1.1\r\nHost: keeper\r\n\r\n" +
		"GET /v1/token?conn=" + url.QueryEscape(conn) + " HTTP/1.1\r\nHost: keeper\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return fail(p.transportError(err))
	}
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return fail(p.transportError(err))
	}
	if resp.StatusCode/100 != 2 {
		err := decodeError(resp)
		resp.Body.Close()
		return fail(err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	resp.Body.Close()
	// The token may wait on a refresh with Exact: the rest has until ctx's
	// deadline. Setting it after AfterFunc fired would undo that, hence
	// the check after.
	_ = c.SetDeadline(deadline)
	if err := ctx.Err(); err != nil {
		return fail(fmt.Errorf("the running keeper did not answer in time: %w", err))
	}
	return p, nil
}

// Token reads the keeper's answer and closes the connection.
func (p *PendingToken) Token() (exact.Token, error) {
	defer p.close()
	var tok exact.Token
	resp, err := http.ReadResponse(p.br, nil)
	if err != nil {
		return tok, p.transportError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return tok, decodeError(resp)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBody)).Decode(&tok); err != nil {
		if p.ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return exact.Token{}, p.transportError(err)
		}
		return exact.Token{}, fmt.Errorf("the running keeper sent an answer that could not be read (%v); update Exact Keeper and exactkeeperctl to the same version", err)
	}
	return tok, nil
}

func (p *PendingToken) close() {
	p.stop()
	p.c.Close()
}

// transportError words a failed read or write as Client's transportError
// does; a deadline that passed while ctx had not ended is the ping's.
func (p *PendingToken) transportError(err error) error {
	if p.ctx.Err() == nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("the running keeper did not answer in time: %w", context.DeadlineExceeded)
	}
	return transportError(p.ctx, err)
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
