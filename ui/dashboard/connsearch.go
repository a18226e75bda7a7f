package dashboard

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/widget"

	"github.com/exactkeeper/exactkeeper/core/i18n"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/present"
)

// The Connections tab at many connections (issue 13: 500 cards in one
// column, no way to find one).
const (
	// searchFrom: with more connections than this the tab offers a search
	// field; fewer fit on a screen or two.
	searchFrom = 8
	// maxCards is how many cards are built at once. A card is some forty
	// widgets; 500 of them took seconds to lay out and scroll. The cards
	// that need the owner come first, so the ones left out are the calm
	// ones, and typing a name finds any of them.
	maxCards = 40
)

// newConnSearch is the search field above the cards; it filters as the
// owner types.
func (d *Dashboard) newConnSearch() *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(i18n.T("scale.dash.search"))
	e.SetText(d.conns.query)
	e.OnChanged = func(q string) {
		d.conns.query = q
		d.renderConnections()
		if d.conns.scroll != nil {
			d.conns.scroll.ScrollToTop()
		}
	}
	return e
}

// visibleConnections is what the tab shows: the connections matching the
// search (when it is offered), those that need the owner first (core/present's
// level, the list's own order within a level), at most maxCards of them;
// matched counts all that match.
func (d *Dashboard) visibleConnections() (shown []keeper.ConnStatus, matched int) {
	now := d.now()
	q := ""
	if len(d.statuses) > searchFrom {
		q = strings.ToLower(strings.TrimSpace(d.conns.query))
	}
	type ranked struct {
		c     keeper.ConnStatus
		level present.Level
	}
	var all []ranked
	for _, c := range d.statuses {
		if q == "" || matches(c, q) {
			all = append(all, ranked{c, present.Connection(c, now).Level})
		}
	}
	slices.SortStableFunc(all, func(a, b ranked) int { return cmp.Compare(b.level, a.level) })
	for _, r := range all[:min(len(all), maxCards)] {
		shown = append(shown, r.c)
	}
	return shown, len(all)
}

// matches tells whether the lower-case query q is part of c's name, its
// company's name or number, or who logged in.
func matches(c keeper.ConnStatus, q string) bool {
	for _, s := range []string{c.Name, c.Company, c.FullName, c.UserName} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return c.Division != 0 && strings.Contains(strconv.Itoa(c.Division), q)
}

// connectionsHint says what the cards leave out: nothing matches the
// search, or only the first maxCards of the matches are shown. "" when
// every match is shown.
func (d *Dashboard) connectionsHint(shown, matched int) string {
	switch {
	case len(d.statuses) > 0 && matched == 0:
		return i18n.Tf("scale.dash.none", map[string]any{"Query": strings.TrimSpace(d.conns.query)})
	case shown < matched:
		return i18n.Tf("scale.dash.more", map[string]any{"Shown": shown, "Total": matched})
	}
	return ""
}
