package p2p

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/routing"
	mh "github.com/multiformats/go-multihash"
)

// Provider keys. A provider record says "this peer serves X"; X is a CID
// derived from what is served, so a lookup needs only the id.

func domainCID(domain string, id []byte) cid.Cid {
	sum := sha256.Sum256(append([]byte(domain), id...))
	h, _ := mh.Encode(sum[:], mh.SHA2_256)
	return cid.NewCidV1(cid.Raw, h)
}

// SubnetCID is the provider key of the compute nodes of a subnet.
func SubnetCID(id Hash) cid.Cid { return domainCID("ncn/providers/subnet/", id[:]) }

// ModelCID is the provider key of the compute nodes serving a model.
func ModelCID(id Hash) cid.Cid { return domainCID("ncn/providers/model/", id[:]) }

// ValidatorsCID is the provider key every validator provides.
func ValidatorsCID() cid.Cid { return domainCID("ncn/providers/validators", nil) }

// BlobCID is the provider key of a blob: the CID of its sha256 itself, so
// the key is the content address.
func BlobCID(sha Hash) cid.Cid {
	h, _ := mh.Encode(sha[:], mh.SHA2_256)
	return cid.NewCidV1(cid.Raw, h)
}

// Put validates rec, stores it in the DHT and keeps it alive: Run puts
// it again every RepublishInterval, re-signed with a later expiry when
// Config.Key signed it (the node's own descriptors), as is otherwise (an
// owner-signed subnet, kept by every registry node that cares). A record
// older than the one held fails with ErrStale.
func (n *Node) Put(ctx context.Context, rec *Record) error {
	b, err := rec.Marshal()
	if err != nil {
		return err
	}
	if _, err := n.validator.Check(rec.DHTKey(), b); err != nil {
		return err
	}
	n.mu.Lock()
	if cur, ok := n.published[rec.DHTKey()]; ok && cur.Seq > rec.Seq {
		n.mu.Unlock()
		return fmt.Errorf("publish %s: seq %d below %d: %w", rec.DHTKey(), rec.Seq, cur.Seq, ErrStale)
	}
	n.published[rec.DHTKey()] = rec
	n.mu.Unlock()
	return n.put(ctx, rec.DHTKey(), b)
}

// Forget stops republishing the record under (ns, key); the DHT keeps it
// until it expires or ages out.
func (n *Node) Forget(ns Namespace, key []byte) {
	n.mu.Lock()
	delete(n.published, DHTKey(ns, key))
	n.mu.Unlock()
}

func (n *Node) put(ctx context.Context, key string, b []byte) error {
	err := n.dht.PutValue(ctx, key, b)
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "newer value"):
		return fmt.Errorf("publish %s: %w", key, ErrStale)
	case len(n.dht.RoutingTable().ListPeers()) == 0:
		// Stored locally; the next republish reaches the network. The first
		// node of a network has nobody to put to.
		n.log.Debug("record stored locally only: no DHT peers yet", "key", key)
		return nil
	}
	return fmt.Errorf("publish %s: %w", key, err)
}

// Get returns the best record under (ns, key) among the first
// Config.GetQuorum answers, validated; ErrNotFound if none.
func (n *Node) Get(ctx context.Context, ns Namespace, key []byte) (*Record, error) {
	k := DHTKey(ns, key)
	b, err := n.dht.GetValue(ctx, k, dht.Quorum(n.cfg.GetQuorum))
	if err != nil {
		if errors.Is(err, routing.ErrNotFound) {
			return nil, fmt.Errorf("get %s: %w", k, ErrNotFound)
		}
		return nil, fmt.Errorf("get %s: %w", k, err)
	}
	return n.validator.Check(k, b)
}

// GetNode fetches and decodes the descriptor of the node at addr.
func (n *Node) GetNode(ctx context.Context, addr [20]byte) (*NodeDescriptor, *Record, error) {
	r, err := n.Get(ctx, NamespaceNode, addr[:])
	if err != nil {
		return nil, nil, err
	}
	d, err := DecodeNode(r.Payload)
	return d, r, err
}

