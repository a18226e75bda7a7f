package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/exactkeeper/exactkeeper/core/eventlog"
	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// Keeper is the engine: while Run runs, it owns every refresh chain. Its
// methods are safe for concurrent use; they hand requests to Run's
// goroutine, which alone touches chain state.
type Keeper struct {
	o       Options
	reqs    chan request
	done    chan struct{}
	started atomic.Bool

	subMu sync.Mutex
	subs  map[chan Event]struct{}
	log   *eventlog.Log // the lasting record of events, in the store's folder

	// visited, set only by tests, hears the chain ID after each visit's
	// outcome is applied, so tests can wait for it without sleeping.
	visited chan<- string
	// stopping, set only by tests, is closed when Run begins to shut down.
	stopping chan struct{}
}

var errStopped = errors.New("the keeper has stopped; start it again")

type reqKind int

const (
	reqToken reqKind = iota
	reqRefresh
	reqStatus
	reqReload
	reqInflight // tests: how many visits run
)

type request struct {
	kind  reqKind
	name  string
	reply chan reply // buffered, so the engine never waits for a caller
	// gone closes when the caller stopped waiting (its context ended);
	// nil for callers that always wait.
	gone <-chan struct{}
}

// abandoned reports whether the caller no longer waits for r.
func (r request) abandoned() bool {
	if r.gone == nil {
		return false
	}
	select {
	case <-r.gone:
		return true
	default:
		return false
	}
}

// keepLiveWaiters drops c's abandoned requests and reports whether any
// caller still waits.
func (c *chain) keepLiveWaiters() bool {
	c.waiters = pruneWaiters(c.waiters)
	return len(c.waiters) > 0
}

// pruneWaiters drops the requests whose callers gave up: a refresh only
// for them would be a call to Exact that nobody uses.
func pruneWaiters(ws []request) []request {
	live := ws[:0]
	for _, w := range ws {
		if !w.abandoned() {
			live = append(live, w)
		}
	}
	clear(ws[len(live):])
	return live
}

type reply struct {
	tok    exact.Token
	status []ConnStatus
	err    error
	n      int
}

// chain is the engine's state of one connection.
type chain struct {
	conn    store.Connection
	st      store.ConnState
	access  exact.Token // newest known; handed out only while usable
	pending *unsaved    // a rotated refresh token the vault refused
	busy    bool        // a visit runs; at most one per chain
	waiters []request   // answered when the visit ends
	// quietUntil holds background visits back after a visit that failed
	// locally (lock, config file, keychain) without recording anything, so
	// the ticker does not retry every tick.
	quietUntil time.Time
	explicit   bool      // the visit running was asked for by the owner
	windowAt   time.Time // waiters wait for Exact's refresh window to open then
	localErr   string    // the last local failure, until a visit goes better
	apiNext    time.Time // no API check before then (after one got no answer)
	background bool      // the visit running is the keeper's own (counted in engine.background)
}

type jobDone struct {
	id string
	v  visit
}

// engine is what Run's goroutine owns.
type engine struct {
	k         *Keeper
	o         Options
	ctx       context.Context
	chains    map[string]*chain
	order     []string
	keepAlive time.Duration
	results   chan jobDone
	wake      chan string // a chain whose refresh window opened
	inflight  int
	// background counts the keeper's own visits in flight (keep-alives,
	// retries, API checks); at most maxBackground run at once and they
	// start only on a tick, so a start after a night off with hundreds of
	// overdue chains spreads them out instead of firing them all at once.
	background int
	loaded     bool // the first reload happened
	stopping   bool // no new visits
}

// New checks the options and returns a Keeper; Run starts it.
func New(o Options) (*Keeper, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Keeper{
		o:    o,
		reqs: make(chan request),
		done: make(chan struct{}),
		subs: map[chan Event]struct{}{},
		log:  eventlog.Open(o.Store.Dir),
	}, nil
}

