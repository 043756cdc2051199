package plugins

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the plugin store.
var (
	bucketWasm     = []byte("plugin_wasm")      // sha256 -> module as uploaded
	bucketManifest = []byte("plugin_manifests") // sha256 -> manifest JSON
	bucketActive   = []byte("subnet_active")    // subnet -> ActiveSet JSON (current)
	bucketHistory  = []byte("subnet_history")   // subnet/seq -> ActiveSet JSON (every activation)
)

// ErrNotFound is a plugin or subnet the store does not have.
var ErrNotFound = errors.New("not found")

// Store keeps plugins content-addressed and each subnet's active set, with
// its history for rollback, in a bbolt file. Safe for concurrent use.
type Store struct {
	db *bolt.DB
}

// OpenStore opens (creating) the store at path.
func OpenStore(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open plugin store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketWasm, bucketManifest, bucketActive, bucketHistory} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init plugin store: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Put stores a module under its hash with its manifest. The manifest must
// already have been checked against it (Manifest.Check).
func (s *Store) Put(wasm []byte, m Manifest) error {
	if m.SHA256 != HashWasm(wasm) {
		return fmt.Errorf("%w: store %s: hash mismatch", ErrBadManifest, m.ID())
	}
	mb, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		key := []byte(m.SHA256)
		if err := tx.Bucket(bucketWasm).Put(key, wasm); err != nil {
			return err
		}
		return tx.Bucket(bucketManifest).Put(key, mb)
	})
}

// Get returns a stored module and its manifest.
func (s *Store) Get(sha256 string) ([]byte, Manifest, error) {
	var wasm []byte
	var m Manifest
	err := s.db.View(func(tx *bolt.Tx) error {
		w := tx.Bucket(bucketWasm).Get([]byte(sha256))
		mb := tx.Bucket(bucketManifest).Get([]byte(sha256))
		if w == nil || mb == nil {
			return fmt.Errorf("plugin %s: %w", sha256, ErrNotFound)
		}
		wasm = append([]byte(nil), w...)
		return json.Unmarshal(mb, &m)
	})
	return wasm, m, err
}

// Manifests lists every stored manifest.
func (s *Store) Manifests() ([]Manifest, error) {
	var out []Manifest
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketManifest).ForEach(func(_, v []byte) error {
			var m Manifest
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	})
	return out, err
}

// SaveActive records set as its subnet's active set and appends it to the
// subnet's history, in one transaction.
func (s *Store) SaveActive(set ActiveSet) error {
	b, err := json.Marshal(set)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketActive).Put([]byte(set.Subnet), b); err != nil {
			return err
		}
		hist, err := tx.Bucket(bucketHistory).CreateBucketIfNotExists([]byte(set.Subnet))
		if err != nil {
			return err
		}
		seq, err := hist.NextSequence()
		if err != nil {
			return err
		}
		return hist.Put(fmt.Appendf(nil, "%020d", seq), b)
	})
}

// Active returns a subnet's active set.
func (s *Store) Active(subnet string) (ActiveSet, error) {
	var set ActiveSet
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketActive).Get([]byte(subnet))
		if b == nil {
			return fmt.Errorf("subnet %q: %w", subnet, ErrNotFound)
		}
		return json.Unmarshal(b, &set)
	})
	return set, err
}

// History returns every set a subnet has activated, oldest first.
func (s *Store) History(subnet string) ([]ActiveSet, error) {
	var out []ActiveSet
	err := s.db.View(func(tx *bolt.Tx) error {
		hist := tx.Bucket(bucketHistory).Bucket([]byte(subnet))
		if hist == nil {
			return fmt.Errorf("subnet %q: %w", subnet, ErrNotFound)
		}
		return hist.ForEach(func(_, v []byte) error {
			var set ActiveSet
			if err := json.Unmarshal(v, &set); err != nil {
				return err
			}
			out = append(out, set)
			return nil
		})
	})
	return out, err
}
