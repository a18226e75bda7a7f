package keeperapp

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"fyne.io/systray"

	"github.com/exactkeeper/exactkeeper/core/ipc"
	"github.com/exactkeeper/exactkeeper/core/platform"
	"github.com/exactkeeper/exactkeeper/core/store"
	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/ui/notify"
)

// Main is `exactkeeper [--demo] [--version] [exactkeeper:open?…]`: the keeper
// with its tray icon; a link opens the dashboard at its subject.
// It returns the process exit code.
func Main(args []string, version string, stderr io.Writer) int {
	fs := flag.NewFlagSet("exactkeeper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	demo := fs.Bool("demo", false, "run against the built-in Exact Online simulator with short lifetimes")
	showVersion := fs.Bool("version", false, "print the version and exit")
	verbose := fs.Bool("v", false, "log what the keeper does to standard error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintln(os.Stdout, version)
		return 0
	}
	// Windows starts `exactkeeper.exe exactkeeper:open?connection=…` for a
	// click on a notification (the installer registers the scheme).
	var focus string
	if fs.NArg() > 0 {
		f, err := platform.ParseLink(fs.Arg(0))
		if err != nil || fs.NArg() > 1 {
			fmt.Fprintf(stderr, "exactkeeper: %v; usage: exactkeeper [--demo] [--version] [exactkeeper:open?connection=ID]\n", cmp.Or(err, errors.New("one link at most")))
			return 2
		}
		focus = f
	}
	// A signal ends the keeper in order: Run returns only once the
	// refreshes in flight are saved. It stays caught until the process
	// exits, so a second one cannot cut that short.
	catchBrokenPipe()
	ctx, stop := signal.NotifyContext(context.Background(), exitSignals...)
	defer stop()
	// The demo's simulator outlives the keeper, which may be finishing a
	// refresh against it after the signal.
	demoCtx, endDemo := context.WithCancel(context.Background())
	defer endDemo()
	level := slog.LevelWarn
	if *verbose || *demo {
		level = slog.LevelInfo
	}
	o := Options{Version: version, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	o.Vault = vault.NewKeyring("exactkeeper", 10*time.Second)
	if *demo {
		dir, env, err := StartDemo(demoCtx, o.Vault)
		if err != nil {
			fmt.Fprintf(stderr, "exactkeeper: %v\n", err)
			return 1
		}
		o.Dir, o.Env = dir, env
		// The demo opens its window at once, pre-filled: that is the point.
		o.OpenOnStart = true
	} else {
		dir, err := store.DefaultDir()
		if err != nil {
			fmt.Fprintf(stderr, "exactkeeper: %v\n", err)
			return 1
		}
		o.Dir = dir
		if exe, err := os.Executable(); err == nil {
			o.Autostart = platform.NewAutostart(exe, nil)
			registerAppID(exe, o.Logger)
		}
	}
	// A second start shows the running keeper's window, without a tray icon
	// of its own flashing up.
	if c, err := ipc.Dial(o.Dir); err == nil {
		if err := c.Open(ctx, focus); err != nil {
			fmt.Fprintf(stderr, "exactkeeper: %v\n", err)
			return 1
		}
		return 0
	}
	if focus != "" {
		o.OpenOnStart, o.OpenFocus = true, focus
	}
	o.Quit = systray.Quit
	runErr := runWithTray(ctx, o)
	if runErr != nil {
		fmt.Fprintf(stderr, "exactkeeper: %v\n", runErr)
		return 1
	}
	return 0
}

// registerAppID gives Windows toast notifications a sender: without a
// registered AppUserModelID Windows drops them. Elsewhere it does nothing.
func registerAppID(exe string, log *slog.Logger) {
	if runtime.GOOS != "windows" {
		return
	}
	icon := filepath.Join(filepath.Dir(exe), "exactkeeper.png")
	if err := platform.RegisterAppUserModelID(platform.AppUserModelID, platform.AppName, icon); err != nil {
		log.Warn("notifications may not show: registering the app with Windows failed", "err", err)
		return
	}
	notify.AppUserModelID = platform.AppUserModelID
}

// runWithTray runs Run beside the tray's event loop until either ends: a
// signal or an error ends Run, which quits the tray; the tray's Quit item
// or the session ending the tray ends Run. Either way it returns only after
// Run did, so the refreshes in flight are finished and saved first.
func runWithTray(ctx context.Context, o Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu        sync.Mutex
		trayEnded bool
		done      chan struct{} // closed when Run returned; nil if it never started
		runErr    error
	)
	systray.Run(func() {
		mu.Lock()
		defer mu.Unlock()
		if trayEnded {
			return
		}
		done = make(chan struct{})
		go func() {
			defer close(done)
			runErr = Run(ctx, o)
			systray.Quit()
		}()
	}, cancel)
	mu.Lock()
	trayEnded = true
	d := done
	mu.Unlock()
	cancel()
	if d != nil {
		<-d
	}
	return runErr
}
