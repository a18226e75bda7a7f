package exactsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Exact's REST API limits per company (division).
const (
	apiMinutelyLimit = 60
	apiDailyLimit    = 5000
)

type apiBudget struct {
	minute, day       time.Time
	perMinute, perDay int
}

type meResult struct {
	Metadata        metadata `json:"__metadata"`
	UserID          string   `json:"UserID"`
	UserName        string   `json:"UserName"`
	FullName        string   `json:"FullName"`
	Email           string   `json:"Email"`
	CurrentDivision int      `json:"CurrentDivision"`
	LanguageCode    string   `json:"LanguageCode"`
}

type division struct {
	Metadata    metadata `json:"__metadata"`
	Code        int      `json:"Code"`
	Description string   `json:"Description"`
	Current     bool     `json:"Current"`
}

type metadata struct {
	URI  string `json:"uri"`
	Type string `json:"type"`
}

type odataList[T any] struct {
	D struct {
		Results []T `json:"results"`
	} `json:"d"`
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message struct {
			Lang  string `json:"lang"`
			Value string `json:"value"`
		} `json:"message"`
	} `json:"error"`
}

func writeAPIError(w http.ResponseWriter, status int, msg string) {
	var e apiError
	e.Error.Message.Value = msg
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	writeJSON(w, status, e)
}

// authorize finds the user behind a valid, unexpired bearer token, marks the
// token's pair as used (which ends Grace for the previous refresh token) and
// applies the API rate limits. Callers hold mu; ok false means the answer
// has been written.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) (User, bool) {
	now := s.cfg.Now()
	tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	rec, valid := s.access[tok]
	u, known := s.usersID[rec.key.user]
	if !found || tok == "" || !valid || !now.Before(rec.expires) || !known {
		s.stats.MeUnauthorized++
		s.logf("api: %s refused: no valid access token", r.URL.Path)
		writeAPIError(w, http.StatusUnauthorized, "The access token is missing, unknown or expired.")
		return User{}, false
	}
	if ch := s.chains[rec.key]; ch != nil && ch.gen == rec.gen && ch.access == tok {
		ch.prevRefresh = "" // first use of this pair ends grace
	}

	b := s.apiUse[u.Division]
	if b == nil {
		b = &apiBudget{}
		s.apiUse[u.Division] = b
	}
	if m := now.Truncate(s.cfg.APIMinute); !m.Equal(b.minute) {
		b.minute, b.perMinute = m, 0
	}
	if d := now.UTC().Truncate(24 * time.Hour); !d.Equal(b.day) {
		b.day, b.perDay = d, 0
	}
	b.perMinute++
	b.perDay++
	h := w.Header()
	perMinute, perDay := s.cfg.APIMinutelyLimit, s.cfg.APIDailyLimit
	h.Set("X-RateLimit-Limit", strconv.Itoa(perDay))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, perDay-b.perDay)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(b.day.Add(24*time.Hour).UnixMilli(), 10))
	h.Set("X-RateLimit-Minutely-Limit", strconv.Itoa(perMinute))
	h.Set("X-RateLimit-Minutely-Remaining", strconv.Itoa(max(0, perMinute-b.perMinute)))
	h.Set("X-RateLimit-Minutely-Reset", strconv.FormatInt(b.minute.Add(s.cfg.APIMinute).UnixMilli(), 10))
	if b.perMinute > perMinute || b.perDay > perDay {
		s.stats.RateLimited++
		s.stats.APIRateLimited++
		s.logf("api: rate limit exceeded for division %d", u.Division)
		writeAPIError(w, http.StatusTooManyRequests, "API rate limit exceeded.")
		return User{}, false
	}
	return u, true
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.authorize(w, r)
	if !ok {
		return
	}
	s.stats.MeOK++
	s.logf("api: current/Me for %s", u.UserName)
	var list odataList[meResult]
	list.D.Results = []meResult{{
		Metadata:        metadata{URI: s.base(r) + "/api/v1/current/Me(guid'" + u.UserID + "')", Type: "Exact.Web.Api.System.Me"},
		UserID:          u.UserID,
		UserName:        u.UserName,
		FullName:        u.FullName,
		Email:           u.Email,
		CurrentDivision: u.Division,
		LanguageCode:    u.LanguageCode,
	}}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) handleDivisions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.authorize(w, r)
	if !ok {
		return
	}
	if r.PathValue("division") != strconv.Itoa(u.Division) {
		writeAPIError(w, http.StatusForbidden, "You have no access to this division.")
		return
	}
	var list odataList[division]
	list.D.Results = []division{{
		Metadata:    metadata{URI: s.base(r) + "/api/v1/" + strconv.Itoa(u.Division) + "/system/Divisions(" + strconv.Itoa(u.Division) + ")", Type: "Exact.Web.Api.Models.HRM.Division"},
		Code:        u.Division,
		Description: u.Company,
		Current:     true,
	}}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