// Run keeps the chains until ctx ends, then waits for refreshes in flight
// (a refresh cut off halfway could lose the rotated token) and returns nil.
// It returns an error at once when the configuration cannot be read. Run may
// be called only once.
func (k *Keeper) Run(ctx context.Context) error {
	if !k.started.CompareAndSwap(false, true) {
		return errors.New("keeper: Run was called twice")
	}
	defer close(k.done)
	e := &engine{k: k, o: k.o, ctx: ctx, chains: map[string]*chain{}, results: make(chan jobDone), wake: make(chan string)}
	if err := e.reload(); err != nil {
		return err
	}
	tick, stop := k.o.Clock.NewTicker(k.o.Tick)
	defer stop()
	e.check()
	for {
		select {
		case <-ctx.Done():
			e.shutdown()
			return nil
		case <-tick:
			e.check()
		case r := <-k.reqs:
			e.handle(r)
		case d := <-e.results:
			e.finish(d)
		case id := <-e.wake:
			e.woke(id)
		}
	}
}

// Token returns an access token with a margin left (Exact's refresh
// window, at least 10 s), refreshing first when needed; a token fresh from
// the refresh the request waited for is handed out even when that visit
// was slow enough to eat into the margin. When no such token
// is at hand and Exact's window is not open yet, it waits for the window
// until ctx ends. Concurrent requests for one chain share one refresh. It
// never spends the last of Exact's errors an hour (see StatusPaused).
func (k *Keeper) Token(ctx context.Context, nameOrID string) (exact.Token, error) {
	r := k.call(ctx, request{kind: reqToken, name: nameOrID})
	return r.tok, r.err
}

// Refresh is the owner's "refresh now" (the CLI's refresh, the dashboard's
// and the tray's Refresh now): it refreshes a chain if Exact allows it, and
// may spend the last two of Exact's ten errors an hour that background
// attempts leave alone. When the access token is still too fresh for a
// refresh there is nothing to do and it returns nil. The engine's own
// keep-alives and retries never come through here.
func (k *Keeper) Refresh(ctx context.Context, nameOrID string) error {
	return k.call(ctx, request{kind: reqRefresh, name: nameOrID}).err
}

// RefreshNow is Refresh, under the name the one-shot RefreshNow has.
func (k *Keeper) RefreshNow(ctx context.Context, nameOrID string) error {
	return k.Refresh(ctx, nameOrID)
}

// Status describes every connection, in configuration order.
func (k *Keeper) Status(ctx context.Context) ([]ConnStatus, error) {
	r := k.call(ctx, request{kind: reqStatus})
	return r.status, r.err
}

// Reload re-reads config.json and state.json, picking up connections added,
// removed or reconnected by another process.
func (k *Keeper) Reload(ctx context.Context) error {
	return k.call(ctx, request{kind: reqReload}).err
}

// Subscribe returns a channel of events with buf places and a func that
// ends the subscription. A subscriber whose buffer is full misses events;
// the engine never waits for one.
func (k *Keeper) Subscribe(buf int) (<-chan Event, func()) {
	ch := make(chan Event, max(buf, 0))
	k.subMu.Lock()
	k.subs[ch] = struct{}{}
	k.subMu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			k.subMu.Lock()
			delete(k.subs, ch)
			close(ch)
			k.subMu.Unlock()
		})
	}
}

func (k *Keeper) publish(ev Event) {
	k.subMu.Lock()
	defer k.subMu.Unlock()
	for ch := range k.subs {
		select {
		case ch <- ev:
		default:
		}
	}
}

func (k *Keeper) call(ctx context.Context, r request) reply {
	r.reply = make(chan reply, 1)
	r.gone = ctx.Done()
	select {
	case k.reqs <- r:
	case <-k.done:
		return reply{err: errStopped}
	case <-ctx.Done():
		return reply{err: fmt.Errorf("gave up waiting for the keeper: %w", ctx.Err())}
	}
	select {
	case rep := <-r.reply:
		return rep
	case <-k.done:
		select {
		case rep := <-r.reply:
			return rep
		default:
			return reply{err: errStopped}
		}
	case <-ctx.Done():
		return reply{err: fmt.Errorf("gave up waiting for the keeper: %w", ctx.Err())}
	}
}

