package main

import (
	"sync"
	"time"
)

// simClock is the time of an in-process scenario. It runs faster than real
// time (idle rate) except while something real is under way (a token call
// at the simulator, a keychain call), when it runs at the active rate, so
// the keeper's own latencies keep their real size and scaled minutes stay
// faithful to Exact's minutes, hours and days.
//
// True is Exact's time (the simulator's); Now is the keeper's wall clock,
// which may be wrong by a skew (Step). Timers and tickers follow the
// elapsed time, as Go's monotonic timers do: a wall-clock step moves Now but
// fires nothing early.
type simClock struct {
	mu          sync.Mutex
	anchorReal  time.Time     // real moment of the last re-anchor (monotonic)
	anchorMono  time.Duration // elapsed scenario time at the anchor
	origin      time.Time     // True at elapsed 0
	skew        time.Duration // Now - True
	idle, activ float64       // rates: scenario seconds per real second
	busy        int
	timers      []*simTimer
	tickers     []*simTicker
	stop        chan struct{}
}

type simTimer struct {
	at time.Duration
	ch chan time.Time
}

type simTicker struct {
	every, next time.Duration
	ch          chan time.Time
	stopped     bool
}

func newSimClock(origin time.Time, idle, active float64) *simClock {
	c := &simClock{anchorReal: time.Now(), origin: origin.Round(0), idle: idle, activ: active, stop: make(chan struct{})}
	go c.pump()
	return c
}

func (c *simClock) rate() float64 {
	if c.busy > 0 {
		return c.activ
	}
	return c.idle
}

// monoLocked is the elapsed scenario time. Callers hold mu.
func (c *simClock) monoLocked() time.Duration {
	return c.anchorMono + time.Duration(float64(time.Since(c.anchorReal))*c.rate())
}

func (c *simClock) reanchorLocked() {
	c.anchorMono = c.monoLocked()
	c.anchorReal = time.Now()
}

// True is Exact's time.
func (c *simClock) True() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.origin.Add(c.monoLocked())
}

// Now is the keeper's wall clock (keeper.Clock).
func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.origin.Add(c.monoLocked() + c.skew)
}

// Step moves the keeper's wall clock by d; Exact's time goes on unmoved.
func (c *simClock) Step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skew += d
}

// Advance lets d of scenario time pass at once (the machine was off).
func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reanchorLocked()
	c.anchorMono += d
}

// SetRates changes the idle and active rates from now on.
func (c *simClock) SetRates(idle, active float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reanchorLocked()
	c.idle, c.activ = idle, active
}

// Busy marks something real under way until the returned func is called.
func (c *simClock) Busy() func() {
	c.mu.Lock()
	c.reanchorLocked()
	c.busy++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.reanchorLocked()
			c.busy--
			c.mu.Unlock()
		})
	}
}

// NewTicker implements keeper.Clock.
func (c *simClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	if d <= 0 {
		d = time.Second
	}
	t := &simTicker{every: d, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	t.next = c.monoLocked() + d
	c.tickers = append(c.tickers, t)
	c.mu.Unlock()
	return t.ch, func() {
		c.mu.Lock()
		t.stopped = true
		c.mu.Unlock()
	}
}

// After implements keeper.TimerClock.
func (c *simClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.timers = append(c.timers, &simTimer{at: c.monoLocked() + d, ch: ch})
	c.mu.Unlock()
	return ch
}

// Sleep waits until d of scenario time has passed.
func (c *simClock) Sleep(d time.Duration) { <-c.After(d) }

// SleepUntil waits until Exact's time reaches t.
func (c *simClock) SleepUntil(t time.Time) {
	if d := t.Sub(c.True()); d > 0 {
		c.Sleep(d)
	}
}

// pump fires timers and tickers every real millisecond.
func (c *simClock) pump() {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		c.mu.Lock()
		m := c.monoLocked()
		now := c.origin.Add(m + c.skew)
		keep := c.timers[:0]
		for _, t := range c.timers {
			if t.at <= m {
				t.ch <- now // buffered, fires once
				continue
			}
			keep = append(keep, t)
		}
		for i := len(keep); i < len(c.timers); i++ {
			c.timers[i] = nil
		}
		c.timers = keep
		live := c.tickers[:0]
		for _, t := range c.tickers {
			if t.stopped {
				continue
			}
			if t.next <= m {
				select {
				case t.ch <- now:
				default: // like time.Ticker: a slow reader misses ticks
				}
				t.next += t.every
				if t.next <= m {
					t.next = m + t.every
				}
			}
			live = append(live, t)
		}
		c.tickers = live
		c.mu.Unlock()
	}
}

// Close stops the pump.
func (c *simClock) Close() { close(c.stop) }
