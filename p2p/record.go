package p2p

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Namespace is the kind of a DHT record. Each has its own key form and its
// own validator; the DHT key of a record is "/<name>/<hex key>".
type Namespace uint8

// The namespaces. Numbers are part of the wire format: never reuse one.
const (
	// NamespaceNode: compute and gateway descriptors (NodeDescriptor), key
	// the node's 20-byte address, signed by that address.
	NamespaceNode Namespace = 1
	// NamespaceValidator: validator descriptors (ValidatorDescriptor), key
	// the validator's address, signed by it.
	NamespaceValidator Namespace = 2
	// NamespaceSubnet: subnet metadata (SubnetMetadata), key
	// SubnetID(owner, name), signed by owner.
	NamespaceSubnet Namespace = 3
	// NamespaceModel: model descriptors (ModelDescriptor), key
	// ModelID(owner, name), signed by owner.
	NamespaceModel Namespace = 4
	// NamespacePlugin: plugin manifests, key the sha256 of the plugin's
	// .wasm; the payload is opaque here and judged by Config.PluginVerifier.
	NamespacePlugin Namespace = 5
)

var namespaceNames = [...]string{
	NamespaceNode:      "ncn-node",
	NamespaceValidator: "ncn-validator",
	NamespaceSubnet:    "ncn-subnet",
	NamespaceModel:     "ncn-model",
	NamespacePlugin:    "ncn-plugin",
}

// Namespaces lists every namespace, in wire order.
var Namespaces = []Namespace{NamespaceNode, NamespaceValidator, NamespaceSubnet, NamespaceModel, NamespacePlugin}

func (ns Namespace) valid() bool { return ns >= NamespaceNode && ns <= NamespacePlugin }

// String is the namespace's DHT prefix ("ncn-node", ...).
func (ns Namespace) String() string {
	if !ns.valid() {
		return fmt.Sprintf("namespace(%d)", uint8(ns))
	}
	return namespaceNames[ns]
}

// KeyLen is the length in bytes of a key in this namespace: 20 for
// addresses, 32 for ids and hashes.
func (ns Namespace) KeyLen() int {
	switch ns {
	case NamespaceNode, NamespaceValidator:
		return common.AddressLength
	case NamespaceSubnet, NamespaceModel, NamespacePlugin:
		return 32
	}
	return 0
}

// DHTKey is the DHT key of the record with this namespace and key.
func DHTKey(ns Namespace, key []byte) string {
	return "/" + ns.String() + "/" + hex.EncodeToString(key)
}

// parseDHTKey inverts DHTKey.
func parseDHTKey(s string) (Namespace, []byte, error) {
	for _, ns := range Namespaces {
		prefix := "/" + ns.String() + "/"
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			k, err := hex.DecodeString(rest)
			if err != nil || len(k) != ns.KeyLen() || hex.EncodeToString(k) != rest {
				return 0, nil, fmt.Errorf("dht key %q: %w", s, ErrMalformed)
			}
			return ns, k, nil
		}
	}
	return 0, nil, fmt.Errorf("dht key %q: unknown namespace: %w", s, ErrMalformed)
}

// Envelope limits. MaxEnvelope is the decoder's hard cap, far above any
// record a node should accept; Config.MaxRecordSize is the operative one.
const (
	MaxEnvelope   = 1 << 20
	recordMagic   = "NCNR"
	recordVersion = 1
	// magic(4) version(1) namespace(1) keylen(1) seq(8) issued(8) expires(8) paylen(4)
	recordFixed = 4 + 1 + 1 + 1 + 8 + 8 + 8 + 4
)

// Record is the signed envelope of every DHT value. Its canonical encoding
// (Marshal) is versioned and fixed-layout, so one record has exactly one
// byte form:
//
//	"NCNR" | version u8 (1) | namespace u8 | key length u8 | key
//	| seq u64 | issued i64 ms | expires i64 ms (0: never)
//	| payload length u32 | payload | signature [65]
//
// integers big-endian. The signature is EIP-191 personal_sign over
// keccak256 of every byte before it, by the key the record describes.
type Record struct {
	Namespace Namespace
	Key       []byte
	// Seq orders versions of one record: a record replaces another only
	// with a higher Seq. Signer picks a clock-based value.
	Seq uint64
	// Issued is when the record was signed (millisecond precision); a
	// record issued further ahead than the allowed clock skew is refused.
	Issued time.Time
	// Expires, if not zero, is when validators stop accepting the record;
	// node and validator descriptors carry one so departed nodes vanish.
	Expires time.Time
	Payload []byte
	Sig     [SigLen]byte
}

