// Package guard is the default pre- and postprocessing: an input guard
// (size limit, schema check, prompt template) and an output filter (size
// cap, control characters stripped, words redacted). The defaults plugin
// exports both.
//
// Preprocess parameters: max_input_bytes [65536]; schema: "" (any bytes),
// "text" (valid UTF-8, no NUL) or "json-object"; prompt_template: a
// template with {{input}} where the (text) input goes.
//
// Postprocess parameters: max_output_bytes [1048576] (longer output is
// cut at a UTF-8 boundary); strip_control ["true"]: drop control
// characters other than tab and newline; redact: comma-separated words
// replaced by [redacted].
package guard

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ncn-network/ncn/abi"
)

// Preprocess checks and shapes a request's input.
func Preprocess(in *abi.PreprocessInput) (*abi.PreprocessOutput, error) {
	limit, err := intParam(in.Params, "max_input_bytes", 65536)
	if err != nil {
		return nil, err
	}
	reject := func(reason string) (*abi.PreprocessOutput, error) {
		return &abi.PreprocessOutput{Version: abi.Version, Accept: false, Reason: reason}, nil
	}
	if len(in.Input) > limit {
		return reject("input is " + strconv.Itoa(len(in.Input)) + " bytes, the limit is " + strconv.Itoa(limit))
	}
	switch schema := in.Params["schema"]; schema {
	case "":
	case "text":
		if !utf8.Valid(in.Input) || bytes.IndexByte(in.Input, 0) >= 0 {
			return reject("input is not text: invalid UTF-8 or a NUL byte")
		}
	case "json-object":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(in.Input, &obj); err != nil {
			return reject("input is not a JSON object")
		}
	default:
		return nil, abi.Errorf(abi.CodeInvalidInput, "unknown schema %q (have text, json-object)", schema)
	}
	out := in.Input
	if tpl, ok := in.Params["prompt_template"]; ok {
		if !strings.Contains(tpl, "{{input}}") {
			return nil, abi.Errorf(abi.CodeInvalidInput, "prompt_template has no {{input}}")
		}
		out = []byte(strings.ReplaceAll(tpl, "{{input}}", string(in.Input)))
		if len(out) > limit {
			return reject("templated input exceeds the limit of " + strconv.Itoa(limit) + " bytes")
		}
	}
	return &abi.PreprocessOutput{Version: abi.Version, Accept: true, Input: out}, nil
}

// Postprocess filters a result.
func Postprocess(in *abi.PostprocessInput) (*abi.PostprocessOutput, error) {
	limit, err := intParam(in.Params, "max_output_bytes", 1<<20)
	if err != nil {
		return nil, err
	}
	out := in.Output
	if in.Params["strip_control"] != "false" && utf8.Valid(out) {
		out = []byte(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) && r != '\n' && r != '\t' {
				return -1
			}
			return r
		}, string(out)))
	}
	if words := in.Params["redact"]; words != "" {
		s := string(out)
		for _, w := range strings.Split(words, ",") {
			if w = strings.TrimSpace(w); w != "" {
				s = strings.ReplaceAll(s, w, "[redacted]")
			}
		}
		out = []byte(s)
	}
	if len(out) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut]
	}
	return &abi.PostprocessOutput{Version: abi.Version, Output: out}, nil
}

func intParam(params map[string]string, key string, def int) (int, error) {
	s, ok := params[key]
	if !ok {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 || v > 1<<30 {
		return 0, abi.Errorf(abi.CodeInvalidInput, "param %s = %q is not a size", key, s)
	}
	return v, nil
}
