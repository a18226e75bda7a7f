package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// maxFileSize is the most load reads of one file. Exact Keeper writes a few
// kilobytes even with many connections and delegations; anything near this
// is not its file, and reading it whole could exhaust memory.
const maxFileSize = 4 << 20

// ErrTooLarge means a file is larger than Exact Keeper ever writes it; it is
// refused unread (a *CorruptError wraps it).
var ErrTooLarge = fmt.Errorf("it is larger than %d MiB, far more than Exact Keeper ever writes", maxFileSize>>20)

// goodSuffix names the copy of a file from its last successful save.
const goodSuffix = ".good"

// damagedInfix names a damaged file that was set aside: state.json.damaged-<time>.
const damagedInfix = ".damaged-"

// testHookBeforeRename, when set (by tests only), runs in writeAtomic after
// the new content is written and synced to the temporary file and before it
// replaces the target; an error stops the write there.
var testHookBeforeRename func(tmp string) error

// load reads Dir/name, refusing files of a newer schema than version. found
// is false for a missing file, which is the zero T and no error.
func load[T any](s *Store, name string, version int) (v T, found bool, err error) {
	path := filepath.Join(s.Dir, name)
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return v, false, nil
	}
	if errors.Is(err, ErrTooLarge) {
		return v, true, &CorruptError{Path: path, Err: err}
	}
	if err != nil {
		return v, true, fmt.Errorf("cannot read %s (%v): check that it belongs to you", path, err)
	}
	if len(data) == 0 {
		return v, true, &CorruptError{Path: path, Err: errEmpty}
	}
	// The version first: a newer schema may not decode into T, and then the
	// user must hear "update", not "damaged".
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return v, true, &CorruptError{Path: path, Err: err}
	}
	if head.Version > version {
		return v, true, fmt.Errorf("%s was %w (file version %d; this one reads up to version %d): update Exact Keeper to go on; the file is left as it is",
			path, ErrNewerVersion, head.Version, version)
	}
	if head.Version < 0 {
		return v, true, &CorruptError{Path: path, Err: fmt.Errorf("version %d is impossible", head.Version)}
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, true, &CorruptError{Path: path, Err: err}
	}
	return v, true, nil
}

// readFile reads path whole unless it is larger than maxFileSize, in which
// case it reads no more than one byte past the limit.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The size is only a hint (a file can grow, a pipe has none); the
	// limited read below is what holds.
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > maxFileSize {
		return nil, ErrTooLarge
	}
	return readAtMost(f, maxFileSize)
}

// readAtMost reads r to its end, or fails with ErrTooLarge after limit+1
// bytes without reading further.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, ErrTooLarge
	}
	return data, nil
}

// goodCopy is the path of name's last good copy when it exists and reads
// cleanly as a T, or "".
func goodCopy[T any](s *Store, name string, version int) string {
	if _, found, err := load[T](s, name+goodSuffix, version); !found || err != nil {
		return ""
	}
	return filepath.Join(s.Dir, name+goodSuffix)
}

// update is the read-modify-write of Dir/name under its file lock. With
// recoverable, a damaged file is set aside and replaced by its last good
// copy (see recoverFile) instead of stopping the update.
func update[T any](s *Store, name string, version int, recoverable bool, fn func(*T) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), fileLockWait)
	defer cancel()
	unlock, err := s.lock(ctx, name+".lock", name)
	if err != nil {
		return err
	}
	defer unlock()
	// Holding the lock, no other writer of this file is at work, so any
	// temporary file of it is what a crashed writer left behind.
	removeLeftovers(s.Dir, name)

	// Re-read under the lock: another process may have written since the
	// caller last looked.
	v, _, err := load[T](s, name, version)
	var ce *CorruptError
	if errors.As(err, &ce) {
		if !recoverable {
			ce.Good = goodCopy[T](s, name, version)
			return err
		}
		v, err = recoverFile[T](s, name, version, ce)
	}
	if err != nil {
		return err
	}
	if err := fn(&v); err != nil {
		return err
	}
	data, err := encode(v)
	if err != nil {
		return fmt.Errorf("cannot encode %s: %w", name, err)
	}
	path := filepath.Join(s.Dir, name)
	if err := writeAtomic(path, data); err != nil {
		return saveError(path, err)
	}
	// The saved content is also the last good copy. Failing to write that
	// copy must not report the save as failed: the file itself is safe, and
	// the copy catches up with the next save.
	_ = writeAtomic(path+goodSuffix, data)
	return nil
}

