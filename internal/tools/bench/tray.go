package main

import (
	"fmt"
	"time"

	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/ui/tray"
)

// goalMenuItems: a tray menu a person can still read; more connections
// than fit belong behind grouping or a search in the dashboard.
const goalMenuItems = 25

// trayRows counts the items the tray's menu builder (tray.Menu, the pure
// function the tray draws) makes for each size: all connections fine, and
// a tenth of them needing a new login.
func trayRows(sizes []int) []row {
	now := time.Now()
	var rows []row
	for _, n := range sizes {
		cases := []int{0}
		if n >= 10 {
			cases = append(cases, n/10)
		}
		for _, broken := range cases {
			conns := make([]keeper.ConnStatus, n)
			for i := range conns {
				conns[i] = keeper.ConnStatus{ID: fmt.Sprintf("c%04d", i), Name: fmt.Sprintf("Klant %04d", i), Status: keeper.StatusOK,
					LastRefresh: now.Add(-time.Hour), LapsesAt: now.Add(29 * 24 * time.Hour), NextRefresh: now.Add(23 * time.Hour)}
				if i < broken {
					conns[i].Status = keeper.StatusNeedsReconnect
				}
			}
			items := tray.Menu(conns, nil, now)
			what := fmt.Sprintf("tray menu items, %d connection(s)", n)
			if broken > 0 {
				what += fmt.Sprintf(", %d needing a new login", broken)
			}
			rows = append(rows, row{"Tray", what, fmt.Sprintf("%d items", len(items)), fmt.Sprintf("≤ %d items (grouping or search, no item per connection)", goalMenuItems), verdict(len(items) <= goalMenuItems)})
		}
	}
	return rows
}
