package ipc

import (
	"context"
	"net/http"
)

// openRequest is the body of POST /v1/activate; Focus is empty for a plain
// activation.
type openRequest struct {
	Focus string `json:"focus,omitempty"`
}

// Open asks the running app to show its dashboard at focus ("connection:<id>",
// "reconnect:<id>", "delegation:<id>"): what a click on a notification's
// exactkeeper: link does through a second start. A keeper without OnOpen
// just shows its dashboard.
func (c *Client) Open(ctx context.Context, focus string) error {
	return c.call(ctx, http.MethodPost, "/v1/activate", openRequest{Focus: focus}, nil)
}
