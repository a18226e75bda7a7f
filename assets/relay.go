package assets

import _ "embed" // for the relay page

//go:embed relay/login.html
var relayPage []byte

// RelayPage returns the relay page: the static HTML that Exact Online
// redirects the browser to (login.DefaultRedirectURI), which hands the
// unchanged query on to Exact Keeper's listener on 127.0.0.1, or shows the
// address to paste when it cannot. docs/relay.md describes what it does;
// `exactkeeperctl relay-page` prints it for owners who host their own copy.
func RelayPage() []byte {
	return append([]byte(nil), relayPage...)
}
