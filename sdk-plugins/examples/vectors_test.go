package examples_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/sdk-plugins/examples/guard"
	"github.com/ncn-network/ncn/sdk-plugins/examples/pricing"
	"github.com/ncn-network/ncn/sdk-plugins/examples/selection"
	"github.com/ncn-network/ncn/sdk-plugins/pdk"
)

var update = flag.Bool("update", false, "rewrite abi/testdata/vectors.json from the native implementations")

const vectorsPath = "../../abi/testdata/vectors.json"

// vector is one case of abi/testdata/vectors.json: a kind, an input
// document and the exact output document (or error code) every
// implementation must produce.
type vector struct {
	Name   string          `json:"name"`
	Kind   abi.Kind        `json:"kind"`
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  abi.Code        `json:"error,omitempty"`
}

// candidates is a fixed, varied candidate set: ties on every key, so the
// tie-breaking rule is exercised.
func candidates(n int) []abi.Candidate {
	out := make([]abi.Candidate, n)
	for i := range out {
		out[i] = abi.Candidate{
			ID:         fmt.Sprintf("0x%040x", (i*7919)%1000+1),
			Stake:      uint64((i*37)%11) * 1000,
			Reputation: uint32((i * 53) % 101),
			SuccessBps: uint32(9000 + (i*13)%5*250),
			LatencyMs:  uint32(20 + (i*29)%7*15),
			Load:       uint32((i * 17) % 100),
			Price:      fmt.Sprint(1_000_000 + i),
		}
	}
	return out
}

func inputs() []struct {
	name string
	kind abi.Kind
	in   any
} {
	var cases []struct {
		name string
		kind abi.Kind
		in   any
	}
	add := func(name string, kind abi.Kind, in any) {
		cases = append(cases, struct {
			name string
			kind abi.Kind
			in   any
		}{name, kind, in})
	}
	for _, strategy := range []string{"random", "reputation", "stake", "performance", "weighted"} {
		for _, n := range []int{1, 5, 20} {
			for _, count := range []int{0, 3} {
				in := &abi.SelectInput{Version: abi.Version, Strategy: strategy, Purpose: abi.PurposeCompute, Count: count, Candidates: candidates(n)}
				for i := range in.Seed {
					in.Seed[i] = byte(i*31 + n + count)
				}
				add(fmt.Sprintf("select %s n=%d count=%d", strategy, n, count), abi.KindSelect, in)
			}
		}
	}
	add("select unknown strategy", abi.KindSelect, &abi.SelectInput{Version: abi.Version, Strategy: "alphabetical", Purpose: abi.PurposeValidator, Candidates: candidates(2)})
	add("select empty", abi.KindSelect, &abi.SelectInput{Version: abi.Version, Strategy: "stake", Purpose: abi.PurposeValidator})
	add("price defaults", abi.KindPrice, &abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "digits", InputTokens: 64, OutputTokens: 1, EstimatedMillis: 12})
	add("price params", abi.KindPrice, &abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "chars", InputTokens: 1000, OutputTokens: 250, EstimatedMillis: 2500,
		Params: map[string]string{"base": "7", "per_token": "3", "per_second": "1001", "split_compute_bps": "7000"}})
	add("price zero", abi.KindPrice, &abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "m", Params: map[string]string{"base": "0", "per_token": "0", "per_second": "0"}})
	add("price bad param", abi.KindPrice, &abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "m", Params: map[string]string{"base": "-1"}})
	add("price split over 100%", abi.KindPrice, &abi.PriceInput{Version: abi.Version, Subnet: "demo", Model: "m", Params: map[string]string{"split_compute_bps": "9900"}})
	add("preprocess text template", abi.KindPreprocess, &abi.PreprocessInput{Version: abi.Version, Model: "chars", Input: []byte("to be"),
		Params: map[string]string{"schema": "text", "prompt_template": "Continue: {{input}}"}})
	add("preprocess too large", abi.KindPreprocess, &abi.PreprocessInput{Version: abi.Version, Model: "chars", Input: make([]byte, 20), Params: map[string]string{"max_input_bytes": "10"}})
	add("preprocess not json", abi.KindPreprocess, &abi.PreprocessInput{Version: abi.Version, Model: "digits", Input: []byte("[1,2]"), Params: map[string]string{"schema": "json-object"}})
	add("preprocess nul in text", abi.KindPreprocess, &abi.PreprocessInput{Version: abi.Version, Model: "chars", Input: []byte("a\x00b"), Params: map[string]string{"schema": "text"}})
	add("postprocess filter", abi.KindPostprocess, &abi.PostprocessInput{Version: abi.Version, Model: "chars", Output: []byte("secret\x07 plan é ok"),
		Params: map[string]string{"redact": "secret", "max_output_bytes": "18"}})
	return cases
}

