package exactsim

import (
	"bytes"
	"net/http"
	"strings"
	"time"
)

// More fault kinds, for the reliability harness (internal/reliability):
// the answers Exact's front end and the networks between are seen or
// feared to give. None of them rotates anything; each hits the next Count
// token calls like the kinds in exactsim.go.
const (
	// FaultGatewayFault answers 500 with the JSON fault object Exact's API
	// gateway sends: {"fault":{"faultstring":"Failed to execute the
	// ExtractVariables: ExtractAccessToken",…}}.
	FaultGatewayFault FaultKind = "gateway-fault"
	// FaultBadGateway answers 502 with a proxy's HTML page.
	FaultBadGateway FaultKind = "bad-gateway"
	// FaultUnavailable answers 503 with an HTML maintenance page and no
	// Retry-After.
	FaultUnavailable FaultKind = "unavailable"
	// FaultTooManyBare answers 429 without Retry-After or rate-limit
	// headers, as a 429 for another budget may come.
	FaultTooManyBare FaultKind = "too-many-bare"
	// FaultTruncated answers 200 with a token answer cut off halfway
	// (invalid JSON). Nothing was issued: a proxy broke the answer.
	FaultTruncated FaultKind = "truncated"
	// FaultHTMLPage answers 200 with an HTML error page, as a captive
	// portal or a misrouted proxy does.
	FaultHTMLPage FaultKind = "html-page"
	// FaultHuge answers 200 with a body of Delay-independent size
	// HugeBodySize (50 MB), streamed, that looks like JSON at first.
	FaultHuge FaultKind = "huge-body"
	// FaultHang holds the call without an answer for Delay (default one
	// minute) or until the client gives up, then closes the connection.
	// Nothing is processed: a network black hole, unlike FaultSlow, which
	// processes the call after its delay.
	FaultHang FaultKind = "hang"
)

// HugeBodySize is the size of FaultHuge's body.
const HugeBodySize = 50 << 20

// GatewayFaultBody is the body of FaultGatewayFault, as Exact's gateway
// sends it.
const GatewayFaultBody = `{"fault":{"faultstring":"Failed to execute the ExtractVariables: ExtractAccessToken","detail":{"errorcode":"steps.extractvariables.ExecutionFailed"}}}`

// moreFault is how one of the kinds above answers, and which counter it
// adds to.
type moreFault struct {
	stat   func(*Stats) *int
	answer func(w http.ResponseWriter, r *http.Request, delay time.Duration)
}

var moreFaults = map[FaultKind]moreFault{
	FaultGatewayFault: {serverErrors, func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
		rawAnswer(w, http.StatusInternalServerError, "application/json", GatewayFaultBody)
	}},
	FaultBadGateway: {serverErrors, func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
		rawAnswer(w, http.StatusBadGateway, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n")
	}},
	FaultUnavailable: {serverErrors, func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
		rawAnswer(w, http.StatusServiceUnavailable, "text/html", "<!DOCTYPE html><html><body><h1>Exact Online is being updated</h1><p>Please try again later.</p></body></html>\n")
	}},
	FaultTooManyBare: {rateLimited, func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
		rawAnswer(w, http.StatusTooManyRequests, "application/json", `{"error":"too_many_requests","error_description":"Too many requests."}`)
	}},
	FaultTruncated: {serverErrors, func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
		whole := `{"access_token":"` + strings.Repeat("A", 600) + `","token_type":"bearer","expires_in":"600","refresh_token":"` + strings.Repeat("R", 300) + `"}`
		rawAnswer(w, http.StatusOK, "application/json", whole[:len(whole)/2])
	}},
	FaultHTMLPage: {serverErrors, func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
		rawAnswer(w, http.StatusOK, "text/html", "<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Something went wrong</h1><p>An error occurred while processing your request. Reference: 4f1c9a.</p></body></html>\n")
	}},
	FaultHuge: {serverErrors, func(w http.ResponseWriter, r *http.Request, _ time.Duration) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		chunk := bytes.Repeat([]byte("A"), 64<<10)
		copy(chunk, `{"access_token":"`)
		for n := 0; n < HugeBodySize && r.Context().Err() == nil; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}},
	FaultHang: {dropped, func(w http.ResponseWriter, r *http.Request, delay time.Duration) {
		if delay <= 0 {
			delay = time.Minute
		}
		wait(r.Context(), delay)
		drop(w)
	}},
}

func serverErrors(s *Stats) *int { return &s.ServerErrors }
func rateLimited(s *Stats) *int  { return &s.RateLimited }
func dropped(s *Stats) *int      { return &s.Dropped }

func rawAnswer(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType+"; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// serveMoreFault answers a call hit by one of the kinds above and reports
// whether kind was one of them. Callers hold mu; it is released here.
func (s *Server) serveMoreFault(w http.ResponseWriter, r *http.Request, kind FaultKind, delay time.Duration) bool {
	f, ok := moreFaults[kind]
	if !ok {
		return false
	}
	*f.stat(&s.stats)++
	s.mu.Unlock()
	f.answer(w, r, delay)
	return true
}
