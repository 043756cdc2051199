package pdk

import (
	"encoding/json"
	"fmt"

	"github.com/ncn-network/ncn/abi"
)

// Return codes of an export: 0 with the output document, 1 with an error
// document (abi.MarshalError).
const (
	OK     int32 = 0
	Failed int32 = 1
)

// SelectFunc ranks in.Candidates: indices, best first.
type SelectFunc func(in *abi.SelectInput) ([]int, error)

// PriceFunc prices a request.
type PriceFunc func(in *abi.PriceInput) (*abi.PriceOutput, error)

// PreprocessFunc accepts, transforms or rejects an input.
type PreprocessFunc func(in *abi.PreprocessInput) (*abi.PreprocessOutput, error)

// PostprocessFunc transforms an output.
type PostprocessFunc func(in *abi.PostprocessInput) (*abi.PostprocessOutput, error)

// RunSelect decodes a select input in either form, runs f, checks its
// ranking and encodes it in the input's form.
func RunSelect(input []byte, f SelectFunc) ([]byte, int32) {
	in, form, err := abi.DecodeSelectInput(input)
	if err != nil {
		return fail(err)
	}
	ranked, err := f(in)
	if err != nil {
		return fail(err)
	}
	if in.Count > 0 && len(ranked) > in.Count {
		ranked = ranked[:in.Count]
	}
	seen := make([]bool, len(in.Candidates))
	for _, i := range ranked {
		if i < 0 || i >= len(in.Candidates) || seen[i] {
			return fail(abi.Errorf(abi.CodeInternal, "ranking holds a bad or repeated index %d", i))
		}
		seen[i] = true
	}
	return abi.EncodeSelectOutput(in, ranked, form), OK
}

// RunPrice decodes a price input in either form, runs f and encodes the
// tree in the input's form.
func RunPrice(input []byte, f PriceFunc) ([]byte, int32) {
	in, form, err := abi.DecodePriceInput(input)
	if err != nil {
		return fail(err)
	}
	out, err := f(in)
	if err != nil {
		return fail(err)
	}
	out.Version = abi.Version
	if _, _, _, _, err := out.Amounts(); err != nil {
		return fail(abi.Errorf(abi.CodeInternal, "price: %v", err))
	}
	return abi.EncodePriceOutput(out, form), OK
}

// RunPreprocess decodes a JSON preprocess input, runs f and encodes the answer.
func RunPreprocess(input []byte, f PreprocessFunc) ([]byte, int32) {
	var in abi.PreprocessInput
	if err := decodeJSON(input, &in, &in.Version); err != nil {
		return fail(err)
	}
	out, err := f(&in)
	if err != nil {
		return fail(err)
	}
	out.Version = abi.Version
	return encodeJSON(out)
}

// RunPostprocess decodes a JSON postprocess input, runs f and encodes the answer.
func RunPostprocess(input []byte, f PostprocessFunc) ([]byte, int32) {
	var in abi.PostprocessInput
	if err := decodeJSON(input, &in, &in.Version); err != nil {
		return fail(err)
	}
	out, err := f(&in)
	if err != nil {
		return fail(err)
	}
	out.Version = abi.Version
	return encodeJSON(out)
}

// decodeJSON decodes input into v and checks the version it read.
func decodeJSON(input []byte, v any, version *int) error {
	if err := json.Unmarshal(input, v); err != nil {
		return abi.Errorf(abi.CodeInvalidInput, "input: %v", err)
	}
	if *version != abi.Version {
		return abi.Errorf(abi.CodeUnsupportedVersion, "input version %d, want %d", *version, abi.Version)
	}
	return nil
}

func encodeJSON(v any) ([]byte, int32) {
	b, err := json.Marshal(v)
	if err != nil {
		return fail(abi.Errorf(abi.CodeInternal, "encode output: %v", err))
	}
	return b, OK
}

// fail turns any error into an error document: an *abi.Error keeps its
// code, anything else is internal.
func fail(err error) ([]byte, int32) {
	e, ok := err.(*abi.Error)
	if !ok {
		e = abi.Errorf(abi.CodeInternal, "%s", fmt.Sprint(err))
	}
	return abi.MarshalError(e), Failed
}