// GetValidator fetches and decodes the descriptor of the validator at addr.
func (n *Node) GetValidator(ctx context.Context, addr [20]byte) (*ValidatorDescriptor, *Record, error) {
	r, err := n.Get(ctx, NamespaceValidator, addr[:])
	if err != nil {
		return nil, nil, err
	}
	d, err := DecodeValidator(r.Payload)
	return d, r, err
}

// GetSubnet fetches and decodes a subnet's metadata.
func (n *Node) GetSubnet(ctx context.Context, id Hash) (*SubnetMetadata, *Record, error) {
	r, err := n.Get(ctx, NamespaceSubnet, id[:])
	if err != nil {
		return nil, nil, err
	}
	d, err := DecodeSubnet(r.Payload)
	return d, r, err
}

// GetModel fetches and decodes a model's descriptor.
func (n *Node) GetModel(ctx context.Context, id Hash) (*ModelDescriptor, *Record, error) {
	r, err := n.Get(ctx, NamespaceModel, id[:])
	if err != nil {
		return nil, nil, err
	}
	d, err := DecodeModel(r.Payload)
	return d, r, err
}

// GetPlugin fetches a plugin manifest record by the .wasm's sha256; the
// payload is the manifest, already accepted by Config.PluginVerifier.
func (n *Node) GetPlugin(ctx context.Context, sha Hash) (*Record, error) {
	return n.Get(ctx, NamespacePlugin, sha[:])
}

// Provide announces that this node serves c and keeps announcing it every
// ReprovideInterval until StopProviding.
func (n *Node) Provide(ctx context.Context, c cid.Cid) error {
	n.mu.Lock()
	n.provided[c] = struct{}{}
	n.mu.Unlock()
	if err := n.dht.Provide(ctx, c, true); err != nil && len(n.dht.RoutingTable().ListPeers()) > 0 {
		return fmt.Errorf("provide %s: %w", c, err)
	}
	return nil
}

// StopProviding stops re-announcing c; existing provider records age out
// (48 h), and Find* skips providers whose descriptor is gone or expired.
func (n *Node) StopProviding(c cid.Cid) {
	n.mu.Lock()
	delete(n.provided, c)
	n.mu.Unlock()
}

// AdvertiseNode signs d with Config.Key (setting Address and PeerID),
// publishes it, serves it on the descriptor protocol and provides the
// subnet and model keys it lists. Run re-signs it every RepublishInterval.
func (n *Node) AdvertiseNode(ctx context.Context, d *NodeDescriptor) (*Record, error) {
	if n.signer == nil {
		return nil, ErrNoKey
	}
	d.Address, d.PeerID = n.signer.Address(), n.host.ID().String()
	var keys []cid.Cid
	for _, s := range d.Subnets {
		keys = append(keys, SubnetCID(s))
	}
	for _, m := range d.Models {
		keys = append(keys, ModelCID(m))
	}
	return n.advertise(ctx, d, keys)
}

// AdvertiseValidator is AdvertiseNode for a validator descriptor; it
// provides ValidatorsCID.
func (n *Node) AdvertiseValidator(ctx context.Context, d *ValidatorDescriptor) (*Record, error) {
	if n.signer == nil {
		return nil, ErrNoKey
	}
	d.Address, d.PeerID = n.signer.Address(), n.host.ID().String()
	return n.advertise(ctx, d, []cid.Cid{ValidatorsCID()})
}

