package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/keeper"
)

// manyConnections is n connections; every 10th needs a new login, and
// connection 417 belongs to "Fietsen Jansen".
func manyConnections(n int) []keeper.ConnStatus {
	var out []keeper.ConnStatus
	for i := range n {
		c := keeper.ConnStatus{ID: fmt.Sprintf("c%03d", i), Name: fmt.Sprintf("Klant %03d", i), Region: "nl",
			Status: keeper.StatusOK, FullName: "Jan Jansen", Division: 1000 + i, Company: fmt.Sprintf("Administratie %03d", i),
			LastRefresh: fixedNow.Add(-2 * time.Hour), LapsesAt: fixedNow.Add(29 * 24 * time.Hour)}
		if i%10 == 9 {
			c.Status = keeper.StatusNeedsReconnect
		}
		if i == 417 {
			c.Company = "Fietsen Jansen B.V."
		}
		out = append(out, c)
	}
	return out
}

// cardOrder is the IDs of the cards in the order the tab shows them.
func cardOrder(d *Dashboard) []string {
	byCard := map[*widget.Card]string{}
	for id, cc := range d.conns.cards {
		byCard[cc.card] = id
	}
	var ids []string
	for _, o := range d.conns.box.Objects {
		if c, ok := o.(*widget.Card); ok {
			ids = append(ids, byCard[c])
		}
	}
	return ids
}

// TestConnectionsSearchAt500: with 500 connections the tab builds no more
// than maxCards cards, the 50 that need a new login first, and says so;
// typing a name or a company shows that card, in English and Dutch.
func TestConnectionsSearchAt500(t *testing.T) {
	tests := []struct {
		lang, more, none string
	}{
		{"en", "Showing 40 of 500 connections, those that need you first. Type a name to find another.",
			"No connection matches “Bestaat niet”."},
		{"nl", "40 van de 500 koppelingen getoond, die uw aandacht nodig hebben bovenaan. Typ een naam om een andere te vinden.",
			"Geen koppeling gevonden voor “Bestaat niet”."},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			f := newFake()
			f.statuses = manyConnections(500)
			f.settings.Language = tt.lang
			h := start(t, f, Options{})
			v := &h.d.conns
			if !v.search.Visible() {
				t.Fatal("no search field at 500 connections")
			}
			if len(v.cards) != maxCards {
				t.Fatalf("%d cards built, want %d", len(v.cards), maxCards)
			}
			for i, id := range cardOrder(h.d) {
				if i < 40 && !strings.HasSuffix(id, "9") {
					t.Fatalf("card %d is %s, want the ones that need a new login first: %v", i, id, cardOrder(h.d))
				}
			}
			if v.hint == nil || v.hint.Text != tt.more {
				t.Errorf("hint = %v, want %q", v.hint, tt.more)
			}

			test.Type(v.search, "klant 123")
			if got := cardOrder(h.d); len(got) != 1 || got[0] != "c123" {
				t.Fatalf("typing a name shows %v, want c123 alone", got)
			}
			if v.hint != nil {
				t.Errorf("hint %q while every match is shown", v.hint.Text)
			}
			if !strings.Contains(v.cards["c123"].text(), "Klant 123") {
				t.Errorf("card text %q", v.cards["c123"].text())
			}

			v.search.SetText("")
			test.Type(v.search, "Fietsen")
			if got := cardOrder(h.d); len(got) != 1 || got[0] != "c417" {
				t.Errorf("typing a company shows %v, want c417", got)
			}

			v.search.SetText("")
			test.Type(v.search, "Bestaat niet")
			if len(v.cards) != 0 || v.hint == nil || v.hint.Text != tt.none {
				t.Errorf("no match: %d cards, hint %v, want %q", len(v.cards), v.hint, tt.none)
			}

			// The search survives a reload from the keeper.
			h.d.refreshViews()
			if len(v.cards) != 0 {
				t.Errorf("after a reload %d cards match %q", len(v.cards), v.search.Text)
			}
			v.search.SetText("")
			if len(v.cards) != maxCards {
				t.Errorf("cleared search: %d cards, want %d", len(v.cards), maxCards)
			}
		})
	}
}

// TestConnectionsFewNoSearch: a handful of connections need no search, all
// get a card, and those that need the owner come first.
func TestConnectionsFewNoSearch(t *testing.T) {
	f := newFake()
	f.statuses = manyConnections(searchFrom)
	f.statuses[5].Status = keeper.StatusNeedsReconnect
	h := start(t, f, Options{})
	if h.d.conns.search.Visible() {
		t.Error("a search field for 8 connections")
	}
	want := []string{"c005", "c000", "c001", "c002", "c003", "c004", "c006", "c007"}
	if got := cardOrder(h.d); !slices.Equal(got, want) {
		t.Errorf("cards %v, want %v", got, want)
	}
}

// BenchmarkConnectionsTab500 builds the Connections tab for 500
// connections: capped at maxCards cards, against every card (before issue
// 13). Reports the canvas objects built.
func BenchmarkConnectionsTab500(b *testing.B) {
	conns := manyConnections(500)
	for _, bc := range []struct {
		name string
		all  bool
	}{{"capped", false}, {"all", true}} {
		b.Run(bc.name, func(b *testing.B) {
			test.NewTempApp(b)
			d := &Dashboard{now: func() time.Time { return fixedNow }, statuses: conns}
			var objects int
			for b.Loop() {
				tab := d.buildConnections()
				if bc.all {
					for _, c := range conns[maxCards:] {
						d.conns.box.Add(d.connectionCard(c).card)
					}
				}
				objects = countObjects(tab)
			}
			b.ReportMetric(float64(objects), "objects")
		})
	}
}

func countObjects(o fyne.CanvasObject) int {
	n := 1
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			n += countObjects(c)
		}
	case fyne.Widget:
		for _, c := range w.CreateRenderer().Objects() {
			n += countObjects(c)
		}
	}
	return n
}
