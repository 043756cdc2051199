package compute

import (
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/ncn-network/ncn/gpu"
	"github.com/ncn-network/ncn/host/api/pb"
)

func TestPlace(t *testing.T) {
	h100 := func(i int) gpu.Device {
		return gpu.Device{Index: i, UUID: "GPU-" + string(rune('a'+i)), Name: "NVIDIA H100 80GB HBM3", Path: "/dev/nvidia" + string(rune('0'+i)),
			MemoryTotal: 80 << 30, MemoryFree: 80 << 30}
	}
	gpus := gpu.Inventory{Kind: gpu.KindNVIDIA, Devices: []gpu.Device{h100(0), h100(1)}, ControlNodes: []string{"/dev/nvidiactl"}}
	cpu := gpu.Inventory{Kind: gpu.KindCPU, Reason: "no driver"}

	ps, err := place(gpus, []string{"numpy", "torch", "torch", "torch"})
	if err != nil {
		t.Fatal(err)
	}
	if ps[0].device != "cpu" || !slices.Contains(ps[0].env, "CUDA_VISIBLE_DEVICES=") || len(ps[0].devices) != 0 {
		t.Errorf("numpy model: %+v", ps[0])
	}
	// Round robin over the GPUs, each worker seeing one as cuda:0.
	for i, want := range []struct{ uuid, node string }{{"GPU-a", "/dev/nvidia0"}, {"GPU-b", "/dev/nvidia1"}, {"GPU-a", "/dev/nvidia0"}} {
		p := ps[i+1]
		if p.device != "cuda:0" || !slices.Contains(p.env, "CUDA_VISIBLE_DEVICES="+want.uuid) ||
			!slices.Equal(p.devices, []string{"/dev/nvidiactl", want.node}) {
			t.Errorf("torch model %d: %+v, want it on %s", i, p, want.uuid)
		}
	}
	if got := accelerator(gpus); got != "2x NVIDIA H100 80GB HBM3" {
		t.Errorf("accelerator %q", got)
	}
	mixed := gpus
	mixed.Devices = append(slices.Clone(gpus.Devices), gpu.Device{Index: 2, Name: "NVIDIA A100-SXM4-40GB"})
	if got := accelerator(mixed); got != "2x NVIDIA H100 80GB HBM3, 1x NVIDIA A100-SXM4-40GB" {
		t.Errorf("accelerator %q", got)
	}

	ps, err = place(cpu, []string{"torch", "numpy"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.device != "cpu" || len(p.devices) != 0 {
			t.Errorf("on a CPU node: %+v", p)
		}
	}
	if got := accelerator(cpu); got != "cpu" {
		t.Errorf("accelerator %q", got)
	}
}

func TestWholeRunes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{name: "empty", in: "", want: 0},
		{name: "ascii", in: "fox", want: 3},
		{name: "whole two-byte", in: "é", want: 2},
		{name: "cut two-byte", in: "a\xc3", want: 1},
		{name: "cut four-byte", in: "ab\xf0\x9f\x98", want: 2},
		{name: "whole four-byte", in: "ab\xf0\x9f\x98\x80", want: 6},
		{name: "stray continuation", in: "a\x80", want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wholeRunes([]byte(tt.in)); got != tt.want {
				t.Errorf("wholeRunes(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestLedger(t *testing.T) {
	l := newLedger(2, 1<<20)
	id := func(b byte) common.Hash { return common.Hash{b} }
	if running, done := l.claim(id(1)); running || done != nil {
		t.Fatal("a new task is not new")
	}
	if running, _ := l.claim(id(1)); !running {
		t.Fatal("a running task is not running")
	}
	l.finish(id(1), &pb.ComputeResult{Error: "boom"})
	if running, done := l.claim(id(1)); running || done != nil {
		t.Fatal("a failed task may run again")
	}
	ok := &pb.ComputeResult{Signature: []byte{1}}
	l.finish(id(1), ok)
	if _, done := l.claim(id(1)); done != ok {
		t.Fatal("a done task's result is not kept")
	}
	for _, b := range []byte{2, 3} {
		l.claim(id(b))
		l.finish(id(b), &pb.ComputeResult{Signature: []byte{b}})
	}
	if _, done := l.claim(id(1)); done != nil {
		t.Fatal("the ledger keeps more results than its bound")
	}

	l = newLedger(10, 10)
	for _, b := range []byte{1, 2, 3} {
		l.claim(id(b))
		l.finish(id(b), &pb.ComputeResult{Result: []byte("four"), Signature: []byte{b}})
	}
	if _, done := l.claim(id(1)); done != nil {
		t.Fatal("the ledger keeps more output than its bound")
	}
	if _, done := l.claim(id(3)); done == nil {
		t.Fatal("the newest result is not kept")
	}
	l.claim(id(4))
	l.finish(id(4), &pb.ComputeResult{Result: make([]byte, 11), Signature: []byte{4}})
	if _, done := l.claim(id(3)); done == nil {
		t.Fatal("a result larger than the budget pushed the others out")
	}
}
