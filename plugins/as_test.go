package plugins_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/pluginstest"
	"github.com/ncn-network/ncn/sdk-plugins/examples/selection"
	"github.com/ncn-network/ncn/sdk-plugins/pdk"
)

// The AssemblyScript plugin: the five select strategies written against
// both forms of the ABI in another language. Built by
//
//	npm ci --prefix sdk-plugins/examples/selection-as && npm --prefix sdk-plugins/examples/selection-as run --silent build
const asWasm = "sdk-plugins/examples/selection-as/build/selection.wasm"

// asModule is the AssemblyScript plugin and a manifest for it signed as a
// registry would serve it, speaking both forms.
func asModule(t testing.TB) ([]byte, plugins.Manifest) {
	t.Helper()
	wasm, err := os.ReadFile(filepath.Join(pluginstest.ModuleRoot(t), asWasm))
	if err != nil {
		t.Fatalf("%v (build it with npm, see sdk-plugins/examples/selection-as/assembly/index.ts)", err)
	}
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	m := plugins.Manifest{Name: "selection-as", Version: "0.1.0", Kinds: []abi.Kind{abi.KindSelect},
		ABIVersion: abi.Version, SHA256: plugins.HashWasm(wasm), Binary: true}
	if err := m.Sign(key); err != nil {
		t.Fatal(err)
	}
	return wasm, m
}