// DHTKey is the record's key in the DHT.
func (r *Record) DHTKey() string { return DHTKey(r.Namespace, r.Key) }

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// body is the canonical encoding without the signature.
func (r *Record) body() ([]byte, error) {
	if !r.Namespace.valid() {
		return nil, fmt.Errorf("record: namespace %d: %w", r.Namespace, ErrMalformed)
	}
	if len(r.Key) != r.Namespace.KeyLen() {
		return nil, fmt.Errorf("record %s: key of %d bytes, want %d: %w", r.Namespace, len(r.Key), r.Namespace.KeyLen(), ErrMalformed)
	}
	if r.Issued.IsZero() || r.Issued.UnixMilli() <= 0 {
		return nil, fmt.Errorf("record %s: no issue time: %w", r.Namespace, ErrMalformed)
	}
	if n := recordFixed + len(r.Key) + len(r.Payload) + SigLen; n > MaxEnvelope {
		return nil, fmt.Errorf("record %s: %d bytes: %w", r.Namespace, n, ErrTooLarge)
	}
	b := make([]byte, 0, recordFixed+len(r.Key)+len(r.Payload)+SigLen)
	b = append(b, recordMagic...)
	b = append(b, recordVersion, byte(r.Namespace), byte(len(r.Key)))
	b = append(b, r.Key...)
	b = binary.BigEndian.AppendUint64(b, r.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(unixMilli(r.Issued)))
	b = binary.BigEndian.AppendUint64(b, uint64(unixMilli(r.Expires)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Payload)))
	b = append(b, r.Payload...)
	return b, nil
}

// Sign signs the record with key. It does not check that key is the one
// the record describes: validators do.
func (r *Record) Sign(key *ecdsa.PrivateKey) error {
	body, err := r.body()
	if err != nil {
		return err
	}
	sig, err := sign(key, crypto.Keccak256(body))
	if err != nil {
		return fmt.Errorf("record %s: %w", r.DHTKey(), err)
	}
	r.Sig = sig
	return nil
}

// Signer recovers the address that signed the record.
func (r *Record) Signer() (common.Address, error) {
	body, err := r.body()
	if err != nil {
		return common.Address{}, err
	}
	a, err := recoverSigner(crypto.Keccak256(body), r.Sig)
	if err != nil {
		return a, fmt.Errorf("record %s: %w", r.DHTKey(), err)
	}
	return a, nil
}

// Marshal returns the canonical encoding.
func (r *Record) Marshal() ([]byte, error) {
	b, err := r.body()
	if err != nil {
		return nil, err
	}
	return append(b, r.Sig[:]...), nil
}

// UnmarshalRecord decodes a canonical envelope. It checks layout only (not
// the signature, the size policy or the payload): see Validator.
func UnmarshalRecord(b []byte) (*Record, error) {
	if len(b) > MaxEnvelope {
		return nil, fmt.Errorf("record: %d bytes: %w", len(b), ErrTooLarge)
	}
	if len(b) < recordFixed+SigLen || !bytes.HasPrefix(b, []byte(recordMagic)) {
		return nil, fmt.Errorf("record: short or bad magic: %w", ErrMalformed)
	}
	if b[4] != recordVersion {
		return nil, fmt.Errorf("record: version %d: %w", b[4], ErrMalformed)
	}
	r := &Record{Namespace: Namespace(b[5])}
	if !r.Namespace.valid() {
		return nil, fmt.Errorf("record: namespace %d: %w", b[5], ErrMalformed)
	}
	kl := int(b[6])
	if kl != r.Namespace.KeyLen() {
		return nil, fmt.Errorf("record %s: key of %d bytes: %w", r.Namespace, kl, ErrMalformed)
	}
	p := b[7:]
	if len(p) < kl+28+SigLen {
		return nil, fmt.Errorf("record %s: short: %w", r.Namespace, ErrMalformed)
	}
	r.Key = bytes.Clone(p[:kl])
	p = p[kl:]
	r.Seq = binary.BigEndian.Uint64(p)
	issued := int64(binary.BigEndian.Uint64(p[8:]))
	expires := int64(binary.BigEndian.Uint64(p[16:]))
	pl := binary.BigEndian.Uint32(p[24:])
	p = p[28:]
	if issued <= 0 || expires < 0 {
		return nil, fmt.Errorf("record %s: bad times: %w", r.Namespace, ErrMalformed)
	}
	if uint64(len(p)) != uint64(pl)+SigLen {
		return nil, fmt.Errorf("record %s: payload length %d does not fit %d bytes: %w", r.Namespace, pl, len(p), ErrMalformed)
	}
	r.Issued, r.Expires = fromMilli(issued), fromMilli(expires)
	r.Payload = bytes.Clone(p[:pl])
	copy(r.Sig[:], p[pl:])
	return r, nil
}