// handle serves one request on the owner goroutine.
func (e *engine) handle(r request) {
	switch r.kind {
	case reqStatus:
		r.reply <- reply{status: e.status()}
		return
	case reqReload:
		r.reply <- reply{err: e.reload()}
		return
	case reqInflight:
		r.reply <- reply{n: e.inflight}
		return
	}
	c, err := e.find(r.name)
	if errors.Is(err, ErrUnknown) || errors.Is(err, ErrNoConnections) {
		// Perhaps connected by another process a moment ago.
		if rerr := e.reload(); rerr == nil {
			c, err = e.find(r.name)
		}
	}
	if err != nil {
		r.reply <- reply{err: err}
		return
	}
	e.serve(c, r)
}

// serve answers a token or refresh request from memory when it can, and
// otherwise queues it on a visit to the chain.
func (e *engine) serve(c *chain, r request) {
	now := e.o.Clock.Now()
	switch {
	case e.stopping:
		r.reply <- reply{err: errStopped}
		return
	case c.st.Status == StatusNeedsReconnect:
		r.reply <- reply{err: needsReconnect(c.conn.Name, c.st.LastError)}
		return
	case c.st.Attention == AttentionSecret:
		r.reply <- reply{err: wrongSecret(c.conn.Name)}
		return
	case c.pending == nil && usable(c.access, now):
		// Exact would refuse a refresh now, so "refresh" has nothing to do.
		// A visit that runs meanwhile (a check of the API) need not delay it.
		r.reply <- reply{tok: tokenFor(r, c.access)}
		return
	case c.busy:
		c.waiters = append(c.waiters, r)
		return
	case c.pending != nil:
	case now.Before(c.st.NextAttempt):
		r.reply <- reply{err: fmt.Errorf("%s: %s", c.conn.Name, c.st.LastError)}
		return
	case now.Before(c.windowAt):
		// Others wait for Exact's window already; the wake-up serves all.
		c.waiters = append(c.waiters, r)
		return
	}
	c.waiters = append(c.waiters, r)
	e.start(c, r.kind == reqRefresh)
}

func tokenFor(r request, t exact.Token) exact.Token {
	if r.kind == reqToken {
		return t
	}
	return exact.Token{}
}

// check runs on every tick: overdue deadlines (also after the machine slept)
// start a visit at once, and an unsaved refresh token is offered to the
// vault again.
func (e *engine) check() {
	now := e.o.Clock.Now()
	for _, id := range e.order {
		c := e.chains[id]
		switch {
		case c.busy:
		case c.pending != nil:
			e.start(c, false)
		case len(c.waiters) > 0 && !now.Before(c.windowAt) && c.keepLiveWaiters():
			e.start(c, anyExplicit(c.waiters))
		case now.Before(c.quietUntil):
		case e.background >= maxBackground:
		case Plan(c.st, now, e.keepAlive, c.conn.RefreshLifetimeOr(), c.access).Refresh:
			e.startBackground(c, e.start)
		case apiDue(c, now):
			e.startBackground(c, func(c *chain, _ bool) { e.startAPI(c) })
		}
	}
}

// woke starts the visit that requests waiting for Exact's window wait for.
func (e *engine) woke(id string) {
	c, ok := e.chains[id]
	if !ok || c.busy || e.stopping {
		return
	}
	if c.waiters = pruneWaiters(c.waiters); len(c.waiters) == 0 || e.o.Clock.Now().Before(c.windowAt) {
		return
	}
	e.start(c, anyExplicit(c.waiters))
}

func anyExplicit(rs []request) bool {
	for _, r := range rs {
		if r.kind == reqRefresh {
			return true
		}
	}
	return false
}

// waitFor wakes the engine for c when Exact's refresh window opens at at.
func (e *engine) waitFor(c *chain, at time.Time) {
	c.windowAt = at
	id, done := c.conn.ID, e.k.done
	ch := after(e.o.Clock, at.Sub(e.o.Clock.Now()))
	go func() {
		select {
		case <-ch:
			select {
			case e.wake <- id:
			case <-done:
			}
		case <-done:
		}
	}()
}

