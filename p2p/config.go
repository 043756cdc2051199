package p2p

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// Mode is the node's DHT role.
type Mode int

const (
	// ModeServer answers DHT queries and stores records and provider
	// records for others: registry nodes. It is the zero value because the
	// DHT's automatic mode never leaves client mode on private addresses,
	// which is where a private network lives.
	ModeServer Mode = iota
	// ModeClient only queries: compute nodes and gateways, which come and
	// go and should not hold others' records.
	ModeClient
)

// DefaultPort is the libp2p port of the roles table (TCP and UDP/QUIC).
const DefaultPort = 8828

// DefaultListenAddrs are used when Config.ListenAddrs is empty.
var DefaultListenAddrs = []string{
	"/ip4/0.0.0.0/tcp/8828",
	"/ip4/0.0.0.0/udp/8828/quic-v1",
}

// Config configures a Node. The zero value works: a DHT server with a
// random identity listening on DefaultListenAddrs, with no bootstrap peers
// (the first node of a network) and no key (it can store, serve and relay,
// but not publish). Durations and sizes say their defaults; zero means the
// default everywhere.
type Config struct {
	// Identity is the libp2p host key. nil: IdentityPath is used.
	Identity crypto.PrivKey
	// IdentityPath is a file with a marshalled libp2p private key, created
	// (Ed25519, mode 0600) when missing, so the peer id survives restarts
	// and bootstrap multiaddrs naming it stay valid. Both Identity and
	// IdentityPath empty: a new random identity each start.
	IdentityPath string
	// Key is the operator's Ethereum key: it signs gossip (Publish) and the
	// node's own descriptors (AdvertiseNode, AdvertiseValidator). nil: the
	// node cannot publish (ErrNoKey).
	Key *ecdsa.PrivateKey

	// ListenAddrs are multiaddrs to listen on, TCP and QUIC
	// (DefaultListenAddrs: port 8828 on all IPv4 interfaces).
	ListenAddrs []string
	// AnnounceAddrs, if set, replace the addresses advertised to peers
	// (a public address in front of a NAT the operator forwarded). No NAT
	// port mapping and no relay are ever used.
	AnnounceAddrs []string
	// Bootstrap are the only peers the node dials on its own:
	// multiaddrs ending in /p2p/<peer id>. They are protected from the
	// connection manager and re-dialled every RedialInterval while
	// disconnected. Never the public IPFS bootstrap peers.
	Bootstrap []string
	// Mode is the DHT role: ModeServer (default) or ModeClient.
	Mode Mode
	// ProtocolPrefix separates this network from every other libp2p
	// network: DHT protocol "<prefix>/kad/1.0.0", gossip topics
	// "<prefix>/<name>/1", blob "<prefix>/blob/2.0.0". Default "/ncn"; a
	// devnet uses its own, e.g. "/ncn-dev".
	ProtocolPrefix string

	// MaxRecordSize caps an encoded DHT record, bytes (DefaultMaxRecordSize,
	// 16 KiB). Every node of a network should use the same value.
	MaxRecordSize int
	// ClockSkew is how far in the future a record or message may be issued
	// (DefaultClockSkew, 2 min).
	ClockSkew time.Duration
	// PluginVerifier judges plugin records; nil refuses them (the host
	// supplies one that checks manifests against subnet owners).
	PluginVerifier PluginVerifier
	// GetQuorum is how many DHT servers must answer a Get before the best
	// (highest Seq) record is returned (default 3). 1 is fastest but may
	// return a stale record from a server that missed an update; the DHT's
	// own default waits for the whole lookup.
	GetQuorum int
	// RecordTTL is the lifetime of the node's own descriptors, re-signed
	// every RepublishInterval (default 2 h), so a node that leaves vanishes
	// from the DHT within RecordTTL.
	RecordTTL time.Duration
	// RepublishInterval is how often records given to Put are put
	// again (default 30 min; the DHT drops values after 36 h and new
	// servers join in between).
	RepublishInterval time.Duration
	// ReprovideInterval is how often provider records given to Provide are
	// announced again (default 6 h; the DHT keeps them 48 h).
	ReprovideInterval time.Duration

	// MaxMessageSize caps one gossip message, bytes (default 64 KiB).
	MaxMessageSize int
	// MaxMessageAge is how old a gossip message may be when it arrives
	// (default 2 min); also how long message ids are remembered for
	// deduplication, so a replay is either remembered or too old.
	MaxMessageAge time.Duration
	// QueueSize is the length of gossipsub's per-peer outbound queue, its
	// validation queue and each subscription's buffer (default 4096).
	// Gossipsub's 32 dropped about half of a 1000-message burst.
	QueueSize int

	// Blobs is what the node serves on the blob protocol; nil serves none.
	Blobs BlobStore
	// MaxBlobSize caps a fetched blob, bytes (default 64 MiB).
	MaxBlobSize int64

	// ConnLow and ConnHigh are the connection manager's water marks: above
	// High it trims to Low, oldest-and-least-useful first, sparing
	// connections younger than ConnGrace and bootstrap peers (defaults 100,
	// 400, 1 min).
	ConnLow, ConnHigh int
	ConnGrace         time.Duration
	// MaxMemory caps the resource manager's accounted memory, bytes
	// (default 512 MiB); MaxFileDescriptors caps its file descriptors
	// (default 2048). Per-connection, per-stream and per-protocol limits
	// scale from these with libp2p's defaults; see resourceLimits.
	MaxMemory          int64
	MaxFileDescriptors int

	// RedialInterval is how often disconnected bootstrap peers are dialled
	// again (default 5 s). libp2p itself reconnects nothing after a link
	// heals for about 2 min.
	RedialInterval time.Duration
	// PingInterval is how often every connected peer is pinged (default
	// 2 s); PingTimeout bounds one ping (default 2 s); a peer failing
	// PingFailures pings in a row (default 2) is disconnected. Left to the
	// transports, a dead peer is noticed after 30 s (QUIC) to 40 s (TCP).
	PingInterval time.Duration
	PingTimeout  time.Duration
	PingFailures int

	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
}

