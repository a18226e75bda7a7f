package exact

import (
	"net/http"
	"strings"
)

// rateLimitNames are Exact's rate-limit headers, in the order support reads
// them (exact-online.md).
var rateLimitNames = []string{
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
	"X-RateLimit-Minutely-Limit", "X-RateLimit-Minutely-Remaining", "X-RateLimit-Minutely-Reset",
}

// rateLimitOf is the rate-limit headers of an answer as "Limit=200
// Remaining=0 Reset=…" (the X-RateLimit- prefix left off), for the event
// log and Exact support; "" when there are none. The values are numbers,
// never secrets, and are cleaned all the same.
func rateLimitOf(h http.Header) string {
	var parts []string
	for _, name := range rateLimitNames {
		if v := strings.TrimSpace(h.Get(name)); v != "" {
			parts = append(parts, strings.TrimPrefix(name, "X-RateLimit-")+"="+clean(v))
		}
	}
	return strings.Join(parts, " ")
}
