package exact

import (
	"net/http"
	"testing"
)

func TestRateLimitOf(t *testing.T) {
	h := http.Header{}
	if got := rateLimitOf(h); got != "" {
		t.Errorf("no headers: %q", got)
	}
	h.Set("X-RateLimit-Minutely-Remaining", "0")
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Remaining", "4990\r\n")
	if got := rateLimitOf(h); got != "Limit=5000 Remaining=4990 Minutely-Remaining=0" {
		t.Errorf("rateLimitOf = %q", got)
	}
}
