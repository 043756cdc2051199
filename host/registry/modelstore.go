package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// Model file limits.
const (
	maxModelPart      = 16 << 20 // one upload part or GetModelFile range
	defaultModelRange = 3 << 20  // a range asked without a limit: fits gRPC's default 4 MiB message
	maxBundleManifest = 4 << 20  // a bundle manifest this node reads
	maxStages         = 16       // uploads in progress at once
	stageIdle         = time.Hour
)

// modelStore keeps model bundle files on disk by sha256: dir/<sha> is a
// complete, verified file; dir/.staging holds uploads in progress
// (<sha>.<size>) and fetches from peers (<sha>.fetch). A file is written
// only under .staging and renamed into place whole, so a crash leaves a
// part to resume or expire, never a wrong file under a hash.
type modelStore struct {
	dir     string
	maxFile int64
	now     func() time.Time
	added   func(sha string) // a file became complete (to announce it)

	mu     sync.Mutex
	stages map[string]*stage // stageKey -> upload in progress
}

// stage is an upload in progress. mu orders its writes; the table's lock
// (modelStore.mu) reads only the atomics, so it never waits on a write.
type stage struct {
	mu      sync.Mutex
	size    int64
	h       hash.Hash    // of the bytes staged; nil until read back from disk
	have    atomic.Int64 // bytes staged
	touched atomic.Int64 // unix ns of the last part
	gone    atomic.Bool  // completed or dropped; a holder starts again
}

func openModelStore(dir string, maxFile int64, now func() time.Time, added func(string)) (*modelStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, ".staging"), 0o755); err != nil {
		return nil, fmt.Errorf("model file store: %w", err)
	}
	return &modelStore{dir: dir, maxFile: maxFile, now: now, added: added, stages: map[string]*stage{}}, nil
}

func (m *modelStore) path(sha string) string { return filepath.Join(m.dir, sha) }

func (m *modelStore) stagePath(sha string, size int64) string {
	return filepath.Join(m.dir, ".staging", stageKey(sha, size))
}

// fetchPath is where a fetch from peers writes sha; adopt moves it in.
func (m *modelStore) fetchPath(sha string) string {
	return filepath.Join(m.dir, ".staging", sha+".fetch")
}

