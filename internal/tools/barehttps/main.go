// Command barehttps is the second yardstick for the keeper's idle cost: the
// bare tray of baretray plus what any keeper needs to reach Exact, an HTTPS
// client (net/http, crypto/tls, crypto/x509 with the system's roots), used
// once at start so that its code is loaded the way the keeper's is.
package main

import (
	"net/http"
	"os"

	"fyne.io/systray"

	"github.com/exactkeeper/exactkeeper/assets"
)

func main() {
	systray.Run(func() {
		systray.SetIcon(assets.Icon(assets.StateOK, true))
		systray.SetTooltip("bare https")
		systray.AddMenuItem("Quit", "")
		// One request to the address in the first argument (the bench's
		// simulator on 127.0.0.1), so the HTTP client's code is paged in.
		if len(os.Args) > 1 {
			if resp, err := http.Get(os.Args[1]); err == nil {
				resp.Body.Close()
			}
		}
	}, nil)
}
