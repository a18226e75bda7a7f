// Package help is where Exact Keeper's Help items lead: the FAQ in the
// project's README (moving to a new PC, what Remove does at Exact,
// uninstalling with the keychain entries, why two PCs on one login break
// each other). The tray and the dashboard both open it, so the address is
// kept in one place.
package help

import "github.com/exactkeeper/exactkeeper/core/login"

// Website is the project's home, as in FyneApp.toml.
const Website = "https://github.com/exactkeeper/exactkeeper"

// Anchor is the FAQ's heading in README.md ("## FAQ"); the README test
// keeps the two in step.
const Anchor = "faq"

// URL is the FAQ's address.
func URL() string { return Website + "#" + Anchor }

// Opener opens an address; login.BrowserOpener is the system browser.
type Opener interface{ Open(url string) error }

// Open shows the FAQ in the browser (o nil: the system browser). For the
// tray's Help item.
func Open(o Opener) error {
	if o == nil {
		o = login.BrowserOpener{}
	}
	return o.Open(URL())
}
