package ipc

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
)

// BenchmarkDialToken is the IPC part of one `exactkeeperctl token`: dial
// the keeper's socket, check that it answers, ask for a token, close.
// Compare BenchmarkTokenIPC (a client kept open) and BenchmarkTokenKeychain.
func BenchmarkDialToken(b *testing.B) {
	fb := newFake()
	fb.token = exact.Token{AccessToken: strings.Repeat("a", 900), Expiry: time.Now().Add(10 * time.Minute)}
	dir, _ := serve(b, &Server{Backend: fb})
	ctx := context.Background()
	for b.Loop() {
		c, err := Dial(dir)
		if err != nil {
			b.Fatal(err)
		}
		if tok, err := c.Token(ctx, "acme"); err != nil || len(tok.AccessToken) != 900 {
			b.Fatalf("token of %d bytes, %v", len(tok.AccessToken), err)
		}
		c.Close()
	}
}

// BenchmarkAskToken is the same with AskToken, what `exactkeeperctl token`
// uses now: the check pipelined ahead of the request on one connection,
// no http.Client.
func BenchmarkAskToken(b *testing.B) {
	fb := newFake()
	fb.token = exact.Token{AccessToken: strings.Repeat("a", 900), Expiry: time.Now().Add(10 * time.Minute)}
	dir, _ := serve(b, &Server{Backend: fb})
	ctx := context.Background()
	for b.Loop() {
		p, err := AskToken(ctx, dir, "acme")
		if err != nil {
			b.Fatal(err)
		}
		if tok, err := p.Token(); err != nil || len(tok.AccessToken) != 900 {
			b.Fatalf("token of %d bytes, %v", len(tok.AccessToken), err)
		}
	}
}
