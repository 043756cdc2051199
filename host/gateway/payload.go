package gateway

import (
	"bytes"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"go.etcd.io/bbolt"
)

// bucketPayloads holds what a request carries besides its record — the
// input to dispatch, the payment instructions, the result, the completion
// signatures — keyed by request id, 0x00 and the part's name. Records stay
// small and bounded (they are read on every transition); payloads are read
// only by the step that needs them.
var bucketPayloads = []byte("payloads")

// maxPayload bounds one stored payload part.
const maxPayload = 64 << 20

// Payload parts the gateway stores.
const (
	partTask       = "task"       // taskData: the input to dispatch and how it was priced
	partPayment    = "payment"    // pb.PaymentInstructions, protobuf
	partResult     = "result"     // resultData: the compute node's signed result
	partCompletion = "completion" // completionData: validators' Completion signatures
	partOutput     = "output"     // the postprocessed output the client receives
)

func payloadKey(id common.Hash, part string) []byte {
	k := append(id.Bytes(), 0)
	return append(k, part...)
}

// PutPayload stores one part of a request's payload, replacing any
// earlier one, durably (synced) before it returns. The request must exist.
// A gateway stores a part before the transition that needs it, so a
// record in a state implies the parts that state needs.
func (l *Ledger) PutPayload(id common.Hash, part string, data []byte) error {
	if part == "" || len(part) > maxText {
		return fmt.Errorf("%w: payload part name of %d bytes", ErrInvalidRecord, len(part))
	}
	if len(data) > maxPayload {
		return fmt.Errorf("%w: payload %s of %d bytes, limit %d", ErrInvalidRecord, part, len(data), maxPayload)
	}
	// Through write, so concurrent requests' payloads share a commit too.
	err := l.write(func(tx *bbolt.Tx) (error, error) {
		if tx.Bucket(bucketRequests).Get(id[:]) == nil {
			return fmt.Errorf("%w: %x", ErrNotFound, id), nil
		}
		b, err := tx.CreateBucketIfNotExists(bucketPayloads)
		if err != nil {
			return nil, err
		}
		return nil, b.Put(payloadKey(id, part), data)
	})
	if err != nil {
		return fmt.Errorf("put %s of %x: %w", part, id[:8], err)
	}
	return nil
}

// Payload returns one part of a request's payload, or an error wrapping
// ErrNotFound.
func (l *Ledger) Payload(id common.Hash, part string) ([]byte, error) {
	var out []byte
	err := l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPayloads)
		var v []byte
		if b != nil {
			v = b.Get(payloadKey(id, part))
		}
		if v == nil {
			return fmt.Errorf("%w: no %s for request %x", ErrNotFound, part, id[:8])
		}
		out = bytes.Clone(v)
		return nil
	})
	return out, err
}

// Lookup returns the request a client's idempotency key is bound to, as
// Create would find it without creating anything: ErrNotFound when the key
// is unbound, ErrIdempotencyConflict when it is bound to other parameters.
func (l *Ledger) Lookup(client common.Address, key string, paramsHash common.Hash) (Record, error) {
	if key == "" {
		return Record{}, ErrNotFound
	}
	var r Record
	err := l.db.View(func(tx *bbolt.Tx) error {
		var err error
		r, err = existing(tx, keyIndex(client, key), paramsHash)
		return err
	})
	return r, err
}
