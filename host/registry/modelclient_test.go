package registry_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/host/registry/registrytest"
)

// TestPushModelFileConcurrently: three uploads of the same 30 MiB file at
// once all end well, each going on from where the others got, and the
// node holds the file once.
func TestPushModelFileConcurrently(t *testing.T) {
	ctx := context.Background()
	n := registrytest.Start(t)
	rc := n.Client(t)

	dir := t.TempDir()
	weights := make([]byte, 30<<20)
	_, _ = mathrand.NewChaCha8([32]byte{3}).Read(weights)
	path := filepath.Join(dir, "weights.bin")
	if err := os.WriteFile(path, weights, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(manifest, fmt.Appendf(nil, `{"files":{"weights.bin":"%x"}}`, sha256.Sum256(weights)), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(manifest)
	owner, _ := crypto.GenerateKey()
	s, _ := registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "concurrent", Seq: 1})
	sub, err := rc.CreateSubnet(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	sm, _ := registry.SignModel(owner, &pb.ModelDescriptor{Id: "w", Subnet: sub.Id, ManifestSha256: fmt.Sprintf("%x", sha256.Sum256(raw))}, 2)
	if _, err := rc.RegisterModel(ctx, sm); err != nil {
		t.Fatal(err)
	}
	if _, err := registry.PushModelFile(ctx, rc, sub.Id, "w", manifest, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { _, errs[i] = registry.PushModelFile(ctx, rc, sub.Id, "w", path, nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}
	var got []byte
	for len(got) < len(weights) {
		f, err := rc.GetModelFile(ctx, &pb.ModelFileRef{Subnet: sub.Id, Model: "w", Sha256: fmt.Sprintf("%x", sha256.Sum256(weights)), Offset: uint64(len(got)), Limit: 16 << 20})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, f.Data...)
	}
	if !bytes.Equal(got, weights) {
		t.Fatal("the node holds other bytes")
	}
}
