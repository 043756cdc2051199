package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
)

func newPool(t testing.TB, cfg worker.Config) *worker.Pool {
	t.Helper()
	p, err := worker.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// digitsInput is the JSON input for one 8x8 image.
func digitsInput(pixels []int) []byte {
	b, _ := json.Marshal(map[string]any{"pixels": pixels})
	return b
}

func TestDigitsKnownSamples(t *testing.T) {
	cfg := workertest.Config(t, "digits")
	p := newPool(t, cfg)
	if h := p.Hello(); h.ModelName != "digits" || h.Runtime != "numpy" || h.ManifestSha256 != p.Bundle().Digest {
		t.Fatalf("hello %v", h)
	}
	// The manifest's samples are the first test-set image of each class,
	// with the true label in the note.
	for i, s := range p.Bundle().Manifest.Samples {
		res, err := p.Infer(context.Background(), worker.Request{Input: s.Input}, nil)
		if err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		var out struct {
			Label         int
			Probabilities []float64
		}
		if err := json.Unmarshal(res.Output, &out); err != nil {
			t.Fatalf("sample %d: output %q: %v", i, res.Output, err)
		}
		if !strings.HasSuffix(s.Note, "true label "+string(rune('0'+out.Label))) {
			t.Errorf("sample %d (%s): predicted %d", i, s.Note, out.Label)
		}
		sum := 0.0
		for _, v := range out.Probabilities {
			sum += v
		}
		if len(out.Probabilities) != 10 || sum < 0.999 || sum > 1.001 {
			t.Errorf("sample %d: probabilities %v", i, out.Probabilities)
		}
	}
}

func TestCharLMStreams(t *testing.T) {
	p := newPool(t, workertest.Config(t, "charlm"))
	var chunks []string
	res, err := p.Infer(context.Background(), worker.Request{Input: []byte("The lion "), Params: json.RawMessage(`{"max_tokens": 24}`)},
		func(c []byte) { chunks = append(chunks, string(c)) })
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 24 || res.Tokens != 24 || res.Partial != 24 {
		t.Fatalf("%d chunks, %d tokens, %d partials; want 24", len(chunks), res.Tokens, res.Partial)
	}
	if got := strings.Join(chunks, ""); got != string(res.Output) {
		t.Fatalf("chunks %q != output %q", got, res.Output)
	}
	// Same request, same text: sampling is seeded, so validators agree.
	params := json.RawMessage(`{"max_tokens": 30, "temperature": 0.8, "seed": 42}`)
	a, err := p.Infer(context.Background(), worker.Request{Input: []byte("The "), Params: params}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Infer(context.Background(), worker.Request{Input: []byte("The "), Params: params}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Output) != string(b.Output) {
		t.Fatalf("seeded sampling differs: %q vs %q", a.Output, b.Output)
	}
	if err := p.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestEchoModel: the trivial model the benchmarks measure the host with
// answers with its bundle's prefix, as one streamed token, and its bundle
// is checked like any other (a parameter it does not take is refused).
func TestEchoModel(t *testing.T) {
	cfg := workertest.Config(t, "echo")
	cfg.Bundle = filepath.Join("testdata", "echo")
	p := newPool(t, cfg)
	var chunks []string
	res, err := p.Infer(context.Background(), worker.Request{Input: []byte("héllo")}, func(c []byte) { chunks = append(chunks, string(c)) })
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Output) != "echo: héllo" || res.Tokens != 1 || len(chunks) != 1 || chunks[0] != string(res.Output) {
		t.Fatalf("output %q, %d tokens, chunks %q", res.Output, res.Tokens, chunks)
	}
	if _, err := p.Infer(context.Background(), worker.Request{Input: []byte("x"), Params: json.RawMessage(`{"max_tokens": 3}`)}, nil); !errors.Is(err, worker.ErrInvalidInput) {
		t.Fatalf("unknown parameter: %v, want ErrInvalidInput", err)
	}
}

func TestBadInputKeepsServing(t *testing.T) {
	digits := newPool(t, workertest.Config(t, "digits"))
	charlm := newPool(t, workertest.Config(t, "charlm"))
	good := digits.Bundle().Manifest.Samples[0].Input
	tests := []struct {
		name   string
		pool   *worker.Pool
		input  string
		params string
		want   error
	}{
		{"not JSON", digits, "nope", "", worker.ErrInvalidInput},
		{"not UTF-8", digits, "\xff\xfe", "", worker.ErrInvalidInput},
		{"wrong shape", digits, `{"pixels": [1, 2, 3]}`, "", worker.ErrInvalidInput},
		{"out of range", digits, string(digitsInput(append(make([]int, 63), 99))), "", worker.ErrInvalidInput},
		{"unknown field", digits, `{"pixels": [], "x": 1}`, "", worker.ErrInvalidInput},
		{"deeply nested", digits, strings.Repeat("[", 100000), "", worker.ErrInvalidInput},
		{"unknown param", digits, string(good), `{"top_k": 3}`, worker.ErrInvalidInput},
		{"params not an object", digits, string(good), `[1]`, worker.ErrInvalidInput},
		{"empty prompt", charlm, "", "", worker.ErrInvalidInput},
		{"character outside the vocabulary", charlm, "Ωmega", "", worker.ErrInvalidInput},
		{"too many tokens", charlm, "The ", `{"max_tokens": 100000}`, worker.ErrInvalidInput},
		{"temperature NaN", charlm, "The ", `{"temperature": NaN}`, worker.ErrInvalidInput},
		{"deadline already past", charlm, "The ", "", worker.ErrDeadline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := worker.Request{Input: []byte(tt.input), Params: json.RawMessage(tt.params)}
			if tt.want == worker.ErrDeadline {
				req.Deadline = time.Now().Add(-time.Second)
			}
			_, err := tt.pool.Infer(context.Background(), req, nil)
			var me *worker.ModelError
			if !errors.Is(err, tt.want) || !errors.As(err, &me) {
				t.Fatalf("got %v, want a model error matching %v", err, tt.want)
			}
		})
	}
	if _, err := digits.Infer(context.Background(), worker.Request{Input: good}, nil); err != nil {
		t.Fatalf("after bad inputs: %v", err)
	}
	for _, p := range []*worker.Pool{digits, charlm} {
		if s := p.Stats(); s.Starts != 1 || s.Crashed != 0 {
			t.Errorf("%s: %+v; bad input must not cost a worker", p.Bundle().Manifest.Name, s)
		}
	}
}

func TestDeadlineMidStream(t *testing.T) {
	p := newPool(t, workertest.Config(t, "charlm"))
	// 1024 tokens take far longer than 30ms (each is a Python-driven
	// torch step), so the deadline passes while the model generates: the
	// worker stops at the next token and answers DEADLINE_EXCEEDED itself.
	var chunks int
	_, err := p.Infer(context.Background(), worker.Request{Input: []byte("The "), Params: json.RawMessage(`{"max_tokens": 1024}`),
		Deadline: time.Now().Add(30 * time.Millisecond)}, func([]byte) { chunks++ })
	var me *worker.ModelError
	if !errors.Is(err, worker.ErrDeadline) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &me) {
		t.Fatalf("got %v, want the worker's DEADLINE_EXCEEDED", err)
	}
	t.Logf("%d tokens streamed before the deadline", chunks)
	if _, err := p.Infer(context.Background(), worker.Request{Input: []byte("The ")}, nil); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.Starts != 1 {
		t.Fatalf("%+v: the worker honoured its deadline and should have been kept", s)
	}
}

func TestOversizedRequest(t *testing.T) {
	cfg := workertest.Config(t, "digits")
	cfg.MaxFrame = 4096
	p := newPool(t, cfg)
	_, err := p.Infer(context.Background(), worker.Request{Input: make([]byte, 8192)}, nil)
	if !errors.Is(err, worker.ErrFrameTooLarge) {
		t.Fatalf("got %v, want ErrFrameTooLarge", err)
	}
	if _, err := p.Infer(context.Background(), worker.Request{Input: p.Bundle().Manifest.Samples[0].Input}, nil); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.Starts != 1 {
		t.Fatalf("%+v: a refused send must not cost the worker", s)
	}
}
