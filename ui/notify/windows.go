//go:build windows

package notify

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
	"unicode/utf16"
)

// powershellAppID is Windows PowerShell's registered AppUserModelID, used
// while ours is not registered (see AppUserModelID).
const powershellAppID = `{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\WindowsPowerShell\v1.0\powershell.exe`

// toastScript shows a toast through the WinRT API that Windows PowerShell
// 5.1 (part of every Windows 10 and 11) can reach. The toast's XML
// (toastXML, escaped and tested on every OS) comes in through the
// environment, never through the script or a command line, so no text can
// inject code.
const toastScript = `$ErrorActionPreference = 'Stop'
[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] | Out-Null
[Windows.Data.Xml.Dom.XmlDocument, Windows.Data.Xml.Dom.XmlDocument, ContentType = WindowsRuntime] | Out-Null
$xml = New-Object Windows.Data.Xml.Dom.XmlDocument
$xml.LoadXml($env:EXACTKEEPER_TOAST_XML)
$toast = [Windows.UI.Notifications.ToastNotification]::new($xml)
[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier($env:EXACTKEEPER_TOAST_APPID).Show($toast)
`

func newPlatform(_ string, _ []byte) Notifier {
	id := AppUserModelID
	if id == "" {
		id = powershellAppID
	}
	return toastNotifier{appID: id}
}

type toastNotifier struct{ appID string }

var _ Clickable = toastNotifier{}

// Notify shows a toast whose click opens the dashboard.
func (n toastNotifier) Notify(title, body string) error { return n.NotifyAbout("", title, body) }

// OnActivate does nothing on Windows: a click on a toast does not come
// back to this process but starts exactkeeper.exe with an exactkeeper:
// link, which hands the subject to the running keeper over IPC
// (ipc.Client.Open), so the keeper's OnOpen opens the dashboard there.
func (toastNotifier) OnActivate(func(subject string)) {}

// NotifyAbout shows a toast whose click opens the dashboard at subject.
func (n toastNotifier) NotifyAbout(subject, title, body string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "powershell.exe", "-NoProfile", "-NonInteractive",
		"-ExecutionPolicy", "Bypass", "-EncodedCommand", encode(toastScript))
	cmd.Env = append(os.Environ(),
		"EXACTKEEPER_TOAST_XML="+toastXML(title, body, subject),
		"EXACTKEEPER_TOAST_APPID="+n.appID)
	// No console window flashing up for each toast.
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true, CreationFlags: 0x08000000} // CREATE_NO_WINDOW
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("could not show a notification because Windows PowerShell failed (%v: %s)", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// encode makes the UTF-16LE base64 that -EncodedCommand wants.
func encode(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}