// maxBackground is how many of the keeper's own visits run at once. With
// starts only on a tick (15 s), 500 overdue chains catch up in about an
// hour, no second holding more than two starts, while programs asking for
// a token are served at once.
const maxBackground = 2

// startBackground starts one of the keeper's own visits through start.
func (e *engine) startBackground(c *chain, start func(*chain, bool)) {
	e.background++
	start(c, false)
	c.background = true
}

// start visits a chain; explicit when the owner asked for it.
func (e *engine) start(c *chain, explicit bool) {
	c.busy, c.explicit = true, explicit
	e.inflight++
	a := attempt{conn: c.conn, st: c.st, access: c.access, pending: c.pending, explicit: explicit}
	go func() { e.results <- jobDone{id: a.conn.ID, v: visitChain(e.ctx, e.o, a)} }()
}

// Checks of Exact's API (current/Me).
const (
	apiCheckEvery = 12 * time.Hour // at least daily with the daily keep-alive
	apiRetryDelay = time.Hour      // after a check that got no usable answer
	apiTimeout    = 30 * time.Second
)

// apiDue reports whether c's API check is due: only with an access token
// at hand, never refreshing for it.
func apiDue(c *chain, now time.Time) bool {
	return usable(c.access, now) && c.pending == nil &&
		c.st.Status != StatusNeedsReconnect && c.st.Attention != AttentionSecret &&
		!now.Before(c.apiNext) && !now.Before(c.st.APICheck.Add(apiCheckEvery))
}

// startAPI checks Exact's API for c as a visit of its own.
func (e *engine) startAPI(c *chain) {
	c.busy, c.explicit = true, false
	e.inflight++
	a := attempt{conn: c.conn, st: c.st, access: c.access}
	go func() { e.results <- jobDone{id: a.conn.ID, v: checkAPI(e.ctx, e.o, a)} }()
}

// finish applies a visit's outcome, tells subscribers, and answers the
// requests that waited for it.
func (e *engine) finish(d jobDone) {
	e.inflight--
	if e.k.visited != nil {
		defer func() {
			select {
			case e.k.visited <- d.id:
			default: // a test that stopped listening must not stop the engine
			}
		}()
	}
	c, ok := e.chains[d.id]
	if !ok {
		return // removed by a reload while the visit ran
	}
	v := d.v
	c.busy = false
	if c.background {
		c.background = false
		e.background--
	}
	explicit := c.explicit
	c.explicit = false
	if v.gone {
		e.remove(d.id, v.err)
		e.publishConfig(nil, []string{c.conn.Name})
		return
	}
	now := e.o.Clock.Now()
	oldStatus, wasPending := statusOf(c.st), c.pending != nil
	c.conn, c.st, c.pending = v.conn, v.st, v.pending
	if known(v.access) && (!known(c.access) || !v.access.IssuedAt.Before(c.access.IssuedAt)) {
		c.access = v.access
	}
	c.quietUntil, c.windowAt = time.Time{}, time.Time{}
	if v.err != nil && !v.failed && !v.refreshed && v.notYet.IsZero() && !usable(c.access, now) {
		c.quietUntil = now.Add(e.o.backoff(1))
	}
	if v.apiRetry {
		c.apiNext = now.Add(apiRetryDelay)
	}

	if v.refreshed {
		e.event(c, EventRefreshed, "", nil, fmt.Sprintf("%s was refreshed; its login now lasts until %s", c.conn.Name,
			when(c.st.LastRefresh.Add(c.conn.RefreshLifetimeOr()), now)))
	}
	// A keychain that keeps refusing would otherwise report every tick.
	if v.failed && v.err != nil && !(wasPending && c.pending != nil) {
		e.event(c, EventFailed, "", v.failure(), v.err.Error())
	}
	// A local failure is told once, not on every retry.
	if v.local {
		if c.localErr == "" {
			e.event(c, EventFailed, "", v.err, v.err.Error())
		}
		c.localErr = v.err.Error()
	} else {
		c.localErr = ""
	}
	if s := statusOf(c.st); s != oldStatus {
		e.event(c, EventStateChanged, oldStatus, nil, stateMessage(c, oldStatus))
	}

	waiters := pruneWaiters(c.waiters)
	c.waiters = nil
	var waiting []request
	for _, w := range waiters {
		switch {
		case usable(c.access, now):
			w.reply <- reply{tok: tokenFor(w, c.access)}
		case v.refreshed && known(c.access) && now.Before(c.access.Expiry):
			// Fresh from the refresh this request waited for, though the
			// visit outlasted the hand-out margin: no token lives longer.
			// Looking again would wait for Exact's window and refresh
			// again, for ever while visits stay that slow (a 720-fold
			// bench, a keychain that takes long), answering no one.
			w.reply <- reply{tok: tokenFor(w, c.access)}
		case !v.notYet.IsZero() && !e.stopping:
			waiting = append(waiting, w)
		case v.paused && w.kind == reqRefresh && !explicit && !e.stopping:
			// A background visit stopped at the budget; the owner's own
			// refresh may spend the reserve.
			e.serve(c, w)
		case v.err != nil:
			w.reply <- reply{err: v.err}
		default:
			// A saved pending token has expired meanwhile: look again.
			e.serve(c, w)
		}
	}
	if len(waiting) > 0 {
		c.waiters = append(c.waiters, waiting...)
		e.waitFor(c, v.notYet)
	}
}

