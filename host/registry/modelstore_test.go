package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newTestStore(t *testing.T, dir string, now func() time.Time) *modelStore {
	t.Helper()
	m, err := openModelStore(dir, 1<<50, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestModelStoreParts: an upload in parts takes them in order only,
// answers a part with no data with what it holds, refuses bad parts with
// a clear error, and verifies the whole before it serves it.
func TestModelStoreParts(t *testing.T) {
	dir := t.TempDir()
	m := newTestStore(t, dir, time.Now)
	file := bytes.Repeat([]byte("0123456789"), 1000)
	sha, size := shaHex(file), int64(len(file))

	if have, done, err := m.put(sha, size, 0, file[:3000]); err != nil || have != 3000 || done {
		t.Fatalf("first part: %d %v %v", have, done, err)
	}
	if have, _, err := m.put(sha, size, 5000, file[5000:6000]); !errors.Is(err, ErrPartOrder) || have != 3000 {
		t.Fatalf("a part past what is staged: %d %v", have, err)
	}
	if have, done, err := m.put(sha, size, 0, nil); err != nil || have != 3000 || done {
		t.Fatalf("asking: %d %v %v", have, done, err)
	}
	for _, bad := range []struct {
		name      string
		size, off int64
		data      []byte
	}{
		{"over the file cap", 2 << 50, 0, nil},
		{"a part over the part cap", 64 << 20, 0, make([]byte, maxModelPart+1)},
		{"a part past the end", size, size - 10, file[:20]},
		{"a negative offset", size, -1, file[:20]},
		{"another size, mid-file", size + 1, 3000, file[3000:4000]},
	} {
		if _, _, err := m.put(sha, bad.size, bad.off, bad.data); err == nil {
			t.Fatalf("%s: taken", bad.name)
		}
	}
	if _, _, err := m.put(shaHex([]byte("huge")), 1<<50, 0, file[:10]); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "free (") {
		t.Fatalf("a file larger than the free disk: %v", err)
	}
	if _, err := m.manifest(sha); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("served before complete: %v", err)
	}
	if have, done, err := m.put(sha, size, 3000, file[3000:]); err != nil || have != size || !done {
		t.Fatalf("last part: %d %v %v", have, done, err)
	}
	got, n, err := m.read(sha, 9990, 100)
	if err != nil || n != size || string(got) != "0123456789" {
		t.Fatalf("the last 10 bytes: %q of %d, %v", got, n, err)
	}
	if _, _, err := m.read(sha, size+1, 1); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("a range past the end: %v", err)
	}
	if have, done, err := m.put(sha, size, 0, nil); err != nil || have != size || !done {
		t.Fatalf("asking after: %d %v %v", have, done, err)
	}
	if m.uploads() != 0 {
		t.Fatalf("%d uploads still staged", m.uploads())
	}

	// Bytes that are not the file's: refused at the end, and dropped.
	other := bytes.Repeat([]byte("x"), 100)
	wrong := shaHex([]byte("something else, 100 bytes long ............................................"))
	if _, _, err := m.put(wrong, 100, 0, other); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("wrong bytes: %v", err)
	}
	if _, err := os.Stat(m.path(wrong)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("wrong bytes kept under the hash: %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, ".staging")); len(ents) != 0 || m.uploads() != 0 {
		t.Fatalf("staging holds %d files, %d uploads", len(ents), m.uploads())
	}

	// An upload declaring another size is staged apart: it cannot erase
	// the first one's progress.
	if _, _, err := m.put(wrong, 100, 0, other[:50]); err != nil {
		t.Fatal(err)
	}
	if have, _, err := m.put(wrong, 200, 0, other[:10]); err != nil || have != 10 {
		t.Fatalf("another size: %d %v", have, err)
	}
	if have, _, err := m.put(wrong, 100, 0, nil); err != nil || have != 50 {
		t.Fatalf("the first upload after another size's: %d %v", have, err)
	}

	// An empty file, whole in one message.
	empty := shaHex(nil)
	if have, done, err := m.put(empty, 0, 0, nil); err != nil || have != 0 || !done {
		t.Fatalf("empty file: %d %v %v", have, done, err)
	}
}

