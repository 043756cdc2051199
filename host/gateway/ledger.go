package gateway

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"go.etcd.io/bbolt"
)

// Buckets of the ledger file.
var (
	bucketMeta     = []byte("meta")               // "format" -> ledgerFormat
	bucketRequests = []byte("requests")           // id -> record JSON
	bucketInFlight = []byte("inflight")           // id -> state name, for every non-terminal request
	bucketKeys     = []byte("idempotency")        // client|key -> id|params hash
	bucketExpiry   = []byte("idempotency-expiry") // terminal-at (unix ns, big endian)|client|key -> nothing
	bucketEnded    = []byte("ended")              // terminal-at (unix ns, big endian)|id -> nothing, until Prune drops its payloads
	bucketPruned   = []byte("pruned")             // terminal-at|id -> nothing, from Prune until Forget drops the record

	keyFormat    = []byte("format")
	keyBackfill  = []byte("pruned-backfill") // present: requests ended before the pruned index are not in it yet; value: the last id indexed
	ledgerFormat = []byte("ncn-gateway-ledger/1")
)

// Config configures a ledger. Only Path is required; every other zero value
// takes the default shown.
type Config struct {
	// Path is the bbolt file, created (mode 0600) if absent. Required.
	Path string

	// KeyTTL is how long an idempotency key stays bound to its request
	// once the request is terminal; Sweep forgets older ones, after which
	// the same key starts a new request. Keys of requests in flight never
	// expire. It is also how long a terminal request keeps its payloads
	// (input, result, signatures) before Prune drops them. Default 24h.
	KeyTTL time.Duration

	// Retention is how long a terminal request's record (state, history,
	// hashes, transactions) is kept; Forget deletes older ones, after
	// which the gateway no longer knows the request. At least KeyTTL.
	// Default 30 days.
	Retention time.Duration

	// BatchDelay, if positive, lets concurrent writes share one bbolt
	// transaction (bbolt's DB.Batch): a write made while another is in
	// progress waits up to this long for more to join, and all return
	// once the shared commit is on disk. A write alone commits at once:
	// under light load a request's dozen writes would each wait the
	// delay. Zero: every write is its own transaction.
	BatchDelay time.Duration

	// OpenTimeout is how long Open waits for the file lock when another
	// process has the file open. Default 1s.
	OpenTimeout time.Duration

	// Now is the clock for history times and key expiry. Default time.Now.
	Now func() time.Time
}

