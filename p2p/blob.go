package p2p

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// BlobStore is where the node serves blobs (plugin .wasm files, model
// files) from. The consumer owns storage; the node only reads.
type BlobStore interface {
	// OpenBlob opens the blob whose sha256 is hash and returns its size in
	// bytes; ErrNotFound (wrapped) when it has none. Called concurrently.
	OpenBlob(hash Hash) (Blob, int64, error)
}

// Blob is an open blob: an *os.File, or BytesBlob for one in memory.
type Blob interface {
	io.ReaderAt
	io.Closer
}

// BytesBlob serves b as a Blob.
func BytesBlob(b []byte) Blob { return bytesBlob{bytes.NewReader(b)} }

type bytesBlob struct{ *bytes.Reader }

func (bytesBlob) Close() error { return nil }

// Blob protocol ("<prefix>/blob/2.0.0"): the client writes the 32-byte
// sha256 and a u64 offset; the server answers one status byte (0 found, 1
// not found, 2 offset past the end) and, when found, the blob's whole size
// as a u64 and its bytes from the offset on. The offset lets a large blob
// resume where a broken transfer stopped. The client verifies the size
// cap and the hash; a server that lies is just one more provider to skip.
// Version 1.0.0 is the same without the offset (always 0), still served
// and spoken to peers that know only it.

const (
	blobIdle  = 30 * time.Second // longest a transfer may stall
	blobChunk = 256 << 10        // bytes moved between deadline updates
)

const (
	blobFound    = 0
	blobNotFound = 1
	blobBadRange = 2
)

func (n *Node) serveBlob(s network.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(blobIdle))
	var req [len(Hash{}) + 8]byte
	n1 := len(req)
	if s.Protocol() == n.blobProtocolV1() {
		n1 = len(Hash{}) // no offset
	}
	if _, err := io.ReadFull(s, req[:n1]); err != nil {
		_ = s.Reset()
		return
	}
	h := Hash(req[:len(Hash{})])
	off := binary.BigEndian.Uint64(req[len(Hash{}):])
	if n.cfg.Blobs == nil {
		_, _ = s.Write([]byte{blobNotFound})
		return
	}
	b, size, err := n.cfg.Blobs.OpenBlob(h)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			n.log.Warn("blob store", "hash", h, "err", err)
		}
		_, _ = s.Write([]byte{blobNotFound})
		return
	}
	defer b.Close()
	if off > uint64(size) {
		_, _ = s.Write([]byte{blobBadRange})
		return
	}
	hdr := binary.BigEndian.AppendUint64([]byte{blobFound}, uint64(size))
	if _, err := s.Write(hdr); err != nil {
		_ = s.Reset()
		return
	}
	// The deadline moves with each chunk: it bounds a stalled reader, not
	// a slow one.
	body := io.NewSectionReader(b, int64(off), size-int64(off))
	if err := copyIdle(s, body, size-int64(off), s.SetWriteDeadline); err != nil {
		_ = s.Reset()
	}
}

// copyIdle copies n bytes, moving the deadline blobIdle ahead before each
// chunk.
func copyIdle(dst io.Writer, src io.Reader, n int64, deadline func(time.Time) error) error {
	buf := make([]byte, min(n, blobChunk))
	for n > 0 {
		_ = deadline(time.Now().Add(blobIdle))
		k, err := io.ReadFull(src, buf[:min(n, int64(len(buf)))])
		if k > 0 {
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return werr
			}
			n -= int64(k)
		}
		if err != nil && n > 0 {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			return err
		}
	}
	return nil
}

// FetchBlob finds the providers of BlobCID(hash) and fetches the blob from
// the first that serves bytes matching hash within Config.MaxBlobSize,
// skipping providers that fail or serve other bytes. ErrCorrupt when only
// corrupt copies were found, ErrNotFound when nobody had it. The caller
// usually stores it and Provides BlobCID(hash) in turn.
func (n *Node) FetchBlob(ctx context.Context, hash Hash) ([]byte, error) {
	var out []byte
	err := n.fromProviders(ctx, hash, func(p peer.AddrInfo) (err error) {
		out, err = n.FetchBlobFrom(ctx, p, hash)
		return err
	})
	return out, err
}

