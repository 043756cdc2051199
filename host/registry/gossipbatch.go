package registry

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Under load a coordinator gossips four messages a request (two
// reputation scorings, two mempool entries), and every node pays for
// each — a signature recovery, decoding, pubsub's own work — more than
// for what is in it. A batcher holds a topic's messages for
// gossipBatchDelay and publishes them as one: a JSON array of the
// messages (each a JSON object, so a receiver tells the two apart by the
// first byte). A lone message goes as itself.
const (
	gossipBatchDelay = 100 * time.Millisecond
	gossipBatchBytes = 48 << 10 // under p2p's 64 KiB message cap
	gossipBatchMax   = 256      // messages a receiver takes in one batch
)

// gossipBatcher batches JSON messages per topic. Safe for concurrent use.
type gossipBatcher struct {
	publish func(topic string, payload []byte)

	mu      sync.Mutex
	pending map[string][]json.RawMessage
	size    map[string]int
}

func newGossipBatcher(publish func(topic string, payload []byte)) *gossipBatcher {
	return &gossipBatcher{publish: publish, pending: map[string][]json.RawMessage{}, size: map[string]int{}}
}

// add queues msg (a JSON object) for topic: published within
// gossipBatchDelay, or at once with the others when the batch is full.
func (b *gossipBatcher) add(topic string, msg []byte) {
	b.mu.Lock()
	var full []json.RawMessage
	if b.size[topic]+len(msg)+1 > gossipBatchBytes || len(b.pending[topic]) == gossipBatchMax {
		full = b.take(topic)
	}
	if len(b.pending[topic]) == 0 {
		time.AfterFunc(gossipBatchDelay, func() { b.flush(topic) })
	}
	b.pending[topic] = append(b.pending[topic], msg)
	b.size[topic] += len(msg) + 1
	b.mu.Unlock()
	b.send(topic, full)
}

// flush publishes what topic holds now.
func (b *gossipBatcher) flush(topic string) {
	b.mu.Lock()
	msgs := b.take(topic)
	b.mu.Unlock()
	b.send(topic, msgs)
}

// take empties topic's batch. Call with mu held.
func (b *gossipBatcher) take(topic string) []json.RawMessage {
	msgs := b.pending[topic]
	delete(b.pending, topic)
	delete(b.size, topic)
	return msgs
}

func (b *gossipBatcher) send(topic string, msgs []json.RawMessage) {
	switch len(msgs) {
	case 0:
	case 1:
		b.publish(topic, msgs[0])
	default:
		if payload, err := json.Marshal(msgs); err == nil {
			b.publish(topic, payload)
		}
	}
}

// unbatch splits a payload of a batched topic into its messages: a JSON
// array of at most gossipBatchMax objects, or one object.
func unbatch(payload []byte) ([]json.RawMessage, error) {
	if len(payload) == 0 || payload[0] != '[' {
		return []json.RawMessage{payload}, nil
	}
	var msgs []json.RawMessage
	if err := json.Unmarshal(payload, &msgs); err != nil {
		return nil, err
	}
	if len(msgs) > gossipBatchMax {
		return nil, fmt.Errorf("a gossip batch of %d messages, at most %d", len(msgs), gossipBatchMax)
	}
	return msgs, nil
}
