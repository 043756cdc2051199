package modelcache_test

import (
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

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/compute/modelcache"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/host/registry/registrytest"
)

// counting wraps a registry client and counts file fetches; corrupt
// flips a byte of every file it serves.
type counting struct {
	pb.P2PRegistryServiceClient
	files   atomic.Int32
	corrupt bool
}

func (c *counting) GetModelFile(ctx context.Context, in *pb.ModelFileRef, opts ...grpc.CallOption) (*pb.ModelFile, error) {
	c.files.Add(1)
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
	conn, err := grpc.NewClient(n.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rc := pb.NewP2PRegistryServiceClient(conn)
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
			data, err := os.ReadFile(filepath.Join(b.Dir, rel))
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			_, err = rc.UploadModelFile(ctx, &pb.ModelFile{Subnet: sub.Id, Model: name, Sha256: hex.EncodeToString(sum[:]), Data: data})
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

	// A budget smaller than both bundles: getting charlm evicts digits
	// (not held), never a held one.
	small, _ := modelcache.New(t.TempDir(), 1, reg)
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
}
