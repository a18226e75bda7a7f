package exactsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// A few of Exact's REST entities, enough for programs that read a list the
// way Power BI does: OData v2 JSON ({"d":{"results":[…],"__next":"…"}}),
// pages of pageSize rows, the next page named by $skiptoken=guid'<last ID>'.
// Rows are made up from their index, so every division has the same
// deterministic data and nothing is stored.

const (
	pageSize          = 60
	defaultEntityRows = 150
	maxTop            = 1000
)

type account struct {
	Metadata metadata `json:"__metadata"`
	ID       string   `json:"ID"`
	Code     string   `json:"Code"`
	Name     string   `json:"Name"`
	City     string   `json:"City"`
	Division int      `json:"Division"`
}

type transactionLine struct {
	Metadata      metadata `json:"__metadata"`
	ID            string   `json:"ID"`
	AmountDC      float64  `json:"AmountDC"`
	Date          string   `json:"Date"`
	Description   string   `json:"Description"`
	EntryNumber   int      `json:"EntryNumber"`
	GLAccountCode string   `json:"GLAccountCode"`
	Division      int      `json:"Division"`
}

type entity struct {
	path string // after /api/v1/{division}/
	typ  string
	row  func(s *Server, base string, division, i int) any
}

var entities = []entity{
	{"crm/Accounts", "Exact.Web.Api.Models.Account", func(s *Server, base string, division, i int) any {
		id := rowID(1, i)
		return account{
			Metadata: metadata{URI: fmt.Sprintf("%s/api/v1/%d/crm/Accounts(guid'%s')", base, division, id), Type: "Exact.Web.Api.Models.Account"},
			ID:       id, Code: fmt.Sprintf("%18d", i+1), Name: fmt.Sprintf("Klant %d", i+1),
			City: []string{"Utrecht", "Zwolle", "Delft", "Gent"}[i%4], Division: division,
		}
	}},
	{"financialtransaction/TransactionLines", "Exact.Web.Api.Models.TransactionLine", func(s *Server, base string, division, i int) any {
		id := rowID(2, i)
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%365)
		return transactionLine{
			Metadata: metadata{URI: fmt.Sprintf("%s/api/v1/%d/financialtransaction/TransactionLines(guid'%s')", base, division, id), Type: "Exact.Web.Api.Models.TransactionLine"},
			ID:       id, AmountDC: float64((i*3779)%100000) / 100, Date: fmt.Sprintf("/Date(%d)/", day.UnixMilli()),
			Description: fmt.Sprintf("Boeking %d", i+1), EntryNumber: 26000000 + i/2, GLAccountCode: []string{"1300", "8000", "1600"}[i%3],
			Division: division,
		}
	}},
}

// rowID is the GUID of row i of entity kind k; its order is the row order,
// so a $skiptoken names a place in the list.
func rowID(k, i int) string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", k, i+1)
}

// rowIndex is the index of the row after the one a $skiptoken names.
func rowIndex(skip string) (int, bool) {
	skip = strings.TrimSuffix(strings.TrimPrefix(skip, "guid'"), "'")
	if len(skip) != 36 {
		return 0, false
	}
	n, err := strconv.ParseInt(skip[24:], 16, 64)
	if err != nil || n < 1 {
		return 0, false
	}
	return int(n), true
}

func (s *Server) entityRoutes(mux *http.ServeMux) {
	for _, e := range entities {
		mux.HandleFunc("GET /api/v1/{division}/"+e.path, func(w http.ResponseWriter, r *http.Request) { s.handleEntity(w, r, e) })
	}
	mux.HandleFunc("POST /api/v1/{division}/crm/Accounts", s.handleNewAccount)
}

// division checks the path's division against the user's, as Exact does.
// Callers hold mu.
func (s *Server) divisionOf(w http.ResponseWriter, r *http.Request) (User, bool) {
	u, ok := s.authorize(w, r)
	if !ok {
		return User{}, false
	}
	if r.PathValue("division") != strconv.Itoa(u.Division) {
		writeAPIError(w, http.StatusForbidden, "Forbidden - User division is not within division scope")
		return User{}, false
	}
	return u, true
}

func (s *Server) handleEntity(w http.ResponseWriter, r *http.Request, e entity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.divisionOf(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	from := 0
	if skip := q.Get("$skiptoken"); skip != "" {
		n, ok := rowIndex(skip)
		if !ok {
			writeAPIError(w, http.StatusBadRequest, "Invalid $skiptoken.")
			return
		}
		from = n
	}
	size := pageSize
	if top := q.Get("$top"); top != "" {
		n, err := strconv.Atoi(top)
		if err != nil || n < 0 || n > maxTop {
			writeAPIError(w, http.StatusBadRequest, "Invalid $top.")
			return
		}
		size = min(n, pageSize)
	}
	base := s.base(r)
	to := min(from+size, s.cfg.EntityRows)
	var body struct {
		D struct {
			Results []any  `json:"results"`
			Next    string `json:"__next,omitempty"`
		} `json:"d"`
	}
	body.D.Results = []any{}
	for i := from; i < to; i++ {
		body.D.Results = append(body.D.Results, e.row(s, base, u.Division, i))
	}
	if to < s.cfg.EntityRows && q.Get("$top") == "" {
		next := url.Values{}
		for k, v := range q {
			if k != "$skiptoken" {
				next[k] = v
			}
		}
		next.Set("$skiptoken", "guid'"+rowID(0, to-1)+"'")
		// Exact writes $ and ' as they are; a client must take the link
		// as given.
		body.D.Next = base + r.URL.Path + "?" + strings.NewReplacer("%24", "$", "%27", "'").Replace(next.Encode())
	}
	s.stats.APIOK++
	writeJSON(w, http.StatusOK, body)
}

// handleNewAccount accepts a new account and answers it with an ID; nothing
// is kept (the list stays deterministic). It exists so that writes can be
// tested: a gateway must never repeat one on its own.
func (s *Server) handleNewAccount(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.divisionOf(w, r)
	if !ok {
		return
	}
	var in struct {
		Code, Name string
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil || in.Name == "" {
		writeAPIError(w, http.StatusBadRequest, "Mandatory: Name")
		return
	}
	s.stats.APIOK++
	id := newGUID()
	out := struct {
		D account `json:"d"`
	}{account{
		Metadata: metadata{URI: fmt.Sprintf("%s/api/v1/%d/crm/Accounts(guid'%s')", s.base(r), u.Division, id), Type: "Exact.Web.Api.Models.Account"},
		ID:       id, Code: in.Code, Name: in.Name, Division: u.Division,
	}}
	writeJSON(w, http.StatusCreated, out)
}
