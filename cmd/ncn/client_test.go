package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// runIn runs `ncn args...` in process.
func runIn(t *testing.T, args ...string) pluginResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	e := env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := run(ctx, args, e)
	return pluginResult{code, stdout.String(), stderr.String()}
}

// TestClientAndDevnetUsage: help that helps and clear refusals of bad
// command lines, before any gateway or chain is asked.
func TestClientAndDevnetUsage(t *testing.T) {
	id := "0x" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		args           []string
		code           int
		stdout, stderr []string
	}{
		{[]string{"client", "--help"}, exitOK, []string{"estimate", "infer", "status", "watch"}, nil},
		{[]string{"client", "infer", "--help"}, exitOK, []string{"Pays for one inference", "-idempotency-key", "-devchain"}, nil},
		{[]string{"client", "infer", "--text", "x"}, exitUsage, nil, []string{"--model is required"}},
		{[]string{"client", "infer", "--model", "m"}, exitUsage, nil, []string{"the input is required"}},
		{[]string{"client", "infer", "--model", "m", "--text", "x", "--input", "f"}, exitUsage, nil, []string{"not both"}},
		{[]string{"client", "infer", "--model", "m", "--text", "x", "--params", "[1]"}, exitUsage, nil, []string{"--params must be a JSON object"}},
		{[]string{"client", "infer", "--model", "m", "--text", "x"}, exitUsage, nil, []string{"--key is required"}},
		{[]string{"client", "status"}, exitUsage, nil, []string{"missing request id"}},
		{[]string{"client", "status", "0x12"}, exitUsage, nil, []string{"want 0x and 64 hex digits"}},
		{[]string{"client", "status", id, "--gateway", "127.0.0.1:1", "--timeout", "2s"}, exitError, nil, []string{"ncn client status:"}},
		{[]string{"devnet", "--help"}, exitOK, []string{"-requests", "settlement table", "ready"}, nil},
		{[]string{"devnet", "--rpc", "http://127.0.0.1:1", "--model-path", "../../gpu/worker/models/digits"}, exitError, nil, []string{"devnet on http://127.0.0.1:1"}},
		{[]string{"devnet", "--computes", "0"}, exitUsage, nil, []string{"--computes"}},
	} {
		res := runIn(t, tc.args...)
		res.check(t, tc.code, tc.stdout, tc.stderr)
	}
}
