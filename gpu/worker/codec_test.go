package worker_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workerpb"
)

// responses are frames of every kind, as a worker sends them.
func responses() []*workerpb.Response {
	return []*workerpb.Response{
		{Body: &workerpb.Response_Hello{Hello: &workerpb.Hello{ProtocolVersion: 1, ModelName: "digits", ModelVersion: "1.0.0",
			Runtime: "numpy", RuntimeVersion: "1.24.2", PythonVersion: "3.11.2", Task: "image-classification", Device: "cpu", Threads: 1}}},
		{RequestId: "r1", Body: &workerpb.Response_Partial{Partial: &workerpb.Partial{Chunk: []byte("w"), Index: 0}}},
		{RequestId: "r1", Body: &workerpb.Response_Final{Final: &workerpb.Final{Output: []byte(`{"label":3}`), Tokens: 1, ComputeMicros: 120}}},
		{RequestId: "r2", Body: &workerpb.Response_Error{Error: &workerpb.Error{Code: workerpb.Error_INVALID_INPUT, Message: "input.pixels: fewer than 64 items"}}},
		{RequestId: "h", Body: &workerpb.Response_Health{Health: &workerpb.Health{Served: 7, RssBytes: 40 << 20}}},
		{},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	enc := worker.NewEncoder(&buf, 0)
	for _, r := range responses() {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	dec := worker.NewDecoder(&buf, 0)
	for i, want := range responses() {
		got := new(workerpb.Response)
		if err := dec.Decode(got); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !proto.Equal(got, want) {
			t.Fatalf("frame %d: got %v, want %v", i, got, want)
		}
	}
	if err := dec.Decode(new(workerpb.Response)); err != io.EOF {
		t.Fatalf("after the last frame: %v, want io.EOF", err)
	}
}

func frame(n uint32, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, n), body...)
}

func TestDecodeErrors(t *testing.T) {
	valid, _ := proto.Marshal(responses()[2])
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"empty stream", nil, io.EOF},
		{"short header", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"short body", frame(uint32(len(valid)), valid[:3]), io.ErrUnexpectedEOF},
		{"length over the limit", frame(1<<20+1, nil), worker.ErrFrameTooLarge},
		{"length 4 GiB", frame(0xffffffff, nil), worker.ErrFrameTooLarge},
		{"garbage body", frame(3, []byte{0xff, 0xff, 0xff}), worker.ErrMalformedFrame},
		{"invalid UTF-8 in a string", frame(3, []byte{0x0a, 0x01, 0xff}), worker.ErrMalformedFrame},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := worker.NewDecoder(bytes.NewReader(tt.input), 1<<20).Decode(new(workerpb.Response))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEncodeTooLarge(t *testing.T) {
	var buf bytes.Buffer
	enc := worker.NewEncoder(&buf, 1024)
	err := enc.Encode(&workerpb.Request{Input: make([]byte, 2048)})
	if !errors.Is(err, worker.ErrFrameTooLarge) {
		t.Fatalf("got %v, want ErrFrameTooLarge", err)
	}
	if buf.Len() != 0 {
		t.Fatalf("%d bytes written for a refused frame", buf.Len())
	}
	// The stream is still usable.
	if err := enc.Encode(&workerpb.Request{RequestId: "ok"}); err != nil {
		t.Fatal(err)
	}
}

// FuzzDecoder feeds the decoder what a worker (or a corrupted pipe) might
// send: it must never panic or allocate past its limit, and every frame it
// accepts must survive a round trip.
func FuzzDecoder(f *testing.F) {
	for _, r := range responses() {
		b, _ := proto.Marshal(r)
		f.Add(frame(uint32(len(b)), b))
	}
	var all bytes.Buffer
	enc := worker.NewEncoder(&all, 0)
	for _, r := range responses() {
		_ = enc.Encode(r)
	}
	f.Add(all.Bytes())
	f.Add(frame(0xffffffff, nil))
	f.Add(frame(5, []byte{0x12, 0x03, 0x0a, 0x01}))
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := worker.NewDecoder(bytes.NewReader(data), 1<<16)
		for {
			r := new(workerpb.Response)
			err := dec.Decode(r)
			if err != nil {
				if !(err == io.EOF || err == io.ErrUnexpectedEOF || errors.Is(err, worker.ErrFrameTooLarge) || errors.Is(err, worker.ErrMalformedFrame)) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			var buf bytes.Buffer
			if err := worker.NewEncoder(&buf, 1<<17).Encode(r); err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			again := new(workerpb.Response)
			if err := worker.NewDecoder(&buf, 1<<17).Decode(again); err != nil || !proto.Equal(r, again) {
				t.Fatalf("round trip: %v, %v != %v", err, again, r)
			}
		}
	})
}
