package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/exactkeeper/exactkeeper/core/exact"
	"github.com/exactkeeper/exactkeeper/core/keeper"
	"github.com/exactkeeper/exactkeeper/core/store"
)

// A one-shot refresh (`token` or `refresh` while no keeper runs) does not
// happen in the caller's process: Exact rotates the refresh token on every
// refresh, so a caller killed between Exact's answer and the keychain (kill
// -9, a cron or CI timeout, a closed terminal, a kill of its whole process
// group) would lose the chain. The caller starts itself as a helper instead,
// in a session (unix) or process group (Windows) of its own with no tie to
// the caller's terminal, and waits for it. If the caller dies, the helper
// goes on, saves the new refresh token under the chain lock and exits.
// docs/killed-callers.md describes what can still kill it.
//
// The helper gets the connection's ID on its command line and nothing
// secret: it reads the keychain itself. Its stdin and stdout are pipes to
// the caller only: the end of stdin tells it that the caller stopped
// waiting, and it answers on stdout with one helperResult. Its log goes to
// helperLog in the configuration folder.

// helperCommand is the hidden subcommand that runs a one-shot refresh.
const helperCommand = "__refresh"

// helperLog is the helper's log file in the configuration folder, and
// helperLogMax the size beyond which it starts afresh (the old one is kept
// as helperLog + ".old").
const (
	helperLog    = "refresh-helper.log"
	helperLogMax = 512 << 10
)

// helperResult is a helper's answer. Token is the access token (its JSON
// holds no refresh token); Code and Error are the exit code and sentence
// the caller reports when the visit failed.
type helperResult struct {
	Code  int         `json:"code"`
	Error string      `json:"error,omitempty"`
	Kind  string      `json:"kind,omitempty"` // errtext.Kind, for the caller's sentence
	Token exact.Token `json:"token"`
}

// helperError is a helper's failure as the caller reports it: the same
// sentence, the same exit code.
type helperError struct {
	code int
	msg  string
	kind string
}

func (h helperError) Error() string { return h.msg }

// Is maps the exit code back to the error that report turns into it.
func (h helperError) Is(target error) bool {
	switch h.code {
	case ExitReconnect:
		return target == keeper.ErrNeedsReconnect
	case ExitAttention:
		return target == keeper.ErrWrongSecret
	}
	return false
}

// errNoHelper means the helper could not be started at all; errNoAnswer
// that it ended without answering.
var (
	errNoHelper = errors.New("the refresh helper could not be started")
	errNoAnswer = errors.New("the refresh helper ended without an answer")
)

// oneShotToken is a valid access token of a connection when no keeper runs:
// the cached one when it is still good, else one that a helper process
// refreshed and saved. wait bounds how long the helper waits for another
// process's refresh (the chain lock) or for Exact's refresh window. now is
// the owner's own `refresh` (keeper.RefreshNow), which may spend the last
// of Exact's errors an hour; otherwise it is keeper.Token.
func (e *Env) oneShotToken(ctx context.Context, st *store.Store, name string, wait time.Duration, now bool) (tok exact.Token, err error) {
	o := e.options(st)
	defer func() {
		// Nothing retries after this process: the sentence must not
		// promise it, and it names the connection for the command that
		// mends it.
		if err != nil {
			err = oneShotError{e.named(o, name, err)}
		}
	}()
	tok, ok, err := keeper.Cached(ctx, o, name)
	if err != nil || ok {
		return tok, err
	}
	if e.Vault != nil {
		// A vault of this process only (unit tests): no helper can see it.
		return inProcess(ctx, o, name, now)
	}
	conn, err := keeper.Find(o, name)
	if err != nil {
		return exact.Token{}, err
	}
	tok, err = runHelper(ctx, st, conn, wait, now)
	switch {
	case errors.Is(err, errNoHelper):
		fmt.Fprintln(e.Stderr, e.tf("cli.note.in-process", map[string]any{"Detail": sentence(err)}))
		return inProcess(ctx, o, conn.ID, now)
	case errors.Is(err, errNoAnswer):
		// It may have saved a new token before it died.
		if cached, ok, _ := keeper.Cached(context.WithoutCancel(ctx), o, conn.ID); ok {
			return cached, nil
		}
	}
	return tok, err
}