// FetchBlobFile is FetchBlob for blobs too large to hold in memory (model
// weights): it writes the blob to path, at most maxSize bytes. Bytes
// already at path are taken as the blob's start and the transfer resumes
// after them, from any provider; the whole is verified, and on a mismatch
// path is emptied (and the fetch from that provider tried once more from
// the start, in case the bytes kept came from a corrupt one). progress,
// if not nil, is called as bytes arrive with the bytes at path and the
// blob's size. On success path holds the blob, synced to disk.
func (n *Node) FetchBlobFile(ctx context.Context, hash Hash, path string, maxSize int64, progress func(have, size int64)) error {
	return n.fromProviders(ctx, hash, func(p peer.AddrInfo) error {
		return n.fetchFileFrom(ctx, p, hash, path, maxSize, progress)
	})
}

// fromProviders calls fetch with each provider of hash but this node until
// one succeeds.
func (n *Node) fromProviders(ctx context.Context, hash Hash, fetch func(peer.AddrInfo) error) error {
	provs, err := n.FindProviders(ctx, BlobCID(hash), 0)
	if err != nil && len(provs) == 0 {
		return fmt.Errorf("fetch blob %s: %w", hash, err)
	}
	var errs []error
	for _, p := range provs {
		if p.ID == n.host.ID() {
			continue
		}
		err := fetch(p)
		if err == nil {
			return nil
		}
		n.log.Info("blob provider failed", "hash", hash, "peer", p.ID, "err", err)
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	for _, e := range errs {
		if errors.Is(e, ErrCorrupt) {
			return fmt.Errorf("fetch blob %s from %d providers: %w", hash, len(provs), errors.Join(errs...))
		}
	}
	if len(errs) == 0 {
		return fmt.Errorf("fetch blob %s: no providers: %w", hash, ErrNotFound)
	}
	return fmt.Errorf("fetch blob %s: %w: %w", hash, ErrNotFound, errors.Join(errs...))
}

// FetchBlobFrom fetches the blob from one peer and verifies it.
func (n *Node) FetchBlobFrom(ctx context.Context, p peer.AddrInfo, hash Hash) ([]byte, error) {
	s, size, err := n.openBlob(ctx, p, hash, 0)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if size > uint64(n.cfg.MaxBlobSize) {
		return nil, fmt.Errorf("blob %s from %s: %d bytes, limit %d: %w", hash, p.ID, size, n.cfg.MaxBlobSize, ErrTooLarge)
	}
	// Grow as bytes arrive rather than trusting the announced size with an
	// allocation.
	h := sha256.New()
	w := &appendWriter{buf: make([]byte, 0, min(size, 1<<20))}
	if err := copyIdle(io.MultiWriter(h, w), s.s, int64(size), s.s.SetReadDeadline); err != nil {
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	if Hash(h.Sum(nil)) != hash {
		return nil, fmt.Errorf("blob %s from %s: %w", hash, p.ID, ErrCorrupt)
	}
	return w.buf, nil
}

func (n *Node) fetchFileFrom(ctx context.Context, p peer.AddrInfo, hash Hash, path string, maxSize int64, progress func(have, size int64)) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	have, err := hashPrefix(ctx, f, h) // the part already here, leaving f at its end
	if err != nil {
		return err
	}
	resumed := have > 0
	err = n.fetchRange(ctx, p, hash, f, h, have, maxSize, progress)
	if resumed && (errors.Is(err, ErrCorrupt) || errors.Is(err, errBadRange)) {
		if err = restart(f, h); err == nil {
			err = n.fetchRange(ctx, p, hash, f, h, 0, maxSize, progress)
		}
	}
	if errors.Is(err, ErrCorrupt) {
		_ = restart(f, h)
		return err
	}
	if err != nil {
		return err
	}
	return f.Sync()
}

// errBadRange is a server saying the offset is past the blob's end: the
// bytes kept are not this blob's start.
var errBadRange = fmt.Errorf("offset past the blob's end: %w", ErrMalformed)

func restart(f *os.File, h hash.Hash) error {
	h.Reset()
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// fetchRange appends the blob from offset have on to f (positioned there),
// h having hashed the bytes before it, and checks the whole.
func (n *Node) fetchRange(ctx context.Context, p peer.AddrInfo, hash Hash, f *os.File, h hash.Hash, have, maxSize int64, progress func(have, size int64)) error {
	s, size, err := n.openBlob(ctx, p, hash, uint64(have))
	if err != nil {
		return err
	}
	defer s.close()
	if size > uint64(maxSize) {
		return fmt.Errorf("blob %s from %s: %d bytes, limit %d: %w", hash, p.ID, size, maxSize, ErrTooLarge)
	}
	var w io.Writer = &rateWriter{w: io.MultiWriter(f, h), start: time.Now()}
	if progress != nil {
		w = &progressWriter{w: w, have: have, size: int64(size), f: progress}
		progress(have, int64(size))
	}
	if err := copyIdle(w, s.s, int64(size)-have, s.s.SetReadDeadline); err != nil {
		return fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	if Hash(h.Sum(nil)) != hash {
		return fmt.Errorf("blob %s from %s: %w", hash, p.ID, ErrCorrupt)
	}
	return nil
}

// blobStream is an open blob response, positioned at its first byte.
type blobStream struct {
	s    network.Stream
	stop func() bool
}

func (b blobStream) close() {
	b.stop()
	_ = b.s.Close()
}

// openBlob asks p for hash from offset on and reads the answer's header:
// the blob's whole size.
func (n *Node) openBlob(ctx context.Context, p peer.AddrInfo, hash Hash, offset uint64) (blobStream, uint64, error) {
	if len(p.Addrs) > 0 {
		n.host.Peerstore().AddAddrs(p.ID, p.Addrs, 10*time.Minute)
	}
	s, err := n.host.NewStream(ctx, p.ID, n.blobProtocol(), n.blobProtocolV1())
	if err != nil {
		return blobStream{}, 0, fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	bs := blobStream{s: s, stop: context.AfterFunc(ctx, func() { _ = s.Reset() })}
	fail := func(err error) (blobStream, uint64, error) {
		_ = s.Reset()
		bs.stop()
		return blobStream{}, 0, fmt.Errorf("blob %s from %s: %w", hash, p.ID, err)
	}
	_ = s.SetDeadline(time.Now().Add(blobIdle))
	req := binary.BigEndian.AppendUint64(hash[:], offset)
	if s.Protocol() == n.blobProtocolV1() {
		if offset > 0 { // a peer that cannot resume: the caller starts over
			return fail(fmt.Errorf("the peer speaks %s, without offsets: %w", s.Protocol(), errBadRange))
		}
		req = hash[:]
	}
	if _, err := s.Write(req); err != nil {
		return fail(err)
	}
	_ = s.CloseWrite()
	var hdr [9]byte
	if _, err := io.ReadFull(s, hdr[:1]); err != nil {
		return fail(err)
	}
	switch hdr[0] {
	case blobFound:
	case blobNotFound:
		return fail(ErrNotFound)
	case blobBadRange:
		return fail(errBadRange)
	default:
		return fail(fmt.Errorf("status %d: %w", hdr[0], ErrMalformed))
	}
	if _, err := io.ReadFull(s, hdr[1:]); err != nil {
		return fail(err)
	}
	size := binary.BigEndian.Uint64(hdr[1:])
	if size < offset {
		return fail(fmt.Errorf("%d bytes, asked from %d: %w", size, offset, ErrMalformed))
	}
	return bs, size, nil
}

type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// hashPrefix hashes f from its start to its end into h, leaving f at its
// end, and stops when ctx ends (a prefix can be gigabytes).
func hashPrefix(ctx context.Context, f *os.File, h hash.Hash) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, err := io.CopyN(h, f, 16<<20)
		n += k
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// A provider slower than minRate on average, once minRateAfter has
// passed, is left for the next: the idle deadline alone would let one
// trickling a chunk at a time hold a large fetch for weeks.
const (
	minRate      = 256 << 10 // bytes a second
	minRateAfter = time.Minute
)

// errTooSlow is a provider below minRate.
var errTooSlow = errors.New("p2p: blob provider too slow")

// rateWriter fails once the bytes through it fall below minRate.
type rateWriter struct {
	w     io.Writer
	start time.Time
	n     int64
}

func (w *rateWriter) Write(p []byte) (int, error) {
	k, err := w.w.Write(p)
	w.n += int64(k)
	if d := time.Since(w.start); err == nil && d > minRateAfter && float64(w.n) < minRate*d.Seconds() {
		err = fmt.Errorf("%w: %d bytes in %s", errTooSlow, w.n, d.Round(time.Second))
	}
	return k, err
}

// progressWriter reports the bytes written so far.
type progressWriter struct {
	w          io.Writer
	have, size int64
	f          func(have, size int64)
}

func (w *progressWriter) Write(p []byte) (int, error) {
	k, err := w.w.Write(p)
	w.have += int64(k)
	w.f(w.have, w.size)
	return k, err
}
