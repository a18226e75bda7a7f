package exact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Me returns the logged-in user. A 401 wraps ErrAccessTokenRefused.
func (c *Client) Me(ctx context.Context, accessToken string) (Me, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+"/api/v1/current/Me", nil)
	if err != nil {
		return Me{}, fmt.Errorf("the Exact Online address %q is not usable (%v); check the connection's region or base URL", c.BaseURL, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return Me{}, fmt.Errorf("could not reach Exact Online to ask who is logged in (%w); check the internet connection and try again", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Me{}, fmt.Errorf("the answer of Exact Online to who is logged in broke off (%w); try again", err)
	}

	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return Me{}, fmt.Errorf("%w when asking who is logged in (HTTP 401); refresh the token or log in again", ErrAccessTokenRefused)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		said := ""
		if m := apiMessage(body); m != "" {
			said = fmt.Sprintf(" (Exact Online says %q)", clean(m, accessToken))
		}
		return Me{}, fmt.Errorf("asking Exact Online who is logged in failed with HTTP %d%s; try again later", resp.StatusCode, said)
	}

	var env struct {
		D struct {
			Results []Me `json:"results"`
		} `json:"d"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return Me{}, errors.New("the answer of Exact Online to who is logged in could not be understood (malformed JSON); try again later")
	}
	if len(env.D.Results) == 0 {
		return Me{}, errors.New("the answer of Exact Online to who is logged in named no user (empty results); log in again")
	}
	return env.D.Results[0], nil
}

// apiMessage digs the text out of an Exact REST error,
// {"error":{"code":"","message":{"lang":"","value":"…"}}}.
func apiMessage(body []byte) string {
	var e struct {
		Error struct {
			Message struct {
				Value string `json:"value"`
			} `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.Error.Message.Value
}
