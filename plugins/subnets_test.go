package plugins_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
	"github.com/ncn-network/ncn/plugins/pluginstest"
)

// TestHotSwapUnderLoad swaps a subnet's price plugin back and forth while
// calls run: no call fails, and every call's answer is the one its held
// config hash promises.
func TestHotSwapUnderLoad(t *testing.T) {
	ctx := context.Background()
	store, err := plugins.OpenStore(filepath.Join(t.TempDir(), "plugins.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	setA, err := builtin.Install(store, "demo")
	mustOK(t, err)
	key, _ := crypto.GenerateKey()
	hostile := pluginstest.Build(t, "plugins/testdata/hostile")
	hm := pluginstest.Manifest(t, hostile, key, "fixed-price", abi.KindPrice)
	mustOK(t, store.Put(hostile, hm))

	subnets := plugins.NewSubnets(newRuntime(t, plugins.Config{}), store, plugins.LoadOptions{SkipSignature: true})
	defer subnets.Close()
	setB := plugins.ActiveSet{Subnet: "demo", Plugins: maps.Clone(setA.Plugins)}
	setB.Plugins[abi.KindPrice] = hm.SHA256
	hashA, err := subnets.Activate(ctx, setA)
	mustOK(t, err)
	if hashA != setA.ConfigHash() || hashA == setB.ConfigHash() {
		t.Fatal("config hashes do not tell the sets apart")
	}

	var calls, failures atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				h, err := subnets.Acquire("demo")
				if err != nil {
					failures.Add(1)
					continue
				}
				p, _ := h.Plugin(abi.KindPrice)
				out, _, err := p.Price(ctx, &abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "m", Params: h.Params()})
				switch {
				case err != nil:
					t.Errorf("call during swap: %v", err)
					failures.Add(1)
				case (h.ConfigHash() == hashA) == (out.Compute == "1"):
					t.Errorf("config %s answered %+v", h.ConfigHash(), out)
					failures.Add(1)
				}
				h.Release()
				calls.Add(1)
			}
		}()
	}
	for i := 0; i < 10; i++ {
		time.Sleep(50 * time.Millisecond)
		set := setB
		if i%2 == 1 {
			set = setA
		}
		if _, err := subnets.Activate(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || calls.Load() < 20 {
		t.Fatalf("%d calls, %d failures", calls.Load(), failures.Load())
	}
	t.Logf("%d calls across 10 swaps, none failed", calls.Load())

	t.Run("rollback", func(t *testing.T) {
		hist, err := store.History("demo")
		mustOK(t, err)
		if len(hist) != 11 {
			t.Fatalf("history of %d sets", len(hist))
		}
		h, err := subnets.Rollback(ctx, "demo", 1) // the last set was A, so back to B
		mustOK(t, err)
		if h != setB.ConfigHash() {
			t.Fatalf("rolled back to %s", h)
		}
		if _, err := subnets.Rollback(ctx, "demo", 99); err == nil {
			t.Fatal("rollback past the history worked")
		}
	})
	t.Run("a failing set does not replace the active one", func(t *testing.T) {
		bad := plugins.ActiveSet{Subnet: "demo", Plugins: map[abi.Kind]string{abi.KindPrice: "00"}}
		if _, err := subnets.Activate(ctx, bad); !errors.Is(err, plugins.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
		h, err := subnets.Acquire("demo")
		mustOK(t, err)
		defer h.Release()
		if h.ConfigHash() != setB.ConfigHash() {
			t.Fatal("the active set changed")
		}
	})
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