// TestModelStoreResumes: an upload interrupted by a restart continues
// after the part on disk.
func TestModelStoreResumes(t *testing.T) {
	dir := t.TempDir()
	file := bytes.Repeat([]byte("abc"), 5000)
	sha, size := shaHex(file), int64(len(file))
	if _, _, err := newTestStore(t, dir, time.Now).put(sha, size, 0, file[:4000]); err != nil {
		t.Fatal(err)
	}
	m := newTestStore(t, dir, time.Now) // the node restarted
	have, done, err := m.put(sha, size, 0, nil)
	if err != nil || have != 4000 || done {
		t.Fatalf("after a restart: %d %v %v", have, done, err)
	}
	if _, done, err := m.put(sha, size, have, file[have:]); err != nil || !done {
		t.Fatalf("resumed: %v %v", done, err)
	}
	if got, _, _ := m.read(sha, 0, size); !bytes.Equal(got, file) {
		t.Fatal("other bytes after the resumed upload")
	}
}

// TestModelStoreLimits: at most maxStages uploads at once; an idle one,
// and a part left on disk by a restart, are dropped by prune.
func TestModelStoreLimits(t *testing.T) {
	dir := t.TempDir()
	now := time.Now() // prune compares files' times with it too
	m := newTestStore(t, dir, func() time.Time { return now })
	for i := range maxStages {
		if _, _, err := m.put(shaHex([]byte{byte(i)}), 10, 0, []byte{1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := m.put(shaHex([]byte("one more")), 10, 0, []byte{1}); !errors.Is(err, ErrBusy) {
		t.Fatalf("upload %d: %v, want ErrBusy", maxStages+1, err)
	}
	if have, done, err := m.put(shaHex([]byte("only asking")), 10, 0, nil); err != nil || have != 0 || done || m.uploads() != maxStages {
		t.Fatalf("asking with every slot taken: %d %v %v, %d uploads", have, done, err, m.uploads())
	}
	orphan := filepath.Join(dir, ".staging", shaHex([]byte("orphan"))+".fetch")
	if err := os.WriteFile(orphan, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * stageIdle)
	if err := os.Chtimes(orphan, old, old); err != nil {
		t.Fatal(err)
	}
	now = now.Add(stageIdle + time.Minute)
	m.prune(now.Add(-stageIdle))
	if ents, _ := os.ReadDir(filepath.Join(dir, ".staging")); len(ents) != 0 || m.uploads() != 0 {
		t.Fatalf("after prune: %d files, %d uploads", len(ents), m.uploads())
	}
	if _, _, err := m.put(shaHex([]byte("one more")), 10, 0, []byte{1}); err != nil {
		t.Fatalf("after prune: %v", err)
	}
}

// TestModelFilesMigrate: model files an older state file kept in bbolt
// move to the store, and the bucket goes.
func TestModelFilesMigrate(t *testing.T) {
	dir := t.TempDir()
	db, err := bbolt.Open(filepath.Join(dir, "registry.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	good := []byte(`{"files":{}}`)
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket(bucketModelFiles)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(shaHex(good)), good); err != nil {
			return err
		}
		return b.Put([]byte(shaHex([]byte("x"))), []byte("not x"))
	})
	if err != nil {
		t.Fatal(err)
	}
	m := newTestStore(t, filepath.Join(dir, "modelfiles"), time.Now)
	if err := migrateModelFiles(db, m); err != nil {
		t.Fatal(err)
	}
	if got, err := m.manifest(shaHex(good)); err != nil || !bytes.Equal(got, good) {
		t.Fatalf("migrated file: %q %v", got, err)
	}
	if _, err := m.manifest(shaHex([]byte("x"))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a value that is not its key's: %v", err)
	}
	_ = db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketModelFiles) != nil {
			t.Error("the old bucket is still there")
		}
		return nil
	})
	if err := migrateModelFiles(db, m); err != nil {
		t.Fatalf("again: %v", err)
	}
}
