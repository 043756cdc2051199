package registry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/host/api/pb"
)

// Buckets of the state file.
var (
	bucketNodes      = []byte("registrations")         // address -> RegisterNodeRequest as signed
	bucketReputation = []byte("reputation")            // node|time|request|outcome -> Event JSON
	bucketCheckpoint = []byte("reputation-checkpoint") // keyCheckpoint -> Checkpoint JSON
	bucketMempool    = []byte("mempool")               // kind|request -> Entry JSON
)

// stateOp is one change waiting to be written.
type stateOp struct {
	bucket []byte
	key    []byte
	value  []byte // nil deletes
	// before, if set (key nil), deletes the reputation events before it
	// but slashes: those a new checkpoint folded.
	before int64
}

var keyCheckpoint = []byte("checkpoint")

// state keeps a registry node's view in a bbolt file: every registration
// as its node signed it, every reputation event, every mempool entry.
// Changes are written by one goroutine in batches, every flushEvery, so a
// quorum never waits on an fsync; a crash loses at most that much, which
// gossip and re-announcement bring back.
type state struct {
	db   *bbolt.DB
	ops  chan stateOp
	done chan struct{}
}

const flushEvery = 100 * time.Millisecond

func openState(path string) (*state, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open registry state %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketNodes, bucketReputation, bucketCheckpoint, bucketMempool} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	s := &state{db: db, ops: make(chan stateOp, 4096), done: make(chan struct{})}
	go s.writer()
	return s, nil
}

func (s *state) writer() {
	defer close(s.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	var pending []stateOp
	flush := func() {
		if len(pending) == 0 {
			return
		}
		_ = s.db.Update(func(tx *bbolt.Tx) error {
			for _, op := range pending {
				b := tx.Bucket(op.bucket)
				if op.key == nil {
					deleteFolded(b, op.before)
				} else if op.value == nil {
					_ = b.Delete(op.key)
				} else {
					_ = b.Put(op.key, op.value)
				}
			}
			return nil
		})
		pending = pending[:0]
	}
	for {
		select {
		case op, ok := <-s.ops:
			if !ok {
				flush()
				return
			}
			pending = append(pending, op)
			if len(pending) >= 1024 {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}

func (s *state) put(bucket, key, value []byte) {
	s.ops <- stateOp{bucket: bucket, key: key, value: value}
}

// close flushes what is pending and closes the file.
func (s *state) close() error {
	close(s.ops)
	<-s.done
	return s.db.Close()
}

func eventKey(e Event) []byte {
	k := append([]byte{}, e.Node[:]...)
	k = fmt.Appendf(k, "%020d", e.AtMillis)
	k = append(k, e.RequestID[:]...)
	return append(k, byte(e.Outcome))
}

// eventFromKey decodes an eventKey.
func eventFromKey(k []byte) (Event, error) {
	const n = common.AddressLength + 20 + common.HashLength + 1
	t, ok := eventKeyTime(k)
	if len(k) != n || !ok {
		return Event{}, fmt.Errorf("reputation event key %x is not node|time|request|outcome", k)
	}
	return Event{Node: common.BytesToAddress(k[:common.AddressLength]), AtMillis: t,
		RequestID: common.BytesToHash(k[common.AddressLength+20 : n-1]), Outcome: Outcome(int8(k[n-1]))}, nil
}

// eventKeyTime is the time in an eventKey.
func eventKeyTime(k []byte) (int64, bool) {
	if len(k) < common.AddressLength+20 {
		return 0, false
	}
	t, err := strconv.ParseInt(string(k[common.AddressLength:common.AddressLength+20]), 10, 64)
	return t, err == nil
}

// deleteFolded deletes the events before beforeMillis, but slashes: keys
// sort by node, then time, so it visits only what it deletes and one key
// per node.
func deleteFolded(b *bbolt.Bucket, beforeMillis int64) {
	var doomed [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil; {
		t, ok := eventKeyTime(k)
		if ok && t >= beforeMillis {
			// The rest of this node's events are kept: on to the next
			// node, whose keys sort after this one's and a 0xff (times
			// are digits).
			k, _ = c.Seek(append(slices.Clone(k[:common.AddressLength]), 0xff))
			continue
		}
		if ok && Outcome(int8(k[len(k)-1])) != Slashed {
			doomed = append(doomed, slices.Clone(k))
		}
		k, _ = c.Next()
	}
	for _, k := range doomed {
		_ = b.Delete(k)
	}
}

func entryKey2(kind EntryKind, id common.Hash) []byte { return append([]byte(kind+"|"), id[:]...) }

// load fills r's tables from the file. Nodes come back unavailable until
// they are heard from again.
func (s *state) load(r *Node) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		err := tx.Bucket(bucketNodes).ForEach(func(_, v []byte) error {
			var req pb.RegisterNodeRequest
			if err := proto.Unmarshal(v, &req); err != nil {
				return err
			}
			return r.nodes.restore(&req)
		})
		if err != nil {
			return fmt.Errorf("registrations: %w", err)
		}
		if v := tx.Bucket(bucketCheckpoint).Get(keyCheckpoint); v != nil {
			var cp Checkpoint
			if err := json.Unmarshal(v, &cp); err != nil {
				return fmt.Errorf("reputation checkpoint: %w", err)
			}
			r.ledger.restore(cp)
		}
		err = tx.Bucket(bucketReputation).ForEach(func(k, v []byte) error {
			e, err := eventFromKey(k)
			if len(v) > 0 { // written before the key was the whole event
				err = json.Unmarshal(v, &e)
			}
			if err != nil {
				return err
			}
			r.ledger.Add(e)
			return nil
		})
		if err != nil {
			return fmt.Errorf("reputation: %w", err)
		}
		return tx.Bucket(bucketMempool).ForEach(func(_, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			r.mempool.Put(e)
			return nil
		})
	})
}

// persist wires r's tables to the file.
func (s *state) persist(r *Node) {
	r.nodes.onChange = func(addr common.Address, req *pb.RegisterNodeRequest) {
		var v []byte
		if req != nil {
			v, _ = proto.Marshal(req)
		}
		s.put(bucketNodes, addr[:], v)
	}
	r.ledger.onAdd = func(e Event) {
		s.put(bucketReputation, eventKey(e), []byte{}) // the key is the event
	}
	r.ledger.onCheck = func(cp Checkpoint) {
		// The checkpoint first: a crash between the two leaves folded
		// events on file, which the checkpoint refuses on load.
		v, _ := json.Marshal(cp)
		s.put(bucketCheckpoint, keyCheckpoint, v)
		s.ops <- stateOp{bucket: bucketReputation, before: cp.BeforeMillis}
	}
	r.mempool.onChange = func(e Entry, deleted bool) {
		var v []byte
		if !deleted {
			v, _ = json.Marshal(e)
		}
		s.put(bucketMempool, entryKey2(e.Kind, e.RequestID), v)
	}
}
