package gateway

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/host/api/pb"
)

// computeBook is the gateway's view of the compute nodes it dispatches
// to: their open task streams, their reserved slots and the tasks they
// hold. Safe for concurrent use.
type computeBook struct {
	mu    sync.Mutex
	nodes map[common.Address]*computeNode
}

type computeNode struct {
	stream   *taskStream
	lastMs   int64                     // newest accepted stream request time, against replays
	reserved map[common.Hash]time.Time // request -> reservation end; zero: held until released
	tasks    map[common.Hash]*pb.ComputeTask
	sent     map[common.Hash]bool // tasks sent on the stream and not answered yet
	maxTasks int                  // tasks the node takes at once (its descriptor's max_tasks)
}

// defaultMaxTasks is a node's capacity until its descriptor is seen (a
// restarted gateway resuming tasks).
const defaultMaxTasks = 4

// holdsPerTask is how many requests may hold a node, per task it takes
// at once: a hold lasts a payment's round trip (a block or two), a task
// milliseconds to seconds, and tasks beyond the node's capacity wait
// here, in deadline order, not at the node.
const holdsPerTask = 32

// taskStream is one open ReceiveTask stream: tasks queued for it and a
// wake-up for its sender.
type taskStream struct {
	node  *computeNode
	queue []*pb.ComputeTask
	wake  chan struct{}
	done  chan struct{} // closed when a newer stream replaces it
}

func (b *computeBook) node(a common.Address) *computeNode {
	if b.nodes == nil {
		b.nodes = map[common.Address]*computeNode{}
	}
	n, ok := b.nodes[a]
	if !ok {
		n = &computeNode{reserved: map[common.Hash]time.Time{}, tasks: map[common.Hash]*pb.ComputeTask{},
			sent: map[common.Hash]bool{}, maxTasks: defaultMaxTasks}
		b.nodes[a] = n
	}
	return n
}

// connect opens a node's stream, replacing (and ending) an older one,
// with every task the node holds queued again: a task sent on a stream
// that broke may never have arrived, and the node answers each request
// once.
func (b *computeBook) connect(a common.Address, unixMs int64) (*taskStream, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.node(a)
	if unixMs <= n.lastMs {
		return nil, fmt.Errorf("%w: stream request at %d, a newer one (%d) was seen: sign a fresh one", ErrForbidden, unixMs, n.lastMs)
	}
	n.lastMs = unixMs
	if n.stream != nil {
		close(n.stream.done)
	}
	s := &taskStream{node: n, wake: make(chan struct{}, 1), done: make(chan struct{})}
	clear(n.sent)
	for _, t := range n.tasks {
		s.queue = append(s.queue, t)
	}
	slices.SortFunc(s.queue, func(x, y *pb.ComputeTask) int { return int(x.DeadlineUnixMs - y.DeadlineUnixMs) })
	n.stream = s
	if len(s.queue) > 0 {
		s.wake <- struct{}{}
	}
	return s, nil
}

// disconnect forgets s if it is still the node's stream.
func (b *computeBook) disconnect(a common.Address, s *taskStream) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.nodes[a]; n != nil && n.stream == s {
		n.stream = nil
	}
}

// next pops the next task queued for s, nil when none is queued or the
// node holds as many tasks as it takes (an answer wakes s again).
func (b *computeBook) next(s *taskStream) *pb.ComputeTask {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(s.queue) > 0 && len(s.node.sent) < s.node.maxTasks {
		t := s.queue[0]
		s.queue = s.queue[1:]
		id := common.BytesToHash(t.RequestId)
		if s.node.tasks[id] != t {
			continue // released (ended) while it waited here
		}
		s.node.sent[id] = true
		return t
	}
	return nil
}

// capacity records the tasks a node takes at once, from its descriptor.
func (b *computeBook) capacity(a common.Address, info *pb.NodeInfo) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.node(a).maxTasks = max(int(info.MaxTasks), int(info.Slots), 1)
}

func (b *computeBook) connected(a common.Address) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.nodes[a]
	return n != nil && n.stream != nil
}

// reserve holds a node for a request until until (zero: until
// released), if it has fewer than holds requests holding it.
func (b *computeBook) reserve(a common.Address, id common.Hash, holds int, until time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.node(a)
	now := time.Now()
	for r, end := range n.reserved {
		if !end.IsZero() && now.After(end) {
			delete(n.reserved, r)
		}
	}
	if _, ok := n.reserved[id]; !ok && len(n.reserved) >= max(holds, 1) {
		return false
	}
	n.reserved[id] = until
	return true
}

// release frees a request's slot and forgets its task.
func (b *computeBook) release(a common.Address, id common.Hash) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.nodes[a]; n != nil {
		delete(n.reserved, id)
		n.forget(id)
	}
}

// finish forgets a request's task, answered, and keeps its hold on the
// node: a speculation's request still holds it until paid or ended.
func (b *computeBook) finish(a common.Address, id common.Hash) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.nodes[a]; n != nil {
		n.forget(id)
	}
}

// forget drops a task and, if the node held it, makes room for a queued one.
func (n *computeNode) forget(id common.Hash) {
	delete(n.tasks, id)
	if n.sent[id] {
		delete(n.sent, id)
		if s := n.stream; s != nil && len(s.queue) > 0 {
			select { // room for a queued task
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
}

// assign gives a node a task: its slot is held until the result, and the
// task is queued on its stream if one is open (else it waits for the node
// to connect).
func (b *computeBook) assign(a common.Address, t *pb.ComputeTask) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.node(a)
	id := common.BytesToHash(t.RequestId)
	n.reserved[id] = time.Time{}
	n.tasks[id] = t
	if s := n.stream; s != nil {
		s.queue = append(s.queue, t)
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// task is the task a node holds for a request.
func (b *computeBook) task(a common.Address, id common.Hash) (*pb.ComputeTask, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.nodes[a]; n != nil {
		t, ok := n.tasks[id]
		return t, ok
	}
	return nil, false
}

// overdue lists the tasks past their deadline at now.
func (b *computeBook) overdue(now time.Time) []*pb.ComputeTask {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*pb.ComputeTask
	for _, n := range b.nodes {
		for _, t := range n.tasks {
			if now.UnixMilli() > t.DeadlineUnixMs {
				out = append(out, t)
			}
		}
	}
	return out
}