// runHelper starts the helper for conn and waits for its answer. The
// helper's stdin is a pipe from this process: when ctx ends (a signal,
// --timeout) or this process dies, the pipe closes and the helper stops
// waiting for another process's refresh, but one it has sent to Exact it
// finishes and saves. This process waits for that too, so that a service
// manager that kills what is left once the main process ended (systemd's
// KillMode=mixed) finds nothing left.
func runHelper(ctx context.Context, st *store.Store, conn store.Connection, wait time.Duration, now bool) (exact.Token, error) {
	exe, err := os.Executable()
	if err != nil {
		return exact.Token{}, fmt.Errorf("%w (%v)", errNoHelper, err)
	}
	stdin, keepOn, err := os.Pipe()
	if err != nil {
		return exact.Token{}, fmt.Errorf("%w (%v)", errNoHelper, err)
	}
	defer keepOn.Close()
	logPath := filepath.Join(st.Dir, helperLog)
	logf := openHelperLog(logPath)
	var out bytes.Buffer
	cmd, err := startDetached(func() *exec.Cmd {
		args := []string{helperCommand, "--timeout", wait.String()}
		if now {
			args = append(args, "--now")
		}
		c := exec.Command(exe, append(args, "--", conn.ID)...)
		c.Env = append(os.Environ(), "EXACTKEEPER_HOME="+st.Dir)
		c.Dir = st.Dir
		c.Stdin = stdin
		c.Stdout = &out // a pipe that only this process reads
		if logf != nil {
			c.Stderr = logf
		}
		return c
	})
	stdin.Close() // the helper has its own handles
	if logf != nil {
		logf.Close()
	}
	if err != nil {
		return exact.Token{}, fmt.Errorf("%w (%v)", errNoHelper, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		keepOn.Close()
		waitErr = <-done
	}
	var res helperResult
	if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil {
		return exact.Token{}, fmt.Errorf("%s: %w (%v); its log is %s", conn.Name, errNoAnswer, firstErr(waitErr, jerr), logPath)
	}
	if res.Code != ExitOK {
		return exact.Token{}, helperError{code: res.Code, msg: res.Error, kind: res.Kind}
	}
	return res.Token, nil
}

// inProcess is the one-shot visit in this process.
func inProcess(ctx context.Context, o keeper.Options, nameOrID string, now bool) (exact.Token, error) {
	if now {
		return keeper.RefreshNow(ctx, o, nameOrID)
	}
	return keeper.Token(ctx, o, nameOrID)
}

// firstErr is the first non-nil error.
func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// openHelperLog opens the helper's log for appending, starting afresh when it
// grew large; nil when it cannot be written (the helper then logs nowhere).
func openHelperLog(path string) *os.File {
	if fi, err := os.Stat(path); err == nil && fi.Size() > helperLogMax {
		_ = os.Rename(path, path+".old")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil
	}
	return f
}

// cmdHelper is the helper, `exactkeeperctl __refresh [--timeout D] [--now]
// -- CONN-ID`: one visit to the chain under its lock (a refresh when needed
// and allowed, the new refresh token saved before anything else), its
// answer on stdout. A signal, the timeout or the end of stdin (the caller
// stopped waiting or died) ends only the waiting for another process's
// refresh or for Exact's window: a refresh that was sent is finished and
// saved.
func cmdHelper(ctx context.Context, e *Env, args []string) error {
	fs := newFlags(e, helperCommand)
	timeout := fs.Duration("timeout", time.Minute, "give up waiting for another process's refresh or Exact's refresh window after this long")
	now := fs.Bool("now", false, "the owner's own refresh (keeper.RefreshNow)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s needs one connection ID", helperCommand)
	}
	st, err := e.store()
	if err != nil {
		return err
	}
	o := e.options(st)
	o.Logger = slog.New(slog.NewTextHandler(e.Stderr, nil)).With("helper", os.Getpid())
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	go func() {
		// The caller closes stdin when it stops waiting, or dies.
		_, _ = io.Copy(io.Discard, e.Stdin)
		cancel()
	}()
	o.Logger.Info("one-shot refresh", "connection", pos[0])
	tok, err := inProcess(ctx, o, pos[0], *now)
	res := helperResult{Token: tok}
	if err != nil {
		res = helperResult{Code: e.report(io.Discard, err), Error: sentence(err), Kind: string(kindOf(err))}
		o.Logger.Info("one-shot refresh failed", "connection", pos[0], "error", res.Error)
	} else {
		o.Logger.Info("one-shot refresh done", "connection", pos[0], "access_expiry", tok.Expiry)
	}
	// The caller may be gone: the write then fails, which changes nothing.
	_ = json.NewEncoder(e.Stdout).Encode(res)
	if err != nil {
		return helperError{code: res.Code, msg: res.Error, kind: res.Kind}
	}
	return nil
}
