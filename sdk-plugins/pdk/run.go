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
	return runJSON(input, f,
		func(in *abi.PreprocessInput) int { return in.Version },
		func(out *abi.PreprocessOutput) { out.Version = abi.Version })
}

// RunPostprocess decodes a JSON postprocess input, runs f and encodes the answer.
func RunPostprocess(input []byte, f PostprocessFunc) ([]byte, int32) {
	return runJSON(input, f,
		func(in *abi.PostprocessInput) int { return in.Version },
		func(out *abi.PostprocessOutput) { out.Version = abi.Version })
}

// runJSON is the JSON-only kinds' round: decode and check the version, run
// f, stamp the output's version, encode.
func runJSON[In, Out any](input []byte, f func(*In) (*Out, error), version func(*In) int, stamp func(*Out)) ([]byte, int32) {
	var in In
	if err := json.Unmarshal(input, &in); err != nil {
		return fail(abi.Errorf(abi.CodeInvalidInput, "input: %v", err))
	}
	if v := version(&in); v != abi.Version {
		return fail(abi.Errorf(abi.CodeUnsupportedVersion, "input version %d, want %d", v, abi.Version))
	}
	out, err := f(&in)
	if err != nil {
		return fail(err)
	}
	stamp(out)
	return encodeJSON(out)
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