// withDefaults returns a copy with every zero field set to its default.
func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if len(c.ListenAddrs) == 0 {
		c.ListenAddrs = DefaultListenAddrs
	}
	if c.ProtocolPrefix == "" {
		c.ProtocolPrefix = "/ncn"
	}
	if c.MaxRecordSize == 0 {
		c.MaxRecordSize = DefaultMaxRecordSize
	}
	def(&c.ClockSkew, DefaultClockSkew)
	if c.GetQuorum == 0 {
		c.GetQuorum = 3
	}
	def(&c.RecordTTL, 2*time.Hour)
	def(&c.RepublishInterval, 30*time.Minute)
	def(&c.ReprovideInterval, 6*time.Hour)
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = 64 << 10
	}
	def(&c.MaxMessageAge, 2*time.Minute)
	if c.QueueSize == 0 {
		c.QueueSize = 4096
	}
	if c.MaxBlobSize == 0 {
		c.MaxBlobSize = 64 << 20
	}
	if c.ConnLow == 0 {
		c.ConnLow = 100
	}
	if c.ConnHigh == 0 {
		c.ConnHigh = 400
	}
	def(&c.ConnGrace, time.Minute)
	if c.MaxMemory == 0 {
		c.MaxMemory = 512 << 20
	}
	if c.MaxFileDescriptors == 0 {
		c.MaxFileDescriptors = 2048
	}
	def(&c.RedialInterval, 5*time.Second)
	def(&c.PingInterval, 2*time.Second)
	def(&c.PingTimeout, 2*time.Second)
	if c.PingFailures == 0 {
		c.PingFailures = 2
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	for _, s := range append(append([]string{}, c.ListenAddrs...), c.AnnounceAddrs...) {
		if _, err := ma.NewMultiaddr(s); err != nil {
			errs = append(errs, fmt.Errorf("address %q: %w", s, err))
		}
	}
	if _, err := parseBootstrap(c.Bootstrap); err != nil {
		errs = append(errs, err)
	}
	if c.Mode != ModeServer && c.Mode != ModeClient {
		errs = append(errs, fmt.Errorf("mode %d: want ModeServer or ModeClient", c.Mode))
	}
	if c.ProtocolPrefix != "" && (!strings.HasPrefix(c.ProtocolPrefix, "/") || strings.HasSuffix(c.ProtocolPrefix, "/")) {
		errs = append(errs, fmt.Errorf("protocol prefix %q: want the form /name", c.ProtocolPrefix))
	}
	if c.MaxRecordSize < 0 || c.MaxRecordSize > MaxEnvelope {
		errs = append(errs, fmt.Errorf("max record size %d: want 0..%d", c.MaxRecordSize, MaxEnvelope))
	}
	if c.MaxMessageSize < 0 || c.MaxMessageSize > MaxEnvelope {
		errs = append(errs, fmt.Errorf("max message size %d: want 0..%d", c.MaxMessageSize, MaxEnvelope))
	}
	if c.ConnLow < 0 || c.ConnHigh < 0 || (c.ConnHigh != 0 && c.ConnLow > c.ConnHigh) {
		errs = append(errs, fmt.Errorf("connection water marks %d/%d: want 0 <= low <= high", c.ConnLow, c.ConnHigh))
	}
	for name, d := range map[string]time.Duration{
		"clock skew": c.ClockSkew, "record ttl": c.RecordTTL, "republish interval": c.RepublishInterval,
		"reprovide interval": c.ReprovideInterval, "max message age": c.MaxMessageAge, "conn grace": c.ConnGrace,
		"redial interval": c.RedialInterval, "ping interval": c.PingInterval, "ping timeout": c.PingTimeout,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %s: negative", name, d))
		}
	}
	if c.RecordTTL != 0 && c.RepublishInterval != 0 && c.RecordTTL <= c.RepublishInterval {
		errs = append(errs, fmt.Errorf("record ttl %s must exceed republish interval %s", c.RecordTTL, c.RepublishInterval))
	}
	if c.QueueSize < 0 || c.MaxBlobSize < 0 || c.MaxMemory < 0 || c.MaxFileDescriptors < 0 || c.PingFailures < 0 || c.GetQuorum < 0 {
		errs = append(errs, errors.New("queue size, blob size, memory, file descriptors and ping failures and get quorum must not be negative"))
	}
	return errors.Join(errs...)
}

// parseBootstrap parses bootstrap multiaddrs, merging addresses of one peer.
func parseBootstrap(addrs []string) ([]peer.AddrInfo, error) {
	var mas []ma.Multiaddr
	for _, s := range addrs {
		m, err := ma.NewMultiaddr(s)
		if err != nil {
			return nil, fmt.Errorf("bootstrap %q: %w", s, err)
		}
		mas = append(mas, m)
	}
	infos, err := peer.AddrInfosFromP2pAddrs(mas...)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: %w (each address must end in /p2p/<peer id>)", err)
	}
	return infos, nil
}