// Validate reports a config Open cannot use.
func (c *Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, errors.New("no ledger path"))
	}
	if c.KeyTTL < 0 || c.BatchDelay < 0 || c.OpenTimeout < 0 || c.Retention < 0 {
		errs = append(errs, errors.New("negative duration"))
	}
	if d := c.withDefaults(); d.Retention < d.KeyTTL {
		errs = append(errs, fmt.Errorf("retention %s is shorter than the idempotency key TTL %s", d.Retention, d.KeyTTL))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.KeyTTL == 0 {
		c.KeyTTL = 24 * time.Hour
	}
	if c.Retention == 0 {
		c.Retention = 30 * 24 * time.Hour
	}
	if c.OpenTimeout == 0 {
		c.OpenTimeout = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Ledger is the gateway's durable record of every request. It is safe for
// concurrent use; every method that changes a request returns only after
// the change is committed and synced to disk.
type Ledger struct {
	db         *bbolt.DB
	cfg        Config
	sweepChunk int          // keys removed per sweep transaction
	writers    atomic.Int32 // writes in progress: a batch is worth waiting for only when others write too
}

// Open opens the ledger file at cfg.Path, creating it if absent. A file of
// another format is refused with ErrFormat.
func Open(cfg Config) (*Ledger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gateway ledger config: %w", err)
	}
	cfg = cfg.withDefaults()
	// NoSync stays false and FreelistType default: every commit is
	// fsynced before Update returns, which is the whole point.
	db, err := bbolt.Open(cfg.Path, 0o600, &bbolt.Options{Timeout: cfg.OpenTimeout})
	if err != nil {
		return nil, fmt.Errorf("open gateway ledger %s: %w", cfg.Path, err)
	}
	if cfg.BatchDelay > 0 {
		db.MaxBatchDelay = cfg.BatchDelay
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta != nil {
			if f := meta.Get(keyFormat); !bytes.Equal(f, ledgerFormat) {
				return fmt.Errorf("%w: %q, want %q", ErrFormat, f, ledgerFormat)
			}
		} else {
			empty := true
			_ = tx.ForEach(func([]byte, *bbolt.Bucket) error { empty = false; return nil })
			if !empty {
				return fmt.Errorf("%w: a bbolt file without the ledger's format mark", ErrFormat)
			}
			meta, err := tx.CreateBucket(bucketMeta)
			if err != nil {
				return err
			}
			if err := meta.Put(keyFormat, ledgerFormat); err != nil {
				return err
			}
		}
		if reqs := tx.Bucket(bucketRequests); tx.Bucket(bucketPruned) == nil && reqs != nil && hasKeys(reqs) {
			// A file from before the pruned index: backfill (run by Forget) indexes the
			// requests that ended before it, so Forget sees them too.
			if err := tx.Bucket(bucketMeta).Put(keyBackfill, []byte{}); err != nil {
				return err
			}
		}
		for _, b := range [][]byte{bucketRequests, bucketInFlight, bucketKeys, bucketExpiry, bucketEnded, bucketPruned} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open gateway ledger %s: %w", cfg.Path, err)
	}
	return &Ledger{db: db, cfg: cfg, sweepChunk: sweepChunk}, nil
}

// Close closes the file. Writes in progress finish first.
func (l *Ledger) Close() error { return l.db.Close() }

func (l *Ledger) now() time.Time { return l.cfg.Now().UTC().Round(0) }

// errNoWrite ends a write transaction that turned out to change nothing.
var errNoWrite = errors.New("no write")

// write runs fn in a write transaction, batched with other callers' if
// Config.BatchDelay says so and others are writing. fn returns the caller's outcome (nil, a
// refusal, or errNoWrite) apart from storage errors: it must write only
// when its outcome is nil, so a refusal never rolls back the other writes
// of a batch. In a batch fn can run more than once (bbolt retries the
// others when one fails), each time in a fresh transaction.
func (l *Ledger) write(fn func(tx *bbolt.Tx) (outcome, err error)) error {
	var outcome error
	var err error
	concurrent := l.writers.Add(1) > 1
	defer l.writers.Add(-1)
	if l.cfg.BatchDelay > 0 && concurrent {
		err = l.db.Batch(func(tx *bbolt.Tx) error {
			var err error
			outcome, err = fn(tx)
			return err
		})
	} else {
		err = l.db.Update(func(tx *bbolt.Tx) error {
			var err error
			outcome, err = fn(tx)
			if err == nil && outcome != nil {
				return outcome // roll back: nothing to commit, nothing to fsync
			}
			return err
		})
		if outcome != nil && err == outcome {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("gateway ledger: %w", err)
	}
	if outcome == errNoWrite {
		return nil
	}
	return outcome
}

// keyIndex is the idempotency index key: keys are scoped to the client, so
// two clients never collide on, or learn about, each other's keys.
func keyIndex(client common.Address, key string) []byte {
	return append(client.Bytes(), key...)
}

// expiryKey orders idempotency keys by when their request became terminal,
// so Sweep reads only the ones due.
func expiryKey(terminal time.Time, idx []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(terminal.UnixNano())), idx...)
}

