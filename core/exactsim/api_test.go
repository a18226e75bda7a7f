package exactsim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestMe(t *testing.T) {
	h := newHarness(t, nil)
	access, _ := h.connect()
	tests := []struct {
		name    string
		token   func() string
		advance time.Duration
		status  int
	}{
		{"valid", func() string { return access }, 0, 200},
		{"no token", func() string { return "" }, 0, 401},
		{"unknown token", func() string { return "Zm9vYmFy" }, 0, 401},
		{"almost expired", func() string { return access }, 10*time.Minute - time.Second, 200},
		{"expired", func() string { return access }, time.Second, 401},
	}
	ok, unauthorized := 0, 0
	for _, tt := range tests {
		h.clock.Advance(tt.advance)
		res := h.me(tt.token())
		if res.status != tt.status {
			t.Fatalf("%s: status %d, want %d", tt.name, res.status, tt.status)
		}
		if tt.status != 200 {
			unauthorized++
			continue
		}
		ok++
		var body struct {
			D struct {
				Results []struct {
					UserID, UserName, FullName, Email, LanguageCode string
					CurrentDivision                                 int
				} `json:"results"`
			} `json:"d"`
		}
		if err := json.Unmarshal([]byte(res.raw), &body); err != nil || len(body.D.Results) != 1 {
			t.Fatalf("%s: body %s (%v)", tt.name, res.raw, err)
		}
		me := body.D.Results[0]
		if me.UserID != DemoConfig().Users[0].UserID || me.UserName != "demo" || me.FullName != "Jan de Vries" ||
			me.CurrentDivision != 1234567 || me.LanguageCode != "nl-NL" || me.Email == "" {
			t.Errorf("%s: Me = %+v", tt.name, me)
		}
		if res.header.Get("X-RateLimit-Minutely-Limit") != "60" || res.header.Get("X-RateLimit-Minutely-Remaining") == "" || res.header.Get("X-RateLimit-Minutely-Reset") == "" {
			t.Errorf("%s: rate-limit headers %v", tt.name, res.header)
		}
	}
	if st := h.s.Stats(); st.MeOK != ok || st.MeUnauthorized != unauthorized {
		t.Fatalf("stats %+v, want %d ok and %d unauthorized", st, ok, unauthorized)
	}
}

func TestMeMinutelyLimit(t *testing.T) {
	h := newHarness(t, nil)
	access, _ := h.connect()
	for i := range 60 {
		if res := h.me(access); res.status != http.StatusOK {
			t.Fatalf("call %d: status %d", i+1, res.status)
		}
	}
	res := h.me(access)
	if res.status != http.StatusTooManyRequests || res.header.Get("X-RateLimit-Minutely-Remaining") != "0" {
		t.Fatalf("call 61: status %d, headers %v", res.status, res.header)
	}
	h.clock.Advance(time.Minute)
	if res := h.me(access); res.status != http.StatusOK {
		t.Fatalf("next minute: status %d", res.status)
	}
}

func TestDivisions(t *testing.T) {
	h := newHarness(t, nil)
	access, _ := h.connect()
	tests := []struct {
		path, token string
		status      int
	}{
		{"/api/v1/1234567/system/Divisions", access, 200},
		{"/api/v1/7654321/system/Divisions", access, 403},
		{"/api/v1/1234567/system/Divisions", "", 401},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", h.ts.URL+tt.path, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		res := h.do(req)
		if res.status != tt.status {
			t.Fatalf("%s: status %d, want %d", tt.path, res.status, tt.status)
		}
		if tt.status != 200 {
			continue
		}
		var body struct {
			D struct {
				Results []struct {
					Code        int
					Description string
				} `json:"results"`
			} `json:"d"`
		}
		if err := json.Unmarshal([]byte(res.raw), &body); err != nil || len(body.D.Results) != 1 ||
			body.D.Results[0].Code != 1234567 || body.D.Results[0].Description != "Bakkerij De Jong" {
			t.Fatalf("body %s (%v)", res.raw, err)
		}
	}
}