func (n *Node) advertise(ctx context.Context, d any, keys []cid.Cid) (*Record, error) {
	rec, err := n.signer.Descriptor(d, n.cfg.RecordTTL)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.descriptors[rec.Namespace] = rec
	n.mu.Unlock()
	if err := n.Put(ctx, rec); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := n.Provide(ctx, k); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

// republish puts every kept record again, re-signing the node's own.
func (n *Node) republish(ctx context.Context) {
	n.mu.Lock()
	recs := make([]*Record, 0, len(n.published))
	for _, r := range n.published {
		recs = append(recs, r)
	}
	n.mu.Unlock()
	for _, r := range recs {
		if !r.Expires.IsZero() && n.signer != nil {
			if s, err := r.Signer(); err == nil && s == n.signer.Address() {
				fresh, err := n.signer.Record(r.Namespace, r.Key, r.Payload, n.cfg.RecordTTL)
				if err == nil {
					r = fresh
					n.mu.Lock()
					if _, own := n.descriptors[r.Namespace]; own && (r.Namespace == NamespaceNode || r.Namespace == NamespaceValidator) {
						n.descriptors[r.Namespace] = r
					}
					n.mu.Unlock()
				}
			}
		}
		if !r.Expires.IsZero() && time.Now().After(r.Expires) {
			n.Forget(r.Namespace, r.Key)
			continue
		}
		if err := n.Put(ctx, r); err != nil {
			n.log.Warn("republish failed", "key", r.DHTKey(), "err", err)
		}
	}
}

func (n *Node) reprovide(ctx context.Context) {
	n.mu.Lock()
	keys := make([]cid.Cid, 0, len(n.provided))
	for c := range n.provided {
		keys = append(keys, c)
	}
	n.mu.Unlock()
	for _, c := range keys {
		if err := n.dht.Provide(ctx, c, true); err != nil {
			n.log.Warn("reprovide failed", "key", c, "err", err)
		}
	}
}

// Found is one provider with the descriptor it served.
type Found struct {
	Peer      peer.AddrInfo
	Record    *Record
	Node      *NodeDescriptor      // set by FindNodes
	Validator *ValidatorDescriptor // set by FindValidators
}

// FindNodes returns the compute nodes providing key (SubnetCID or
// ModelCID) with their descriptors, fetched from each provider over the
// descriptor protocol and accepted only if valid, unexpired and naming
// that provider's peer id. limit 0 means all. Providers that do not
// answer are left out; no providers is an empty result, not an error.
func (n *Node) FindNodes(ctx context.Context, key cid.Cid, limit int) ([]Found, error) {
	return n.find(ctx, key, NamespaceNode, limit)
}

// FindValidators returns the validators (providers of ValidatorsCID) with
// their descriptors, as FindNodes.
func (n *Node) FindValidators(ctx context.Context, limit int) ([]Found, error) {
	return n.find(ctx, ValidatorsCID(), NamespaceValidator, limit)
}

// FindProviders returns the peers that provide key, without descriptors
// (blob holders).
func (n *Node) FindProviders(ctx context.Context, key cid.Cid, limit int) ([]peer.AddrInfo, error) {
	var out []peer.AddrInfo
	for p := range n.dht.FindProvidersAsync(ctx, key, limit) {
		out = append(out, p)
	}
	return out, ctx.Err()
}

func (n *Node) find(ctx context.Context, key cid.Cid, ns Namespace, limit int) ([]Found, error) {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		out []Found
	)
	for p := range n.dht.FindProvidersAsync(ctx, key, limit) {
		wg.Add(1)
		go func(p peer.AddrInfo) {
			defer wg.Done()
			rec, err := n.FetchDescriptor(ctx, p, ns)
			// Retries cover a dial that raced the provider's own connection
			// to us, or a busy host; a refusal on the merits is not retried.
			for wait := 100 * time.Millisecond; err != nil && wait <= 800*time.Millisecond &&
				!errors.Is(err, ErrNotFound) && !errors.Is(err, ErrMalformed) && ctx.Err() == nil; wait *= 2 {
				time.Sleep(wait)
				rec, err = n.FetchDescriptor(ctx, p, ns)
			}
			if err != nil {
				n.log.Info("provider left out: no valid descriptor", "peer", p.ID, "err", err)
				return
			}
			f := Found{Peer: p, Record: rec}
			if ns == NamespaceNode {
				f.Node, _ = DecodeNode(rec.Payload)
			} else {
				f.Validator, _ = DecodeValidator(rec.Payload)
			}
			mu.Lock()
			out = append(out, f)
			mu.Unlock()
		}(p)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return out, err
	}
	return out, nil
}

// Descriptor protocol: the client writes one byte, the namespace (node or
// validator); the server answers one status byte (0 found, 1 none), and
// when found a u32 length and the record's canonical encoding.

