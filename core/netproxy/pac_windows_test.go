package netproxy

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// Windows' own engine runs a proxy script served on 127.0.0.1 (the
// project's CI runs this on a windows-latest runner and under wine).
func TestWinHTTPPAC(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ns-proxy-autoconfig")
		_, _ = w.Write([]byte(`function FindProxyForURL(url, host) {
  if (host == "start.exactonline.nl") return "PROXY 127.0.0.1:3128; DIRECT";
  return "DIRECT";
}`))
	}))
	defer srv.Close()
	for target, want := range map[string]string{
		"https://start.exactonline.nl/api/oauth2/token": "http://127.0.0.1:3128",
		"https://start.exactonline.be/":                 "",
	} {
		u, _ := url.Parse(target)
		got, err := winhttpPAC(srv.URL+"/proxy.pac", u)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if (got == nil) != (want == "") || (got != nil && got.String() != want) {
			t.Errorf("%s: proxy %v, want %q", target, got, want)
		}
	}
}
