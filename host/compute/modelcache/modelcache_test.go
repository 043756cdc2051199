package modelcache_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/compute/modelcache"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/host/registry/registrytest"
)

// counting wraps a registry client and counts file fetches; corrupt
// flips a byte of every file it serves; while unavailable is positive,
// a call answers UNAVAILABLE (as a registry still fetching the file from
// its peers) and counts it down.
type counting struct {
	pb.P2PRegistryServiceClient
	files       atomic.Int32
	corrupt     bool
	unavailable atomic.Int32
	failAt      atomic.Int32 // if positive, the call with this count fails
}

func (c *counting) GetModelFile(ctx context.Context, in *pb.ModelFileRef, opts ...grpc.CallOption) (*pb.ModelFile, error) {
	if c.unavailable.Add(-1) >= 0 {
		return nil, status.Error(codes.Unavailable, "registry: model file being fetched from peers")
	}
	if n := c.files.Add(1); n == c.failAt.Load() {
		return nil, status.Error(codes.Internal, "the registry broke off")
	}
	f, err := c.P2PRegistryServiceClient.GetModelFile(ctx, in, opts...)
	if err == nil && c.corrupt {
		f.Data[len(f.Data)/2] ^= 1
	}
	return f, err
}

// TestFetchVerifyEvict: a compute node gets a registered model's bundle
// from a registry node by hash — the registry taking only files that
// belong to the bundle — verifies it, serves later requests from disk,
// refuses altered bytes, and evicts the least recently used bundle not in
// use when over budget.
func TestFetchVerifyEvict(t *testing.T) {
	ctx := context.Background()
	n := registrytest.Start(t)
	rc := n.Client(t)
	owner, _ := crypto.GenerateKey()
	s, err := registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "models", Seq: 1})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := rc.CreateSubnet(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	_, here, _, _ := runtime.Caller(0)
	models := filepath.Join(filepath.Dir(here), "..", "..", "..", "gpu", "worker", "models")
	for i, name := range []string{"digits", "charlm"} {
		b, err := worker.LoadBundle(filepath.Join(models, name))
		if err != nil {
			t.Fatal(err)
		}
		sm, err := registry.SignModel(owner, &pb.ModelDescriptor{Id: name, Subnet: sub.Id, ManifestSha256: b.Digest}, uint64(2+i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rc.RegisterModel(ctx, sm); err != nil {
			t.Fatal(err)
		}
		upload := func(rel string) error {
			_, err := registry.PushModelFile(ctx, rc, sub.Id, name, filepath.Join(b.Dir, rel), nil)
			return err
		}
		var first string
		for rel := range b.Manifest.Files {
			first = rel
			break
		}
		if err := upload(first); err == nil || !strings.Contains(err.Error(), "manifest") {
			t.Fatalf("a file before its manifest: %v", err)
		}
		if err := upload(worker.ManifestFile); err != nil {
			t.Fatal(err)
		}
		for rel := range b.Manifest.Files {
			if err := upload(rel); err != nil {
				t.Fatal(err)
			}
		}
	}
	stray := []byte("not part of any bundle")
	sum := sha256.Sum256(stray)
	if _, err := rc.UploadModelFile(ctx, &pb.ModelFile{Subnet: sub.Id, Model: "digits", Sha256: hex.EncodeToString(sum[:]), Data: stray}); err == nil {
		t.Fatal("a file outside the bundle was taken")
	}
	if _, err := rc.UploadModelFile(ctx, &pb.ModelFile{Subnet: sub.Id, Model: "digits", Sha256: strings.Repeat("0", 64), Data: stray}); err == nil {
		t.Fatal("a file under another hash was taken")
	}

	reg := &counting{P2PRegistryServiceClient: rc}
	dir := t.TempDir()
	c, err := modelcache.New(dir, 0, reg)
	if err != nil {
		t.Fatal(err)
	}
	b, release, err := c.Get(ctx, sub.Id, "digits")
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Name != "digits" || filepath.Dir(b.Dir) != dir {
		t.Fatalf("bundle %s at %s", b.Manifest.Name, b.Dir)
	}
	fetched := reg.files.Load()
	release()
	if _, release, err = c.Get(ctx, sub.Id, "digits"); err != nil || reg.files.Load() != fetched {
		t.Fatalf("second get: %v, %d fetches after %d", err, reg.files.Load(), fetched)
	}
	release()
	if _, _, err := c.Get(ctx, sub.Id, "nope"); !errors.Is(err, modelcache.ErrNotFound) {
		t.Fatalf("unknown model: %v", err)
	}

	bad := &counting{P2PRegistryServiceClient: rc, corrupt: true}
	cb, _ := modelcache.New(t.TempDir(), 0, bad)
	if _, _, err := cb.Get(ctx, sub.Id, "charlm"); err == nil || !strings.Contains(err.Error(), "other bytes") {
		t.Fatalf("altered bytes: %v", err)
	}

	// A file larger than the whole budget is refused before its bytes
	// come.
	tiny, _ := modelcache.New(t.TempDir(), 100, reg)
	if _, _, err := tiny.Get(ctx, sub.Id, "charlm"); err == nil || !strings.Contains(err.Error(), "more than the 100 this cache takes") {
		t.Fatalf("a file over the budget: %v", err)
	}

	// A budget smaller than both bundles: getting charlm evicts digits
	// (not held), never a held one.
	small, _ := modelcache.New(t.TempDir(), 180_000, reg)
	d, relD, err := small.Get(ctx, sub.Id, "digits")
	if err != nil {
		t.Fatal(err)
	}
	relD()
	ch, relC, err := small.Get(ctx, sub.Id, "charlm")
	if err != nil {
		t.Fatal(err)
	}
	defer relC()
	if _, err := os.Stat(d.Dir); !os.IsNotExist(err) {
		t.Fatalf("digits not evicted: %v", err)
	}
	if _, err := os.Stat(ch.Dir); err != nil {
		t.Fatalf("the held bundle was evicted: %v", err)
	}

	// With a TTL, a bundle unused for longer goes whatever the budget,
	// and so does what a fetch cut short by a crash left.
	dir = t.TempDir()
	aged, _ := modelcache.New(dir, 0, reg)
	aged.TTL = 30 * 24 * time.Hour
	old, relOld, err := aged.Get(ctx, sub.Id, "digits")
	if err != nil {
		t.Fatal(err)
	}
	relOld()
	leftover := filepath.Join(dir, ".fetch-123")
	if err := os.Mkdir(leftover, 0o755); err != nil {
		t.Fatal(err)
	}
	longAgo := time.Now().Add(-40 * 24 * time.Hour)
	for _, p := range []string{old.Dir, leftover} {
		if err := os.Chtimes(p, longAgo, longAgo); err != nil {
			t.Fatal(err)
		}
	}
	_, relNew, err := aged.Get(ctx, sub.Id, "charlm")
	if err != nil {
		t.Fatal(err)
	}
	defer relNew()
	for _, p := range []string{old.Dir, leftover} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s outlived the TTL: %v", p, err)
		}
	}
}

