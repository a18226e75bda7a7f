package gateway

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// BenchmarkOverhead measures one GET of a page of 60 rows from the
// simulator directly and through the gateway (key check, config read,
// pacing, token, __next rewrite), both over real HTTP on 127.0.0.1. The
// gateway's overhead is the difference; each reports its median too. The
// last reads config.json from disk on every request, as in the keeper.
//
//	go test -tags ci -run '^$' -bench Overhead -benchtime 2000x ./core/gateway/
func BenchmarkOverhead(b *testing.B) {
	w := newWorld(b, func(c *exactsim.Config) { c.APIMinutelyLimit, c.APIDailyLimit = 1<<30, 1<<30 }, nil, nil)
	key := w.cfg.addKey(b, "bench")
	tok := w.login()
	path := "/api/v1/1234567/crm/Accounts"
	run := func(b *testing.B, url, bearer string) {
		c := &http.Client{}
		times := make([]time.Duration, 0, b.N)
		for b.Loop() {
			start := time.Now()
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+bearer)
			req.Header.Set("Accept", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)/2].Microseconds()), "median-µs")
	}
	b.Run("direct", func(b *testing.B) { run(b, w.simS.URL+path, tok.AccessToken) })
	b.Run("gateway", func(b *testing.B) { run(b, "http://127.0.0.1:"+w.port+path, key) })
	// As in the keeper: config.json read from disk on every request.
	st, err := store.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cfg, _ := w.cfg.load()
	if err := st.UpdateConfig(func(c *store.Config) error { *c = cfg; return nil }); err != nil {
		b.Fatal(err)
	}
	w.g.o.Config = st.LoadConfig
	b.Run("gateway-config-file", func(b *testing.B) { run(b, "http://127.0.0.1:"+w.port+path, key) })
}