func statusOf(st store.ConnState) string {
	if st.Status == "" {
		return StatusNew
	}
	return st.Status
}

func stateMessage(c *chain, old string) string {
	switch statusOf(c.st) {
	case StatusOK:
		if old == StatusNew {
			return fmt.Sprintf("%s is connected and works", c.conn.Name)
		}
		return fmt.Sprintf("%s works again", c.conn.Name)
	case StatusFailing:
		return fmt.Sprintf("%s is failing: %s", c.conn.Name, c.st.LastError)
	case StatusNeedsReconnect:
		return needsReconnect(c.conn.Name, c.st.LastError).Error()
	case StatusPaused:
		return fmt.Sprintf("%s: %s", c.conn.Name, c.st.LastError)
	case StatusNeedsAttention:
		if c.st.Attention == AttentionSecret {
			return wrongSecret(c.conn.Name).Error()
		}
		return fmt.Sprintf("%s needs attention: %s", c.conn.Name, c.st.LastError)
	}
	return fmt.Sprintf("%s is connected and waits for its first refresh", c.conn.Name)
}

// event publishes what happened to c and records it in the event log; old
// is the status before a state change, err the failure of a failed one.
func (e *engine) event(c *chain, kind EventKind, old string, err error, msg string) {
	ev := Event{
		Time:         e.o.Clock.Now(),
		Kind:         kind,
		ConnectionID: c.conn.ID,
		Connection:   c.conn.Name,
		Status:       statusOf(c.st),
		Message:      msg,
	}
	e.logEntry(c, ev, old, err)
	e.k.publish(ev)
}

func (e *engine) publishConfig(added, removed []string) {
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+strings.Join(removed, ", "))
	}
	ev := Event{
		Time:    e.o.Clock.Now(),
		Kind:    EventConfigChanged,
		Message: "Connections changed: " + strings.Join(parts, "; "),
	}
	e.logConfig(ev, added, removed)
	e.k.publish(ev)
}

func (e *engine) find(nameOrID string) (*chain, error) {
	// The usual asks, by ID or by a name only one connection has, are
	// answered without copying every connection for lookup: with 500 of
	// them that copy was 260 KB and half a millisecond per token
	// (BenchmarkTokenFromMemory500). lookup's rules and errors stay the
	// one reference for everything else.
	key := strings.TrimSpace(nameOrID)
	if c, ok := e.chains[key]; ok {
		return c, nil
	}
	var hit *chain
	hits := 0
	for _, id := range e.order {
		if c := e.chains[id]; key != "" && strings.EqualFold(c.conn.Name, key) {
			hit, hits = c, hits+1
		}
	}
	if hits == 1 {
		return hit, nil
	}
	cfg := store.Config{}
	for _, id := range e.order {
		cfg.Connections = append(cfg.Connections, e.chains[id].conn)
	}
	conn, err := lookup(cfg, nameOrID)
	if err != nil {
		return nil, err
	}
	return e.chains[conn.ID], nil
}

