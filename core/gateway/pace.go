package gateway

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// resetMargin is added to Exact's reset moment before a new window is
// assumed: the reset is Exact's clock, the wait is ours, and a clock that
// runs a little ahead would otherwise meet a 429 at every window's start.
const resetMargin = 250 * time.Millisecond

// limiter paces the requests to one division of one app registration: it
// learns the limits from Exact's X-RateLimit-* headers, counts requests in
// flight, and hands out the places in the current window round-robin
// between keys, so one program cannot starve another.
type limiter struct {
	clock Clock

	mu        sync.Mutex
	known     bool // a response with minutely headers arrived
	limit     int  // per window
	remaining int  // in the window ending at reset, as Exact last said
	reset     time.Time
	assumed   bool          // reset is our guess after a window ended
	prevReset time.Time     // the end of the window before an assumed one
	window    time.Duration // the longest window seen, for wait estimates
	dayKnown  bool
	dayLeft   int
	dayReset  time.Time
	inflight  int
	queues    map[string][]*waiter
	ring      []string // keys with waiters, in turn order
	turn      int
	timer     func() bool

	granted func(key string, waiting []string) // tests
}

type waiter struct {
	key   string
	ready chan struct{}
	done  bool // granted or given up; guarded by mu
}

// refusal says why a request is not sent: which limit, and when to ask again.
type refusal struct {
	daily      bool
	retryAfter time.Duration
}

func newLimiter(c Clock) *limiter {
	return &limiter{clock: c, queues: map[string][]*waiter{}}
}

// available is how many requests may be sent now. Callers hold mu.
func (l *limiter) available(now time.Time) int {
	if l.dayKnown && !now.Before(l.dayReset.Add(resetMargin)) {
		l.dayKnown = false
	}
	if l.dayKnown && l.dayLeft-l.inflight <= 0 {
		return 0
	}
	if !l.known {
		// Until Exact has told the limit, one request at a time.
		if l.inflight == 0 {
			return 1
		}
		return 0
	}
	if !now.Before(l.reset.Add(resetMargin)) {
		// A new window; requests still in flight may land in it.
		l.remaining = l.limit
		l.prevReset, l.reset, l.assumed = l.reset, now.Add(l.window), true
	}
	n := l.remaining - l.inflight
	if l.dayKnown {
		n = min(n, l.dayLeft-l.inflight)
	}
	return max(n, 0)
}

// acquire waits for a place for key, up to maxWait. A refusal is returned
// when the day's budget is gone or the wait would be longer than maxWait.
func (l *limiter) acquire(ctx context.Context, key string, maxWait time.Duration) (*refusal, error) {
	l.mu.Lock()
	now := l.clock.Now()
	if l.dayKnown && l.dayLeft <= 0 && now.Before(l.dayReset) {
		l.mu.Unlock()
		return &refusal{daily: true, retryAfter: l.dayReset.Sub(now) + resetMargin}, nil
	}
	if est := l.estimate(now); est > maxWait {
		l.mu.Unlock()
		return &refusal{retryAfter: est}, nil
	}
	w := &waiter{key: key, ready: make(chan struct{})}
	if len(l.queues[key]) == 0 {
		l.ring = append(l.ring, key)
	}
	l.queues[key] = append(l.queues[key], w)
	l.pump(now)
	l.mu.Unlock()

	timeout := l.clock.After(maxWait)
	select {
	case <-w.ready:
		return nil, nil
	case <-ctx.Done():
		if l.giveUp(w) {
			return nil, ctx.Err()
		}
		<-w.ready
		l.release(nil, 0, false) // granted meanwhile: give the place back
		return nil, ctx.Err()
	case <-timeout:
		if l.giveUp(w) {
			l.mu.Lock()
			ra := max(l.reset.Sub(l.clock.Now())+resetMargin, time.Second)
			l.mu.Unlock()
			return &refusal{retryAfter: ra}, nil
		}
		<-w.ready
		return nil, nil
	}
}

