package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

	// visited, set only by tests, hears the chain ID after each visit's
	// outcome is applied, so tests can wait for it without sleeping.
	visited chan<- string
}

var errStopped = errors.New("the keeper has stopped; start it again")

type reqKind int

const (
	reqToken reqKind = iota
	reqRefresh
	reqStatus
	reqReload
)

type request struct {
	kind  reqKind
	name  string
	reply chan reply // buffered, so the engine never waits for a caller
}

type reply struct {
	tok    exact.Token
	status []ConnStatus
	err    error
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
	// locally (lock, config file) without recording anything, so the ticker
	// does not retry every tick.
	quietUntil time.Time
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
	inflight  int
	loaded    bool // the first reload happened
	stopping  bool // no new visits
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
	e := &engine{k: k, o: k.o, ctx: ctx, chains: map[string]*chain{}, results: make(chan jobDone)}
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
		}
	}
}

// Token returns an access token with more than Exact's refresh window left,
// refreshing first when needed. Concurrent requests for one chain share one
// refresh.
func (k *Keeper) Token(ctx context.Context, nameOrID string) (exact.Token, error) {
	r := k.call(ctx, request{kind: reqToken, name: nameOrID})
	return r.tok, r.err
}

// Refresh refreshes a chain now if Exact allows it; when the access token is
// still too fresh for that, there is nothing to do and it returns nil.
func (k *Keeper) Refresh(ctx context.Context, nameOrID string) error {
	return k.call(ctx, request{kind: reqRefresh, name: nameOrID}).err
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
	case c.busy:
		c.waiters = append(c.waiters, r)
		return
	case c.pending != nil:
	case usable(c.access, now):
		// Exact would refuse a refresh now, so "refresh" has nothing to do.
		r.reply <- reply{tok: tokenFor(r, c.access)}
		return
	case now.Before(c.st.NextAttempt):
		r.reply <- reply{err: fmt.Errorf("%s: %s", c.conn.Name, c.st.LastError)}
		return
	}
	c.waiters = append(c.waiters, r)
	e.start(c)
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
			e.start(c)
		case now.Before(c.quietUntil):
		case Plan(c.st, now, e.keepAlive, c.conn.RefreshLifetimeOr(), c.access).Refresh:
			e.start(c)
		}
	}
}

func (e *engine) start(c *chain) {
	c.busy = true
	e.inflight++
	a := attempt{conn: c.conn, st: c.st, access: c.access, pending: c.pending}
	go func() { e.results <- jobDone{id: a.conn.ID, v: visitChain(e.ctx, e.o, a)} }()
}

// finish applies a visit's outcome, tells subscribers, and answers the
// requests that waited for it.
func (e *engine) finish(d jobDone) {
	e.inflight--
	if e.k.visited != nil {
		defer func() { e.k.visited <- d.id }()
	}
	c, ok := e.chains[d.id]
	if !ok {
		return // removed by a reload while the visit ran
	}
	v := d.v
	c.busy = false
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
	c.quietUntil = time.Time{}
	if v.err != nil && !v.failed && !v.refreshed && !usable(c.access, now) {
		c.quietUntil = now.Add(e.o.backoff(1))
	}

	if v.refreshed {
		e.event(c, EventRefreshed, fmt.Sprintf("%s was refreshed; its login now lasts until %s", c.conn.Name,
			when(c.st.LastRefresh.Add(c.conn.RefreshLifetimeOr()), now)))
	}
	// A keychain that keeps refusing would otherwise report every tick.
	if v.failed && v.err != nil && !(wasPending && c.pending != nil) {
		e.event(c, EventFailed, v.err.Error())
	}
	if s := statusOf(c.st); s != oldStatus {
		e.event(c, EventStateChanged, stateMessage(c, oldStatus))
	}

	waiters := c.waiters
	c.waiters = nil
	for _, w := range waiters {
		switch {
		case usable(c.access, now):
			w.reply <- reply{tok: tokenFor(w, c.access)}
		case v.err != nil:
			w.reply <- reply{err: v.err}
		default:
			// A saved pending token has expired meanwhile: look again.
			e.serve(c, w)
		}
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
	case StatusNeedsAttention:
		if c.st.Attention == AttentionSecret {
			return wrongSecret(c.conn.Name).Error()
		}
		return fmt.Sprintf("%s needs attention: %s", c.conn.Name, c.st.LastError)
	}
	return fmt.Sprintf("%s is connected and waits for its first refresh", c.conn.Name)
}

func (e *engine) event(c *chain, kind EventKind, msg string) {
	e.k.publish(Event{
		Time:         e.o.Clock.Now(),
		Kind:         kind,
		ConnectionID: c.conn.ID,
		Connection:   c.conn.Name,
		Status:       statusOf(c.st),
		Message:      msg,
	})
}

func (e *engine) publishConfig(added, removed []string) {
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "added "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+strings.Join(removed, ", "))
	}
	e.k.publish(Event{
		Time:    e.o.Clock.Now(),
		Kind:    EventConfigChanged,
		Message: "Connections changed: " + strings.Join(parts, "; "),
	})
}

func (e *engine) find(nameOrID string) (*chain, error) {
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
		cs := StatusOf(c.conn, c.st, e.keepAlive, now)
		// The engine knows the access token itself, so its window is exact.
		cs.NextRefresh = Plan(c.st, now, e.keepAlive, c.conn.RefreshLifetimeOr(), c.access).At
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
		if hasFresh && (fresh.LastRefresh.After(c.st.LastRefresh) || mended) {
			old := statusOf(c.st)
			// The chain moved on elsewhere; our access token and any
			// unsaved refresh token belong to its past.
			c.st, c.access, c.pending, c.quietUntil = fresh, exact.Token{}, nil, time.Time{}
			if statusOf(c.st) != old {
				e.event(c, EventStateChanged, stateMessage(c, old))
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