// run is the native implementation of every kind: the plugin's twin.
func run(kind abi.Kind, input []byte) ([]byte, int32) {
	switch kind {
	case abi.KindSelect:
		return pdk.RunSelect(input, selection.Rank)
	case abi.KindPrice:
		return pdk.RunPrice(input, pricing.Price)
	case abi.KindPreprocess:
		return pdk.RunPreprocess(input, guard.Preprocess)
	default:
		return pdk.RunPostprocess(input, guard.Postprocess)
	}
}

func build(t *testing.T) []vector {
	var out []vector
	for _, c := range inputs() {
		in, err := json.Marshal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		v := vector{Name: c.name, Kind: c.kind, Input: in}
		res, code := run(c.kind, in)
		if code == pdk.OK {
			v.Output = res
		} else {
			v.Error = abi.UnmarshalError(res).Code
		}
		out = append(out, v)
	}
	return out
}

// TestVectors: the native implementations produce the committed vectors
// (which the WebAssembly plugins are checked against in plugins/builtin).
func TestVectors(t *testing.T) {
	got := build(t)
	if *update {
		b, _ := json.MarshalIndent(got, "", " ")
		if err := os.WriteFile(vectorsPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatal(err)
	}
	var want []vector
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d vectors, file has %d (run with -update)", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(normalize(got[i]), normalize(want[i])) {
			t.Errorf("%s:\n got %s %s\nwant %s %s", want[i].Name, got[i].Output, got[i].Error, want[i].Output, want[i].Error)
		}
	}
}

func normalize(v vector) any {
	var out any
	json.Unmarshal(v.Output, &out)
	return []any{v.Name, v.Kind, string(v.Error), out}
}

// TestBinaryFormMatchesJSON: the binary forms give the same answers.
func TestBinaryFormMatchesJSON(t *testing.T) {
	for _, c := range inputs() {
		switch in := c.in.(type) {
		case *abi.SelectInput:
			j, cj := run(c.kind, abi.EncodeSelectInput(in, abi.FormJSON))
			b, cb := run(c.kind, abi.EncodeSelectInput(in, abi.FormBinary))
			if cj != cb {
				t.Fatalf("%s: codes %d vs %d", c.name, cj, cb)
			}
			if cj == pdk.OK {
				oj, err1 := abi.DecodeSelectOutput(j, in)
				ob, err2 := abi.DecodeSelectOutput(b, in)
				if err1 != nil || err2 != nil || !reflect.DeepEqual(oj, ob) {
					t.Fatalf("%s: %v %v %v %v", c.name, oj, ob, err1, err2)
				}
			}
		case *abi.PriceInput:
			j, cj := run(c.kind, abi.EncodePriceInput(in, abi.FormJSON))
			b, cb := run(c.kind, abi.EncodePriceInput(in, abi.FormBinary))
			if cj != cb {
				t.Fatalf("%s: codes %d vs %d", c.name, cj, cb)
			}
			if cj == pdk.OK {
				oj, _ := abi.DecodePriceOutput(j)
				ob, _ := abi.DecodePriceOutput(b)
				if !reflect.DeepEqual(oj, ob) {
					t.Fatalf("%s: %v vs %v", c.name, oj, ob)
				}
			}
		}
	}
}
