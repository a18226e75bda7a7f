package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/exactkeeper/exactkeeper/core/gateway"
	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// maxAPIAnswer bounds one answer read by `api` when it calls Exact itself,
// as the gateway bounds what it passes on.
const maxAPIAnswer = gateway.MaxResponseBody

// exactCaller sends REST calls for one connection: through the running
// keeper (paced with every other program) when one runs, else straight to
// Exact with a one-shot token.
type exactCaller struct {
	e      *Env
	conn   store.Connection
	keeper *ipc.Client
	prefix string // the gateway path of the connection, "" for the only one
	token  string // direct calls only
}

func (e *Env) exactCaller(ctx context.Context, st *store.Store, name string, timeout time.Duration) (*exactCaller, error) {
	conn, err := keeper.Find(e.options(st), name)
	if err != nil {
		return nil, err
	}
	c := &exactCaller{e: e, conn: conn}
	if name != "" {
		c.prefix = "/connections/" + url.PathEscape(conn.ID)
	}
	if c.keeper, err = keeperClient(st); err != nil {
		return nil, err
	}
	if c.keeper != nil {
		return c, nil
	}
	fmt.Fprintln(e.Stderr, e.t("gateway.api.no-keeper"))
	tok, err := e.oneShotToken(ctx, st, conn.ID, timeout, false)
	if err != nil {
		return nil, err
	}
	c.token = tok.AccessToken
	return c, nil
}

// apiPath makes PATH a path of Exact's REST API with {division} filled in:
// "crm/Accounts" and "{division}/crm/Accounts" both name
// /api/v1/<division>/crm/Accounts, a path from /api/v1/ is taken as it is.
func apiPath(p string, division int) string {
	p = strings.ReplaceAll(p, "{division}", strconv.Itoa(division))
	switch {
	case strings.HasPrefix(p, "/api/v1/"):
		return p
	case strings.HasPrefix(p, "api/v1/"):
		return "/" + p
	}
	p = strings.TrimPrefix(p, "/")
	if seg, _, _ := strings.Cut(p, "/"); seg == "current" || isNumber(seg) {
		return "/api/v1/" + p
	}
	return "/api/v1/" + strconv.Itoa(division) + "/" + p
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && s != ""
}

// do makes one call; path is Exact's (/api/v1/…, with its query) or a
// __next link as the answer gave it.
func (c *exactCaller) do(ctx context.Context, method, path string, body []byte, ctype string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var resp *http.Response
	var err error
	if c.keeper != nil {
		if !strings.HasPrefix(path, "/connections/") {
			path = c.prefix + path
		}
		resp, err = c.keeper.Exact(ctx, method, path, rd, ctype)
	} else {
		var req *http.Request
		req, err = http.NewRequestWithContext(ctx, method, strings.TrimRight(c.conn.BaseURL, "/")+path, rd)
		if err != nil {
			return 0, nil, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Accept", "application/json")
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			err = errors.New(c.e.tf("gateway.api.unreachable", map[string]any{"Error": sentence(err)}))
		}
	}
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIAnswer))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, data, nil
}

// refused turns a non-2xx answer into an error in Exact's words, with the
// exit code of its kind: 3 when the keeper needs a new login, 4 for a
// refused client secret or a 403 (Exact refused the call: a licence, a
// division out of reach, a scope), 1 otherwise.
func (c *exactCaller) refused(status int, h http.Header, data []byte) error {
	msg := exactMessage(data)
	if msg == "" {
		msg = http.StatusText(status)
	}
	text := c.e.tf("gateway.api.refused", map[string]any{"Status": status, "Message": msg})
	switch {
	case h.Get(gateway.ReasonHeader) == gateway.ReasonNeedsReconnect:
		return fmt.Errorf("%w: %s", keeper.ErrNeedsReconnect, text)
	case h.Get(gateway.ReasonHeader) == gateway.ReasonWrongSecret:
		return fmt.Errorf("%w: %s", keeper.ErrWrongSecret, text)
	case status == http.StatusForbidden:
		return codedError{msg: text, code: ExitAttention}
	}
	return errors.New(text)
}

