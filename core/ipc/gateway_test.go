package ipc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/exactkeeper/exactkeeper/core/gateway"
)

// fakeGateway answers every proxied call with its path, and counts Apply.
type fakeGateway struct{ applied int }

func (g *fakeGateway) Apply(context.Context) gateway.Status {
	g.applied++
	return gateway.Status{Enabled: true, Running: true, Addr: "127.0.0.1:41234"}
}

func (g *fakeGateway) Status() gateway.Status {
	return gateway.Status{Enabled: true, Addr: "127.0.0.1:41234", Keys: []gateway.KeyStats{{Name: "powerbi", RequestsToday: 3}}}
}

func (g *fakeGateway) Internal() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"path":"`+r.URL.RequestURI()+`","method":"`+r.Method+`"}`)
	})
}

// TestGatewayEndpoints: status, apply and a proxied call cross the
// endpoint; Exact's answer comes back as it is, a 403 included.
func TestGatewayEndpoints(t *testing.T) {
	g := &fakeGateway{}
	dir, _ := serve(t, &Server{Backend: newFake(), Gateway: g})
	c := dial(t, dir)
	ctx := context.Background()
	if st, err := c.GatewayStatus(ctx); err != nil || len(st.Keys) != 1 || st.Keys[0].RequestsToday != 3 {
		t.Fatalf("GatewayStatus = %+v, %v", st, err)
	}
	if st, err := c.GatewayApply(ctx); err != nil || !st.Running || g.applied != 1 {
		t.Fatalf("GatewayApply = %+v, %v (applied %d)", st, err, g.applied)
	}
	resp, err := c.Exact(ctx, "DELETE", "/connections/c1/api/v1/1/crm/Accounts?$top=1", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), `"path":"/connections/c1/api/v1/1/crm/Accounts?$top=1"`) || !strings.Contains(string(body), "DELETE") {
		t.Fatalf("Exact = %d %s", resp.StatusCode, body)
	}
}

// TestNoGateway: a keeper without a gateway says so in one sentence.
func TestNoGateway(t *testing.T) {
	dir, _ := serve(t, &Server{Backend: newFake()})
	c := dial(t, dir)
	if _, err := c.Exact(context.Background(), "GET", "/api/v1/current/Me", nil, ""); !errors.Is(err, errNoGateway) {
		t.Fatalf("Exact without a gateway: %v", err)
	}
	if _, err := c.GatewayStatus(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot pass on API calls") {
		t.Fatalf("GatewayStatus without a gateway: %v", err)
	}
}
