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
	var results []Me
	if err := c.getResults(ctx, accessToken, "/api/v1/current/Me", "who is logged in", &results); err != nil {
		return Me{}, err
	}
	if len(results) == 0 {
		return Me{}, errors.New("the answer of Exact Online to who is logged in named no user (empty results); log in again")
	}
	return results[0], nil
}

// Division is one administration (company) from system/Divisions.
type Division struct {
	Code        int    `json:"Code"`
	Description string `json:"Description"`
}

// DivisionName returns the company name of a division, so people see
// "Bakkerij De Jong" rather than 1234567.
func (c *Client) DivisionName(ctx context.Context, accessToken string, division int) (string, error) {
	var results []Division
	path := fmt.Sprintf("/api/v1/%d/system/Divisions?$select=Code,Description&$filter=Code%%20eq%%20%d", division, division)
	if err := c.getResults(ctx, accessToken, path, "the company's name", &results); err != nil {
		return "", err
	}
	for _, d := range results {
		if d.Code == division {
			return d.Description, nil
		}
	}
	return "", fmt.Errorf("no company name for division %d in the answer of Exact Online; it is shown by number", division)
}

// getResults GETs an Exact REST collection, {"d":{"results":[…]}}, into
// results; what says in the errors what was asked.
func (c *Client) getResults(ctx context.Context, accessToken, path, what string, results any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+path, nil)
	if err != nil {
		return fmt.Errorf("the Exact Online address %q is not usable (%v); check the connection's region or base URL", c.BaseURL, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("could not reach Exact Online to ask %s (%w); check the internet connection and try again", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("the answer of Exact Online to %s broke off (%w); try again", what, err)
	}

	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w when asking %s (HTTP 401); refresh the token or log in again", ErrAccessTokenRefused, what)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return &APIError{Status: resp.StatusCode, Said: clean(apiMessage(body), accessToken), what: what}
	}

	env := struct {
		D struct {
			Results any `json:"results"`
		} `json:"d"`
	}{}
	env.D.Results = results
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("the answer of Exact Online to %s could not be understood (malformed JSON); try again later", what)
	}
	return nil
}

// APIError is a refused REST call. A 403 is something refreshing cannot
// mend: an expired licence, a blocked user, or an app registration without
// the scopes the call needs ("Application Scope Violated").
type APIError struct {
	Status int
	Said   string // Exact's own message, cleaned; may be empty
	what   string
}

func (e *APIError) Error() string {
	said := ""
	if e.Said != "" {
		said = fmt.Sprintf(" (Exact Online says %q)", e.Said)
	}
	if e.Status == http.StatusForbidden {
		return fmt.Sprintf("Exact Online refused to tell %s (HTTP 403)%s; this needs attention in Exact Online: check the licence, the user's rights and the scopes ticked for the app in the App Center", e.what, said)
	}
	return fmt.Sprintf("asking Exact Online %s failed with HTTP %d%s; try again later", e.what, e.Status, said)
}

// Forbidden reports whether err is a 403 from the REST API.
func Forbidden(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusForbidden
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
