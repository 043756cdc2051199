package p2p

import (
	"bytes"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/libp2p/go-libp2p/core/peer"
)

// PluginVerifier judges plugin records (NamespacePlugin). A content hash
// says nothing about who may write a manifest, and the manifest type and
// the subnet owners live in the host, so the host decides: typically it
// decodes the manifest, checks that its sha256 is hash, that its owner
// signature is valid, and that signer is that owner.
//
// VerifyPlugin is called from the DHT's and the node's goroutines
// concurrently and must not block on the network.
type PluginVerifier interface {
	VerifyPlugin(hash Hash, signer common.Address, manifest []byte) error
}

// PluginVerifierFunc adapts a function to PluginVerifier.
type PluginVerifierFunc func(hash Hash, signer common.Address, manifest []byte) error

// VerifyPlugin calls f.
func (f PluginVerifierFunc) VerifyPlugin(hash Hash, signer common.Address, manifest []byte) error {
	return f(hash, signer, manifest)
}

// Validator checks records in every namespace. It implements the DHT's
// record.Validator (Validate, Select), and Check serves callers that take a
// record from elsewhere (a gRPC RegisterNode carrying a signed descriptor).
// Safe for concurrent use; do not change fields after first use.
type Validator struct {
	// MaxSize caps an encoded record, in bytes. Zero means DefaultMaxRecordSize.
	MaxSize int
	// ClockSkew is how far in the future a record may be issued. Zero
	// means DefaultClockSkew.
	ClockSkew time.Duration
	// Plugins judges plugin records; nil refuses them all (ErrNoVerifier).
	Plugins PluginVerifier
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults of Validator and Config.
const (
	DefaultMaxRecordSize = 16 << 10
	DefaultClockSkew     = 2 * time.Minute
)

func (v *Validator) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Check decodes and fully validates value as the record stored under the
// DHT key: size, layout, key, times, signature by the key the record
// describes, and the namespace's payload rules. It does not compare with
// a stored record: see Supersedes.
func (v *Validator) Check(key string, value []byte) (*Record, error) {
	max := v.MaxSize
	if max <= 0 {
		max = DefaultMaxRecordSize
	}
	if len(value) > max {
		return nil, fmt.Errorf("record %s: %d bytes, limit %d: %w", key, len(value), max, ErrTooLarge)
	}
	r, err := UnmarshalRecord(value)
	if err != nil {
		return nil, err
	}
	if r.DHTKey() != key {
		return nil, fmt.Errorf("record %s stored under %s: %w", r.DHTKey(), key, ErrKeyMismatch)
	}
	skew := v.ClockSkew
	if skew <= 0 {
		skew = DefaultClockSkew
	}
	now := v.now()
	if r.Issued.After(now.Add(skew)) {
		return nil, fmt.Errorf("record %s issued %s: %w", key, r.Issued.UTC().Format(time.RFC3339), ErrFuture)
	}
	if !r.Expires.IsZero() {
		if !r.Expires.After(r.Issued) {
			return nil, fmt.Errorf("record %s expires before it is issued: %w", key, ErrMalformed)
		}
		if !now.Before(r.Expires) {
			return nil, fmt.Errorf("record %s expired %s: %w", key, r.Expires.UTC().Format(time.RFC3339), ErrExpired)
		}
	}
	signer, err := r.Signer()
	if err != nil {
		return nil, err
	}
	if err := v.checkPayload(r, signer); err != nil {
		return nil, fmt.Errorf("record %s: %w", key, err)
	}
	return r, nil
}

func (v *Validator) checkPayload(r *Record, signer common.Address) error {
	switch r.Namespace {
	case NamespaceNode:
		d, err := DecodeNode(r.Payload)
		if err != nil {
			return err
		}
		if err := checkAddressed(r.Key, d.Address, d.PeerID); err != nil {
			return err
		}
		if len(d.Roles) == 0 {
			return fmt.Errorf("node descriptor without roles: %w", ErrMalformed)
		}
		for _, role := range d.Roles {
			if role != RoleCompute && role != RoleGateway {
				return fmt.Errorf("node descriptor role %q: %w", role, ErrMalformed)
			}
		}
		return checkSigner(signer, d.Address)
	case NamespaceValidator:
		d, err := DecodeValidator(r.Payload)
		if err != nil {
			return err
		}
		if err := checkAddressed(r.Key, d.Address, d.PeerID); err != nil {
			return err
		}
		return checkSigner(signer, d.Address)
	case NamespaceSubnet:
		d, err := DecodeSubnet(r.Payload)
		if err != nil {
			return err
		}
		return checkOwned(r.Key, signer, "subnet", SubnetID(d.Owner, d.Name), d.Owner, d.Name)
	case NamespaceModel:
		d, err := DecodeModel(r.Payload)
		if err != nil {
			return err
		}
		return checkOwned(r.Key, signer, "model", ModelID(d.Owner, d.Name), d.Owner, d.Name)
	case NamespacePlugin:
		if v.Plugins == nil {
			return ErrNoVerifier
		}
		return v.Plugins.VerifyPlugin(Hash(r.Key), signer, r.Payload)
	}
	return fmt.Errorf("namespace %d: %w", r.Namespace, ErrMalformed)
}

// checkAddressed checks a node's or validator's descriptor: stored under
// its address, with a valid peer id.
func checkAddressed(key []byte, addr common.Address, peerID string) error {
	if !bytes.Equal(addr[:], key) {
		return fmt.Errorf("descriptor of %s under key %x: %w", addr, key, ErrKeyMismatch)
	}
	return checkPeerID(peerID)
}

// checkOwned checks the record of what (a subnet or a model) called name:
// stored under its id, and signed by its owner.
func checkOwned(key []byte, signer common.Address, what string, id Hash, owner common.Address, name string) error {
	if !bytes.Equal(id[:], key) {
		return fmt.Errorf("%s %q of %s has id %s: %w", what, name, owner, id, ErrKeyMismatch)
	}
	return checkSigner(signer, owner)
}

// checkSigner wants a record signed by the owner it describes.
func checkSigner(signer, owner common.Address) error {
	if signer != owner {
		return fmt.Errorf("signed by %s, describes %s: %w", signer, owner, ErrWrongSigner)
	}
	return nil
}

func checkPeerID(s string) error {
	if _, err := peer.Decode(s); err != nil {
		return fmt.Errorf("peer id %q: %v: %w", s, err, ErrMalformed)
	}
	return nil
}

// Validate implements record.Validator.
func (v *Validator) Validate(key string, value []byte) error {
	_, err := v.Check(key, value)
	return err
}

// Select implements record.Validator: the valid record with the highest
// Seq wins; equal Seq (one key signing two versions) goes to the smaller
// encoding, so every node converges on the same one.
func (v *Validator) Select(key string, values [][]byte) (int, error) {
	best, bestSeq := -1, uint64(0)
	for i, b := range values {
		r, err := v.Check(key, b)
		if err != nil {
			continue
		}
		if best < 0 || r.Seq > bestSeq || (r.Seq == bestSeq && bytes.Compare(b, values[best]) < 0) {
			best, bestSeq = i, r.Seq
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("select %s: no valid record among %d: %w", key, len(values), ErrNotFound)
	}
	return best, nil
}

// Supersedes reports whether next may replace cur (same key, higher Seq,
// or equal Seq and a smaller encoding); a caller holding records outside
// the DHT uses it to refuse stale ones with ErrStale.
func Supersedes(next, cur *Record) bool {
	if next.DHTKey() != cur.DHTKey() {
		return false
	}
	if next.Seq != cur.Seq {
		return next.Seq > cur.Seq
	}
	a, errA := next.Marshal()
	b, errB := cur.Marshal()
	return errA == nil && errB == nil && bytes.Compare(a, b) < 0
}
