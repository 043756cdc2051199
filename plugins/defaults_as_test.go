package plugins_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/plugins"
	"github.com/ncn-network/ncn/plugins/pluginstest"
	"github.com/ncn-network/ncn/sdk-plugins/examples/guard"
	"github.com/ncn-network/ncn/sdk-plugins/examples/pricing"
	"github.com/ncn-network/ncn/sdk-plugins/pdk"
)

// The AssemblyScript defaults: price, preprocess and postprocess, built
// with the select module by the same npm script (see asWasm).
const asDefaultsWasm = "sdk-plugins/examples/selection-as/build/defaults.wasm"

// loadASDefaults loads the AssemblyScript defaults, speaking both forms.
func loadASDefaults(t testing.TB) *plugins.Plugin {
	t.Helper()
	wasm, err := os.ReadFile(filepath.Join(pluginstest.ModuleRoot(t), asDefaultsWasm))
	if err != nil {
		t.Fatalf("%v (build it with npm, see sdk-plugins/examples/selection-as/assembly/defaults.ts)", err)
	}
	m := plugins.Manifest{Name: "defaults-as", Version: "0.1.0", Kinds: []abi.Kind{abi.KindPrice, abi.KindPreprocess, abi.KindPostprocess},
		ABIVersion: abi.Version, SHA256: plugins.HashWasm(wasm), Binary: true, Owner: "0x0000000000000000000000000000000000000000"}
	p, err := newRuntime(t, plugins.Config{}).Load(context.Background(), wasm, m, plugins.LoadOptions{SkipSignature: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// goTwin runs input through the Go reference of kind (sdk-plugins/pdk
// with pricing and guard).
func goTwin(kind abi.Kind, input []byte) ([]byte, int32) {
	switch kind {
	case abi.KindPrice:
		return pdk.RunPrice(input, pricing.Price)
	case abi.KindPreprocess:
		return pdk.RunPreprocess(input, guard.Preprocess)
	default:
		return pdk.RunPostprocess(input, guard.Postprocess)
	}
}

// checkDefaultsAgainstGo wants the same output byte for byte, or the same
// error code, from the plugin and from the Go reference.
func checkDefaultsAgainstGo(t *testing.T, p *plugins.Plugin, kind abi.Kind, input []byte) {
	t.Helper()
	checkTwin(t, p, kind, input, func(in []byte) ([]byte, int32) { return goTwin(kind, in) }, bytes.Equal)
}

// TestAssemblyScriptDefaultsPassVectors runs the abi price, preprocess and
// postprocess vectors through the AssemblyScript defaults, price also in
// its binary form, each answer byte for byte the Go reference's.
func TestAssemblyScriptDefaultsPassVectors(t *testing.T) {
	p := loadASDefaults(t)
	ran := passVectors(t, p, func(k abi.Kind) bool { return k != abi.KindSelect }, func(t *testing.T, v abi.Vector) {
		checkDefaultsAgainstGo(t, p, v.Kind, v.Input)
		if v.Kind == abi.KindPrice {
			var in abi.PriceInput
			if err := json.Unmarshal(v.Input, &in); err != nil {
				t.Fatal(err)
			}
			checkDefaultsAgainstGo(t, p, v.Kind, abi.EncodePriceInput(&in, abi.FormBinary))
		}
	})
	if ran < 10 {
		t.Fatalf("ran %d vectors; want the 10 price, preprocess and postprocess ones", ran)
	}
}

// defaultsCases are documents at the edges of the formula, the guards and
// encoding/json, where a twin in another language could part from Go.
func defaultsCases() []struct {
	name  string
	kind  abi.Kind
	input string
} {
	price := func(params string) string {
		return `{"version":1,"subnet":"s","model":"m","inputTokens":18446744073709551615,"outputTokens":18446744073709551615,"estimatedMillis":18446744073709551615,"params":{` + params + `}}`
	}
	small := func(params string) string {
		return `{"version":1,"subnet":"s","model":"m","inputTokens":3,"outputTokens":4,"estimatedMillis":1999,"params":{` + params + `}}`
	}
	pre := func(input, params string) string {
		return `{"version":1,"model":"m","input":` + input + `,"params":{` + params + `}}`
	}
	post := func(output, params string) string {
		return `{"version":1,"model":"m","output":` + output + `,"params":{` + params + `}}`
	}
	b64 := func(s string) string { b, _ := json.Marshal([]byte(s)); return string(b) }
	nines := strings.Repeat("9", 60)
	type c = struct {
		name  string
		kind  abi.Kind
		input string
	}
	return []c{
		{"price maxima", abi.KindPrice, price(`"base":"` + nines + `","per_token":"` + strings.Repeat("9", 50) + `"`)},
		{"price past 78 digits", abi.KindPrice, price(`"base":"` + nines + `","per_token":"` + nines + `","per_second":"` + nines + `"`)},
		{"price 61 digits", abi.KindPrice, small(`"base":"1` + strings.Repeat("0", 60) + `"`)},
		{"price 60 digits with leading zeros", abi.KindPrice, small(`"base":"` + strings.Repeat("0", 59) + `7"`)},
		{"price plus sign", abi.KindPrice, small(`"base":"+5","per_token":"+0"`)},
		{"price minus zero", abi.KindPrice, small(`"base":"-0","per_second":"-000"`)},
		{"price minus one", abi.KindPrice, small(`"per_token":"-1"`)},
		{"price sign only", abi.KindPrice, small(`"base":"+"`)},
		{"price empty", abi.KindPrice, small(`"base":""`)},
		{"price null param", abi.KindPrice, small(`"base":null`)},
		{"price hex", abi.KindPrice, small(`"base":"0x10"`)},
		{"price underscore", abi.KindPrice, small(`"base":"1_000"`)},
		{"price space", abi.KindPrice, small(`"base":" 1"`)},
		{"price number param", abi.KindPrice, small(`"base":1`)},
		{"price bps", abi.KindPrice, small(`"split_compute_bps":"+7000","split_gateway_bps":"-0","split_validators_bps":"0003000"`)},
		{"price bps 10000 alone", abi.KindPrice, small(`"split_compute_bps":"10000","split_gateway_bps":"0","split_validators_bps":"0"`)},
		{"price bps 10001", abi.KindPrice, small(`"split_compute_bps":"10001"`)},
		{"price bps past int64", abi.KindPrice, small(`"split_compute_bps":"99999999999999999999"`)},
		{"price bps negative", abi.KindPrice, small(`"split_gateway_bps":"-1"`)},
		{"price bps sum 10001", abi.KindPrice, small(`"split_compute_bps":"9000","split_gateway_bps":"1000","split_validators_bps":"1"`)},
		{"price repeated param, last wins", abi.KindPrice, small(`"base":"-1","base":"5"`)},
		{"price params merge", abi.KindPrice, `{"version":1,"subnet":"s","model":"m","params":{"base":"1"},"params":{"per_token":"2"}}`},
		{"price null params", abi.KindPrice, `{"version":1,"subnet":"s","model":"m","params":{"base":"-1"},"params":null}`},
		{"price escaped key", abi.KindPrice, small(`"b\u0061se":"9"`)},
		{"price key case", abi.KindPrice, small(`"BASE":"-1"`)},
		{"price 64 params", abi.KindPrice, small(strings.TrimSuffix(strings.Repeat(`"k":"v",`, 70), ",") + `,` + paramsN(63))},
		{"price 65 params", abi.KindPrice, small(paramsN(65))},
		{"price fields fold case", abi.KindPrice, `{"VERSION":1,"Subnet":"s","MODEL":"m","inputtokens":5}`},
		{"price no subnet", abi.KindPrice, `{"version":1,"model":"m"}`},
		{"price subnet 256 bytes", abi.KindPrice, `{"version":1,"subnet":"` + strings.Repeat("s", 256) + `","model":"m"}`},
		{"price version 2", abi.KindPrice, `{"version":2,"subnet":"s","model":"m"}`},
		{"price version 2 and no subnet", abi.KindPrice, `{"version":2}`},
		{"price tokens negative", abi.KindPrice, `{"version":1,"subnet":"s","model":"m","inputTokens":-1}`},
		{"price tokens 1.5", abi.KindPrice, `{"version":1,"subnet":"s","model":"m","inputTokens":1.5}`},
		{"price tokens past uint64", abi.KindPrice, `{"version":1,"subnet":"s","model":"m","outputTokens":18446744073709551616}`},
		{"price unknown fields", abi.KindPrice, `{"version":1,"subnet":"s","model":"m","x":[{"y":null}]}`},
		{"price trailing data", abi.KindPrice, `{"version":1,"subnet":"s","model":"m"} 1`},
		{"price binary magic only", abi.KindPrice, "NPI\x01"},
		{"price not json", abi.KindPrice, "[1]"},

		{"pre defaults", abi.KindPreprocess, pre(b64("hello"), ``)},
		{"pre empty input", abi.KindPreprocess, pre(`""`, ``)},
		{"pre null input", abi.KindPreprocess, pre(`null`, `"schema":"text"`)},
		{"pre missing input and params", abi.KindPreprocess, `{"version":1}`},
		{"pre at the limit", abi.KindPreprocess, pre(b64("12345"), `"max_input_bytes":"5"`)},
		{"pre over the limit", abi.KindPreprocess, pre(b64("123456"), `"max_input_bytes":"5"`)},
		{"pre limit +5", abi.KindPreprocess, pre(b64("123456"), `"max_input_bytes":"+5"`)},
		{"pre limit -1", abi.KindPreprocess, pre(b64("1"), `"max_input_bytes":"-1"`)},
		{"pre limit 2^30+1", abi.KindPreprocess, pre(b64("1"), `"max_input_bytes":"1073741825"`)},
		{"pre limit empty", abi.KindPreprocess, pre(b64("1"), `"max_input_bytes":""`)},
		{"pre text ok", abi.KindPreprocess, pre(b64("héllo\n"), `"schema":"text"`)},
		{"pre text invalid UTF-8", abi.KindPreprocess, pre(b64("a\xffb"), `"schema":"text"`)},
		{"pre text surrogate", abi.KindPreprocess, pre(b64("\xed\xa0\x80"), `"schema":"text"`)},
		{"pre json object", abi.KindPreprocess, pre(b64(` {"a":[1,{"b":null}],"a":"\u00e9"} `), `"schema":"json-object"`)},
		{"pre json null", abi.KindPreprocess, pre(b64(`null`), `"schema":"json-object"`)},
		{"pre json string", abi.KindPreprocess, pre(b64(`"x"`), `"schema":"json-object"`)},
		{"pre json broken", abi.KindPreprocess, pre(b64(`{"a":}`), `"schema":"json-object"`)},
		{"pre json two documents", abi.KindPreprocess, pre(b64(`{}{}`), `"schema":"json-object"`)},
		{"pre json empty", abi.KindPreprocess, pre(`""`, `"schema":"json-object"`)},
		{"pre json deep", abi.KindPreprocess, pre(b64(`{"a":`+strings.Repeat("[", 9998)+strings.Repeat("]", 9998)+`}`), `"schema":"json-object","max_input_bytes":"100000"`)},
		{"pre json too deep", abi.KindPreprocess, pre(b64(`{"a":`+strings.Repeat("[", 9999)+strings.Repeat("]", 9999)+`}`), `"schema":"json-object","max_input_bytes":"100000"`)},
		{"pre unknown schema", abi.KindPreprocess, pre(b64("x"), `"schema":"xml"`)},
		{"pre unknown schema over the limit", abi.KindPreprocess, pre(b64("xx"), `"schema":"xml","max_input_bytes":"1"`)},
		{"pre empty schema", abi.KindPreprocess, pre(b64("x"), `"schema":""`)},
		{"pre template", abi.KindPreprocess, pre(b64("x"), `"prompt_template":"{{input}}|{{input}}|{{inp"`)},
		{"pre template overlapping", abi.KindPreprocess, pre(b64("y"), `"prompt_template":"{{{input}}}}"`)},
		{"pre template without marker", abi.KindPreprocess, pre(b64("x"), `"prompt_template":"no marker"`)},
		{"pre template empty", abi.KindPreprocess, pre(b64("x"), `"prompt_template":""`)},
		{"pre template over the limit", abi.KindPreprocess, pre(b64("xyz"), `"prompt_template":"ab{{input}}","max_input_bytes":"4"`)},
		{"pre template makes it empty", abi.KindPreprocess, pre(`""`, `"prompt_template":"{{input}}"`)},
		{"pre base64 with newlines", abi.KindPreprocess, pre(`"aGV\nsbG8=\r\n"`, ``)},
		{"pre base64 escaped", abi.KindPreprocess, pre(`"aGVsbG8\u003d"`, ``)},
		{"pre base64 unpadded", abi.KindPreprocess, pre(`"aGVsbG8"`, ``)},
		{"pre base64 bad padding", abi.KindPreprocess, pre(`"aG=="`, ``)},
		{"pre base64 padding in the middle", abi.KindPreprocess, pre(`"aA==aGVs"`, ``)},
		{"pre base64 url alphabet", abi.KindPreprocess, pre(`"-_8="`, ``)},
		{"pre base64 trailing bits", abi.KindPreprocess, pre(`"QR=="`, ``)},
		{"pre bytes as an array", abi.KindPreprocess, pre(`[104,105,0]`, ``)},
		{"pre array element 256", abi.KindPreprocess, pre(`[256]`, ``)},
		{"pre array null keeps", abi.KindPreprocess, `{"version":1,"input":[1,2,3],"input":[null,9],"input":[null,null,null]}`},
		{"pre array after a string", abi.KindPreprocess, `{"version":1,"input":"AQID","input":[null,9,null]}`},
		{"pre empty array", abi.KindPreprocess, pre(`[]`, ``)},
		{"pre version 2", abi.KindPreprocess, `{"version":2,"input":"!!"}`},
		{"pre input a number", abi.KindPreprocess, `{"version":1,"input":5}`},
		{"pre top-level null", abi.KindPreprocess, `null`},
		{"pre top-level array", abi.KindPreprocess, `[]`},
		{"pre fields fold case", abi.KindPreprocess, `{"VERSION":1,"Input":"YQ==","PARAMS":{"schema":"text"}}`},

		{"post defaults", abi.KindPostprocess, post(b64("ok\tline\n\r\x00\x7f\u0085\u009f\u00a0é"), ``)},
		{"post null output", abi.KindPostprocess, post(`null`, ``)},
		{"post null output, no stripping", abi.KindPostprocess, post(`null`, `"strip_control":"false"`)},
		{"post null output, redact", abi.KindPostprocess, post(`null`, `"strip_control":"false","redact":"x"`)},
		{"post missing output", abi.KindPostprocess, `{"version":1}`},
		{"post invalid UTF-8 not stripped", abi.KindPostprocess, post(b64("a\x01\xff"), ``)},
		{"post strip false", abi.KindPostprocess, post(b64("a\x01b"), `"strip_control":"false"`)},
		{"post strip FALSE", abi.KindPostprocess, post(b64("a\x01b"), `"strip_control":"FALSE"`)},
		{"post redact", abi.KindPostprocess, post(b64("the secret plan, the Secret key"), `"redact":" secret ,, plan\u00a0,\u3000key\u2029"`)},
		{"post redact grows", abi.KindPostprocess, post(b64("aaaa"), `"redact":"a,aa"`)},
		{"post redact its own replacement", abi.KindPostprocess, post(b64("x red y"), `"redact":"red,redacted,[,]"`)},
		{"post redact invalid UTF-8", abi.KindPostprocess, post(b64("a\xffb \xff"), `"redact":"\udfff,b"`)},
		{"post redact spaces only", abi.KindPostprocess, post(b64("a b"), `"redact":" , \t"`)},
		{"post cut at a rune", abi.KindPostprocess, post(b64("ééé"), `"max_output_bytes":"3"`)},
		{"post cut to zero", abi.KindPostprocess, post(b64("é"), `"max_output_bytes":"1"`)},
		{"post cut limit 0", abi.KindPostprocess, post(b64("abc"), `"max_output_bytes":"0"`)},
		{"post limit bad", abi.KindPostprocess, post(b64("abc"), `"max_output_bytes":"x"`)},
		{"post version 0", abi.KindPostprocess, `{"output":"YQ=="}`},
		{"post bad base64", abi.KindPostprocess, post(`"YQ="`, ``)},
	}
}

// paramsN is n distinct parameters as JSON members.
func paramsN(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"p%d":"%d"`, i, i)
	}
	return b.String()
}

// TestAssemblyScriptDefaultsMatchGo: on documents at the edges and on
// generated prices in both forms, the AssemblyScript defaults and the Go
// reference agree.
func TestAssemblyScriptDefaultsMatchGo(t *testing.T) {
	p := loadASDefaults(t)
	for _, tc := range defaultsCases() {
		t.Run(tc.name, func(t *testing.T) {
			checkDefaultsAgainstGo(t, p, tc.kind, []byte(tc.input))
			if tc.kind == abi.KindPrice {
				var in abi.PriceInput
				if json.Unmarshal([]byte(tc.input), &in) == nil && len(in.Params) <= 255 {
					checkDefaultsAgainstGo(t, p, tc.kind, abi.EncodePriceInput(&in, abi.FormBinary))
				}
			}
		})
	}
	t.Run("binary edges", func(t *testing.T) {
		good := abi.EncodePriceInput(&abi.PriceInput{Version: abi.Version, Subnet: "s", Model: "m", InputTokens: 1,
			Params: map[string]string{"base": "5", "per_token": "7"}}, abi.FormBinary)
		for i := range good {
			checkDefaultsAgainstGo(t, p, abi.KindPrice, good[:i])
		}
		checkDefaultsAgainstGo(t, p, abi.KindPrice, append(bytes.Clone(good), 0))
		// a repeated key: the last wins, and it counts once
		dup := bytes.Clone(good)
		dup = append(dup[:len(dup)-len("\x00\x09per_token\x00\x017")], "\x00\x04base\x00\x016"...)
		checkDefaultsAgainstGo(t, p, abi.KindPrice, dup)
	})
	t.Run("generated prices", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		amount := func() string {
			switch rng.IntN(4) {
			case 0:
				return fmt.Sprint(rng.Uint64())
			case 1:
				return strings.Repeat("9", 1+rng.IntN(60))
			case 2:
				return fmt.Sprint(rng.IntN(1000))
			}
			return "1" + strings.Repeat("0", rng.IntN(60))
		}
		for i := 0; i < 200; i++ {
			in := &abi.PriceInput{Version: abi.Version, Subnet: "s", Model: "m",
				InputTokens: rng.Uint64() >> rng.IntN(64), OutputTokens: rng.Uint64() >> rng.IntN(64), EstimatedMillis: rng.Uint64() >> rng.IntN(64),
				Params: map[string]string{}}
			for _, k := range []string{"base", "per_token", "per_second"} {
				if rng.IntN(3) > 0 {
					in.Params[k] = amount()
				}
			}
			for _, k := range []string{"split_compute_bps", "split_gateway_bps", "split_validators_bps"} {
				if rng.IntN(3) == 0 {
					in.Params[k] = fmt.Sprint(rng.IntN(5000))
				}
			}
			for _, f := range []abi.Form{abi.FormJSON, abi.FormBinary} {
				checkDefaultsAgainstGo(t, p, abi.KindPrice, abi.EncodePriceInput(in, f))
			}
		}
	})
}

// FuzzAssemblyScriptDefaults: any document the fuzzer makes gets the same
// answer from the AssemblyScript defaults as from the Go reference, for
// each kind.
func FuzzAssemblyScriptDefaults(f *testing.F) {
	kinds := []abi.Kind{abi.KindPrice, abi.KindPreprocess, abi.KindPostprocess}
	for _, tc := range defaultsCases() {
		for i, k := range kinds {
			if k == tc.kind {
				f.Add(uint8(i), []byte(tc.input))
			}
		}
	}
	f.Add(uint8(0), abi.EncodePriceInput(&abi.PriceInput{Version: 1, Subnet: "s", Model: "m", Params: map[string]string{"base": "1"}}, abi.FormBinary))
	p := loadASDefaults(f)
	f.Fuzz(func(t *testing.T, kind uint8, input []byte) {
		checkDefaultsAgainstGo(t, p, kinds[int(kind)%len(kinds)], input)
	})
}