// open opens a complete file; fs.ErrNotExist (wrapped) when there is none.
func (m *modelStore) open(sha string) (*os.File, int64, error) {
	f, err := os.Open(m.path(sha))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// read returns up to limit bytes of a complete file from off, and the
// file's size.
func (m *modelStore) read(sha string, off, limit int64) ([]byte, int64, error) {
	f, size, err := m.open(sha)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	if off > size {
		return nil, size, fmt.Errorf("%w: offset %d is past the end of %s (%d bytes)", ErrBadRequest, off, sha, size)
	}
	buf := make([]byte, min(limit, size-off))
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	return buf, size, nil
}

// manifest reads a complete file small enough to be a bundle manifest.
func (m *modelStore) manifest(sha string) ([]byte, error) {
	data, size, err := m.read(sha, 0, maxBundleManifest)
	if err == nil && size > maxBundleManifest {
		return nil, fmt.Errorf("%w: manifest %s is %d bytes, more than %d", ErrBadRequest, sha, size, maxBundleManifest)
	}
	return data, err
}

// put stages an upload's part of size bytes at off and returns how much
// of the file is staged and whether it is complete (verified and in
// place). A part with no data only asks, and stages nothing. Uploads
// declaring different sizes for one sha are staged apart (only one can
// verify), so a wrong declaration cannot erase another's progress.
func (m *modelStore) put(sha string, size, off int64, data []byte) (int64, bool, error) {
	switch {
	case size < 0 || size > m.maxFile:
		return 0, false, fmt.Errorf("%w: a model file of %d bytes (at most %d)", ErrBadRequest, size, m.maxFile)
	case len(data) > maxModelPart:
		return 0, false, fmt.Errorf("%w: a part of %d bytes (at most %d)", ErrBadRequest, len(data), maxModelPart)
	case off < 0 || off > size-int64(len(data)):
		return 0, false, fmt.Errorf("%w: a part of %d bytes at %d of a %d-byte file", ErrBadRequest, len(data), off, size)
	}
	key := stageKey(sha, size)
	for {
		// What is staged, then whether the file is whole: a completion in
		// between is seen by the second.
		have := m.staged(key, size)
		if fi, err := os.Stat(m.path(sha)); err == nil {
			return fi.Size(), true, nil
		}
		switch {
		case len(data) == 0 && size > 0 && have < size:
			return have, false, nil
		case len(data) > 0 && off != have:
			// Refused before it takes an upload's slot.
			return have, false, fmt.Errorf("%w: a part at offset %d, but %d bytes of %s are staged: send from there", ErrPartOrder, off, have, sha)
		}
		// A part where the staged bytes end, or all of it staged: a
		// completion under way (wait for it) or one a crash cut short
		// (finish it).
		st, err := m.stage(key, size)
		if err != nil {
			return 0, false, err
		}
		have, done, err := m.putPart(st, sha, off, data)
		if done || err != nil {
			m.forget(key, st)
		}
		if errors.Is(err, errStageGone) {
			continue // completed or dropped meanwhile: look again
		}
		return have, done, err
	}
}

// stageKey names an upload: the file's sha256 and its declared size, as
// its part's file name in .staging.
func stageKey(sha string, size int64) string { return sha + "." + strconv.FormatInt(size, 10) }

// staged is how much of an upload is staged, without starting one: what
// the table says, or after a restart the part's length on disk.
func (m *modelStore) staged(key string, size int64) int64 {
	m.mu.Lock()
	st, ok := m.stages[key]
	m.mu.Unlock()
	if ok && !st.gone.Load() {
		return st.have.Load()
	}
	if fi, err := os.Stat(filepath.Join(m.dir, ".staging", key)); err == nil && fi.Size() <= size {
		return fi.Size()
	}
	return 0
}

// forget removes an ended upload from the table, if still there.
func (m *modelStore) forget(key string, st *stage) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st.gone.Load() && m.stages[key] == st {
		delete(m.stages, key)
	}
}

var errStageGone = errors.New("stage gone")

// freeMargin is disk space uploads leave to everything else (the state
// file, fetches, logs).
const freeMargin = 1 << 30

// stage returns the upload in progress under key, or starts one if there
// is room: at most maxStages at once, and what all of them still need
// must fit on the disk with freeMargin to spare. Nothing here waits for a
// stage's own lock (that is held through long writes and hashing).
func (m *modelStore) stage(key string, size int64) (*stage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st, ok := m.stages[key]; ok && !st.gone.Load() {
		return st, nil
	}
	if len(m.stages) >= maxStages {
		return nil, fmt.Errorf("%w: %d model file uploads in progress; try again later", ErrBusy, len(m.stages))
	}
	if free, err := m.free(); err == nil {
		need := size
		for _, st := range m.stages {
			need += st.size - st.have.Load()
		}
		if need > free-freeMargin {
			return nil, fmt.Errorf("%w: model file uploads need %d bytes and this node's disk has %d free (%d kept for the rest)", ErrBusy, need, free, freeMargin)
		}
	}
	st := &stage{size: size}
	st.touched.Store(m.now().UnixNano())
	m.stages[key] = st
	return st, nil
}