// exactMessage is the text of an Exact REST error,
// {"error":{"message":{"value":"…"}}}.
func exactMessage(data []byte) string {
	var e struct {
		Error struct {
			Message struct {
				Value string `json:"value"`
			} `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &e) != nil {
		return ""
	}
	return strings.TrimSpace(e.Error.Message.Value)
}

// page is an OData answer's rows and its link to the next page.
type page struct {
	D struct {
		Results []json.RawMessage `json:"results"`
		Next    string            `json:"__next"`
	} `json:"d"`
}

// nextPath is the path (and query) a __next link names: through the
// keeper it is a gateway path, from Exact an absolute address.
func nextPath(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	return u.RequestURI(), nil
}

// all follows __next from path and returns every row.
func (c *exactCaller) all(ctx context.Context, path string) ([]json.RawMessage, error) {
	rows := []json.RawMessage{}
	for pages := 0; path != ""; pages++ {
		if pages == 100000 {
			return nil, errors.New(c.e.t("gateway.api.endless"))
		}
		status, h, data, err := c.do(ctx, http.MethodGet, path, nil, "")
		if err != nil {
			return nil, err
		}
		if status/100 != 2 {
			return nil, c.refused(status, h, data)
		}
		var p page
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, errors.New(c.e.t("gateway.api.not-a-list"))
		}
		rows = append(rows, p.D.Results...)
		path = ""
		if p.D.Next != "" {
			if path, err = nextPath(p.D.Next); err != nil {
				return nil, err
			}
		}
	}
	return rows, nil
}

// cmdAPI is `exactkeeperctl api [--connection N] [-X METHOD] [--paginate]
// [--input FILE] PATH`.
func cmdAPI(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "api")
	conn := fs.String("connection", "", "the connection to use (default: the only one)")
	method := fs.String("X", http.MethodGet, "the HTTP method")
	paginate := fs.Bool("paginate", false, "follow __next and print all rows as one JSON array")
	input := fs.String("input", "", "the request body, from this file ('-' for standard input)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s", e.t("gateway.api.usage"))
	}
	m := strings.ToUpper(*method)
	if *paginate && m != http.MethodGet {
		return usagef("%s", e.t("gateway.api.paginate-get"))
	}
	var body []byte
	switch *input {
	case "":
	case "-":
		body, err = io.ReadAll(io.LimitReader(e.Stdin, gateway.MaxRequestBody))
	default:
		body, err = os.ReadFile(*input)
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	st, err := e.store()
	if err != nil {
		return err
	}
	c, err := e.exactCaller(ctx, st, *conn, *timeout)
	if err != nil {
		return err
	}
	path := apiPath(pos[0], c.conn.Division)
	if *paginate {
		rows, err := c.all(ctx, path)
		if err != nil {
			return err
		}
		return writeJSON(e, rows)
	}
	ctype := ""
	if body != nil {
		ctype = "application/json"
	}
	status, h, data, err := c.do(ctx, m, path, body, ctype)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return c.refused(status, h, data)
	}
	var v any
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if json.Unmarshal(data, &v) != nil {
		_, err = e.Stdout.Write(data)
		return err
	}
	return writeJSON(e, v)
}

// cmdDivisions is `exactkeeperctl divisions [NAME] [--json]`.
func cmdDivisions(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, "divisions")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	name, err := connectionArg(st, pos)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	c, err := e.exactCaller(ctx, st, name, 5*time.Minute)
	if err != nil {
		return err
	}
	raw, err := c.all(ctx, apiPath("{division}/system/Divisions?$select=Code,Description", c.conn.Division))
	if err != nil {
		return err
	}
	type division struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
		Current     bool   `json:"current"`
	}
	list := make([]division, 0, len(raw))
	for _, r := range raw {
		var d struct {
			Code        int
			Description string
		}
		if json.Unmarshal(r, &d) == nil {
			list = append(list, division{d.Code, d.Description, d.Code == c.conn.Division})
		}
	}
	if *asJSON {
		return writeJSON(e, list)
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, e.t("gateway.divisions.header"))
	for _, d := range list {
		mark := ""
		if d.Current {
			mark = "*"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", d.Code, d.Description, mark)
	}
	return tw.Flush()
}