// Create records a new request in state quoted, bound to the client's
// idempotency key (rec.Client scopes it; "" binds none).
//
// If the client's key is already bound to a request with the same
// paramsHash, Create writes nothing and returns that request with
// existed true: a retried call finds its first attempt. If the key is
// bound to other parameters it returns ErrIdempotencyConflict. A request
// id the ledger already holds is ErrExists. The check and the write are
// one transaction, so of concurrent Creates with one key exactly one
// creates.
//
// rec carries the request's id, client, subnet, model and quote (and the
// compute node, if already reserved); Create sets IdempotencyKey,
// ParamsHash, State (quoted), History and Version itself.
func (l *Ledger) Create(key string, paramsHash common.Hash, rec Record) (Record, bool, error) {
	if rec.State != 0 && rec.State != StateQuoted {
		return Record{}, false, fmt.Errorf("%w: a new request is quoted, not %s", ErrInvalidRecord, rec.State)
	}
	rec = rec.clone()
	rec.IdempotencyKey, rec.ParamsHash = key, paramsHash
	rec.State, rec.Version = StateQuoted, 1
	rec.History = []Step{{StateQuoted, l.now()}}
	rec.LastError = cutError(rec.LastError)
	enc, err := encodeRecord(&rec)
	if err != nil {
		return Record{}, false, fmt.Errorf("create request: %w", err)
	}
	idx := keyIndex(rec.Client, key)

	// A retry usually finds its key: answer it without the write lock.
	if key != "" {
		var found Record
		err := l.db.View(func(tx *bbolt.Tx) error {
			var err error
			found, err = existing(tx, idx, paramsHash)
			return err
		})
		if err == nil {
			return found, true, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return Record{}, false, err
		}
	}

	var found Record
	err = l.write(func(tx *bbolt.Tx) (error, error) {
		if key != "" {
			r, err := existing(tx, idx, paramsHash)
			if err == nil {
				found = r
				return errNoWrite, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return err, nil
			}
		}
		found = Record{}
		reqs := tx.Bucket(bucketRequests)
		if reqs.Get(rec.ID[:]) != nil {
			return fmt.Errorf("%w: %x", ErrExists, rec.ID), nil
		}
		if err := reqs.Put(rec.ID[:], enc); err != nil {
			return nil, err
		}
		if err := tx.Bucket(bucketInFlight).Put(rec.ID[:], []byte(StateQuoted.String())); err != nil {
			return nil, err
		}
		if key != "" {
			v := append(rec.ID.Bytes(), paramsHash[:]...)
			if err := tx.Bucket(bucketKeys).Put(idx, v); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		return Record{}, false, err
	}
	if found.ID != (common.Hash{}) {
		return found, true, nil
	}
	return rec, false, nil
}

// existing looks up an idempotency key: its request if bound with the same
// params hash, ErrIdempotencyConflict if bound with others, ErrNotFound if
// unbound.
func existing(tx *bbolt.Tx, idx []byte, paramsHash common.Hash) (Record, error) {
	v := tx.Bucket(bucketKeys).Get(idx)
	if v == nil {
		return Record{}, ErrNotFound
	}
	if len(v) != 64 {
		return Record{}, fmt.Errorf("%w: idempotency entry of %d bytes", ErrCorrupt, len(v))
	}
	if !bytes.Equal(v[32:], paramsHash[:]) {
		return Record{}, fmt.Errorf("%w: the key is bound to request %x", ErrIdempotencyConflict, v[:8])
	}
	r, err := get(tx, common.BytesToHash(v[:32]))
	if errors.Is(err, ErrNotFound) {
		return Record{}, fmt.Errorf("%w: idempotency key bound to missing request %x", ErrCorrupt, v[:32])
	}
	return r, err
}

func get(tx *bbolt.Tx, id common.Hash) (Record, error) {
	v := tx.Bucket(bucketRequests).Get(id[:])
	if v == nil {
		return Record{}, fmt.Errorf("%w: %x", ErrNotFound, id)
	}
	r, err := decodeRecord(v)
	if err != nil {
		return Record{}, err
	}
	if r.ID != id {
		return Record{}, fmt.Errorf("%w: record of %x stored under %x", ErrCorrupt, r.ID, id)
	}
	return r, nil
}

// Get returns the request's record.
func (l *Ledger) Get(id common.Hash) (Record, error) {
	var r Record
	err := l.db.View(func(tx *bbolt.Tx) error {
		var err error
		r, err = get(tx, id)
		return err
	})
	return r, err
}

// Transition moves a request from one state to another, compare-and-set
// (ErrNotFound if the ledger has no such request):
// if the request is not in from it fails with a *ConflictError
// (ErrConflict) and writes nothing, so of racing callers exactly one
// moves it. A pair the transition graph lacks (Edges) fails with a
// *TransitionError (ErrIllegalTransition); terminal states have no way
// out.
//
// mutate, if not nil, changes a copy of the record in the same
// transaction before it is checked and written: tries, transaction hashes,
// the result hash, the last error. It must be quick and only change the
// record (with BatchDelay it may run more than once). An error from it
// aborts the transition and is returned. Changing what the ledger owns
// (ID, IdempotencyKey, ParamsHash, Client, Subnet, Model, State, History,
// Version), or what is frozen — Quote and ComputeNode once validated,
// InitiateTx once paid, ResultHash once completion-validated — fails with
// ErrInvalidRecord, and so does a record the target state cannot hold
// (paid without InitiateTx, computed without ResultHash, settled without
// CompleteTx or completion validation).
//
// When Transition returns nil the new state is on disk: only then may the
// gateway act on it.
func (l *Ledger) Transition(id common.Hash, from, to State, mutate func(*Record) error) (Record, error) {
	if !Allowed(from, to) {
		return Record{}, &TransitionError{From: from, To: to}
	}
	return l.change(id, from, to, mutate)
}

// Update changes a request in place, compare-and-set on its state like
// Transition, without moving it: a try counted, a transaction hash noted
// before the transaction is sent, an error kept. Terminal records cannot
// be changed (ErrIllegalTransition).
func (l *Ledger) Update(id common.Hash, in State, mutate func(*Record) error) (Record, error) {
	if !in.Valid() || in.Terminal() {
		return Record{}, &TransitionError{From: in, To: in}
	}
	return l.change(id, in, in, mutate)
}

func (l *Ledger) change(id common.Hash, from, to State, mutate func(*Record) error) (Record, error) {
	var out Record
	err := l.write(func(tx *bbolt.Tx) (error, error) {
		out = Record{}
		cur, err := get(tx, id)
		if err != nil {
			return err, nil
		}
		if cur.State != from {
			return &ConflictError{ID: id, Want: from, Got: cur.State}, nil
		}
		next := cur.clone()
		if mutate != nil {
			if err := mutate(&next); err != nil {
				return fmt.Errorf("%s → %s of %x: %w", from, to, id[:8], err), nil
			}
			if err := checkFrozen(&cur, &next); err != nil {
				return fmt.Errorf("%s → %s of %x: %w", from, to, id[:8], err), nil
			}
		}
		now := l.now()
		next.Version++
		if to != from {
			next.State = to
			next.History = append(next.History, Step{to, now})
		}
		next.LastError = cutError(next.LastError)
		enc, err := encodeRecord(&next)
		if err != nil {
			return fmt.Errorf("%s → %s of %x: %w", from, to, id[:8], err), nil
		}

		// Every check is done: from here on only storage can fail, and a
		// storage failure rolls the whole transaction back.
		if err := tx.Bucket(bucketRequests).Put(id[:], enc); err != nil {
			return nil, err
		}
		inflight := tx.Bucket(bucketInFlight)
		if !to.Terminal() {
			if err := inflight.Put(id[:], []byte(to.String())); err != nil {
				return nil, err
			}
		} else {
			if err := inflight.Delete(id[:]); err != nil {
				return nil, err
			}
			if err := tx.Bucket(bucketEnded).Put(expiryKey(now, id[:]), nil); err != nil {
				return nil, err
			}
			if next.IdempotencyKey != "" {
				k := expiryKey(now, keyIndex(next.Client, next.IdempotencyKey))
				if err := tx.Bucket(bucketExpiry).Put(k, nil); err != nil {
					return nil, err
				}
			}
		}
		out = next
		return nil, nil
	})
	if err != nil {
		return Record{}, err
	}
	return out, nil
}

// Recover returns every request not yet terminal, oldest first, for a
// restarted gateway to resume or refund: those with State.Escrowed hold a
// deposit and must end settled or refunded; the others end released,
// cancelled or expired-unpaid.
//
// It reads only the in-flight index, never the history of finished
// requests: a gateway has thousands of requests in flight (a 10-minute
// quote TTL bounds them) against millions finished, so scanning every
// record (~1.4 KB each, gigabytes after a few million) at each start would
// cost minutes where the index costs milliseconds. The index is one small
// entry per request in flight, written in the transaction that moves the
// request, so it cannot disagree with the records (Verify checks).
//
// A damaged entry does not hide the others: Recover returns every record
// it could read, and an error wrapping ErrCorrupt naming each it could not.
func (l *Ledger) Recover() ([]Record, error) {
	var out []Record
	var errs []error
	err := l.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketInFlight).ForEach(func(k, v []byte) error {
			if len(k) != 32 {
				errs = append(errs, fmt.Errorf("%w: in-flight key of %d bytes", ErrCorrupt, len(k)))
				return nil
			}
			id := common.BytesToHash(k)
			r, err := get(tx, id)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					err = fmt.Errorf("%w: in flight but no record: %x", ErrCorrupt, id)
				}
				errs = append(errs, err)
				return nil
			}
			if r.State.Terminal() || string(v) != r.State.String() {
				errs = append(errs, fmt.Errorf("%w: request %x is %s, indexed in flight as %q", ErrCorrupt, id, r.State, v))
				return nil
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("gateway ledger recover: %w", err)
	}
	slices.SortFunc(out, func(a, b Record) int {
		if c := a.History[0].At.Compare(b.History[0].At); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	return out, errors.Join(errs...)
}

// sweepChunk bounds one sweep transaction, so a large backlog does not
// hold the write lock for long.
const sweepChunk = 10_000

// Sweep unbinds the idempotency keys of requests terminal for longer than
// Config.KeyTTL and returns how many it removed. The records stay. Call it
// now and then (hourly is plenty); its cost is the keys it removes.
func (l *Ledger) Sweep() (int, error) {
	n, err := l.dropDue(bucketExpiry, 8, l.cfg.KeyTTL, func(tx *bbolt.Tx, k []byte) error {
		return tx.Bucket(bucketKeys).Delete(k[8:])
	})
	if err != nil {
		return n, fmt.Errorf("gateway ledger sweep: %w", err)
	}
	return n, nil
}

// Prune drops the payloads — input, result, signatures — of requests
// terminal for longer than Config.KeyTTL and returns how many requests it
// pruned. Their records stay (state, history, hashes, transactions) until
// Forget; a status read answers without the result from then on. Call it
// now and then, as Sweep: without it a busy gateway's file only grows.
func (l *Ledger) Prune() (int, error) {
	n, err := l.dropDue(bucketEnded, 8+common.HashLength, l.cfg.KeyTTL, func(tx *bbolt.Tx, k []byte) error {
		if err := tx.Bucket(bucketPruned).Put(k, nil); err != nil {
			return err
		}
		return dropPayloads(tx, k[8:])
	})
	if err != nil {
		return n, fmt.Errorf("gateway ledger prune: %w", err)
	}
	return n, nil
}

// Forget deletes the records of requests Prune pruned and terminal for
// longer than Config.Retention, and returns how many. Their idempotency
// keys were unbound long before (Sweep); from now on the gateway answers
// NotFound for them. Call it with Prune.
func (l *Ledger) Forget() (int, error) {
	if err := l.backfill(); err != nil {
		return 0, fmt.Errorf("gateway ledger forget: %w", err)
	}
	n, err := l.dropDue(bucketPruned, 8+common.HashLength, l.cfg.Retention, func(tx *bbolt.Tx, k []byte) error {
		id := k[8:]
		if tx.Bucket(bucketInFlight).Get(id) != nil {
			return fmt.Errorf("%w: request %x is pruned and in flight", ErrCorrupt, id)
		}
		if err := dropPayloads(tx, id); err != nil { // none, unless indexed by backfill
			return err
		}
		return tx.Bucket(bucketRequests).Delete(id)
	})
	if err != nil {
		return n, fmt.Errorf("gateway ledger forget: %w", err)
	}
	return n, nil
}

// hasKeys reports whether b holds anything (without Stats, which reads
// the whole bucket).
func hasKeys(b *bbolt.Bucket) bool {
	k, _ := b.Cursor().First()
	return k != nil
}

// dropPayloads deletes request id's payloads.
func dropPayloads(tx *bbolt.Tx, id []byte) error {
	payloads := tx.Bucket(bucketPayloads)
	if payloads == nil {
		return nil
	}
	prefix := append(bytes.Clone(id), 0)
	c := payloads.Cursor()
	for pk, _ := c.Seek(prefix); pk != nil && bytes.HasPrefix(pk, prefix); pk, _ = c.Seek(prefix) {
		if err := payloads.Delete(pk); err != nil {
			return err
		}
	}
	return nil
}

// backfill indexes, in the pruned index, the requests of a file from
// before it that ended and left the ended index (pruned by an older
// Prune), sweepChunk records a transaction, resuming where it stopped;
// a request still in the ended index gets there through Prune. It does
// nothing once done.
func (l *Ledger) backfill() error {
	for {
		done := false
		err := l.db.Update(func(tx *bbolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			after := meta.Get(keyBackfill)
			if after == nil {
				done = true
				return nil
			}
			after = bytes.Clone(after)
			ended := tx.Bucket(bucketEnded)
			c := tx.Bucket(bucketRequests).Cursor()
			k, v := c.First()
			if len(after) > 0 {
				if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			pruned := tx.Bucket(bucketPruned)
			for n := 0; k != nil && n < l.sweepChunk; k, v = c.Next() {
				n++
				after = bytes.Clone(k)
				r, err := decodeRecord(v)
				if err != nil || !r.Terminal() {
					continue // a damaged record is Verify's to report
				}
				// The ended index is keyed by the time of the record's
				// last step, the transition that ended it.
				key := expiryKey(r.Since(), r.ID[:])
				if ended.Get(key) != nil {
					continue
				}
				if err := pruned.Put(key, nil); err != nil {
					return err
				}
			}
			if k == nil {
				done = true
				return meta.Delete(keyBackfill)
			}
			return meta.Put(keyBackfill, after)
		})
		if err != nil || done {
			return err
		}
	}
}

// dropDue walks an index keyed by terminal time (unix ns, big endian)
// and a suffix, oldest first, and for each entry older than age calls
// drop and deletes the entry, sweepChunk entries per transaction. It
// returns how many it dropped. An entry shorter than minLen is corrupt.
func (l *Ledger) dropDue(index []byte, minLen int, age time.Duration, drop func(tx *bbolt.Tx, k []byte) error) (int, error) {
	cutoff := l.now().Add(-age).UnixNano()
	total := 0
	for {
		n := 0
		err := l.db.Update(func(tx *bbolt.Tx) error {
			n = 0
			idx := tx.Bucket(index)
			var due [][]byte
			c := idx.Cursor()
			for k, _ := c.First(); k != nil && len(due) < l.sweepChunk; k, _ = c.Next() {
				if len(k) < minLen {
					return fmt.Errorf("%w: %s entry of %d bytes", ErrCorrupt, index, len(k))
				}
				if int64(binary.BigEndian.Uint64(k)) > cutoff {
					break
				}
				due = append(due, bytes.Clone(k))
			}
			for _, k := range due {
				if err := drop(tx, k); err != nil {
					return err
				}
				if err := idx.Delete(k); err != nil {
					return err
				}
			}
			n = len(due)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < l.sweepChunk {
			return total, nil
		}
	}
}

// Verify reads the whole file and checks what the ledger promises: every
// record decodes and obeys the rules, the in-flight index holds exactly
// the non-terminal requests in their states, and every idempotency entry
// points at a request bound to that key and params hash. It reads the whole
// history, so it is for tests and operators' checks, not the request path.
func (l *Ledger) Verify() error {
	var errs []error
	bad := func(err error) {
		if len(errs) < 20 {
			errs = append(errs, err)
		} else if len(errs) == 20 {
			errs = append(errs, errors.New("... more"))
		}
	}
	err := l.db.View(func(tx *bbolt.Tx) error {
		reqs, inflight, keys := tx.Bucket(bucketRequests), tx.Bucket(bucketInFlight), tx.Bucket(bucketKeys)
		nonTerminal := 0
		err := reqs.ForEach(func(k, v []byte) error {
			r, err := decodeRecord(v)
			if err != nil {
				bad(fmt.Errorf("request %x: %w", k, err))
				return nil
			}
			if !bytes.Equal(k, r.ID[:]) {
				bad(fmt.Errorf("%w: record of %x stored under %x", ErrCorrupt, r.ID, k))
			}
			got := inflight.Get(k)
			switch {
			case r.Terminal() && got != nil:
				bad(fmt.Errorf("%w: request %x is %s but indexed in flight", ErrCorrupt, k, r.State))
			case !r.Terminal() && string(got) != r.State.String():
				bad(fmt.Errorf("%w: request %x is %s, indexed in flight as %q", ErrCorrupt, k, r.State, got))
			}
			if !r.Terminal() {
				nonTerminal++
				if r.IdempotencyKey != "" {
					v := keys.Get(keyIndex(r.Client, r.IdempotencyKey))
					if len(v) != 64 || !bytes.Equal(v[:32], r.ID[:]) {
						bad(fmt.Errorf("%w: request %x in flight but its idempotency key is not bound to it", ErrCorrupt, k))
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if n := inflight.Stats().KeyN; n != nonTerminal {
			bad(fmt.Errorf("%w: %d requests in flight, %d in the index", ErrCorrupt, nonTerminal, n))
		}
		return keys.ForEach(func(k, v []byte) error {
			if len(k) < 20 || len(v) != 64 {
				bad(fmt.Errorf("%w: idempotency entry %x", ErrCorrupt, k))
				return nil
			}
			r, err := get(tx, common.BytesToHash(v[:32]))
			if err != nil {
				bad(fmt.Errorf("idempotency entry %x: %w", k, err))
				return nil
			}
			if !bytes.Equal(k, keyIndex(r.Client, r.IdempotencyKey)) || !bytes.Equal(v[32:], r.ParamsHash[:]) {
				bad(fmt.Errorf("%w: idempotency entry %x does not match request %x", ErrCorrupt, k, r.ID))
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("gateway ledger verify: %w", err)
	}
	return errors.Join(errs...)
}
