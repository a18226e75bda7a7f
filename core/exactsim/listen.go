package exactsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ListenAndServe starts a simulator for cfg on addr ("127.0.0.1:0" picks a
// free port) and serves until ctx ends. baseURL is http://127.0.0.1:PORT (an
// unspecified host is reported as 127.0.0.1). wait blocks until the server
// has shut down; it returns nil after a normal stop. logw, which may be nil,
// receives one line per notable event and never a token or secret.
func ListenAndServe(ctx context.Context, addr string, cfg Config, logw io.Writer) (baseURL string, wait func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("the Exact Online simulator cannot listen on %s (%w); choose another address", addr, err)
	}
	s := New(cfg)
	if logw == nil {
		logw = io.Discard
	}
	s.mu.Lock()
	s.logw = logw
	s.mu.Unlock()

	tcp := ln.Addr().(*net.TCPAddr)
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	baseURL = "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))

	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// Request contexts end with ctx, so slow faults stop waiting.
		BaseContext: func(net.Listener) context.Context { return ctx },
		ErrorLog:    log.New(logw, "exactsim: ", 0),
	}
	done := make(chan error, 1)
	go func() {
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		select {
		case err := <-served:
			done <- err
			return
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			done <- err
			return
		}
		done <- nil
	}()
	return baseURL, sync.OnceValue(func() error { return <-done }), nil
}
