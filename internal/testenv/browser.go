package testenv

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// Browser starts a headless chromium for t and returns its chromedp
// context; the browser is stopped when t ends. It skips or fails like
// Chromium when no browser is installed.
//
// The flags keep chromium quiet on a closed network and let it accept the
// self-signed certificate of an https loopback listener. extraFlags come
// after them, so a test can add flags (or override one of these).
func Browser(t testing.TB, extraFlags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exe := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // tests run as root, where the sandbox refuses to start
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("ignore-certificate-errors", true),
	)
	opts = append(opts, extraFlags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out, so the browser is gone before
	// t.TempDir removes its profile.
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start it now, so a broken browser fails here with a clear message
	// rather than inside the test's first action.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium (%s): %v", exe, err)
	}
	return ctx
}