// TestLargeFile: a bundle file larger than any gRPC message travels in
// parts both ways. The upload resumes after the part the registry already
// holds; the cache fetches it range by range and verifies it whole.
func TestLargeFile(t *testing.T) {
	ctx := context.Background()
	n := registrytest.Start(t)
	rc := n.Client(t)

	// The echo bundle with 40 MiB of weights it does not read.
	dir := t.TempDir()
	b := workertest.BigEcho(t, dir, "echo", 40<<20)
	weights, err := os.ReadFile(filepath.Join(dir, "weights.bin"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(weights)

	owner, _ := crypto.GenerateKey()
	s, _ := registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "large", Seq: 1, Models: []string{"echo"}})
	sub, err := rc.CreateSubnet(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	sm, _ := registry.SignModel(owner, &pb.ModelDescriptor{Id: "echo", Subnet: sub.Id, ManifestSha256: b.Digest}, 2)
	if _, err := rc.RegisterModel(ctx, sm); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.PushModelFile(ctx, rc, sub.Id, "echo", filepath.Join(dir, worker.ManifestFile), nil); err != nil {
		t.Fatal(err)
	}
	// Too big for one message, whole or as one part.
	if _, err := rc.UploadModelFile(ctx, &pb.ModelFile{Subnet: sub.Id, Model: "echo", Sha256: hex.EncodeToString(sum[:]), Data: weights[:20<<20], Size: uint64(len(weights))},
		grpc.MaxCallSendMsgSize(64<<20)); err == nil {
		t.Fatal("a 20 MiB part was taken")
	}
	// An upload that broke off after 5 MiB, then one that resumes.
	first := weights[:5<<20]
	up, err := rc.UploadModelFile(ctx, &pb.ModelFile{Subnet: sub.Id, Model: "echo", Sha256: hex.EncodeToString(sum[:]), Data: first, Size: uint64(len(weights))})
	if err != nil || up.Received != uint64(len(first)) || up.Complete {
		t.Fatalf("first part: %v %v", up, err)
	}
	var seen []int64
	if _, err := registry.PushModelFile(ctx, rc, sub.Id, "echo", filepath.Join(dir, "weights.bin"), func(have, size int64) {
		if size != int64(len(weights)) {
			t.Errorf("progress: size %d", size)
		}
		seen = append(seen, have)
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 5 || seen[0] != 13<<20 || seen[4] != int64(len(weights)) {
		t.Fatalf("the upload resumed with parts ending at %v, want 5 parts from 13 MiB to 40 MiB", seen)
	}
	for rel := range b.Manifest.Files {
		if _, err := registry.PushModelFile(ctx, rc, sub.Id, "echo", filepath.Join(dir, rel), nil); err != nil {
			t.Fatal(err)
		}
	}
	// A range too large to ask for, and one past the end.
	for _, ref := range []*pb.ModelFileRef{{Limit: 17 << 20}, {Offset: uint64(len(weights)) + 1}} {
		ref.Subnet, ref.Model, ref.Sha256 = sub.Id, "echo", hex.EncodeToString(sum[:])
		if _, err := rc.GetModelFile(ctx, ref); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("range %d+%d: %v", ref.Offset, ref.Limit, err)
		}
	}

	reg := &counting{P2PRegistryServiceClient: rc}
	reg.unavailable.Store(1) // the registry is still fetching it: ask again
	cacheDir := t.TempDir()
	c, err := modelcache.New(cacheDir, 0, reg)
	if err != nil {
		t.Fatal(err)
	}
	var waited []string
	c.Waiting = func(model, file string, why error) { waited = append(waited, file+": "+status.Convert(why).Message()) }
	var start, last int64 = -1, 0
	c.Progress = func(model, file string, have, size int64) {
		if file == "weights.bin" {
			if start < 0 {
				start = have
			}
			last = have
		}
	}
	// A fetch cut short after two ranges of the weights (the manifest and
	// prefix.txt may come first: at most 4 calls), then one that resumes.
	reg.failAt.Store(5)
	if _, _, err := c.Get(ctx, sub.Id, "echo"); status.Code(err) != codes.Internal {
		t.Fatalf("the fetch that broke off: %v", err)
	}
	reg.failAt.Store(0)
	if len(waited) != 1 || !strings.Contains(waited[0], "fetched from peers") {
		t.Fatalf("waits reported: %q, want the one UNAVAILABLE", waited)
	}
	kept := last
	start = -1
	before := reg.files.Load()
	got, release, err := c.Get(ctx, sub.Id, "echo")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	data, err := os.ReadFile(filepath.Join(got.Dir, "weights.bin"))
	if err != nil || !bytes.Equal(data, weights) || last != int64(len(weights)) {
		t.Fatalf("weights: %d bytes (progress %d), %v", len(data), last, err)
	}
	if kept == 0 || start != kept+8<<20 {
		t.Fatalf("the second fetch started with %d bytes of the weights, want %d kept + 8 MiB", start, kept)
	}
	// The second fetch: one call for each file already whole (the
	// manifest, maybe prefix.txt), prefix.txt if it was not, and the
	// weights' ranges not kept.
	if k, want := reg.files.Load()-before, 2+int32((int64(len(weights))-kept)/(8<<20)); k != want {
		t.Fatalf("%d GetModelFile calls the second time, want %d", k, want)
	}
	if parts, _ := os.ReadDir(filepath.Join(cacheDir, ".parts")); len(parts) != 0 {
		t.Fatalf("%d parts left once the bundle is in place", len(parts))
	}
}
