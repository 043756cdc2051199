package p2p

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// BlobStore is where the node serves blobs (plugin .wasm files, model
// files) from. The consumer owns storage; the node only reads.
type BlobStore interface {
	// OpenBlob opens the blob whose sha256 is hash and returns its size in
	// bytes; ErrNotFound (wrapped) when it has none. Called concurrently.
	OpenBlob(hash Hash) (io.ReadCloser, int64, error)
}

// Blob protocol ("<prefix>/blob/1.0.0"): the client writes the 32-byte
// sha256; the server answers one status byte (0 found, 1 not found) and,
// when found, a u64 size and that many bytes. The client verifies size cap
// and hash; a server that lies is just one more provider to skip.

const blobIdle = 30 * time.Second

func (n *Node) serveBlob(s network.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(blobIdle))
	var h Hash
	if _, err := io.ReadFull(s, h[:]); err != nil {
		_ = s.Reset()
		return
	}
	if n.cfg.Blobs == nil {
		_, _ = s.Write([]byte{1})
		return
	}
	r, size, err := n.cfg.Blobs.OpenBlob(h)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			n.log.Warn("blob store", "hash", h, "err", err)
		}
		_, _ = s.Write([]byte{1})
		return
	}
	defer r.Close()
	hdr := binary.BigEndian.AppendUint64([]byte{0}, uint64(size))
	if _, err := s.Write(hdr); err != nil {
		_ = s.Reset()
		return
	}
	// Allow a minute per 64 MiB on top of the idle limit: a deadline, not
	// a rate, bounds a slow reader.
	_ = s.SetWriteDeadline(time.Now().Add(blobIdle + time.Duration(size>>26)*time.Minute))
	if _, err := io.CopyN(s, r, size); err != nil {
		_ = s.Reset()
	}
}

// FetchBlob finds the providers of BlobCID(hash) and fetches the blob from
// the first that serves bytes matching hash within Config.MaxBlobSize,
// skipping providers that fail or serve other bytes. ErrCorrupt when only
// corrupt copies were found, ErrNotFound when nobody had it. The caller
// usually stores it and Provides BlobCID(hash) in turn.
func (n *Node) FetchBlob(ctx context.Context, hash Hash) ([]byte, error) {
	provs, err := n.FindProviders(ctx, BlobCID(hash), 0)
	if err != nil && len(provs) == 0 {
		return nil, fmt.Errorf("fetch blob %s: %w", hash, err)
	}
	var errs []error
	for _, p := range provs {
		if p.ID == n.host.ID() {
			continue
		}
		b, err := n.FetchBlobFrom(ctx, p, hash)
		if err == nil {
			return b, nil
		}
		n.log.Info("blob provider failed", "hash", hash, "peer", p.ID, "err", err)
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	for _, e := range errs {
		if errors.Is(e, ErrCorrupt) {
			return nil, fmt.Errorf("fetch blob %s from %d providers: %w", hash, len(provs), errors.Join(errs...))
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("fetch blob %s: no providers: %w", hash, ErrNotFound)
	}
	return nil, fmt.Errorf("fetch blob %s: %w: %w", hash, ErrNotFound, errors.Join(errs...))
}

// FetchBlobFrom fetches the blob from one peer and verifies it.
func (n *Node) FetchBlobFrom(ctx context.Context, p peer.AddrInfo, hash Hash) ([]byte, error) {
	if len(p.Addrs) > 0 {
		n.host.Peerstore().AddAddrs(p.ID, p.Addrs, 10*time.Minute)
	}
	s, err := n.host.NewStream(ctx, p.ID, n.blobProtocol())
	if err != nil {
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { _ = s.Reset() })
	defer stop()
	if _, err := s.Write(hash[:]); err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	_ = s.CloseWrite()
	var hdr [9]byte
	if _, err := io.ReadFull(s, hdr[:1]); err != nil {
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	switch hdr[0] {
	case 0:
	case 1:
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, ErrNotFound)
	default:
		_ = s.Reset()
		return nil, fmt.Errorf("blob %s from %s: status %d: %w", hash, p.ID, hdr[0], ErrMalformed)
	}
	if _, err := io.ReadFull(s, hdr[1:]); err != nil {
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	size := binary.BigEndian.Uint64(hdr[1:])
	if size > uint64(n.cfg.MaxBlobSize) {
		_ = s.Reset()
		return nil, fmt.Errorf("blob %s from %s: %d bytes, limit %d: %w", hash, p.ID, size, n.cfg.MaxBlobSize, ErrTooLarge)
	}
	// Grow as bytes arrive rather than trusting the announced size with an
	// allocation.
	h := sha256.New()
	buf := make([]byte, 0, min(size, 1<<20))
	w := &appendWriter{buf: buf}
	if _, err := io.CopyN(io.MultiWriter(h, w), s, int64(size)); err != nil {
		_ = s.Reset()
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	if Hash(h.Sum(nil)) != hash {
		_ = s.Reset()
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, ErrCorrupt)
	}
	return w.buf, nil
}

type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}