// free is the disk space left to the store, bytes.
func (m *modelStore) free() (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(m.dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// dropLocked forgets an upload and removes its part; m.mu held. A write
// under way ends in errStageGone or a failed rename, never in place.
func (m *modelStore) dropLocked(key string, st *stage) {
	delete(m.stages, key)
	st.gone.Store(true)
	_ = os.Remove(filepath.Join(m.dir, ".staging", key))
}

func (m *modelStore) putPart(st *stage, sha string, off int64, data []byte) (int64, bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone.Load() {
		return 0, false, errStageGone
	}
	p := m.stagePath(sha, st.size)
	if fi, err := os.Stat(m.path(sha)); err == nil { // completed by an upload just ended
		st.gone.Store(true)
		_ = os.Remove(p)
		return fi.Size(), true, nil
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	if st.h == nil { // new, or staged before a restart: read back what is there
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return 0, false, err
		}
		if n > st.size {
			if err := f.Truncate(0); err != nil {
				return 0, false, err
			}
			h.Reset()
			n = 0
		}
		st.h = h
		st.have.Store(n)
	}
	st.touched.Store(m.now().UnixNano())
	have := st.have.Load()
	if len(data) > 0 {
		if off != have {
			return have, false, fmt.Errorf("%w: a part at offset %d, but %d bytes of %s are staged: send from there", ErrPartOrder, off, have, sha)
		}
		if _, err := f.WriteAt(data, off); err != nil {
			return have, false, err
		}
		st.h.Write(data)
		have += int64(len(data))
		st.have.Store(have)
	}
	if have < st.size {
		return have, false, nil
	}
	// Complete: verify, then move into place. The stage is gone once the
	// file is in place or its part removed, not before: whoever sees it
	// gone finds one or the other (put forgets it).
	defer st.gone.Store(true)
	if got := hex.EncodeToString(st.h.Sum(nil)); got != sha {
		_ = os.Remove(p)
		return 0, false, fmt.Errorf("%w: the %d bytes uploaded hash to %s, not %s; upload the file again", ErrBadRequest, st.size, got, sha)
	}
	if err := f.Sync(); err != nil {
		_ = os.Remove(p)
		return 0, false, err
	}
	if err := m.adoptFrom(p, sha); err != nil {
		_ = os.Remove(p)
		return 0, false, err
	}
	return st.size, true, nil
}

// adopt moves a verified fetch from peers into place.
func (m *modelStore) adopt(sha string) error { return m.adoptFrom(m.fetchPath(sha), sha) }

func (m *modelStore) adoptFrom(p, sha string) error {
	if err := os.Rename(p, m.path(sha)); err != nil {
		return fmt.Errorf("save model file %s: %w", sha, err)
	}
	if d, err := os.Open(m.dir); err == nil { // the rename survives a crash
		_ = d.Sync()
		d.Close()
	}
	if m.added != nil {
		m.added(sha)
	}
	return nil
}

// putWhole stores a complete file held in memory (an old state file's).
func (m *modelStore) putWhole(sha string, data []byte) error {
	p := m.stagePath(sha, int64(len(data)))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	f.Close()
	if err != nil {
		return err
	}
	return m.adoptFrom(p, sha)
}

// prune drops uploads untouched since before, and parts on disk nothing
// has written since (left by a restart, or by a fetch from peers that
// ended; a fetch under way touches its part when it starts).
func (m *modelStore) prune(before time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key, st := range m.stages {
		if st.touched.Load() < before.UnixNano() {
			m.dropLocked(key, st)
		}
	}
	ents, err := os.ReadDir(filepath.Join(m.dir, ".staging"))
	if err != nil {
		return
	}
	for _, e := range ents {
		if _, active := m.stages[e.Name()]; active {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(before) {
			_ = os.Remove(filepath.Join(m.dir, ".staging", e.Name()))
		}
	}
}

// uploads is the number of uploads in progress.
func (m *modelStore) uploads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.stages)
}

// bucketModelFiles is where state files before the on-disk store kept
// model files (hex sha256 -> content); migrateModelFiles moves them out.
var bucketModelFiles = []byte("modelfiles")

func migrateModelFiles(db *bbolt.DB, m *modelStore) error {
	return db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketModelFiles)
		if b == nil {
			return nil
		}
		err := b.ForEach(func(k, v []byte) error {
			sum := sha256.Sum256(v)
			if hex.EncodeToString(sum[:]) != string(k) {
				return nil // not what its key says: nobody can use it
			}
			if _, err := os.Stat(m.path(string(k))); !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return m.putWhole(string(k), v)
		})
		if err != nil {
			return fmt.Errorf("move model files out of the state file: %w", err)
		}
		return tx.DeleteBucket(bucketModelFiles)
	})
}
