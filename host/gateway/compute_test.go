package gateway

import (
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/host/api/pb"
)

// TestComputeBookFlowControl: a node is sent no more tasks than its
// descriptor says it takes; an answer makes room for the next, in the
// order they were queued; a task ended while it waited is never sent; a
// new stream sends again what the node holds.
func TestComputeBookFlowControl(t *testing.T) {
	var b computeBook
	node := common.HexToAddress("0x01")
	b.capacity(node, &pb.NodeInfo{Slots: 1, MaxTasks: 2})
	s, err := b.connect(node, 1)
	if err != nil {
		t.Fatal(err)
	}
	task := func(i byte) *pb.ComputeTask {
		return &pb.ComputeTask{RequestId: common.BytesToHash([]byte{i}).Bytes(), DeadlineUnixMs: int64(i)}
	}
	for i := byte(1); i <= 4; i++ {
		b.assign(node, task(i))
	}
	sent := func() []byte {
		var out []byte
		for x := b.next(s); x != nil; x = b.next(s) {
			out = append(out, x.RequestId[31])
		}
		return out
	}
	if got := sent(); string(got) != "\x01\x02" {
		t.Fatalf("sent %v at first, want tasks 1 and 2 (the node takes 2)", got)
	}
	b.release(node, common.BytesToHash([]byte{3})) // ended while queued
	b.release(node, common.BytesToHash([]byte{1})) // answered
	select {
	case <-s.wake:
	default:
		t.Fatal("an answer did not wake the stream with a task queued")
	}
	if got := sent(); string(got) != "\x04" {
		t.Fatalf("sent %v after an answer, want task 4 (3 ended while queued)", got)
	}
	s2, err := b.connect(node, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := func() []byte {
		var out []byte
		for x := b.next(s2); x != nil; x = b.next(s2) {
			out = append(out, x.RequestId[31])
		}
		return out
	}(); string(got) != "\x02\x04" {
		t.Fatalf("a new stream sent %v, want the tasks the node holds (2, 4)", got)
	}
}

// TestComputeBookHolds: holds beyond the cap are refused; an expired hold
// makes room; holding again for the same request is not a second hold.
func TestComputeBookHolds(t *testing.T) {
	var b computeBook
	node := common.HexToAddress("0x01")
	now := time.Now()
	id := func(i byte) common.Hash { return common.BytesToHash([]byte{i}) }
	if !b.reserve(node, id(1), 2, now.Add(time.Hour)) || !b.reserve(node, id(2), 2, now.Add(-time.Second)) {
		t.Fatal("holds under the cap refused")
	}
	if !b.reserve(node, id(3), 2, now.Add(time.Hour)) {
		t.Fatal("an expired hold did not make room")
	}
	if b.reserve(node, id(4), 2, now.Add(time.Hour)) {
		t.Fatal("a third live hold with a cap of 2")
	}
	if !b.reserve(node, id(1), 2, now.Add(time.Hour)) {
		t.Fatal("holding again for a request that holds the node refused")
	}
}
