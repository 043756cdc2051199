package abi_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/ncn-network/ncn/abi"
)

func sampleSelect() *abi.SelectInput {
	in := &abi.SelectInput{Version: abi.Version, Strategy: "weighted", Purpose: abi.PurposeCompute, Count: 3}
	in.Seed[0], in.Seed[31] = 0xab, 0xcd
	for i := 0; i < 5; i++ {
		in.Candidates = append(in.Candidates, abi.Candidate{
			ID: fmt.Sprintf("node-%d", i), Stake: uint64(1000 * (i + 1)), Reputation: uint32(50 + i), SuccessBps: uint32(9000 + i),
			LatencyMs: uint32(10 * i), Load: uint32(i), Price: fmt.Sprint(1000 + i), Capabilities: []string{"gpu", "model:digits"},
		})
	}
	in.Candidates[2].Capabilities = nil
	return in
}

func TestSelectInputRoundTrip(t *testing.T) {
	for _, f := range []abi.Form{abi.FormJSON, abi.FormBinary} {
		t.Run(fmt.Sprint(f), func(t *testing.T) {
			in := sampleSelect()
			b := abi.EncodeSelectInput(in, f)
			if abi.FormOf(b) != f {
				t.Fatalf("form of encoding %v is %v", f, abi.FormOf(b))
			}
			got, form, err := abi.DecodeSelectInput(b)
			if err != nil {
				t.Fatal(err)
			}
			if form != f || !reflect.DeepEqual(got, in) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, in)
			}
			out := abi.EncodeSelectOutput(in, []int{4, 0, 2}, f)
			dec, err := abi.DecodeSelectOutput(out, in)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"node-4", "node-0", "node-2"}; !reflect.DeepEqual(dec.IDs, want) {
				t.Fatalf("ids %v, want %v", dec.IDs, want)
			}
		})
	}
}

func TestPriceRoundTrip(t *testing.T) {
	in := &abi.PriceInput{Version: abi.Version, Subnet: "s", Model: "m", InputTokens: 7, OutputTokens: 9, EstimatedMillis: 1500,
		Params: map[string]string{"base": "10", "per_token": "2"}}
	out := &abi.PriceOutput{Version: abi.Version, Compute: "80", Gateway: "10", Validators: "5", Treasury: "5"}
	for _, f := range []abi.Form{abi.FormJSON, abi.FormBinary} {
		got, form, err := abi.DecodePriceInput(abi.EncodePriceInput(in, f))
		if err != nil || form != f || !reflect.DeepEqual(got, in) {
			t.Fatalf("price input %v: %+v %v", f, got, err)
		}
		gotOut, err := abi.DecodePriceOutput(abi.EncodePriceOutput(out, f))
		if err != nil || !reflect.DeepEqual(gotOut, out) {
			t.Fatalf("price output %v: %+v %v", f, gotOut, err)
		}
	}
}

func TestBadDocuments(t *testing.T) {
	in := sampleSelect()
	bin := abi.EncodeSelectInput(in, abi.FormBinary)
	cases := []struct {
		name string
		doc  []byte
		code abi.Code
	}{
		{"empty", nil, abi.CodeInvalidInput},
		{"garbage", []byte("hello"), abi.CodeInvalidInput},
		{"truncated binary", bin[:len(bin)-3], abi.CodeInvalidInput},
		{"trailing bytes", append(append([]byte(nil), bin...), 0), abi.CodeInvalidInput},
		{"bad JSON", []byte(`{"version":1,`), abi.CodeInvalidInput},
		{"wrong version", []byte(`{"version":2,"purpose":"compute"}`), abi.CodeUnsupportedVersion},
		{"bad purpose", []byte(`{"version":1,"purpose":"x"}`), abi.CodeInvalidInput},
		{"duplicate id", []byte(`{"version":1,"purpose":"compute","candidates":[{"id":"a"},{"id":"a"}]}`), abi.CodeInvalidInput},
		{"reputation over 100", []byte(`{"version":1,"purpose":"compute","candidates":[{"id":"a","reputation":101}]}`), abi.CodeInvalidInput},
		{"bad price", []byte(`{"version":1,"purpose":"compute","candidates":[{"id":"a","price":"-1"}]}`), abi.CodeInvalidInput},
		{"bad seed", []byte(`{"version":1,"purpose":"compute","seed":"0x12"}`), abi.CodeInvalidInput},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := abi.DecodeSelectInput(tc.doc)
			if !errors.Is(err, &abi.Error{Code: tc.code}) {
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
		})
	}
	outCases := []struct {
		name string
		doc  []byte
	}{
		{"unknown id", []byte(`{"version":1,"ids":["zzz"]}`)},
		{"repeated id", []byte(`{"version":1,"ids":["node-1","node-1"]}`)},
		{"too many", []byte(`{"version":1,"ids":["node-0","node-1","node-2","node-3"]}`)},
		{"index out of range", abi.EncodeSelectOutput(&abi.SelectInput{Candidates: make([]abi.Candidate, 9)}, []int{8}, abi.FormBinary)},
		{"wrong version", []byte(`{"version":9,"ids":[]}`)},
	}
	for _, tc := range outCases {
		t.Run("output "+tc.name, func(t *testing.T) {
			if _, err := abi.DecodeSelectOutput(tc.doc, in); !errors.Is(err, &abi.Error{Code: abi.CodeBadOutput}) {
				t.Fatalf("got %v, want bad_output", err)
			}
		})
	}
	for _, amt := range []string{"", "-5", "01", "1e3", "12345678901234567890123456789012345678901234567890123456789012345678901234567890"} {
		out := &abi.PriceOutput{Version: abi.Version, Compute: amt, Gateway: "0", Validators: "0", Treasury: "0"}
		if _, _, _, _, err := out.Amounts(); err == nil {
			t.Errorf("amount %q accepted", amt)
		}
	}
}

