package p2p

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

const (
	messageMagic   = "NCNG"
	messageVersion = 1
	// magic(4) version(1) topic length(1) issued(8) nonce(8) payload length(4)
	messageFixed = 4 + 1 + 1 + 8 + 8 + 4
	// maxTopicLen bounds a topic name in the envelope.
	maxTopicLen = 255
)

// Message is the signed envelope of every gossip message. Canonical,
// fixed-layout encoding:
//
//	"NCNG" | version u8 (1) | topic length u8 | topic | issued i64 ms
//	| nonce u64 | payload length u32 | payload | signature [65]
//
// The topic is inside the signed bytes, so a message cannot be replayed on
// another topic; issued bounds how long it can be replayed at all (the
// topic's MaxAge), and the network deduplicates by the hash of the whole
// encoding. The payload is opaque to p2p: the consumer's TopicValidator
// decides what it means.
type Message struct {
	Topic   string
	Issued  time.Time
	Nonce   uint64
	Payload []byte
	Sig     [SigLen]byte
}

func (m *Message) body() ([]byte, error) {
	if len(m.Topic) == 0 || len(m.Topic) > maxTopicLen {
		return nil, fmt.Errorf("message: topic of %d bytes: %w", len(m.Topic), ErrMalformed)
	}
	if m.Issued.UnixMilli() <= 0 {
		return nil, fmt.Errorf("message on %s: no issue time: %w", m.Topic, ErrMalformed)
	}
	n := messageFixed + len(m.Topic) + len(m.Payload) + SigLen
	if n > MaxEnvelope {
		return nil, fmt.Errorf("message on %s: %d bytes: %w", m.Topic, n, ErrTooLarge)
	}
	b := make([]byte, 0, n)
	b = append(b, messageMagic...)
	b = append(b, messageVersion, byte(len(m.Topic)))
	b = append(b, m.Topic...)
	b = binary.BigEndian.AppendUint64(b, uint64(m.Issued.UnixMilli()))
	b = binary.BigEndian.AppendUint64(b, m.Nonce)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Payload)))
	b = append(b, m.Payload...)
	return b, nil
}

// Sign signs the message with key.
func (m *Message) Sign(key *ecdsa.PrivateKey) error {
	body, err := m.body()
	if err != nil {
		return err
	}
	m.Sig, err = sign(key, crypto.Keccak256(body))
	return err
}

// Signer recovers the address that signed the message.
func (m *Message) Signer() (common.Address, error) {
	body, err := m.body()
	if err != nil {
		return common.Address{}, err
	}
	return recoverSigner(crypto.Keccak256(body), m.Sig)
}

// Marshal returns the canonical encoding.
func (m *Message) Marshal() ([]byte, error) {
	b, err := m.body()
	if err != nil {
		return nil, err
	}
	return append(b, m.Sig[:]...), nil
}

// UnmarshalMessage decodes a canonical message envelope (layout only; the
// node checks signature, topic, age and size before a TopicValidator sees it).
func UnmarshalMessage(b []byte) (*Message, error) {
	if len(b) > MaxEnvelope {
		return nil, fmt.Errorf("message: %d bytes: %w", len(b), ErrTooLarge)
	}
	if len(b) < messageFixed+SigLen || !bytes.HasPrefix(b, []byte(messageMagic)) {
		return nil, fmt.Errorf("message: short or bad magic: %w", ErrMalformed)
	}
	if b[4] != messageVersion {
		return nil, fmt.Errorf("message: version %d: %w", b[4], ErrMalformed)
	}
	tl := int(b[5])
	p := b[6:]
	if tl == 0 || len(p) < tl+20+SigLen {
		return nil, fmt.Errorf("message: topic length %d: %w", tl, ErrMalformed)
	}
	m := &Message{Topic: string(p[:tl])}
	p = p[tl:]
	issued := int64(binary.BigEndian.Uint64(p))
	m.Nonce = binary.BigEndian.Uint64(p[8:])
	pl := binary.BigEndian.Uint32(p[16:])
	p = p[20:]
	if issued <= 0 {
		return nil, fmt.Errorf("message on %s: bad issue time: %w", m.Topic, ErrMalformed)
	}
	if uint64(len(p)) != uint64(pl)+SigLen {
		return nil, fmt.Errorf("message on %s: payload length %d does not fit %d bytes: %w", m.Topic, pl, len(p), ErrMalformed)
	}
	m.Issued = time.UnixMilli(issued)
	m.Payload = bytes.Clone(p[:pl])
	copy(m.Sig[:], p[pl:])
	return m, nil
}
