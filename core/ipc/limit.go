package ipc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

func streamsBusy(max int) string {
	return fmt.Sprintf("the running keeper already serves %d event streams, the most it allows; close a dashboard or another program that follows it, then try again", max)
}

func connsBusy(max int) string {
	return fmt.Sprintf("the running keeper already has %d connections open, the most it allows; close some of the programs that talk to it, then try again", max)
}

// limit wraps l so that at most s.maxConns() accepted connections are open
// at once. A connection past that is answered 503 with ErrBusy's kind and
// closed, rather than left waiting in the backlog, so its client hears why.
func (s *Server) limit(l net.Listener) net.Listener {
	return &limitListener{Listener: l, s: s, max: s.maxConns(), refusing: make(chan struct{}, maxRefusing)}
}

type limitListener struct {
	net.Listener
	s        *Server
	max      int
	refusing chan struct{} // a place per connection being refused

	mu   sync.Mutex
	open int
}

// Accept returns the next connection that fits under the limit; the others
// are refused in the background.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		ok := l.open < l.max
		if ok {
			l.open++
		}
		l.mu.Unlock()
		if ok {
			return &limitedConn{Conn: c, l: l}, nil
		}
		select {
		case l.refusing <- struct{}{}:
			go func() {
				defer func() { <-l.refusing }()
				refuse(c, connsBusy(l.max))
			}()
		default: // too many at once to answer each: just close
			c.Close()
		}
	}
}

func (l *limitListener) release() {
	l.mu.Lock()
	l.open--
	l.mu.Unlock()
	if l.s.connClosed != nil {
		l.s.connClosed()
	}
}

// limitedConn gives its place back when it is closed, once.
type limitedConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}

// refuse reads one request from c, so the client is not cut off mid-write,
// answers it 503 with msg, and closes c.
func refuse(c net.Conn, msg string) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(refuseTimeout))
	req, err := http.ReadRequest(bufio.NewReader(io.LimitReader(c, 16<<10+maxRequestBody)))
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, maxRequestBody))
	body, _ := json.Marshal(wireError{Error: msg, Kind: kindBusy})
	body = append(body, '\n')
	resp := &http.Response{
		StatusCode:    http.StatusServiceUnavailable,
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(body))}},
		ContentLength: int64(len(body)),
		Body:          io.NopCloser(bytes.NewReader(body)),
		Close:         true,
		Request:       req,
	}
	_ = resp.Write(c)
}
