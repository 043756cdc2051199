package chain

import (
	"context"
	"sync"
	"time"
)

// headPoll is how often a headWatch asks for the head while anyone waits.
const headPoll = 10 * time.Millisecond

// headWatch follows the chain's head for a Sender's waiters: one
// eth_blockNumber per headPoll while any transaction is awaited, and each
// waiter asks for its receipt once per new block, instead of every waiter
// polling for its receipt on a timer of its own (most of those calls, on
// a chain sealing a block a second, found nothing). The zero value is
// unusable; newHeadWatch makes one.
type headWatch struct {
	blockNumber func(context.Context) (uint64, error)

	mu      sync.Mutex
	head    uint64
	err     error         // the last poll's error; nil after a good one
	moved   chan struct{} // closed when head moves or a poll fails
	waiters int
	running bool
}

func newHeadWatch(blockNumber func(context.Context) (uint64, error)) *headWatch {
	return &headWatch{blockNumber: blockNumber, moved: make(chan struct{})}
}

// join counts a waiter in, polling while there is one; leave counts it
// out.
func (h *headWatch) join() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.waiters++
	if !h.running {
		h.running = true
		go h.poll()
	}
}

func (h *headWatch) leave() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.waiters--
}

// current is the newest head seen, the last poll's error, and a channel
// closed when either changes.
func (h *headWatch) current() (uint64, error, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.head, h.err, h.moved
}

// atLeast waits until the head seen is n or above. Call between join and
// leave.
func (h *headWatch) atLeast(ctx context.Context, n uint64) error {
	for {
		head, err, moved := h.current()
		if head >= n {
			return nil
		}
		if err != nil && !isTransient(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-moved:
		}
	}
}

func (h *headWatch) poll() {
	for {
		h.mu.Lock()
		if h.waiters == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n, err := h.blockNumber(ctx)
		cancel()
		h.mu.Lock()
		if (err == nil && n > h.head) || (err != nil) != (h.err != nil) {
			if err == nil {
				h.head = n
			}
			close(h.moved)
			h.moved = make(chan struct{})
		}
		h.err = err
		h.mu.Unlock()
		time.Sleep(headPoll)
	}
}
