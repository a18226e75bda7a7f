package keeperapp

import (
	"os"
	"path/filepath"
	"time"

	"github.com/exactkeeper/exactkeeper/core/store"
)

// filesMaxAge is how long a read of config.json and state.json is trusted
// without looking at their content: a file system with coarse timestamps
// (FAT keeps 2 s) could hide a rewrite of the same size within one stamp.
const filesMaxAge = 10 * time.Minute

// files is the loop's last read of config.json and state.json. The tray's
// tick (every 30 s) only needs them again when one changed: at 500
// connections each parse costs more than the rest of the tick together,
// and an idle keeper should stay idle (issue 13). A stat per file tells;
// store writes replace the file (new inode, new time), so a write is seen.
type files struct {
	dir string
	// load reads both files; the seam lets a test count the reads.
	load func() (store.Config, store.State, error)

	have      bool
	cfgStamp  stamp
	stStamp   stamp
	readAt    time.Time
	cfg       store.Config
	state     store.State
	cfgChange bool // config.json changed since the last successful reminder check
	// gen counts the reads: the tray's view is evaluated again after one.
	gen int
}

func newFiles(st *store.Store) *files {
	return &files{dir: st.Dir, load: func() (store.Config, store.State, error) {
		cfg, err := st.LoadConfig()
		if err != nil {
			return cfg, store.State{}, err
		}
		state, err := st.LoadState()
		return cfg, state, err
	}}
}

// stamp is what os.Stat tells of a file, enough to see that it changed.
type stamp struct {
	info os.FileInfo // nil: the file is missing (or unreadable)
}

func stampOf(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}
	}
	return stamp{info: fi}
}

func (s stamp) same(o stamp) bool {
	if s.info == nil || o.info == nil {
		return s.info == nil && o.info == nil
	}
	return s.info.Size() == o.info.Size() && s.info.ModTime().Equal(o.info.ModTime()) && os.SameFile(s.info, o.info)
}

// read returns config.json and state.json, read again only when either
// changed on disk since the last read or the last read is older than
// filesMaxAge at now. A failed read is not kept: the next call tries again.
func (f *files) read(now time.Time) (store.Config, store.State, error) {
	cs := stampOf(filepath.Join(f.dir, "config.json"))
	ss := stampOf(filepath.Join(f.dir, "state.json"))
	if f.have && cs.same(f.cfgStamp) && ss.same(f.stStamp) && now.Sub(f.readAt) < filesMaxAge && !now.Before(f.readAt) {
		return f.cfg, f.state, nil
	}
	cfg, state, err := f.load()
	if err != nil {
		f.have = false
		return cfg, state, err
	}
	if !f.have || !cs.same(f.cfgStamp) {
		f.cfgChange = true
	}
	f.have, f.cfgStamp, f.stStamp, f.readAt, f.cfg, f.state = true, cs, ss, now, cfg, state
	f.gen++
	return cfg, state, nil
}