func TestErrorDocument(t *testing.T) {
	e := abi.Errorf(abi.CodeRejected, "too long")
	if got := abi.UnmarshalError(abi.MarshalError(e)); *got != *e {
		t.Fatalf("round trip %+v", got)
	}
	if got := abi.UnmarshalError([]byte("panic: boom")); got.Code != abi.CodeBadOutput {
		t.Fatalf("non-document: %+v", got)
	}
}

func FuzzDecodeSelectInput(f *testing.F) {
	in := sampleSelect()
	f.Add(abi.EncodeSelectInput(in, abi.FormBinary))
	f.Add(abi.EncodeSelectInput(in, abi.FormJSON))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, form, err := abi.DecodeSelectInput(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to a fixed point.
		enc := abi.EncodeSelectInput(got, form)
		again, _, err := abi.DecodeSelectInput(enc)
		if err != nil || !bytes.Equal(abi.EncodeSelectInput(again, form), enc) {
			t.Fatalf("re-encode: %v\n%+v\n%+v", err, got, again)
		}
	})
}

func FuzzDecodeSelectOutput(f *testing.F) {
	in := sampleSelect()
	f.Add(abi.EncodeSelectOutput(in, []int{1, 2}, abi.FormBinary))
	f.Add([]byte(`{"version":1,"ids":["node-1"]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := abi.DecodeSelectOutput(b, in)
		if err == nil && out.Check(in) != nil {
			t.Fatal("decoded an output that does not check")
		}
	})
}

func FuzzDecodePrice(f *testing.F) {
	in := &abi.PriceInput{Version: abi.Version, Subnet: "s", Model: "m", Params: map[string]string{"a": "1"}}
	f.Add(abi.EncodePriceInput(in, abi.FormBinary))
	f.Add(abi.EncodePriceOutput(&abi.PriceOutput{Version: 1, Compute: "1", Gateway: "2", Validators: "3", Treasury: "4"}, abi.FormBinary))
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, form, err := abi.DecodePriceInput(b); err == nil {
			enc := abi.EncodePriceInput(got, form)
			if again, _, err := abi.DecodePriceInput(enc); err != nil || !bytes.Equal(abi.EncodePriceInput(again, form), enc) {
				t.Fatalf("re-encode: %v", err)
			}
		}
		if out, err := abi.DecodePriceOutput(b); err == nil {
			out.Amounts() // must not panic
		}
	})
}

func ExampleEncodeSelectOutput() {
	in := &abi.SelectInput{Version: abi.Version, Purpose: abi.PurposeCompute,
		Candidates: []abi.Candidate{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	fmt.Println(string(abi.EncodeSelectOutput(in, []int{2, 0}, abi.FormJSON)))
	fmt.Printf("%x\n", abi.EncodeSelectOutput(in, []int{2, 0}, abi.FormBinary))
	// Output:
	// {"version":1,"ids":["c","a"]}
	// 4e534f01000200020000
}