func encode(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

func saveError(path string, err error) error {
	return fmt.Errorf("cannot save %s (%v): check that the disk is not full and the folder is writable", path, err)
}

// recoverFile handles a damaged Dir/name found under its lock: it keeps the
// damaged file aside, puts the last good copy (or, without a usable one, an
// empty file) in its place, tells s.Notify, and returns what it put there.
// A good copy of a newer version stops it, as a newer file would.
func recoverFile[T any](s *Store, name string, version int, damage *CorruptError) (T, error) {
	var zero T
	path := filepath.Join(s.Dir, name)
	v, found, err := load[T](s, name+goodSuffix, version)
	from := path + goodSuffix
	switch {
	case errors.Is(err, ErrNewerVersion):
		return zero, err
	case err != nil || !found:
		v, from = zero, ""
	}
	data, err := encode(v)
	if err != nil {
		return zero, fmt.Errorf("cannot encode %s: %w", name, err)
	}
	aside, err := setAside(path, s.clock())
	if err != nil {
		return zero, fmt.Errorf("%s is damaged and could not be kept aside (%v): move it away to start over", path, err)
	}
	if err := writeAtomic(path, data); err != nil {
		return zero, saveError(path, err)
	}
	n := Notice{File: path, KeptAs: aside, From: from, Err: damage.Err}
	if s.Notify != nil {
		s.Notify(n)
	} else {
		slog.Warn(n.String())
	}
	return v, nil
}

func (s *Store) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// Notice tells that a damaged file was set aside and what Exact Keeper went
// on with. It holds no secret: state.json has none.
type Notice struct {
	File   string // the damaged file, now repaired
	KeptAs string // where the damaged content is kept
	From   string // the good copy the file went back to; "" when it started empty
	Err    error  // what was wrong with the file
}

// String is one sentence for the user.
func (n Notice) String() string {
	base := filepath.Base(n.File)
	if n.From != "" {
		return fmt.Sprintf("%s was damaged (%s), so Exact Keeper went back to the copy from its last good save and goes on; the damaged file is kept as %s.",
			base, describeJSONError(n.Err), n.KeptAs)
	}
	return fmt.Sprintf("%s was damaged (%s) and there was no good copy to go back to, so Exact Keeper started it afresh and goes on (a reminder may come again); the damaged file is kept as %s.",
		base, describeJSONError(n.Err), n.KeptAs)
}

// setAside keeps the file at path under a name of its own next to it,
// path.damaged-<UTC time>[-n], and returns that name. path itself stays in
// place until the caller replaces it, so a crash in between loses nothing.
func setAside(path string, now time.Time) (string, error) {
	stamp := path + damagedInfix + now.UTC().Format("20060102T150405Z")
	for i := 1; ; i++ {
		aside := stamp
		if i > 1 {
			aside += "-" + strconv.Itoa(i)
		}
		err := os.Link(path, aside)
		if err == nil {
			return aside, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue // an earlier damage in the same second
		}
		// Some file systems have no hard links: copy instead.
		err = copyFile(path, aside)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return aside, nil
	}
}

// copyFile copies src to a new file dst (0600), streaming, so a damaged
// file of any size can be kept.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(dst)
		}
	}()
	if _, err = io.Copy(out, in); err != nil {
		return err
	}
	return out.Sync()
}

// removeLeftovers removes the temporary files of name and of its good copy
// that a writer which crashed before its rename left in dir. Call it only
// under name's lock.
func removeLeftovers(dir, name string) {
	for _, pattern := range []string{"." + name + ".tmp-*", "." + name + goodSuffix + ".tmp-*"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			_ = os.Remove(m)
		}
	}
}

// writeAtomic replaces path with data so that readers, and the file after a
// crash, see either the old or the new content, never a mix.
func writeAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*") // mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if testHookBeforeRename != nil {
		if err = testHookBeforeRename(tmp); err != nil {
			return err
		}
	}
	if err = replaceFile(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every OS can sync a directory, and
	// the data is already safe in the file, so this is best effort.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
