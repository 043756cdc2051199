// Package modelcache gives a compute node the model bundles its subnet
// names: it fetches them by hash from the registry network (the model's
// descriptor names its manifest's sha256, the manifest every file's),
// verifies every byte, and keeps them on disk under a size budget,
// evicting the least recently used bundle not in use, and those unused
// for longer than a TTL.
package modelcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
)

// Registry is what the cache needs of a registry node
// (pb.P2PRegistryServiceClient).
type Registry interface {
	ListModels(ctx context.Context, in *pb.ListModelsRequest, opts ...grpc.CallOption) (*pb.ListModelsResponse, error)
	GetModelFile(ctx context.Context, in *pb.ModelFileRef, opts ...grpc.CallOption) (*pb.ModelFile, error)
}

// ErrNotFound is a model the registry does not know in the subnet.
var ErrNotFound = errors.New("modelcache: model not registered")

// Cache is a directory of verified bundles, one per manifest digest.
type Cache struct {
	dir    string
	budget int64 // bytes; 0: unlimited
	reg    Registry

	// Progress, if set before the first Get, sees each file's transfer:
	// the bytes received of size.
	Progress func(model, file string, have, size int64)
	// TTL, if set before the first Get, is how long a bundle no one has
	// asked for stays on disk, budget or not.
	TTL time.Duration
	// Waiting, if set before the first Get, hears why a file's fetch
	// waits before asking again (the registry fetching it from its peers,
	// with its progress; the registry unreachable).
	Waiting func(model, file string, why error)

	mu    sync.Mutex
	inUse map[string]int // digest -> holders
}

// New returns a cache in dir (created) holding at most budget bytes of
// bundles (0: no limit), filled from reg.
func New(dir string, budget int64, reg Registry) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("model cache %s: %w", dir, err)
	}
	return &Cache{dir: dir, budget: budget, reg: reg, inUse: map[string]int{}}, nil
}

// Get returns model's bundle in subnet, verified, fetching it if the cache
// lacks it, and holds it until release is called (it is not evicted
// while held).
func (c *Cache) Get(ctx context.Context, subnet, model string) (b *worker.Bundle, release func(), err error) {
	l, err := c.reg.ListModels(ctx, &pb.ListModelsRequest{Subnet: subnet})
	if err != nil {
		return nil, nil, fmt.Errorf("models of subnet %s: %w", subnet, err)
	}
	i := slices.IndexFunc(l.Models, func(d *pb.ModelDescriptor) bool { return d.Id == model })
	if i < 0 {
		return nil, nil, fmt.Errorf("%w: %s in subnet %s", ErrNotFound, model, subnet)
	}
	digest := l.Models[i].ManifestSha256
	if len(digest) != 64 || strings.Trim(digest, "0123456789abcdef") != "" {
		return nil, nil, fmt.Errorf("model %s: descriptor names no bundle manifest (%q)", model, digest)
	}
	c.hold(digest)
	defer func() {
		if err != nil {
			c.release(digest)
		}
	}()
	dir := filepath.Join(c.dir, digest)
	if b, err := worker.LoadBundle(dir); err == nil && b.Digest == digest {
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // last use, for eviction
		if err := c.evict(); err != nil {
			return nil, nil, err
		}
		return b, func() { c.release(digest) }, nil
	}
	if err := c.fetch(ctx, subnet, model, digest); err != nil {
		return nil, nil, err
	}
	b, err = worker.LoadBundle(dir)
	if err != nil {
		return nil, nil, err
	}
	if b.Digest != digest {
		return nil, nil, fmt.Errorf("model %s: fetched bundle has digest %s, want %s", model, b.Digest, digest)
	}
	if err := c.evict(); err != nil {
		return nil, nil, err
	}
	return b, func() { c.release(digest) }, nil
}

func (c *Cache) hold(digest string) {
	c.mu.Lock()
	c.inUse[digest]++
	c.mu.Unlock()
}

func (c *Cache) release(digest string) {
	c.mu.Lock()
	if c.inUse[digest]--; c.inUse[digest] <= 0 {
		delete(c.inUse, digest)
	}
	c.mu.Unlock()
}