const descTimeout = 10 * time.Second

func (n *Node) serveDescriptor(s network.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(descTimeout))
	var req [1]byte
	if _, err := io.ReadFull(s, req[:]); err != nil {
		_ = s.Reset()
		return
	}
	n.mu.Lock()
	rec := n.descriptors[Namespace(req[0])]
	n.mu.Unlock()
	var b []byte
	if rec != nil {
		b, _ = rec.Marshal()
	}
	if b == nil {
		_, _ = s.Write([]byte{1})
		return
	}
	msg := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(b)))
	_, _ = s.Write(append(msg, b...))
}

// FetchDescriptor asks p directly for its descriptor in ns (NamespaceNode
// or NamespaceValidator) and validates it: signature, expiry, size, and
// that it names p's peer id, so one node cannot serve another's record.
func (n *Node) FetchDescriptor(ctx context.Context, p peer.AddrInfo, ns Namespace) (*Record, error) {
	if ns != NamespaceNode && ns != NamespaceValidator {
		return nil, fmt.Errorf("fetch descriptor: namespace %s: %w", ns, ErrMalformed)
	}
	var b []byte
	if p.ID == n.host.ID() {
		n.mu.Lock()
		rec := n.descriptors[ns]
		n.mu.Unlock()
		if rec == nil {
			return nil, fmt.Errorf("own %s descriptor: %w", ns, ErrNotFound)
		}
		b, _ = rec.Marshal()
	} else {
		if len(p.Addrs) > 0 {
			n.host.Peerstore().AddAddrs(p.ID, p.Addrs, 10*time.Minute)
		}
		ctx, cancel := context.WithTimeout(ctx, descTimeout)
		defer cancel()
		s, err := n.host.NewStream(ctx, p.ID, n.descProtocol())
		if err != nil {
			return nil, fmt.Errorf("descriptor from %s: %w", p.ID, err)
		}
		defer s.Close()
		if dl, ok := ctx.Deadline(); ok {
			_ = s.SetDeadline(dl)
		}
		if _, err := s.Write([]byte{byte(ns)}); err != nil {
			_ = s.Reset()
			return nil, fmt.Errorf("descriptor from %s: %w", p.ID, err)
		}
		_ = s.CloseWrite()
		b, err = readFrame(s, n.cfg.MaxRecordSize)
		if err != nil {
			_ = s.Reset()
			return nil, fmt.Errorf("descriptor from %s: %w", p.ID, err)
		}
	}
	rec, err := UnmarshalRecord(b)
	if err != nil {
		return nil, fmt.Errorf("descriptor from %s: %w", p.ID, err)
	}
	if rec.Namespace != ns {
		return nil, fmt.Errorf("descriptor from %s: namespace %s: %w", p.ID, rec.Namespace, ErrMalformed)
	}
	if _, err := n.validator.Check(rec.DHTKey(), b); err != nil {
		return nil, fmt.Errorf("descriptor from %s: %w", p.ID, err)
	}
	var pid string
	if ns == NamespaceNode {
		d, _ := DecodeNode(rec.Payload)
		pid = d.PeerID
	} else {
		d, _ := DecodeValidator(rec.Payload)
		pid = d.PeerID
	}
	if pid != p.ID.String() {
		return nil, fmt.Errorf("descriptor from %s names peer %s: %w", p.ID, pid, ErrKeyMismatch)
	}
	return rec, nil
}

// readFrame reads a status byte and, when 0, a u32-length-prefixed frame
// of at most max bytes.
func readFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:1]); err != nil {
		return nil, err
	}
	if hdr[0] == 1 {
		return nil, ErrNotFound
	}
	if hdr[0] != 0 {
		return nil, fmt.Errorf("status %d: %w", hdr[0], ErrMalformed)
	}
	if _, err := io.ReadFull(r, hdr[1:]); err != nil {
		return nil, err
	}
	l := binary.BigEndian.Uint32(hdr[1:])
	if int64(l) > int64(max) {
		return nil, fmt.Errorf("frame of %d bytes, limit %d: %w", l, max, ErrTooLarge)
	}
	b := make([]byte, l)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}