func (e *engine) status() []ConnStatus {
	now := e.o.Clock.Now()
	out := make([]ConnStatus, 0, len(e.order))
	for _, id := range e.order {
		c := e.chains[id]
		cs := describe(c.conn, c.st)
		// The engine knows the access token itself, so its window is exact.
		cs.NextRefresh = Plan(c.st, now, e.keepAlive, c.conn.RefreshLifetimeOr(), c.access).At
		if c.localErr != "" {
			cs.LastError = c.localErr
		}
		out = append(out, cs)
	}
	return out
}

// reload brings the chains in line with the files: new connections join,
// removed ones leave, and a chain whose state another process moved on (a
// reconnect, a refresh by the command line) takes that state over.
func (e *engine) reload() error {
	cfg, err := e.o.Store.LoadConfig()
	if err != nil {
		return fmt.Errorf("could not read the configuration (%v); fix or remove the file and start again", err)
	}
	state, err := e.o.Store.LoadState()
	if err != nil {
		e.o.Logger.Warn("could not read the state file; keeping what the keeper remembers", "error", err)
	}
	e.keepAlive = cfg.Settings.KeepAliveOr()
	var added, removed []string
	seen := map[string]bool{}
	e.order = e.order[:0]
	for _, conn := range cfg.Connections {
		seen[conn.ID] = true
		e.order = append(e.order, conn.ID)
		fresh, hasFresh := state.Connections[conn.ID]
		c, ok := e.chains[conn.ID]
		if !ok {
			e.chains[conn.ID] = &chain{conn: conn, st: fresh}
			added = append(added, conn.Name)
			continue
		}
		c.conn = conn
		// A chain waiting for its client secret also takes the state of
		// whoever entered it (SetClientSecret clears Attention).
		mended := c.st.Attention != "" && fresh.Attention == ""
		if hasFresh {
			// Errors other processes met count against the same budget.
			c.st = mergeShared(c.st, fresh, e.o.Clock.Now())
		}
		if hasFresh && (fresh.LastRefresh.After(c.st.LastRefresh) || mended) {
			old := statusOf(c.st)
			// The chain moved on elsewhere; our access token and any
			// unsaved refresh token belong to its past.
			c.st, c.access, c.pending, c.quietUntil = mergeShared(fresh, c.st, e.o.Clock.Now()), exact.Token{}, nil, time.Time{}
			if statusOf(c.st) != old {
				e.event(c, EventStateChanged, old, nil, stateMessage(c, old))
			}
		}
	}
	for id, c := range e.chains {
		if !seen[id] {
			removed = append(removed, c.conn.Name)
			e.remove(id, sentence(ErrUnknown, "%s was removed", c.conn.Name))
		}
	}
	if e.loaded && (len(added) > 0 || len(removed) > 0) {
		e.publishConfig(added, removed)
	}
	e.loaded = true
	return nil
}

func (e *engine) remove(id string, why error) {
	c := e.chains[id]
	delete(e.chains, id)
	if c.background { // its visit's end will not find it
		c.background = false
		e.background--
	}
	for i, o := range e.order {
		if o == id {
			e.order = append(e.order[:i], e.order[i+1:]...)
			break
		}
	}
	for _, w := range c.waiters {
		w.reply <- reply{err: why}
	}
	c.waiters = nil
}

// shutdown waits for visits in flight, so none is cut off between Exact's
// answer and the vault, then turns the waiting requests away.
func (e *engine) shutdown() {
	e.stopping = true
	if e.k.stopping != nil {
		close(e.k.stopping)
	}
	for e.inflight > 0 {
		e.finish(<-e.results)
	}
	for _, c := range e.chains {
		if c.pending != nil {
			e.o.Logger.Error("stopping with a refresh token the keychain would not take; the connection will probably need reconnecting", "connection", c.conn.Name)
		}
		for _, w := range c.waiters {
			w.reply <- reply{err: errStopped}
		}
		c.waiters = nil
	}
}
