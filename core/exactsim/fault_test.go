package exactsim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// rawRefresh is refresh without failing on transport errors.
func (h *harness) rawRefresh(ctx context.Context, baseURL, rt string) (*http.Response, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}
	req, _ := http.NewRequestWithContext(ctx, "POST", baseURL+"/api/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := h.http.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func TestFaults(t *testing.T) {
	tests := []struct {
		fault   Fault
		status  int // 0: no answer at all
		rotated bool
		stat    func(Stats) int
	}{
		{Fault{Kind: FaultServerError}, 500, false, func(s Stats) int { return s.ServerErrors }},
		{Fault{Kind: FaultErrorAfterRotate}, 500, true, func(s Stats) int { return s.ServerErrors }},
		{Fault{Kind: FaultDrop}, 0, false, func(s Stats) int { return s.Dropped }},
		{Fault{Kind: FaultDropAfterRotate}, 0, true, func(s Stats) int { return s.Dropped }},
		{Fault{Kind: FaultTooMany}, 429, false, func(s Stats) int { return s.RateLimited }},
		{Fault{Kind: FaultSlow, Delay: time.Millisecond}, 200, true, func(s Stats) int { return s.Refreshes }},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault.Kind), func(t *testing.T) {
			h := newHarness(t, nil)
			_, rt := h.connect()
			h.clock.Advance(10 * time.Minute)
			h.s.Inject(tt.fault)
			resp, err := h.rawRefresh(context.Background(), h.ts.URL, rt)
			switch {
			case tt.status == 0 && err == nil:
				t.Fatalf("got status %d, want a dropped connection", resp.StatusCode)
			case tt.status != 0 && err != nil:
				t.Fatalf("got %v, want status %d", err, tt.status)
			case tt.status != 0 && resp.StatusCode != tt.status:
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status == 429 && resp.Header.Get("X-RateLimit-Remaining") != "0" {
				t.Errorf("429 without rate-limit headers: %v", resp.Header)
			}
			if n := tt.stat(h.s.Stats()); n != 1 {
				t.Errorf("counter = %d, want 1", n)
			}
			res := h.refresh(rt)
			if tt.rotated {
				wantError(t, res, http.StatusUnauthorized, "unauthorized_client")
			} else if res.status != http.StatusOK {
				t.Fatalf("the fault consumed the refresh token: %d %s", res.status, res.raw)
			}
		})
	}
}

func TestFaultQueue(t *testing.T) {
	h := newHarness(t, nil)
	_, rt := h.connect()
	h.s.Inject(Fault{Kind: FaultServerError, Count: 2})
	h.s.Inject(Fault{Kind: FaultTooMany})
	h.s.Inject(Fault{Kind: FaultErrorAfterRotate})
	h.s.Inject(Fault{Kind: "no-such-kind"}) // ignored
	for i, want := range []int{500, 500, 429} {
		if res := h.refresh(rt); res.status != want {
			t.Fatalf("call %d: status %d, want %d", i, res.status, want)
		}
	}
	// error-after-rotate waits for a call that succeeds.
	wantError(t, h.refresh(rt), http.StatusBadRequest, "access_denied")
	h.clock.Advance(10 * time.Minute)
	if res := h.refresh(rt); res.status != 500 {
		t.Fatalf("status %d, want 500 after rotating", res.status)
	}
	if st := h.s.Stats(); st.Refreshes != 1 || st.ServerErrors != 3 {
		t.Fatalf("stats %+v", st)
	}
	// The queue is empty now.
	_, rt2 := h.connect()
	h.clock.Advance(10 * time.Minute)
	if res := h.refresh(rt2); res.status != http.StatusOK {
		t.Fatalf("status %d after the queue ran out", res.status)
	}
}

// A client that gives up on a slow answer still has its token rotated, as
// on a real server that finishes the work.
func TestSlowClientGivesUp(t *testing.T) {
	h := newHarness(t, nil)
	_, rt := h.connect()
	h.clock.Advance(10 * time.Minute)
	h.s.Inject(Fault{Kind: FaultSlow, Delay: time.Hour})
	// The fault's log line says the handler has read the request and is
	// about to wait.
	waiting := make(chan struct{})
	h.s.mu.Lock()
	h.s.logw = &signalWriter{match: "injected fault slow", ch: waiting}
	h.s.mu.Unlock()
	ts := httptest.NewServer(h.s)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-waiting; cancel() }()
	if _, err := h.rawRefresh(ctx, ts.URL, rt); err == nil {
		t.Fatal("the request succeeded although the client gave up")
	}
	ts.Close() // waits for the handler to finish
	if st := h.s.Stats(); st.Refreshes != 1 {
		t.Fatalf("Refreshes = %d, want 1", st.Refreshes)
	}
	wantError(t, h.refresh(rt), http.StatusUnauthorized, "unauthorized_client")
}

// signalWriter closes ch once a written line contains match.
type signalWriter struct {
	mu    sync.Mutex
	buf   strings.Builder
	match string
	ch    chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.ch != nil && strings.Contains(string(p), w.match) {
		close(w.ch)
		w.ch = nil
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestFaultJSON(t *testing.T) {
	b, err := json.Marshal(Fault{Kind: FaultSlow, Count: 2, Delay: 1500 * time.Millisecond})
	if err != nil || string(b) != `{"kind":"slow","count":2,"delay":"1.5s"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	tests := []struct {
		in      string
		want    Fault
		wantErr bool
	}{
		{`{"kind":"slow","count":2,"delay":"1.5s"}`, Fault{Kind: FaultSlow, Count: 2, Delay: 1500 * time.Millisecond}, false},
		{`{"kind":"slow","delay":1000000}`, Fault{Kind: FaultSlow, Delay: time.Millisecond}, false},
		{`{"kind":"drop"}`, Fault{Kind: FaultDrop}, false},
		{`{"kind":"slow","delay":"soon"}`, Fault{}, true},
		{`{"kind":"slow","delay":true}`, Fault{}, true},
	}
	for _, tt := range tests {
		var f Fault
		err := json.Unmarshal([]byte(tt.in), &f)
		if (err != nil) != tt.wantErr || (!tt.wantErr && f != tt.want) {
			t.Errorf("Unmarshal(%s) = %+v, %v", tt.in, f, err)
		}
	}
}
