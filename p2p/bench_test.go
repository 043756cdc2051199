package p2p_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ncn-network/ncn/p2p"
	"github.com/ncn-network/ncn/p2p/p2ptest"
)

// BenchmarkDiscovery: time for a registry node to find every compute node
// of a subnet (provider lookup + each provider's signed descriptor) in a
// network of 10 and 50 DHT servers on loopback, 5 of them serving the
// subnet.
func BenchmarkDiscovery(b *testing.B) {
	for _, size := range []int{10, 50} {
		b.Run(fmt.Sprintf("nodes=%d", size), func(b *testing.B) {
			net := p2ptest.Start(b, size)
			net.WaitRoutingTables(min(size-2, 15), 120*time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			owner := p2ptest.Key(b)
			subnet := p2p.SubnetID(p2p.NewSigner(owner).Address(), "bench")
			const serving = 5
			for _, n := range net.Nodes[size-serving:] {
				if _, err := n.AdvertiseNode(ctx, &p2p.NodeDescriptor{Roles: []p2p.Role{p2p.RoleCompute}, Subnets: []p2p.Hash{subnet}}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				n := net.Nodes[i%(size-serving)]
				found, err := n.FindNodes(ctx, p2p.SubnetCID(subnet), 0)
				if err != nil {
					b.Fatal(err)
				}
				if len(found) != serving {
					b.Fatalf("found %d of %d", len(found), serving)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/discovery")
		})
	}
}

// BenchmarkGossipDelivery: one node of 20 publishes; every other node
// records when each message arrives. Reports the p50 and p99 of
// publish-to-delivery latency over all deliveries.
func BenchmarkGossipDelivery(b *testing.B) {
	const size = 20
	net := p2ptest.Start(b, size)
	net.WaitRoutingTables(10, 120*time.Second)
	subs := make([]*p2p.Subscription, size)
	for i, n := range net.Nodes {
		if err := n.Join(p2p.TopicHeartbeat, nil); err != nil {
			b.Fatal(err)
		}
		var err error
		if subs[i], err = n.Subscribe(p2p.TopicHeartbeat); err != nil {
			b.Fatal(err)
		}
	}
	net.WaitFor(60*time.Second, "topic meshes", func() bool {
		for _, n := range net.Nodes {
			if len(n.TopicPeers(p2p.TopicHeartbeat)) < 4 {
				return false
			}
		}
		return true
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	lat := make(chan time.Duration, 1<<16)
	for _, s := range subs[1:] {
		go func() {
			for {
				d, err := s.Next(ctx)
				if err != nil {
					return
				}
				sent := time.Unix(0, int64(binary.BigEndian.Uint64(d.Message.Payload)))
				lat <- time.Since(sent)
			}
		}()
	}
	var all []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := net.Nodes[0].Publish(ctx, p2p.TopicHeartbeat, binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixNano()))); err != nil {
			b.Fatal(err)
		}
		// One message in flight at a time: this measures latency, not
		// throughput (TestGossip's burst covers that).
		for range size - 1 {
			select {
			case d := <-lat:
				all = append(all, d)
			case <-ctx.Done():
				b.Fatal("deliveries missing")
			}
		}
	}
	b.StopTimer()
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
