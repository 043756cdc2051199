package registry

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestGossipBatcher: messages added together go out as one JSON array
// that unbatch splits back, in order; a lone message goes as itself; a
// batch never passes its byte cap; what a receiver refuses is refused.
func TestGossipBatcher(t *testing.T) {
	var mu sync.Mutex
	var sent [][]byte
	b := newGossipBatcher(func(topic string, payload []byte) {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, payload)
	})
	published := func(want int) [][]byte {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			out := sent
			if len(out) >= want {
				sent = nil
			}
			mu.Unlock()
			if len(out) >= want {
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d messages published, want %d", len(out), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	for i := range 3 {
		b.add("mempool", []byte(fmt.Sprintf(`{"n":%d}`, i)))
	}
	got := published(1)
	msgs, err := unbatch(got[0])
	if err != nil || len(msgs) != 3 || string(msgs[2]) != `{"n":2}` {
		t.Fatalf("batch %s: %d messages, %v", got[0], len(msgs), err)
	}

	b.add("reputation", []byte(`{"alone":true}`))
	got = published(1)
	if msgs, err := unbatch(got[0]); err != nil || string(got[0]) != `{"alone":true}` || len(msgs) != 1 {
		t.Fatalf("a lone message went as %s", got[0])
	}

	big := []byte(`{"pad":"` + strings.Repeat("x", 10<<10) + `"}`)
	for range 10 {
		b.add("mempool", big)
	}
	got = published(3)
	total := 0
	for _, p := range got {
		if len(p) > gossipBatchBytes+2 {
			t.Fatalf("a batch of %d bytes, cap %d", len(p), gossipBatchBytes)
		}
		msgs, err := unbatch(p)
		if err != nil {
			t.Fatal(err)
		}
		total += len(msgs)
	}
	if total != 10 {
		t.Fatalf("%d of 10 messages arrived", total)
	}

	tooMany, _ := json.Marshal(make([]json.RawMessage, gossipBatchMax+1))
	if _, err := unbatch(tooMany); err == nil {
		t.Fatal("a batch over the message cap accepted")
	}
	if _, err := unbatch([]byte(`[{"a":1},`)); err == nil {
		t.Fatal("a broken batch accepted")
	}
}
