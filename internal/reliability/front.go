package main

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
)

// call is one token-endpoint call as the simulator's front door saw it.
type call struct {
	at     time.Time // Exact's time when it arrived
	status int       // 0: no answer (dropped, or the client gave up)
	took   time.Duration
	// faulted: an injected fault answered (a 200 among them is a broken
	// answer, not a token).
	faulted bool
}

// front serves a simulator on 127.0.0.1 over real HTTP and records every
// token call. It can refuse connections for a while (the listener closed),
// and marks the clock busy while a token call is under way.
type front struct {
	sim   *exactsim.Server
	clock interface{ Busy() func() } // nil: none
	now   func() time.Time

	mu    sync.Mutex
	addr  string
	srv   *http.Server
	calls []call
}

// newFront listens on a free port of 127.0.0.1.
func newFront(sim *exactsim.Server, now func() time.Time, clock interface{ Busy() func() }) (*front, error) {
	f := &front{sim: sim, now: now, clock: clock}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f.addr = ln.Addr().String()
	f.serve(ln)
	return f, nil
}

func (f *front) URL() string { return "http://" + f.addr }

func (f *front) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(f.handle), ReadHeaderTimeout: 10 * time.Second}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// refuse closes the listener and every connection: calls fail with
// "connection refused" until reopen.
func (f *front) refuse() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// reopen listens on the same port again.
func (f *front) reopen() error {
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", f.addr); err == nil {
			f.serve(ln)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("reopening %s: %w", f.addr, err)
}

func (f *front) close() {
	f.refuse()
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Hijack (the drop faults).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (f *front) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/oauth2/token" {
		f.sim.ServeHTTP(w, r)
		return
	}
	if f.clock != nil {
		defer f.clock.Busy()()
	}
	at := f.now()
	began := time.Now()
	pending := f.sim.PendingFaults()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		c := call{at: at, status: sw.status, took: time.Since(began), faulted: f.sim.PendingFaults() < pending}
		if r.Context().Err() != nil {
			c.status = 0 // the client went away: whatever was written, nobody read it
		}
		f.mu.Lock()
		f.calls = append(f.calls, c)
		f.mu.Unlock()
	}()
	f.sim.ServeHTTP(sw, r)
}

// callsBetween returns the recorded calls that arrived in [from, to).
func (f *front) callsBetween(from, to time.Time) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if !c.at.Before(from) && c.at.Before(to) {
			out = append(out, c)
		}
	}
	return out
}

func (f *front) allCalls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// worstHour is the most calls matching bad within any hour of Exact's time.
func worstHour(calls []call, bad func(call) bool) int {
	var ts []time.Time
	for _, c := range calls {
		if bad(c) {
			ts = append(ts, c.at)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= time.Hour {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

func failed(c call) bool { return c.status != http.StatusOK || c.faulted }
func clientErr(c call) bool {
	return c.status >= 400 && c.status < 500 && c.status != http.StatusTooManyRequests
}
