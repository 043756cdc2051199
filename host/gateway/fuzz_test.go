package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"
)

// seedRecords are stored records in a few states, as the ledger writes them.
func seedRecords(f *testing.F) [][]byte {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out [][]byte
	for i, path := range [][]State{
		happyPath[:1],
		happyPath,
		{StateQuoted, StateValidated, StatePaid, StateDispatched, StateFailed, StateRefunded},
		{StateQuoted, StateExpiredUnpaid},
	} {
		r := testRecord(uint64(i))
		r.IdempotencyKey, r.ParamsHash = "key", HashParams([]byte("p"))
		for j, s := range path {
			if j > 0 {
				if err := fill(s)(&r); err != nil {
					f.Fatal(err)
				}
			}
			r.State = s
			r.History = append(r.History, Step{s, at.Add(time.Duration(j) * time.Second)})
		}
		r.Version = uint64(len(path) + i)
		r.LastError = "compute timeout: ✗"
		enc, err := encodeRecord(&r)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, enc)
	}
	return out
}

// FuzzDecodeRecord: whatever is stored under a request id, decoding it
// returns a record or an ErrCorrupt error, never panics; and a record it
// returns is one the ledger could have written, encoding to a fixed point.
func FuzzDecodeRecord(f *testing.F) {
	for _, s := range seedRecords(f) {
		f.Add(s)
	}
	f.Add([]byte(`{"schema":1}`))
	f.Add([]byte(`{"schema":1,"attempts":{"paid":1,"x":2}}`))
	f.Add([]byte(`{"schema":1,"history":[{"state":"quoted","at":"2026-01-01T00:00:00+23:59"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := decodeRecord(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		enc, err := encodeRecord(&r)
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v", err)
		}
		r2, err := decodeRecord(enc)
		if err != nil {
			t.Fatalf("a re-encoded record does not decode: %v\n%s", err, enc)
		}
		enc2, err := encodeRecord(&r2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not a fixed point: %v\n%s\n%s", err, enc, enc2)
		}
		if !r.State.Valid() || len(r.History) == 0 || r.History[len(r.History)-1].State != r.State {
			t.Fatalf("decoded an inconsistent record: %+v", r)
		}
	})
}

// FuzzOpenAIParse: whatever body a client sends the OpenAI routes,
// parsing it returns a call or an ErrBadRequest error, never panics; a
// call it returns carries an input, and params that submissions accept.
func FuzzOpenAIParse(f *testing.F) {
	for _, s := range []string{
		`{"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "temperature": 0.7, "seed": 3}`,
		`{"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]}`,
		`{"prompt": ["one"], "max_completion_tokens": 1, "stream": true, "stream_options": {"include_usage": true}}`,
		`{"prompt": "x", "n": 2}`, `{"prompt": 7}`, `{"messages": [{"content": null}]}`, `{"logprobs": true, "prompt": "x"}`,
		`{"ncn_request_id": "0x0101010101010101010101010101010101010101010101010101010101010101"}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, chat bool) {
		var b oaiRequest
		if json.Unmarshal(body, &b) != nil {
			return
		}
		b.Model = "" // resolving a model needs a running gateway
		r := httptest.NewRequest("POST", "/v1/completions", nil)
		c, err := (&Daemon{}).oaiParse(context.Background(), r, &b, chat)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("error not ErrBadRequest: %v", err)
			}
			return
		}
		if c.id == nil && len(c.input) == 0 {
			t.Fatal("a call with neither input nor request id")
		}
		if _, err := parseParams(c.params); err != nil {
			t.Fatalf("params %s refused: %v", c.params, err)
		}
	})
}
