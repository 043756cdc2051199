package p2p

import "errors"

// Sentinel errors. Callers test them with errors.Is; the wrapping error says
// which record, message, peer or blob was involved.
var (
	// ErrMalformed: bytes from a peer do not decode as an envelope or a
	// descriptor of this version (bad magic, unknown version or namespace,
	// wrong lengths, trailing bytes).
	ErrMalformed = errors.New("p2p: malformed")
	// ErrTooLarge: an envelope, payload or blob exceeds its size cap.
	ErrTooLarge = errors.New("p2p: too large")
	// ErrBadSignature: the signature does not recover to a key, is not
	// low-s, or has a v other than 27/28.
	ErrBadSignature = errors.New("p2p: bad signature")
	// ErrWrongSigner: the signature is valid but made by a key other than
	// the one the record describes (the address in its key, or the owner a
	// self-certifying id was derived from).
	ErrWrongSigner = errors.New("p2p: signed by the wrong key")
	// ErrExpired: a record past its expiry, or a gossip message older than
	// the topic's maximum age.
	ErrExpired = errors.New("p2p: expired")
	// ErrFuture: a record or message issued further in the future than the
	// allowed clock skew.
	ErrFuture = errors.New("p2p: issued in the future")
	// ErrStale: a record whose sequence number is not above the one held.
	ErrStale = errors.New("p2p: stale record")
	// ErrKeyMismatch: the record's DHT key and its content disagree.
	ErrKeyMismatch = errors.New("p2p: key does not match content")
	// ErrNoVerifier: a plugin record arrived but the host supplied no
	// PluginVerifier, so this node cannot judge who may write it.
	ErrNoVerifier = errors.New("p2p: no plugin verifier configured")
	// ErrNotFound: no record, provider or blob for the key.
	ErrNotFound = errors.New("p2p: not found")
	// ErrCorrupt: a peer served a blob whose sha256 is not the one asked for.
	ErrCorrupt = errors.New("p2p: blob does not match its hash")
	// ErrNoKey: publishing needs Config.Key and the node has none.
	ErrNoKey = errors.New("p2p: no signing key configured")
	// ErrUnknownTopic: a topic name that was never joined on this node.
	ErrUnknownTopic = errors.New("p2p: unknown topic")
	// ErrClosed: the node has been closed.
	ErrClosed = errors.New("p2p: node closed")
)

// ErrIgnore, returned (wrapped) by a TopicValidator, drops a message
// without penalizing the peer that forwarded it.
var ErrIgnore = errors.New("p2p: ignore message")
