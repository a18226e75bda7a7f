package dashboard

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/exactkeeper/exactkeeper/core/ipc"
)

// keeperDialWaits are the pauses before the second and third try to reach
// a keeper that is there but did not answer (a timeout, not ErrNoKeeper):
// a keeper still starting, or one under load, often answers a moment
// later, and one failed try must not leave the window without its keeper.
// No keeper at all is not retried here: followEvents asks again every few
// seconds anyway.
var keeperDialWaits = []time.Duration{250 * time.Millisecond, time.Second}

// dialKeeper dials the keeper of b's home dir, retrying as keeperDialWaits
// says, and logs the outcome (handshakeLog). The caller holds b.mu.
func (b *realBackend) dialKeeper() (*ipc.Client, error) {
	dial, waits := b.dial, b.dialWaits
	if dial == nil {
		dial = ipc.Dial
	}
	if waits == nil {
		waits = keeperDialWaits
	}
	endpoint := ipc.Endpoint(b.st.Dir)
	start := time.Now()
	for attempt := 1; ; attempt++ {
		c, err := dial(b.st.Dir)
		if err == nil {
			b.handshake.connected(endpoint, c.KeeperVersion(), attempt, time.Since(start))
			return c, nil
		}
		if errors.Is(err, ipc.ErrNoKeeper) || attempt > len(waits) {
			b.handshake.failed(endpoint, attempt, time.Since(start), err)
			return nil, err
		}
		// A pause between tries, not a wait for an event: there is none
		// to wait for when a keeper does not answer.
		time.Sleep(waits[attempt-1])
	}
}

// handshakeLog writes one line to the window's stderr (the keeper's log when
// the keeper started the window) each time the link to the keeper changes:
// reached, or not reachable. Repeated tries with the same outcome (the
// window asks every few seconds while no keeper runs) stay silent. The lines
// name the endpoint, the keeper's version, the time taken and the error,
// none of which holds a secret. A nil log or writer writes nothing.
type handshakeLog struct {
	w io.Writer

	mu    sync.Mutex
	state int // 0 not tried yet, 1 reached, -1 not reachable
	ever  bool
}

func newHandshakeLog(w io.Writer) *handshakeLog { return &handshakeLog{w: w} }

func (h *handshakeLog) connected(endpoint, version string, attempts int, took time.Duration) {
	if h == nil || h.w == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == 1 {
		return
	}
	again := ""
	if h.ever {
		again = " again"
	}
	h.state, h.ever = 1, true
	if version == "" {
		version = "unknown"
	}
	fmt.Fprintf(h.w, "dashboard: connected%s to the keeper over %s (keeper version: %s) after %d ms%s\n",
		again, describeEndpoint(endpoint), version, took.Milliseconds(), tries(attempts))
}

func (h *handshakeLog) failed(endpoint string, attempts int, took time.Duration, err error) {
	if h == nil || h.w == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == -1 {
		return
	}
	h.state = -1
	fmt.Fprintf(h.w, "dashboard: could not reach the keeper over %s after %d ms%s: %v\n",
		describeEndpoint(endpoint), took.Milliseconds(), tries(attempts), err)
}

// lost notes that a keeper that was reached went away, so that reaching it
// again is logged.
func (h *handshakeLog) lost() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == 1 {
		h.state = 0
	}
}

func describeEndpoint(p string) string {
	if strings.HasPrefix(p, `\\.\pipe\`) {
		return "named pipe " + p
	}
	return "socket " + p
}

func tries(n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(" (%d tries)", n)
}
