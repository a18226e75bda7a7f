package notify

import (
	"bytes"
	"encoding/xml"

	"github.com/exactkeeper/exactkeeper/core/platform"
)

// toastXML is the Windows toast for a notification about focus (a
// Clickable subject, "" for none): the ToastGeneric template with the title
// and the body, activated as a protocol launch of an exactkeeper: link
// (platform.OpenLink). A click thus starts
// `exactkeeper.exe exactkeeper:open?connection=…`, which hands the link to
// the running keeper; no COM activator is needed, which an unpackaged app
// would otherwise have to register. It is pure so that Linux tests check
// what Windows will parse.
func toastXML(title, body, focus string) string {
	var b bytes.Buffer
	b.WriteString(`<toast activationType="protocol" launch="`)
	esc(&b, platform.OpenLink(focus))
	b.WriteString(`"><visual><binding template="ToastGeneric"><text>`)
	esc(&b, title)
	b.WriteString(`</text><text>`)
	esc(&b, body)
	b.WriteString(`</text></binding></visual></toast>`)
	return b.String()
}

// esc escapes s for XML text and attributes alike (quotes included);
// characters XML cannot hold become U+FFFD rather than breaking the toast.
func esc(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer does not fail
}
