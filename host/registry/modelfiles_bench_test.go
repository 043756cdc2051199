package registry_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/chain/chaintest"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
)

// BenchmarkModelFileSync moves a 256 MiB model file the three ways a
// model reaches a compute node: uploaded in parts to one registry node
// over gRPC (PushModelFile), fetched from it by a second node over the
// p2p blob protocol to disk, and read from the second node in 8 MiB
// ranges over gRPC and verified, as the compute cache does. Each is
// reported in MiB/s beside reading and hashing the file locally, measured
// in the same run.
func BenchmarkModelFileSync(b *testing.B) {
	const size = 256 << 20
	nw := &replicatingNetwork{t: b, env: chaintest.Simulated(b)}
	for i := range 2 {
		nw.add(i)
	}
	ctx := context.Background()
	owner, _ := crypto.GenerateKey()
	first, second := nw.nodes[0], nw.nodes[1]
	dial := func(addr string) pb.P2PRegistryServiceClient {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		return pb.NewP2PRegistryServiceClient(conn)
	}
	up, down := dial(first.addr), dial(second.addr)
	s := must(first.r.CreateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "bench", Seq: 1}))(b)))(b)

	dir := b.TempDir()
	var local, upload, p2p, ranges time.Duration
	for i := 0; b.Loop(); i++ {
		// A new file and a new model each round: nothing is cached.
		weights := make([]byte, size)
		_, _ = mathrand.NewChaCha8([32]byte{byte(i), 9}).Read(weights)
		path := filepath.Join(dir, fmt.Sprint("weights-", i))
		if err := os.WriteFile(path, weights, 0o644); err != nil {
			b.Fatal(err)
		}
		sha := fmt.Sprintf("%x", sha256.Sum256(weights))
		weights = nil
		manifest := filepath.Join(dir, fmt.Sprint("manifest-", i))
		if err := os.WriteFile(manifest, fmt.Appendf(nil, `{"files":{"w":"%s"}}`, sha), 0o644); err != nil {
			b.Fatal(err)
		}
		raw, _ := os.ReadFile(manifest)
		model := fmt.Sprint("m", i)
		must(first.r.RegisterModel(ctx, must(registry.SignModel(owner, &pb.ModelDescriptor{Id: model, Subnet: s.Id,
			ManifestSha256: fmt.Sprintf("%x", sha256.Sum256(raw))}, uint64(2+i)))(b)))(b)
		waitModel(b, second.r, s.Id, model)
		if _, err := registry.PushModelFile(ctx, up, s.Id, model, manifest, nil); err != nil {
			b.Fatal(err)
		}

		start := time.Now()
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			b.Fatal(err)
		}
		f.Close()
		local += time.Since(start)

		start = time.Now()
		if _, err := registry.PushModelFile(ctx, up, s.Id, model, path, nil); err != nil {
			b.Fatal(err)
		}
		upload += time.Since(start)

		start = time.Now()
		ref := &pb.ModelFileRef{Subnet: s.Id, Model: model, Sha256: sha, Limit: 8 << 20}
		for {
			_, err := down.GetModelFile(ctx, ref)
			if err == nil {
				break
			}
			if time.Since(start) > 5*time.Minute {
				b.Fatal(err)
			}
		}
		p2p += time.Since(start)

		start = time.Now()
		h = sha256.New()
		for ref.Offset < size {
			part, err := down.GetModelFile(ctx, ref)
			if err != nil {
				b.Fatal(err)
			}
			h.Write(part.Data)
			ref.Offset += uint64(len(part.Data))
		}
		if fmt.Sprintf("%x", h.Sum(nil)) != sha {
			b.Fatal("other bytes")
		}
		ranges += time.Since(start)
		_ = os.Remove(path)
	}
	mibps := func(d time.Duration) float64 { return float64(b.N) * size / (1 << 20) / d.Seconds() }
	b.ReportMetric(mibps(local), "local-MiB/s")
	b.ReportMetric(mibps(upload), "upload-MiB/s")
	b.ReportMetric(mibps(p2p), "p2p-MiB/s")
	b.ReportMetric(mibps(ranges), "ranges-MiB/s")
	b.ReportMetric(0, "ns/op")
}

// waitModel waits until r knows model in subnet (gossip).
func waitModel(b *testing.B, r *registry.Node, subnet, model string) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, d := range r.ListModels(subnet) {
			if d.Id == model {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("model %s never reached the second node", model)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
