package abi

import (
	"encoding/json"
	"fmt"
)

// Code is an error code crossing the plugin boundary. Plugins return codes,
// never Go error strings; the host adds its own codes for failures it
// detects around a call.
type Code string

// Error codes a plugin may return.
const (
	CodeInvalidInput       Code = "invalid_input"       // the input document is malformed or out of range
	CodeUnsupportedVersion Code = "unsupported_version" // the input's version is not the plugin's
	CodeUnknownStrategy    Code = "unknown_strategy"    // the module has no such strategy
	CodeRejected           Code = "rejected"            // a policy said no (preprocess)
	CodeInternal           Code = "internal"            // the plugin failed on its own
)

// Error codes the host assigns to a failed call.
const (
	CodeTrap            Code = "trap"             // the module trapped (unreachable, out of bounds, ...)
	CodeBudgetExhausted Code = "budget_exhausted" // the instruction budget ran out
	CodeMemoryLimit     Code = "memory_limit"     // the module wanted more memory than allowed
	CodeOutputTooLarge  Code = "output_too_large" // the output exceeded its cap
	CodeInputTooLarge   Code = "input_too_large"  // the input exceeded its cap
	CodeTimeout         Code = "timeout"          // the wall-clock backstop fired
	CodeMissingExport   Code = "missing_export"   // the plugin does not export the kind called
	CodeBadOutput       Code = "bad_output"       // the output is not a valid document
)

// Error is an error document: what a plugin writes as its output when it
// fails (with a non-zero return code), and what the host reports.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Is matches errors by code, so errors.Is(err, &abi.Error{Code: c}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf builds an Error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorDoc is the JSON wrapper of an error output: {"error": {...}}.
type errorDoc struct {
	Error *Error `json:"error"`
}

// MarshalError encodes e as the error document a plugin returns.
func MarshalError(e *Error) []byte {
	b, _ := json.Marshal(errorDoc{Error: e})
	return b
}

// UnmarshalError decodes an error document; a document that is not one
// becomes a bad_output error carrying a prefix of it.
func UnmarshalError(b []byte) *Error {
	var d errorDoc
	if err := json.Unmarshal(b, &d); err != nil || d.Error == nil || d.Error.Code == "" {
		if len(b) > 200 {
			b = b[:200]
		}
		return Errorf(CodeBadOutput, "plugin failed without an error document: %q", b)
	}
	return d.Error
}
