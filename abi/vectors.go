package abi

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// vectorsJSON is testdata/vectors.json. A plugin that never calls Vectors
// does not carry it: the linker drops the unreferenced data.
//
//go:embed testdata/vectors.json
var vectorsJSON []byte

// Vector is one ABI test vector: an input document of a kind, in JSON
// form, and either the exact output document every implementation must
// produce or the error code it must fail with.
type Vector struct {
	Name   string          `json:"name"`
	Kind   Kind            `json:"kind"`
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output,omitempty"` // set when Error is empty
	Error  Code            `json:"error,omitempty"`  // the code of the expected failure
}

// Vectors returns the ABI test vectors (testdata/vectors.json, embedded)
// in their fixed order. Each call returns a new slice the caller may modify.
func Vectors() ([]Vector, error) {
	var vs []Vector
	if err := json.Unmarshal(vectorsJSON, &vs); err != nil {
		return nil, fmt.Errorf("abi test vectors: %w", err)
	}
	for i, v := range vs {
		if v.Name == "" || !v.Kind.Valid() || len(v.Input) == 0 || (len(v.Output) == 0) == (v.Error == "") {
			return nil, fmt.Errorf("abi test vector %d (%q): want a name, a known kind, an input and either an output or an error", i, v.Name)
		}
	}
	return vs, nil
}