// fetchPart is the range asked of the registry at a time.
const fetchPart = 8 << 20

// maxManifest bounds a bundle manifest read into memory.
const maxManifest = 4 << 20

// abandoned is the age of a temporary fetch directory no fetch can still
// be writing.
const abandoned = 24 * time.Hour

// fetchRetry is the pause before asking again for a file the registry is
// still fetching from its peers.
const fetchRetry = 2 * time.Second

// fetch downloads a bundle into a temporary directory, file by file in
// ranges, checking every file's hash, and moves it into place whole.
func (c *Cache) fetch(ctx context.Context, subnet, model, digest string) error {
	tmp, err := os.MkdirTemp(c.dir, ".fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil { // sandboxed workers run as another user
		return err
	}
	manifest := filepath.Join(tmp, worker.ManifestFile)
	if err := c.fetchFile(ctx, subnet, model, worker.ManifestFile, digest, manifest, maxManifest); err != nil {
		return err
	}
	raw, err := os.ReadFile(manifest)
	if err != nil {
		return err
	}
	var m struct {
		Files map[string]string `json:"files"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("model %s manifest: %w", model, err)
	}
	for rel, sha := range m.Files {
		clean := path.Clean(rel)
		if !fs.ValidPath(clean) || clean == worker.ManifestFile || strings.HasPrefix(clean, ".") {
			return fmt.Errorf("model %s manifest: bad file path %q", model, rel)
		}
		p := filepath.Join(tmp, filepath.FromSlash(clean))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := c.fetchFile(ctx, subnet, model, clean, sha, p, c.budget); err != nil {
			return err
		}
	}
	dst := filepath.Join(c.dir, digest)
	// Another Get may have put it in place meanwhile, and may hold it.
	if b, err := worker.LoadBundle(dst); err != nil || b.Digest != digest {
		_ = os.RemoveAll(dst) // a damaged copy
		if err := os.Rename(tmp, dst); err != nil {
			return err
		}
	}
	for _, sha := range append(slices.Collect(maps.Values(m.Files)), digest) {
		_ = os.Remove(filepath.Join(c.dir, partsDir, sha))
	}
	return nil
}

// fetchFile writes file sha of model's bundle to dst, range by range,
// and verifies it; a file over maxSize bytes (0: any size) is refused
// before its bytes are fetched. The bytes go first to .parts/<sha>, so a
// fetch cut short (a crash, a stop, a lost registry) resumes where it
// stopped, and files already whole are not fetched again, here or in
// another process sharing the cache (a lock on the part file keeps them
// apart). While the registry is still fetching the
// file from its peers (UNAVAILABLE), or is unreachable or busy for a
// moment, it asks again until ctx ends.
func (c *Cache) fetchFile(ctx context.Context, subnet, model, rel, sha, dst string, maxSize int64) error {
	fail := func(err error) error { return fmt.Errorf("model %s file %s (%s): %w", model, rel, sha, err) }
	parts := filepath.Join(c.dir, partsDir)
	if err := os.MkdirAll(parts, 0o755); err != nil {
		return err
	}
	p := filepath.Join(parts, sha)
	f, err := openLocked(ctx, p)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	h := sha256.New()
	have, err := io.Copy(h, f) // what a fetch cut short left
	if err != nil {
		return err
	}
	restart := func() error {
		h.Reset()
		have = 0
		if err := f.Truncate(0); err != nil {
			return err
		}
		_, err := f.Seek(0, io.SeekStart)
		return err
	}
	resumed := have > 0
	var size int64 = -1
	for size < 0 || have < size {
		part, err := c.reg.GetModelFile(ctx, &pb.ModelFileRef{Subnet: subnet, Model: model, Sha256: sha, Offset: uint64(have), Limit: fetchPart},
			grpc.MaxCallRecvMsgSize(fetchPart+(1<<20)))
		if code := status.Code(err); (code == codes.Unavailable || code == codes.ResourceExhausted || code == codes.Aborted || code == codes.DeadlineExceeded) && ctx.Err() == nil {
			if c.Waiting != nil {
				c.Waiting(model, rel, err)
			}
			select {
			case <-time.After(fetchRetry):
				continue
			case <-ctx.Done():
				return fail(fmt.Errorf("%w (last: %v)", ctx.Err(), err))
			}
		}
		if status.Code(err) == codes.InvalidArgument && resumed && size < 0 {
			// The part kept is longer than the file: not its start.
			if err := restart(); err != nil {
				return err
			}
			resumed = false
			continue
		}
		if err != nil {
			return fail(err)
		}
		switch n := int64(part.Size); {
		case size >= 0 && n != size, part.Offset != uint64(have), int64(len(part.Data)) > n-have, len(part.Data) == 0 && have < n:
			return fail(fmt.Errorf("the registry answered %d bytes at %d of %d for a range at %d of %d", len(part.Data), part.Offset, n, have, size))
		case maxSize > 0 && n > maxSize:
			return fail(fmt.Errorf("%d bytes, more than the %d this cache takes", n, maxSize))
		}
		size = int64(part.Size)
		if _, err := f.Write(part.Data); err != nil {
			return err
		}
		h.Write(part.Data)
		have += int64(len(part.Data))
		if c.Progress != nil {
			c.Progress(model, rel, have, size)
		}
		if have == size && hex.EncodeToString(h.Sum(nil)) != sha {
			if err := restart(); err != nil {
				return err
			}
			if !resumed {
				return fail(errors.New("the registry sent other bytes"))
			}
			resumed, size = false, -1 // the kept part was not the file's start: once more from the first byte
		}
	}
	if err := f.Sync(); err != nil {
		return err
	}
	// The part stays until the whole bundle is in place (fetch removes
	// it): a later file failing does not cost this one again.
	return os.Link(p, dst)
}

// partsDir holds files being fetched, by sha256, in the cache directory.
const partsDir = ".parts"

// openLocked opens (creating) the part file at p with an exclusive lock,
// waiting for another holder until ctx ends. A file the holder finished
// and moved away meanwhile is not p any more: it opens p again.
func openLocked(ctx context.Context, p string) (*os.File, error) {
	for {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		for {
			err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
			if !errors.Is(err, unix.EWOULDBLOCK) {
				break
			}
			select {
			case <-time.After(200 * time.Millisecond):
			case <-ctx.Done():
				f.Close()
				return nil, fmt.Errorf("another fetch of the same file holds it: %w", ctx.Err())
			}
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(p)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close()
	}
}

// evict removes the bundles not in use that are unused for longer than
// the TTL, then the least recently used ones until the cache fits its
// budget.
func (c *Cache) evict() error {
	if c.budget <= 0 && c.TTL <= 0 {
		return nil
	}
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	type bundle struct {
		name string
		size int64
		used time.Time
	}
	var all []bundle
	var total int64
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !e.IsDir() {
			continue
		}
		if strings.HasPrefix(e.Name(), ".") {
			if strings.HasPrefix(e.Name(), ".fetch-") && time.Since(info.ModTime()) > abandoned {
				_ = os.RemoveAll(filepath.Join(c.dir, e.Name())) // a fetch a crash cut short
			}
			if e.Name() == partsDir {
				c.dropAbandonedParts()
			}
			continue
		}
		size := dirSize(filepath.Join(c.dir, e.Name()))
		all = append(all, bundle{e.Name(), size, info.ModTime()})
		total += size
	}
	slices.SortFunc(all, func(a, b bundle) int { return a.used.Compare(b.used) })
	c.mu.Lock()
	defer c.mu.Unlock()
	stale := time.Now().Add(-c.TTL)
	for _, b := range all {
		expired := c.TTL > 0 && b.used.Before(stale)
		if !expired && (c.budget <= 0 || total <= c.budget) {
			continue
		}
		if c.inUse[b.name] > 0 {
			continue
		}
		if err := os.RemoveAll(filepath.Join(c.dir, b.name)); err != nil {
			return err
		}
		total -= b.size
	}
	return nil
}

// dropAbandonedParts removes parts no fetch has written for a day.
func (c *Cache) dropAbandonedParts() {
	dir := filepath.Join(c.dir, partsDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > abandoned {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
