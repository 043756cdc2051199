package plugins_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/builtin"
	"github.com/ncn-network/ncn/plugins/pluginstest"
	"github.com/ncn-network/ncn/sdk-plugins/examples/pricing"
	"github.com/ncn-network/ncn/sdk-plugins/examples/selection"
	"github.com/ncn-network/ncn/sdk-plugins/pdk"
)

// sharedCacheDir is a compilation cache on disk that the tests' runtimes
// share (set by TestMain): the Go build of the defaults takes seconds to
// compile, half a minute under the race detector, and most tests load it,
// some of them on several runtimes and every -count over.
var sharedCacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ncn-plugins-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedCacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newRuntime is a runtime for a test, closed when it ends, compiling
// through the shared cache unless cfg names its own.
func newRuntime(t testing.TB, cfg plugins.Config) *plugins.Runtime {
	t.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = sharedCacheDir
	}
	return newFreshRuntime(t, cfg)
}

// newFreshRuntime is a runtime as cfg says: with an empty CacheDir it
// compiles everything itself, in memory.
func newFreshRuntime(t testing.TB, cfg plugins.Config) *plugins.Runtime {
	t.Helper()
	r, err := plugins.NewRuntime(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// goDefaults is the Go build of the defaults (sdk-plugins/examples/defaults:
// the five strategies, price, preprocess and postprocess, all declared),
// the twin of the AssemblyScript modules builtin ships, for tests and
// benchmarks that compare the two. Built once per test binary (about
// 3.6 MB; the Go build cache makes it cheap after the first time); its
// self-tests are the built-in defaults'.
func goDefaults(t testing.TB) ([]byte, plugins.Manifest) {
	t.Helper()
	wasm := goDefaultsWasm(t)
	_, m, err := builtin.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	m.Name, m.Kinds, m.SHA256 = "ncn-defaults-go", abi.AllKinds(), plugins.HashWasm(wasm)
	return wasm, m
}

var goDefaultsBuild struct {
	once sync.Once
	wasm []byte
}

func goDefaultsWasm(t testing.TB) []byte {
	t.Helper()
	goDefaultsBuild.once.Do(func() { goDefaultsBuild.wasm = pluginstest.Build(t, "sdk-plugins/examples/defaults") })
	if goDefaultsBuild.wasm == nil {
		t.Fatal("the Go defaults did not build (see the first test that needed them)")
	}
	return goDefaultsBuild.wasm
}

// loadDefaults loads goDefaults.
func loadDefaults(t testing.TB, r *plugins.Runtime) *plugins.Plugin {
	t.Helper()
	wasm, m := goDefaults(t)
	return load(t, r, wasm, m)
}

// loadSelection loads the built-in select module.
func loadSelection(t testing.TB, r *plugins.Runtime) *plugins.Plugin {
	t.Helper()
	wasm, m, err := builtin.Selection()
	if err != nil {
		t.Fatal(err)
	}
	return load(t, r, wasm, m)
}

func load(t testing.TB, r *plugins.Runtime, wasm []byte, m plugins.Manifest) *plugins.Plugin {
	t.Helper()
	p, err := r.Load(context.Background(), wasm, m, plugins.LoadOptions{SkipSignature: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestDefaultsPassVectors runs every abi vector through the Go-built
// defaults, and the select vectors through the built-in select module too.
func TestDefaultsPassVectors(t *testing.T) {
	r := newRuntime(t, plugins.Config{})
	def, sel := loadDefaults(t, r), loadSelection(t, r)
	vs, err := abi.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			for _, p := range []*plugins.Plugin{def, sel} {
				if m := p.Manifest(); m.HasKind(v.Kind) {
					passVector(t, p, v)
				}
			}
		})
	}
}

func passVector(t *testing.T, p *plugins.Plugin, v abi.Vector) {
	t.Helper()
	res, err := p.Call(context.Background(), v.Kind, v.Input)
	if v.Error != "" {
		if plugins.Code(err) != v.Error {
			t.Fatalf("%s: got %v, want error %s", p.Manifest().Name, err, v.Error)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", p.Manifest().Name, err)
	}
	var got, want any
	json.Unmarshal(res.Output, &got)
	json.Unmarshal(v.Output, &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %s\nwant %s", p.Manifest().Name, res.Output, v.Output)
	}
}

func randomSelect(rng *rand.Rand) *abi.SelectInput {
	strategies := []string{"random", "reputation", "stake", "performance", "weighted"}
	in := &abi.SelectInput{Version: abi.Version, Strategy: strategies[rng.IntN(5)], Purpose: abi.PurposeCompute, Count: rng.IntN(10)}
	for i := range in.Seed {
		in.Seed[i] = byte(rng.Uint32())
	}
	n := rng.IntN(120)
	for i := 0; i < n; i++ {
		in.Candidates = append(in.Candidates, abi.Candidate{
			ID: fmt.Sprintf("n%d-%d", i, rng.IntN(1000)), Stake: rng.Uint64N(1 << 40), Reputation: uint32(rng.IntN(101)),
			SuccessBps: uint32(rng.IntN(10001)), LatencyMs: uint32(rng.IntN(500)), Load: uint32(rng.IntN(101)),
		})
	}
	return in
}

// TestDefaultsMatchNativeTwins: the plugin and the same Go code compiled
// natively agree on random inputs, in both forms.
func TestDefaultsMatchNativeTwins(t *testing.T) {
	p := loadDefaults(t, newRuntime(t, plugins.Config{}))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		in := randomSelect(rng)
		f := abi.Form(i % 2)
		input := abi.EncodeSelectInput(in, f)
		want, code := pdk.RunSelect(input, selection.Rank)
		res, err := p.Call(context.Background(), abi.KindSelect, input)
		if code != pdk.OK || err != nil {
			t.Fatalf("case %d: native code %d, plugin %v", i, code, err)
		}
		if string(res.Output) != string(want) {
			t.Fatalf("case %d (%s, n=%d): plugin %x native %x", i, in.Strategy, len(in.Candidates), res.Output, want)
		}
		pin := &abi.PriceInput{Version: abi.Version, Subnet: "s", Model: "m", InputTokens: rng.Uint64N(1e6), OutputTokens: rng.Uint64N(1e6), EstimatedMillis: rng.Uint64N(1e7)}
		pinput := abi.EncodePriceInput(pin, f)
		pwant, _ := pdk.RunPrice(pinput, pricing.Price)
		pres, err := p.Call(context.Background(), abi.KindPrice, pinput)
		if err != nil || string(pres.Output) != string(pwant) {
			t.Fatalf("price case %d: %v %s vs %s", i, err, pres.Output, pwant)
		}
	}
}

// TestHostIOOutputLimit: a plugin that writes its output through the
// host's I/O functions (abi.IOModule, as the pdk does) is held to the
// output limit there, and stays usable: nothing was copied.
func TestHostIOOutputLimit(t *testing.T) {
	p := loadDefaults(t, newRuntime(t, plugins.Config{MaxOutputBytes: 256}))
	in := select100("stake")
	in.Count = 0
	if _, err := p.Call(context.Background(), abi.KindSelect, abi.EncodeSelectInput(in, abi.FormJSON)); plugins.Code(err) != abi.CodeOutputTooLarge {
		t.Fatalf("got %v, want %s", err, abi.CodeOutputTooLarge)
	}
	in.Count = 1
	if _, _, err := p.Select(context.Background(), in); err != nil {
		t.Fatalf("a small output after a refused one: %v", err)
	}
}

// TestExtismKernelPath: a plugin built with the plain Extism PDK, which
// moves its input and output through the Extism kernel rather than
// abi.IOModule, gives the same answers as the native formula.
func TestExtismKernelPath(t *testing.T) {
	wasm := pluginstest.Build(t, "sdk-plugins/examples/extismpdk")
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p, err := newRuntime(t, plugins.Config{}).Load(context.Background(), wasm, pluginstest.Manifest(t, wasm, key, "extismpdk", abi.KindPrice), plugins.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, f := range []abi.Form{abi.FormBinary, abi.FormJSON} {
		input := abi.EncodePriceInput(&abi.PriceInput{Version: abi.Version, Subnet: "s", Model: "m", InputTokens: 1000, OutputTokens: 7,
			EstimatedMillis: 1234, Params: map[string]string{"base": "5"}}, f)
		want, _ := pdk.RunPrice(input, pricing.Price)
		res, err := p.Call(context.Background(), abi.KindPrice, input)
		if err != nil || string(res.Output) != string(want) {
			t.Fatalf("form %d: got %v %q, want %q", f, err, res.Output, want)
		}
	}
}

// TestDeterministicAcrossRuntimes: two separate runtimes, one compiling
// the modules itself in memory, the other through the shared cache, give byte-identical outputs and identical instruction
// counts, with the Go-built select and with the built-in one.
func TestDeterministicAcrossRuntimes(t *testing.T) {
	ra, rb := newFreshRuntime(t, plugins.Config{}), newRuntime(t, plugins.Config{PoolSize: 1})
	t.Run("go", func(t *testing.T) { deterministic(t, loadDefaults(t, ra), loadDefaults(t, rb)) })
	t.Run("selection", func(t *testing.T) { deterministic(t, loadSelection(t, ra), loadSelection(t, rb)) })
}

func deterministic(t *testing.T, a, b *plugins.Plugin) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20; i++ {
		input := abi.EncodeSelectInput(randomSelect(rng), abi.FormBinary)
		ra, err1 := a.Call(context.Background(), abi.KindSelect, input)
		rb, err2 := b.Call(context.Background(), abi.KindSelect, input)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if string(ra.Output) != string(rb.Output) || ra.Instructions != rb.Instructions || ra.Instructions == 0 {
			t.Fatalf("case %d: outputs equal %v, instructions %d vs %d", i, string(ra.Output) == string(rb.Output), ra.Instructions, rb.Instructions)
		}
	}
}

// TestHostileModules: every misbehaviour fails that call with its own code,
// and the plugin keeps serving good calls afterwards.
func TestHostileModules(t *testing.T) {
	wasm := pluginstest.Build(t, "plugins/testdata/hostile")
	key, _ := crypto.GenerateKey()
	m := pluginstest.Manifest(t, wasm, key, "hostile", abi.KindSelect, abi.KindPrice, abi.KindPostprocess)
	r := newRuntime(t, plugins.Config{Budget: 200_000_000, MemoryPages: 512, MaxOutputBytes: 1 << 20, Timeout: 20 * time.Second})
	p, err := r.Load(context.Background(), wasm, m, plugins.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	price := func(mode string) (*plugins.Result, error) {
		in := &abi.PriceInput{Version: abi.Version, Subnet: "s", Model: "m", Params: map[string]string{"mode": mode}}
		return p.Call(context.Background(), abi.KindPrice, abi.EncodePriceInput(in, abi.FormBinary))
	}
	cases := []struct {
		mode string
		want abi.Code
	}{
		{"loop", abi.CodeBudgetExhausted},
		{"bomb", abi.CodeMemoryLimit},
		{"recurse", abi.CodeBudgetExhausted},
		{"panic", abi.CodeTrap},
		{"refuse", abi.CodeRejected},
		{"garbage", abi.CodeInternal},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			_, err := price(tc.mode)
			if plugins.Code(err) != tc.want {
				t.Fatalf("got %v, want code %s", err, tc.want)
			}
			if !strings.Contains(err.Error(), "hostile@0.0.1") {
				t.Fatalf("error does not name the plugin: %v", err)
			}
			if _, err := price("ok"); err != nil {
				t.Fatalf("a good call after %s failed: %v", tc.mode, err)
			}
		})
	}
	t.Run("select spins", func(t *testing.T) {
		_, err := p.Call(context.Background(), abi.KindSelect, abi.EncodeSelectInput(&abi.SelectInput{Version: abi.Version, Purpose: abi.PurposeCompute}, abi.FormBinary))
		if plugins.Code(err) != abi.CodeBudgetExhausted {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("oversized output", func(t *testing.T) {
		if _, err := p.Call(context.Background(), abi.KindPostprocess, []byte("{}")); plugins.Code(err) != abi.CodeOutputTooLarge {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("undeclared kind", func(t *testing.T) {
		if _, err := p.Call(context.Background(), abi.KindPreprocess, []byte("{}")); plugins.Code(err) != abi.CodeMissingExport {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("oversized input", func(t *testing.T) {
		if _, err := p.Call(context.Background(), abi.KindPrice, make([]byte, 2<<20)); plugins.Code(err) != abi.CodeInputTooLarge {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("clock, entropy, env and files are the same everywhere", func(t *testing.T) {
		r2 := newRuntime(t, plugins.Config{Budget: 200_000_000, MemoryPages: 512})
		p2, err := r2.Load(context.Background(), wasm, m, plugins.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer p2.Close()
		a, err := price("ambient")
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		in := &abi.PriceInput{Version: abi.Version, Subnet: "s", Model: "m", Params: map[string]string{"mode": "ambient"}}
		b, err := p2.Call(context.Background(), abi.KindPrice, abi.EncodePriceInput(in, abi.FormBinary))
		if err != nil {
			t.Fatal(err)
		}
		if string(a.Output) != string(b.Output) {
			t.Fatalf("two runtimes saw different ambient state: %s vs %s", a.Output, b.Output)
		}
	})
	t.Run("instruction count grows with work", func(t *testing.T) {
		work := func(model string) uint64 {
			in := &abi.PriceInput{Version: abi.Version, Subnet: "s", Model: model, Params: map[string]string{"mode": "work"}}
			res, err := p.Call(context.Background(), abi.KindPrice, abi.EncodePriceInput(in, abi.FormBinary))
			if err != nil {
				t.Fatal(err)
			}
			return res.Instructions
		}
		if a, b := work("m"), work("mmmmmmmmmm"); !(b > a) {
			t.Fatalf("instructions %d then %d", a, b)
		}
	})
}

func TestLoadRejects(t *testing.T) {
	wasm, m, err := builtin.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	owner, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	signed := m
	signed.SelfTests = nil
	if err := signed.Sign(owner); err != nil {
		t.Fatal(err)
	}
	r := newRuntime(t, plugins.Config{})
	cases := []struct {
		name string
		wasm []byte
		m    func() plugins.Manifest
		want error
	}{
		{"unsigned", wasm, func() plugins.Manifest { x := m; return x }, plugins.ErrSignature},
		{"forged signature", wasm, func() plugins.Manifest {
			x := signed
			x.Owner = crypto.PubkeyToAddress(other.PublicKey).Hex()
			return x
		}, plugins.ErrSignature},
		{"changed after signing", wasm, func() plugins.Manifest { x := signed; x.Version = "9"; return x }, plugins.ErrSignature},
		{"hash mismatch", append([]byte{}, wasm[:len(wasm)-1]...), func() plugins.Manifest { return signed }, plugins.ErrBadManifest},
		{"wrong abi version", wasm, func() plugins.Manifest { x := signed; x.ABIVersion = 2; x.Sign(owner); return x }, plugins.ErrBadManifest},
		{"unknown kind", wasm, func() plugins.Manifest { x := signed; x.Kinds = []abi.Kind{"teleport"}; x.Sign(owner); return x }, plugins.ErrBadManifest},
		{"malformed module", []byte("\x00asm\x01\x00\x00\x00garbage"), func() plugins.Manifest {
			x := signed
			x.SHA256 = plugins.HashWasm([]byte("\x00asm\x01\x00\x00\x00garbage"))
			x.Sign(owner)
			return x
		}, plugins.ErrBadManifest},
		{"failing self-test", wasm, func() plugins.Manifest {
			x := signed
			x.SelfTests = []plugins.SelfTest{{Name: "wrong", Kind: abi.KindPrice,
				Input:  json.RawMessage(`{"version":1,"subnet":"s","model":"m"}`),
				Output: json.RawMessage(`{"version":1,"compute":"1","gateway":"1","validators":"1","treasury":"1"}`)}}
			x.Sign(owner)
			return x
		}, plugins.ErrSelfTest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Load(context.Background(), tc.wasm, tc.m(), plugins.LoadOptions{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("missing export", func(t *testing.T) {
		// A minimal valid module that exports nothing.
		empty := []byte("\x00asm\x01\x00\x00\x00")
		x := signed
		x.SHA256 = plugins.HashWasm(empty)
		x.Sign(owner)
		_, err := r.Load(context.Background(), empty, x, plugins.LoadOptions{})
		if plugins.Code(err) != abi.CodeMissingExport {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unknown host import", func(t *testing.T) {
		// (module (import "evil" "open_socket" (func)) (func (export "price") (result i32) i32.const 0))
		mod := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
			0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, // types: ()->(), ()->i32
			0x02, 0x14, 0x01, 0x04, 'e', 'v', 'i', 'l', 0x0b, 'o', 'p', 'e', 'n', '_', 's', 'o', 'c', 'k', 'e', 't', 0x00, 0x00,
			0x03, 0x02, 0x01, 0x01, // one function of type 1
			0x07, 0x09, 0x01, 0x05, 'p', 'r', 'i', 'c', 'e', 0x00, 0x01,
			0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0b}
		x := signed
		x.SHA256 = plugins.HashWasm(mod)
		x.Kinds = []abi.Kind{abi.KindPrice}
		x.Sign(owner)
		_, err := r.Load(context.Background(), mod, x, plugins.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), "evil") {
			t.Fatalf("got %v, want an error naming the unknown import", err)
		}
	})
}

func FuzzManifest(f *testing.F) {
	_, m, _ := builtin.Defaults()
	b, _ := json.Marshal(m)
	f.Add(b)
	f.Add([]byte(`{"name":"x","kinds":["price"],"signature":"0x00"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m plugins.Manifest
		if json.Unmarshal(data, &m) != nil {
			return
		}
		m.Check([]byte("wasm")) // must not panic
	})
}