// giveUp takes a waiter out of its queue; false when it was granted already.
func (l *limiter) giveUp(w *waiter) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.done {
		return false
	}
	w.done = true
	q := l.queues[w.key]
	for i, x := range q {
		if x == w {
			l.queues[w.key] = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(l.queues[w.key]) == 0 {
		l.dropFromRing(w.key)
	}
	return true
}

func (l *limiter) dropFromRing(key string) {
	delete(l.queues, key)
	for i, k := range l.ring {
		if k == key {
			l.ring = append(l.ring[:i:i], l.ring[i+1:]...)
			if l.turn > i {
				l.turn--
			}
			break
		}
	}
	if l.turn >= len(l.ring) {
		l.turn = 0
	}
}

// estimate is how long a request queued now would wait. Callers hold mu.
func (l *limiter) estimate(now time.Time) time.Duration {
	if !l.known || l.limit <= 0 {
		return 0
	}
	queued := 0
	for _, q := range l.queues {
		queued += len(q)
	}
	if queued < l.available(now) {
		return 0
	}
	rounds := (queued - l.available(now)) / l.limit
	return l.reset.Sub(now) + resetMargin + time.Duration(rounds)*l.window
}

// pump grants places to waiters, one key after the other. Callers hold mu.
func (l *limiter) pump(now time.Time) {
	for n := l.available(now); n > 0 && len(l.ring) > 0; n-- {
		key := l.ring[l.turn]
		q := l.queues[key]
		w := q[0]
		l.queues[key] = q[1:]
		if l.granted != nil {
			l.granted(key, append([]string(nil), l.ring...))
		}
		if len(l.queues[key]) == 0 {
			l.dropFromRing(key)
		} else {
			l.turn = (l.turn + 1) % len(l.ring)
		}
		w.done = true
		l.inflight++
		close(w.ready)
	}
	if len(l.ring) > 0 && l.known && l.timer == nil {
		at := l.reset.Add(resetMargin)
		if l.dayKnown && l.dayLeft-l.inflight <= 0 {
			at = l.dayReset.Add(resetMargin)
		}
		l.timer = l.clock.AfterFunc(max(at.Sub(now), time.Millisecond), func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.timer = nil
			l.pump(l.clock.Now())
		})
	}
}

// release gives back the place of a request. sent tells whether it reached
// Exact (it counts against the window then even without an answer); h is
// the answer's header, nil without one.
func (l *limiter) release(h http.Header, status int, sent bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.inflight--
	if h != nil {
		l.learn(h, status, now)
	} else if sent && l.known {
		l.remaining--
	}
	l.pump(now)
}

// learn takes the limits from an answer's headers. Answers can arrive out
// of order, so within one window the lowest remaining count wins, and an
// answer of an older window changes nothing. Callers hold mu.
func (l *limiter) learn(h http.Header, status int, now time.Time) {
	limit, okL := headerInt(h, "X-RateLimit-Minutely-Limit")
	left, okR := headerInt(h, "X-RateLimit-Minutely-Remaining")
	resetMS, okT := headerInt(h, "X-RateLimit-Minutely-Reset")
	if okL && okR && okT && limit > 0 {
		reset := time.UnixMilli(int64(resetMS))
		if status == http.StatusTooManyRequests {
			left = 0
		}
		switch {
		case !l.known || reset.After(l.reset) || (l.assumed && reset.After(l.prevReset)):
			l.known, l.limit, l.remaining, l.reset, l.assumed = true, limit, left, reset, false
			if l.timer != nil {
				l.timer()
				l.timer = nil
			}
		case reset.Equal(l.reset):
			l.remaining = min(l.remaining, left)
		}
		l.window = max(l.window, min(reset.Sub(now), 24*time.Hour))
	} else if l.known {
		l.remaining--
		if status == http.StatusTooManyRequests {
			l.remaining = 0
		}
	}
	dayLeft, okD := headerInt(h, "X-RateLimit-Remaining")
	dayMS, okDT := headerInt(h, "X-RateLimit-Reset")
	if okD && okDT {
		reset := time.UnixMilli(int64(dayMS))
		if status == http.StatusTooManyRequests && !okL {
			dayLeft = 0 // a 429 without the minutely family is the day's
		}
		if !l.dayKnown || reset.After(l.dayReset) {
			l.dayKnown, l.dayLeft, l.dayReset = true, dayLeft, reset
		} else if reset.Equal(l.dayReset) {
			l.dayLeft = min(l.dayLeft, dayLeft)
		}
	}
}

func headerInt(h http.Header, k string) (int, bool) {
	v := h.Get(k)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}
