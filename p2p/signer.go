package p2p

import (
	"crypto/ecdsa"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Signer makes records and gossip messages with one Ethereum key. It picks
// sequence numbers from the clock (Unix nanoseconds, and always above the
// last one it issued) so that an operator who restarts a node with no saved
// counter still supersedes what it published before. Safe for concurrent use.
type Signer struct {
	key  *ecdsa.PrivateKey
	addr common.Address
	now  func() time.Time

	mu      sync.Mutex
	lastSeq uint64
}

// NewSigner returns a Signer for key.
func NewSigner(key *ecdsa.PrivateKey) *Signer {
	return &Signer{key: key, addr: crypto.PubkeyToAddress(key.PublicKey), now: time.Now}
}

// Address is the signer's Ethereum address.
func (s *Signer) Address() common.Address { return s.addr }

func (s *Signer) nextSeq(now time.Time) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := uint64(now.UnixNano())
	if seq <= s.lastSeq {
		seq = s.lastSeq + 1
	}
	s.lastSeq = seq
	return seq
}

// Record signs payload as the next version of the record (ns, key), valid
// for ttl (0: no expiry).
func (s *Signer) Record(ns Namespace, key, payload []byte, ttl time.Duration) (*Record, error) {
	now := s.now()
	r := &Record{Namespace: ns, Key: key, Seq: s.nextSeq(now), Issued: now, Payload: payload}
	if ttl > 0 {
		r.Expires = now.Add(ttl)
	}
	if err := r.Sign(s.key); err != nil {
		return nil, err
	}
	return r, nil
}

// Descriptor signs a descriptor (see Describe) as a record valid for ttl.
func (s *Signer) Descriptor(d any, ttl time.Duration) (*Record, error) {
	ns, key, payload, err := Describe(d)
	if err != nil {
		return nil, err
	}
	return s.Record(ns, key, payload, ttl)
}

// Message signs payload for topic.
func (s *Signer) Message(topic string, payload []byte) (*Message, error) {
	now := s.now()
	m := &Message{Topic: topic, Issued: now, Nonce: s.nextSeq(now), Payload: payload}
	if err := m.Sign(s.key); err != nil {
		return nil, fmt.Errorf("message on %s: %w", topic, err)
	}
	return m, nil
}
