package exactsim

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func (h *harness) apiGet(access, pathAndQuery string) result {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+pathAndQuery, nil)
	req.Header.Set("Authorization", "Bearer "+access)
	return h.do(req)
}

// TestEntityPaging reads crm/Accounts page by page through d.__next, as a
// client must: 150 rows come as 60, 60 and 30, each row once, and the last
// page has no __next.
func TestEntityPaging(t *testing.T) {
	h := newHarness(t, nil)
	access, _ := h.connect()
	next := "/api/v1/1234567/crm/Accounts?$select=ID,Name"
	seen := map[string]bool{}
	var sizes []int
	for next != "" {
		res := h.apiGet(access, next)
		if res.status != 200 {
			t.Fatalf("GET %s: %d %s", next, res.status, res.raw)
		}
		d := res.body["d"].(map[string]any)
		rows := d["results"].([]any)
		sizes = append(sizes, len(rows))
		for _, r := range rows {
			id := r.(map[string]any)["ID"].(string)
			if seen[id] {
				t.Fatalf("row %s twice", id)
			}
			seen[id] = true
		}
		next = ""
		if n, ok := d["__next"].(string); ok {
			if !strings.HasPrefix(n, h.ts.URL+"/api/v1/1234567/crm/Accounts?") || !strings.Contains(n, "$skiptoken=guid'") || !strings.Contains(n, "$select=ID") {
				t.Fatalf("__next = %q", n)
			}
			next = strings.TrimPrefix(n, h.ts.URL)
		}
		if len(sizes) > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 150 || len(sizes) != 3 || sizes[0] != 60 || sizes[2] != 30 {
		t.Fatalf("pages %v, %d distinct rows; want 60,60,30 and 150", sizes, len(seen))
	}
	if res := h.apiGet(access, "/api/v1/999/financialtransaction/TransactionLines"); res.status != 403 {
		t.Fatalf("foreign division: %d, want 403", res.status)
	}
	if res := h.apiGet("nope", "/api/v1/1234567/financialtransaction/TransactionLines"); res.status != 401 {
		t.Fatalf("no token: %d, want 401", res.status)
	}
}

// TestAPILimitSettings: a shortened minute and a lower limit are what the
// headers say and what the 429 enforces; the next window starts afresh.
func TestAPILimitSettings(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.APIMinutelyLimit, c.APIMinute, c.APIDailyLimit = 3, 3*time.Second, 100 })
	access, _ := h.connect()
	path := "/api/v1/1234567/financialtransaction/TransactionLines"
	for i := 1; i <= 4; i++ {
		res := h.apiGet(access, path)
		want := 200
		if i == 4 {
			want = 429
		}
		if res.status != want {
			t.Fatalf("call %d: %d, want %d", i, res.status, want)
		}
		reset, _ := strconv.ParseInt(res.header.Get("X-RateLimit-Minutely-Reset"), 10, 64)
		if res.header.Get("X-RateLimit-Minutely-Limit") != "3" || res.header.Get("X-RateLimit-Limit") != "100" ||
			time.UnixMilli(reset).Sub(h.clock.Now()) > 3*time.Second {
			t.Fatalf("call %d: headers %v", i, res.header)
		}
		if i == 3 && res.header.Get("X-RateLimit-Minutely-Remaining") != "0" {
			t.Fatalf("call 3: remaining %q, want 0", res.header.Get("X-RateLimit-Minutely-Remaining"))
		}
	}
	h.clock.Advance(3 * time.Second)
	if res := h.apiGet(access, path); res.status != 200 {
		t.Fatalf("next window: %d", res.status)
	}
	if st := h.s.Stats(); st.APIRateLimited != 1 || st.APIOK != 4 {
		t.Fatalf("stats %+v", st)
	}
}
