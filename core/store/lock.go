package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// ErrLocked means another process (or goroutine) held the lock until the
// caller stopped waiting.
var ErrLocked = errors.New("another Exact Keeper process holds the lock")

// lockPoll is how often a waiting Lock tries again. Locks are held for the
// length of one refresh at most, so a short poll keeps waiters prompt.
const lockPoll = 10 * time.Millisecond

// validLockName keeps names inside Dir/locks and apart from the locks of
// the files, which contain a dot: 1 to 100 letters, digits, '-' and '_'. A
// loop rather than a regexp: `[…]{1,100}` compiled at every start of every
// program, `exactkeeperctl token` included, at 1,300 allocations the
// largest package init of the command line (docs/performance.md).
func validLockName(name string) bool {
	if len(name) < 1 || len(name) > 100 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Lock takes the named cross-process lock (e.g. "chain-<id>"), waiting until
// ctx ends. The returned func releases it and may be called more than once.
// Names are letters, digits, '-' and '_'. The lock excludes other processes
// and other goroutines of this one alike; it is not reentrant.
func (s *Store) Lock(ctx context.Context, name string) (unlock func(), err error) {
	if !validLockName(name) {
		return nil, fmt.Errorf("invalid lock name %q: use letters, digits, '-' and '_'", name)
	}
	return s.lock(ctx, name+".lock", name)
}

// lock takes Dir/locks/file. Each call opens the file anew: flock and
// LockFileEx lock per open file, which is what makes goroutines of one
// process exclude each other as well.
func (s *Store) lock(ctx context.Context, file, what string) (func(), error) {
	dir := filepath.Join(s.Dir, locksDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the lock folder %s (%v): check that you may write there", dir, err)
	}
	path := filepath.Join(dir, file)
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, lockPoll)
	if !ok && ctx.Err() != nil {
		_ = fl.Close()
		return nil, fmt.Errorf("%w on %s; wait for it to finish or quit the other Exact Keeper (%w)", ErrLocked, what, ctx.Err())
	}
	if err != nil || !ok {
		_ = fl.Close()
		return nil, fmt.Errorf("cannot take the lock %s (%v): check that you may write in %s", path, err, dir)
	}
	var once sync.Once
	return func() { once.Do(func() { _ = fl.Unlock() }) }, nil
}