// loadAS loads the AssemblyScript plugin.
func loadAS(t testing.TB) *plugins.Plugin {
	t.Helper()
	wasm, m := asModule(t)
	p, err := newRuntime(t, plugins.Config{}).Load(context.Background(), wasm, m, plugins.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestAssemblyScriptPluginPassesVectors runs the abi select vectors
// through the AssemblyScript plugin: raw JSON documents and their binary
// form through Call (the binary answer byte for byte the Go reference's),
// and typed through Select.
func TestAssemblyScriptPluginPassesVectors(t *testing.T) {
	p := loadAS(t)
	ran := passVectors(t, p, func(k abi.Kind) bool { return k == abi.KindSelect }, func(t *testing.T, v abi.Vector) {
		var in abi.SelectInput
		if err := json.Unmarshal(v.Input, &in); err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		checkAgainstGo(t, p, abi.EncodeSelectInput(&in, abi.FormBinary))

		out, _, err := p.Select(context.Background(), &in)
		if v.Error != "" {
			if plugins.Code(err) != v.Error {
				t.Fatalf("Select: got %v, want error %s", err, v.Error)
			}
			return
		}
		if err != nil {
			t.Fatalf("Select: %v", err)
		}
		var want abi.SelectOutput
		if err := json.Unmarshal(v.Output, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(out, &want) {
			t.Fatalf("Select: got %+v, want %+v", out, want)
		}
	})
	if ran < 30 {
		t.Fatalf("ran %d vectors; the file has fewer select vectors than expected", ran)
	}
}

// passVectors runs, as subtests of t, the abi vectors of the kinds keep
// accepts: each input through p.Call, wanting the vector's error code or
// its output (the same JSON document), then more(t, v). It returns how
// many it ran.
func passVectors(t *testing.T, p *plugins.Plugin, keep func(abi.Kind) bool, more func(t *testing.T, v abi.Vector)) int {
	t.Helper()
	vs, err := abi.Vectors()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, v := range vs {
		if !keep(v.Kind) {
			continue
		}
		ran++
		t.Run(v.Name, func(t *testing.T) {
			res, err := p.Call(context.Background(), v.Kind, v.Input)
			if v.Error != "" {
				if plugins.Code(err) != v.Error {
					t.Fatalf("Call: got %v, want error %s", err, v.Error)
				}
			} else if err != nil {
				t.Fatalf("Call: %v", err)
			} else if !sameJSONDoc(res.Output, v.Output) {
				t.Fatalf("Call: got %s\nwant %s", res.Output, v.Output)
			}
			more(t, v)
		})
	}
	return ran
}

// checkAgainstGo runs a select document, in either form, through the
// plugin and through the Go reference (sdk-plugins/pdk with
// selection.Rank) and wants the same ids (a binary answer byte for byte)
// or the same error code. It returns the plugin's instruction count.
func checkAgainstGo(t *testing.T, p *plugins.Plugin, input []byte) uint64 {
	t.Helper()
	same := bytes.Equal
	if abi.FormOf(input) == abi.FormJSON {
		same = sameJSONDoc
	}
	res := checkTwin(t, p, abi.KindSelect, input, func(in []byte) ([]byte, int32) { return pdk.RunSelect(in, selection.Rank) }, same)
	if res == nil {
		return 0
	}
	return res.Instructions
}

// checkTwin runs input through the plugin as kind and through its Go
// twin, and wants the same error code from both, or outputs that same
// judges equal. It returns the plugin's result, or nil when both failed.
func checkTwin(t *testing.T, p *plugins.Plugin, kind abi.Kind, input []byte, twin func([]byte) ([]byte, int32), same func(got, want []byte) bool) *plugins.Result {
	t.Helper()
	res, err := p.Call(context.Background(), kind, input)
	want, code := twin(input)
	if code != pdk.OK {
		wantCode := abi.UnmarshalError(want).Code
		if plugins.Code(err) != wantCode {
			t.Fatalf("%s input %q:\ngot %v\nwant error %s (%s)", kind, input, err, wantCode, want)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("%s input %q:\ngot %v\nwant %s", kind, input, err, want)
	}
	if !same(res.Output, want) {
		t.Fatalf("%s input %q:\ngot  %q\nwant %q", kind, input, res.Output, want)
	}
	return res
}

func sameJSONDoc(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// asCases are JSON documents on the edges of encoding/json and of
// abi.SelectInput.Validate, where a decoder written by hand in another
// language could part from Go's.
func asCases() []struct{ name, input string } {
	const head = `"version":1,"strategy":"reputation","purpose":"compute"`
	doc := func(rest string) string { return "{" + head + "," + rest + "}" }
	cands := func(list string) string { return doc(`"candidates":[` + list + `]`) }
	deep := func(n int) string {
		return doc(`"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `,"candidates":[{"id":"a"}]`)
	}
	return []struct{ name, input string }{
		{"ties by id", cands(`{"id":"b","reputation":5},{"id":"a","reputation":5},{"id":"c","reputation":7},{"id":"B","reputation":5}`)},
		{"byte order, not UTF-16", cands(`{"id":"\uffff"},{"id":"😀"},{"id":"é"},{"id":"z"},{"id":"\ud83d\ude01"}`)},
		{"count cuts", doc(`"count":2,"candidates":[{"id":"a","reputation":1},{"id":"b","reputation":2},{"id":"c","reputation":3}]`)},
		{"count above n", doc(`"count":9,"candidates":[{"id":"a"},{"id":"b"}]`)},
		{"no candidates", doc(`"candidates":[]`)},
		{"null candidates", doc(`"candidates":null`)},
		{"missing candidates", "{" + head + "}"},
		{"escapes in ids", cands(`{"id":"\"q\""},{"id":"a\\b"},{"id":"\u0041\/"},{"id":"\n\t\u0000"},{"id":"<&>"}`)},
		{"invalid UTF-8 becomes U+FFFD", cands("{\"id\":\"a\xffb\"},{\"id\":\"\xc0\xaf\"},{\"id\":\"\xed\xa0\x80\"},{\"id\":\"\xf4\x90\x80\x80\"},{\"id\":\"\xe2\x82\"}")},
		{"two invalid bytes collide", cands("{\"id\":\"\xff\"},{\"id\":\"\xfe\"}")},
		{"surrogate escapes", cands(`{"id":"\ud800"},{"id":"x\udc00\ud800y"},{"id":"\ud83d\ude00"},{"id":"\ud83d\u0041"}`)},
		{"pair equals raw", cands(`{"id":"\ud83d\ude00"},{"id":"😀"}`)},
		{"keys fold case", `{"VERSION":1,"Strategy":"reputation","PURPOSE":"validator","Candidates":[{"ID":"x","REPUTATION":5},{"Id":"y","rEpUtAtIoN":6}]}`},
		{"long s and Kelvin fold", `{"version":1,"ſtrategy":"reputation","purpoſe":"compute","candidates":[{"id":"x","ſtaKe":5,"reputation":1},{"id":"y"}]}`},
		{"dotted I does not fold", `{"version":1,"strategy":"reputation","purpose":"compute","candidates":[{"İd":"x","id":"y"}]}`},
		{"escaped key", `{"\u0076ersion":1,"strategy":"reputation","purpose":"compute","candidates":[{"\u0069d":"x"}]}`},
		{"repeated key, last wins", doc(`"strategy":"stake","strategy":"reputation","candidates":[{"id":"a","reputation":1,"reputation":9},{"id":"b","reputation":5}]`)},
		{"repeated array decodes into its elements", doc(`"candidates":[{"id":"a","reputation":9},{"id":"b"}],"candidates":[{"id":"c"}]`)},
		{"shrunk array keeps its tail", doc(`"candidates":[{"id":"a"},{"id":"b","reputation":8},{"id":"c"}],"candidates":[{"id":"x"}],"candidates":[{"id":"y"},{"id":"z"}]`)},
		{"empty array drops its tail", doc(`"candidates":[{"id":"a"},{"id":"b","reputation":8}],"candidates":[],"candidates":[{"id":"y"},{"id":"z"}]`)},
		{"null element keeps the old one", doc(`"candidates":[{"id":"a","reputation":3},{"id":"b"}],"candidates":[null,{"id":"c"}]`)},
		{"null element is zero", cands(`null`)},
		{"null fields", cands(`{"id":"a","reputation":null,"price":null,"capabilities":null,"stake":null}`)},
		{"version null", `{"version":1,"version":null,"strategy":"reputation","purpose":"compute"}`},
		{"version 2", `{"version":2,"strategy":"reputation","purpose":"compute"}`},
		{"version 2 and bad purpose", `{"version":2,"strategy":"reputation","purpose":"x"}`},
		{"version as string", `{"version":"1","strategy":"reputation","purpose":"compute"}`},
		{"version 1.0", `{"version":1.0,"strategy":"reputation","purpose":"compute"}`},
		{"version 1e0", `{"version":1e0,"strategy":"reputation","purpose":"compute"}`},
		{"version -0", `{"version":-0,"strategy":"reputation","purpose":"compute"}`},
		{"version min int64", `{"version":-9223372036854775808,"strategy":"reputation","purpose":"compute"}`},
		{"version past int64", `{"version":9223372036854775808,"strategy":"reputation","purpose":"compute"}`},
		{"version 2 then a type error", `{"version":2,"strategy":"reputation","purpose":"compute","count":"1"}`},
		{"reputation -0", cands(`{"id":"a","reputation":-0}`)},
		{"reputation 101", cands(`{"id":"a","reputation":101}`)},
		{"reputation past uint32", cands(`{"id":"a","reputation":4294967296}`)},
		{"stake max uint64", cands(`{"id":"a","stake":18446744073709551615}`)},
		{"stake past uint64", cands(`{"id":"a","stake":18446744073709551616}`)},
		{"load 101", cands(`{"id":"a","load":101}`)},
		{"successBps 10001", cands(`{"id":"a","successBps":10001}`)},
		{"latency max uint32", cands(`{"id":"a","latencyMs":4294967295}`)},
		{"count -1", doc(`"count":-1`)},
		{"count 1025", doc(`"count":1025`)},
		{"count 1024", doc(`"count":1024,"candidates":[{"id":"a"}]`)},
		{"unknown strategy", `{"version":1,"strategy":"alphabetical","purpose":"compute","candidates":[{"id":"a"}]}`},
		{"stake", `{"version":1,"strategy":"stake","purpose":"compute","candidates":[{"id":"a","stake":1},{"id":"b","stake":2}]}`},
		{"empty strategy", `{"version":1,"purpose":"compute","candidates":[{"id":"a"}]}`},
		{"strategy case", `{"version":1,"strategy":"Reputation","purpose":"compute"}`},
		{"strategy 256 bytes", `{"version":1,"strategy":"` + strings.Repeat("r", 256) + `","purpose":"compute"}`},
		{"no purpose", `{"version":1,"strategy":"reputation"}`},
		{"purpose case", `{"version":1,"strategy":"reputation","purpose":"Compute"}`},
		{"seed with 0x", doc(`"seed":"0x` + strings.Repeat("aB", 32) + `"`)},
		{"seed without 0x", doc(`"seed":"` + strings.Repeat("0f", 32) + `"`)},
		{"seed 0X", doc(`"seed":"0X` + strings.Repeat("00", 32) + `"`)},
		{"seed short", doc(`"seed":"0x` + strings.Repeat("00", 31) + `"`)},
		{"seed not hex", doc(`"seed":"0x` + strings.Repeat("0g", 32) + `"`)},
		{"seed null", doc(`"seed":null`)},
		{"seed number", doc(`"seed":1`)},
		{"seed escaped", doc(`"seed":"\u0030x` + strings.Repeat("00", 32) + `"`)},
		{"id empty", cands(`{"id":""}`)},
		{"id missing", cands(`{"reputation":1}`)},
		{"id 128 bytes", cands(`{"id":"` + strings.Repeat("é", 64) + `"}`)},
		{"id 129 bytes", cands(`{"id":"` + strings.Repeat("é", 64) + `x"}`)},
		{"id grows past 128 as U+FFFD", cands(`{"id":"` + strings.Repeat("\xff", 43) + `"}`)},
		{"id number", cands(`{"id":1}`)},
		{"duplicate ids", cands(`{"id":"a"},{"id":"b"},{"id":"a"}`)},
		{"price ok", cands(`{"id":"a","price":"0"},{"id":"b","price":"123"},{"id":"c","price":""}`)},
		{"price leading zero", cands(`{"id":"a","price":"01"}`)},
		{"price not decimal", cands(`{"id":"a","price":"1e3"}`)},
		{"price 79 digits", cands(`{"id":"a","price":"1` + strings.Repeat("0", 78) + `"}`)},
		{"price number", cands(`{"id":"a","price":1}`)},
		{"capabilities", cands(`{"id":"a","capabilities":["gpu","model:digits"]}`)},
		{"capabilities 33", cands(`{"id":"a","capabilities":[` + strings.Repeat(`"c",`, 32) + `"c"]}`)},
		{"capability empty", cands(`{"id":"a","capabilities":[""]}`)},
		{"capability null", cands(`{"id":"a","capabilities":[null]}`)},
		{"capabilities shrink", cands(`{"id":"a","capabilities":["x","y"],"capabilities":[null]}`)},
		{"capability 256 bytes", cands(`{"id":"a","capabilities":["` + strings.Repeat("c", 256) + `"]}`)},
		{"unknown fields skipped", doc(`"extra":{"a":[1,-2.5e+3,true,false,null,"x\"",{},[]]},"candidates":[{"id":"a","more":{"b":[{}]}}]`)},
		{"nesting at the limit", deep(9999)},
		{"nesting past the limit", deep(10000)},
		{"whitespace", " \t\r\n{ \"version\" : 1 , \"strategy\" : \"reputation\" , \"purpose\" : \"compute\" , \"candidates\" : [ { \"id\" : \"a\" } ] } \n"},
		{"trailing comma", `{"version":1,"strategy":"reputation","purpose":"compute",}`},
		{"trailing comma in array", cands(`{"id":"a"},`)},
		{"leading zero", `{"version":01,"strategy":"reputation","purpose":"compute"}`},
		{"data after", "{" + head + "} x"},
		{"two documents", "{" + head + "}{}"},
		{"unterminated", `{"version":1,"strategy":"reputation`},
		{"control character", "{\"version\":1,\"strategy\":\"repu\ttation\",\"purpose\":\"compute\"}"},
		{"bad escape", `{"version":1,"strategy":"\x","purpose":"compute"}`},
		{"bad unicode escape", `{"version":1,"strategy":"\u12","purpose":"compute"}`},
		{"single quotes", `{'version':1}`},
		{"bare word", `{"version":1,"strategy":reputation}`},
		{"nul literal", `{"version":nul}`},
		{"key not a string", `{version:1}`},
		{"top-level array", `[{"version":1}]`},
		{"top-level null", `null`},
		{"empty", ``},
		{"empty object", `{}`},
		{"binary magic", "NSI\x01"},
		{"binary bad magic", "NSX\x01" + strings.Repeat("\x00", 40)},
	}
}

// binaryCases are binary documents at the edges of abi's binary decoder.
func binaryCases() []struct {
	name  string
	input []byte
} {
	in := &abi.SelectInput{Version: abi.Version, Strategy: "performance", Purpose: abi.PurposeValidator, Count: 2, Candidates: []abi.Candidate{
		{ID: "0x00000000000000000000000000000000000000ff", SuccessBps: 10, LatencyMs: 5, Capabilities: []string{"gpu"}},
		{ID: "plain", SuccessBps: 10, LatencyMs: 4, Price: "7"},
		{ID: "0xAB", SuccessBps: 11, Capabilities: []string{"gpu", "cpu"}},
	}}
	good := abi.EncodeSelectInput(in, abi.FormBinary)
	with := func(at int, b byte) []byte {
		out := bytes.Clone(good)
		out[at] = b
		return out
	}
	purposeAt := 4 + 32
	// Documents that decode but fail abi.SelectInput.Validate, one check
	// each, and address ids the plugin orders by their bytes.
	addr := func(b ...byte) string { a := make([]byte, 20); copy(a[20-len(b):], b); return fmt.Sprintf("0x%x", a) }
	one := func(c abi.Candidate) []byte {
		return abi.EncodeSelectInput(&abi.SelectInput{Version: abi.Version, Strategy: "stake", Purpose: abi.PurposeCompute,
			Candidates: []abi.Candidate{{ID: addr(1)}, c}}, abi.FormBinary)
	}
	ids := func(list ...string) []byte {
		in := &abi.SelectInput{Version: abi.Version, Strategy: "stake", Purpose: abi.PurposeCompute}
		for _, id := range list {
			in.Candidates = append(in.Candidates, abi.Candidate{ID: id})
		}
		return abi.EncodeSelectInput(in, abi.FormBinary)
	}
	return []struct {
		name  string
		input []byte
	}{
		{"addresses out of order", ids(addr(9), addr(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), addr(1), addr(8, 0, 0, 0, 0), addr(2, 0, 0, 0, 0, 0, 0, 0, 0, 0))},
		{"addresses differing in each word", ids(addr(0xff), addr(0xfe, 0, 0, 0, 0), addr(0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))},
		{"duplicate addresses", ids(addr(3), addr(1), addr(3))},
		{"duplicate strings among addresses", ids(addr(3), "b", "b")},
		{"address and a string that sorts between", ids(addr(2), "0x0", addr(1), "0y")},
		{"reputation 101", one(abi.Candidate{ID: addr(2), Reputation: 101})},
		{"load 101", one(abi.Candidate{ID: addr(2), Load: 101})},
		{"successBps 10001", one(abi.Candidate{ID: addr(2), SuccessBps: 10001})},
		{"id empty", one(abi.Candidate{})},
		{"id 129 bytes", one(abi.Candidate{ID: strings.Repeat("i", 129)})},
		{"capabilities 33", one(abi.Candidate{ID: addr(2), Capabilities: strings.Split(strings.Repeat("c,", 32)+"c", ",")})},
		{"capability empty", one(abi.Candidate{ID: addr(2), Capabilities: []string{"gpu", ""}})},
		{"price leading zero", one(abi.Candidate{ID: addr(2), Price: "0123456789"})},
		{"price 16 digits", one(abi.Candidate{ID: addr(2), Price: "1234567890123456"})},
		{"price with a colon", one(abi.Candidate{ID: addr(2), Price: "1234567:"})},
		{"price with a slash in the tail", one(abi.Candidate{ID: addr(2), Price: "123456789/"})},
		{"price 78 digits", one(abi.Candidate{ID: addr(2), Price: "1" + strings.Repeat("9", 77)})},
		{"price 79 digits", one(abi.Candidate{ID: addr(2), Price: "1" + strings.Repeat("0", 78)})},
		{"count 1025", abi.EncodeSelectInput(&abi.SelectInput{Version: abi.Version, Purpose: abi.PurposeCompute, Count: 1025}, abi.FormBinary)},
		{"good", good},
		{"every prefix is truncated", nil}, // expanded by the caller
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"bad purpose", with(purposeAt, 2)},
		{"bad id tag", with(bytes.Index(good, []byte{0, 5, 'p'}), 7)},
		{"capability index out of range", with(len(good)-1, 9)},
		{"too many candidates", append(bytes.Clone(good[:bytes.Index(good, []byte{1, 0, 0, 0})-2]), 0x04, 0x01)},
	}
}

// TestAssemblyScriptMatchesGo: on documents at the edges of the decoder and
// on generated rankings up to the candidate limit, the AssemblyScript
// plugin and the Go reference agree.
func TestAssemblyScriptMatchesGo(t *testing.T) {
	p := loadAS(t)
	for _, tc := range asCases() {
		t.Run(tc.name, func(t *testing.T) {
			checkAgainstGo(t, p, []byte(tc.input))
		})
	}
	for _, tc := range binaryCases() {
		t.Run("binary/"+tc.name, func(t *testing.T) {
			if tc.input == nil {
				good := binaryCases()[0].input
				for i := range good {
					checkAgainstGo(t, p, good[:i])
				}
				return
			}
			checkAgainstGo(t, p, tc.input)
		})
	}
	t.Run("generated", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for i := 0; i < 100; i++ {
			n := rng.IntN(60)
			if i == 0 {
				n = abi.MaxCandidates
			}
			strategies := []string{selection.Random, selection.Reputation, selection.Stake, selection.Performance, selection.Weighted, ""}
			in := &abi.SelectInput{Version: abi.Version, Strategy: strategies[i%len(strategies)], Purpose: abi.PurposeValidator, Count: rng.IntN(8)}
			for k := range in.Seed {
				in.Seed[k] = byte(rng.Uint32())
			}
			for j := 0; j < n; j++ {
				// Few reputations and ids with shared prefixes, so ties
				// and the byte order of ids decide most places.
				id := fmt.Sprintf("%s%d-%x", []string{"a", "B", "é", "😀", "\u00ff", "\uffff", ""}[rng.IntN(7)], j, rng.Uint32())
				if i == 0 {
					id = fmt.Sprintf("0x%0124x", j) // the longest ids the limit allows (128 bytes)
				} else if i%3 == 1 {
					// addresses in any order, sharing prefixes, so each of
					// the words the plugin compares them by decides some
					var a [20]byte
					a[rng.IntN(3)*8] = byte(rng.IntN(2))
					a[19] = byte(j)
					id = fmt.Sprintf("0x%x", a)
				}
				// Few distinct values, so ties decide many places; stakes
				// near the top of uint64 for the weighted score's 128 bits.
				in.Candidates = append(in.Candidates, abi.Candidate{ID: id, Reputation: uint32(rng.IntN(4) * 33),
					Stake:      []uint64{0, 1, rng.Uint64(), rng.Uint64N(1e18), ^uint64(0) - rng.Uint64N(3)}[rng.IntN(5)],
					SuccessBps: uint32(rng.IntN(3) * 5000), LatencyMs: uint32(rng.IntN(3)) * 2e9, Load: uint32(rng.IntN(101)),
					Price: fmt.Sprint(rng.Uint64()), Capabilities: []string{"gpu"}})
			}
			input, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			used := checkAgainstGo(t, p, input)
			checkAgainstGo(t, p, abi.EncodeSelectInput(in, abi.FormBinary))
			if i == 0 {
				t.Logf("%d candidates, %d bytes of JSON: %d instructions", n, len(input), used)
			}
		}
	})
}

// FuzzAssemblyScriptSelect: any document the fuzzer makes gets the same
// answer from the AssemblyScript plugin as from the Go reference.
func FuzzAssemblyScriptSelect(f *testing.F) {
	for _, tc := range asCases() {
		f.Add([]byte(tc.input))
	}
	vs, err := abi.Vectors()
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range vs {
		if v.Kind == abi.KindSelect {
			f.Add([]byte(v.Input))
		}
	}
	for _, tc := range binaryCases() {
		f.Add(tc.input)
	}
	p := loadAS(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		checkAgainstGo(t, p, input)
	})
}

// TestAssemblyScriptInstructionsIgnoreHistory: the plugin resets its heap
// at the start of every call, so what a call costs does not depend on what
// the instance ran before: the same input costs the same on a fresh
// instance and on one that has just ranked a thousand candidates.
func TestAssemblyScriptInstructionsIgnoreHistory(t *testing.T) {
	p := loadAS(t)
	small := []byte(`{"version":1,"strategy":"reputation","purpose":"compute","candidates":[{"id":"a","reputation":3},{"id":"b","reputation":5}]}`)
	big := &abi.SelectInput{Version: abi.Version, Strategy: selection.Reputation, Purpose: abi.PurposeCompute}
	for j := 0; j < 1000; j++ {
		big.Candidates = append(big.Candidates, abi.Candidate{ID: fmt.Sprintf("0x%040x", j), Reputation: uint32(j % 101)})
	}
	call := func(input []byte) uint64 {
		t.Helper()
		res, err := p.Call(context.Background(), abi.KindSelect, input)
		if err != nil {
			t.Fatal(err)
		}
		return res.Instructions
	}
	fresh := call(small)
	call(abi.EncodeSelectInput(big, abi.FormJSON))
	if after := call(small); after != fresh {
		t.Fatalf("%d instructions on a fresh instance, %d after a large call", fresh, after)
	}
}
