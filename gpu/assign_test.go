package gpu_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/ncn-network/ncn/gpu"
	"github.com/ncn-network/ncn/gpu/gputest"
)

// h100Inventory is the inventory of a mock DGX H100 whose GPUs have the
// free memory given (GiB, by index; missing: all 80), with every device
// node present.
func h100Inventory(t *testing.T, freeGiB ...uint64) gpu.Inventory {
	t.Helper()
	srv := gputest.DGXH100()
	for i, f := range freeGiB {
		gputest.Device(srv, i).MemoryInfo = nvml.Memory{Total: 80 * gib, Free: f * gib, Used: (80 - f) * gib}
	}
	inv, err := inventory(t, gpu.Config{NVML: srv, DevRoot: fakeDev(t,
		"nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestAssign(t *testing.T) {
	gibs := func(n ...uint64) []uint64 {
		for i := range n {
			n[i] *= gib
		}
		return n
	}
	tests := []struct {
		name    string
		freeGiB []uint64 // by GPU; missing: 80
		cfg     gpu.AssignConfig
		want    []int // GPU of each slot
		wantErr error
	}{
		{name: "fewer slots than GPUs", cfg: gpu.AssignConfig{Slots: 3}, want: []int{0, 1, 2}},
		{name: "one slot per GPU", cfg: gpu.AssignConfig{Slots: 8}, want: []int{0, 1, 2, 3, 4, 5, 6, 7}},
		{name: "more slots than GPUs", cfg: gpu.AssignConfig{Slots: 20},
			want: []int{0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3}},
		{name: "two 30 GiB slots per 80 GiB GPU", cfg: gpu.AssignConfig{Slots: 16, SlotMemory: 30 * gib},
			want: []int{0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7}},
		{name: "a third 30 GiB slot fits nowhere", cfg: gpu.AssignConfig{Slots: 17, SlotMemory: 30 * gib},
			wantErr: gpu.ErrInsufficientMemory},
		{name: "slot larger than any GPU", cfg: gpu.AssignConfig{Slots: 1, SlotMemory: 81 * gib},
			wantErr: gpu.ErrInsufficientMemory},
		{name: "busy GPUs are skipped", freeGiB: []uint64{10, 19, 80, 5},
			cfg: gpu.AssignConfig{Slots: 4, SlotMemory: 20 * gib}, want: []int{2, 4, 5, 6}},
		{name: "a busy GPU still takes small slots", freeGiB: []uint64{10},
			cfg: gpu.AssignConfig{Slots: 9, SlotMemory: 10 * gib}, want: []int{0, 1, 2, 3, 4, 5, 6, 7, 1}},
		{
			// Largest first: both 60 GiB slots get a GPU of their own
			// before the 20s fill the rest; in slot order this would fail.
			name: "per-slot needs, largest first", freeGiB: []uint64{80, 80, 0, 0, 0, 0, 0, 0},
			cfg:  gpu.AssignConfig{Slots: 4, SlotMemories: gibs(20, 60, 20, 60)},
			want: []int{0, 0, 1, 1},
		},
		{name: "per-slot needs too large together", freeGiB: []uint64{80, 80, 0, 0, 0, 0, 0, 0},
			cfg: gpu.AssignConfig{Slots: 3, SlotMemories: gibs(50, 50, 50)}, wantErr: gpu.ErrInsufficientMemory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := h100Inventory(t, tt.freeGiB...)
			plan, err := gpu.Assign(inv, tt.cfg)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Assign: %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for i, s := range plan.Slots {
				if s.Index != i {
					t.Errorf("slot %d has index %d", i, s.Index)
				}
				got = append(got, s.Device)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("slots on GPUs %v, want %v", got, tt.want)
			}
			again, err := gpu.Assign(inv, tt.cfg)
			if err != nil || !reflect.DeepEqual(plan, again) {
				t.Errorf("a second Assign differs: %+v, %v", again, err)
			}
		})
	}
}

// TestAssignSlot checks what one slot carries to the sandbox.
func TestAssignSlot(t *testing.T) {
	inv := h100Inventory(t)
	dev := filepath.Dir(inv.Devices[0].Path)
	paths := func(n int) []string {
		return []string{
			filepath.Join(dev, "nvidiactl"), filepath.Join(dev, "nvidia-uvm"),
			filepath.Join(dev, "nvidia-uvm-tools"), filepath.Join(dev, "nvidia-modeset"),
			filepath.Join(dev, fmt.Sprintf("nvidia%d", n)),
		}
	}
	tests := []struct {
		name string
		cfg  gpu.AssignConfig
		slot int
		want gpu.Slot
	}{
		{
			name: "by UUID", cfg: gpu.AssignConfig{Slots: 10, SlotMemory: gib}, slot: 9,
			want: gpu.Slot{Index: 9, Device: 1, UUID: inv.Devices[1].UUID, Memory: gib,
				Env: []string{
					"CUDA_DEVICE_ORDER=PCI_BUS_ID",
					"CUDA_VISIBLE_DEVICES=" + inv.Devices[1].UUID,
					"NVIDIA_VISIBLE_DEVICES=" + inv.Devices[1].UUID,
				},
				DevicePaths: paths(1)},
		},
		{
			name: "by index", cfg: gpu.AssignConfig{Slots: 4, ByIndex: true}, slot: 3,
			want: gpu.Slot{Index: 3, Device: 3, UUID: inv.Devices[3].UUID,
				Env:         []string{"CUDA_DEVICE_ORDER=PCI_BUS_ID", "CUDA_VISIBLE_DEVICES=3", "NVIDIA_VISIBLE_DEVICES=3"},
				DevicePaths: paths(3)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := gpu.Assign(inv, tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Kind != gpu.KindNVIDIA {
				t.Errorf("plan kind %q", plan.Kind)
			}
			if got := plan.Slots[tt.slot]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("slot %d:\n got %+v\nwant %+v", tt.slot, got, tt.want)
			}
		})
	}
}

func TestAssignCPU(t *testing.T) {
	inv := gpu.Inventory{Kind: gpu.KindCPU, Reason: "test", CPU: gpu.CPU{Count: 2}}
	plan, err := gpu.Assign(inv, gpu.AssignConfig{Slots: 3, SlotMemories: []uint64{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range plan.Slots {
		want := gpu.Slot{Index: i, Device: -1, Env: []string{"CUDA_VISIBLE_DEVICES=", "NVIDIA_VISIBLE_DEVICES=void"}}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("slot %d: %+v, want %+v", i, s, want)
		}
	}
}

func TestAssignInvalid(t *testing.T) {
	tests := []struct {
		name    string
		inv     gpu.Inventory
		cfg     gpu.AssignConfig
		wantErr string
		is      error
	}{
		{name: "no slots", inv: gpu.Inventory{Kind: gpu.KindCPU}, cfg: gpu.AssignConfig{}, wantErr: "at least 1"},
		{name: "negative slots", inv: gpu.Inventory{Kind: gpu.KindCPU}, cfg: gpu.AssignConfig{Slots: -1}, wantErr: "at least 1"},
		{name: "memories for other slots", inv: gpu.Inventory{Kind: gpu.KindCPU},
			cfg: gpu.AssignConfig{Slots: 2, SlotMemories: []uint64{1}}, wantErr: "1 slot memories for 2 slots"},
		{name: "unknown kind", inv: gpu.Inventory{}, cfg: gpu.AssignConfig{Slots: 1}, wantErr: "unknown inventory kind"},
		{name: "GPU kind without GPUs", inv: gpu.Inventory{Kind: gpu.KindNVIDIA}, cfg: gpu.AssignConfig{Slots: 1},
			is: gpu.ErrNoUsableGPU},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gpu.Assign(tt.inv, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("Assign: %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

// TestAssignMixedMachine: a heterogeneous node (go-nvml's server with an
// A100 40GB beside an H100 80GB) gets big slots only where they fit.
func TestAssignMixedMachine(t *testing.T) {
	a100, h100 := gputest.DGXA100(), gputest.DGXH100()
	srv := gputest.Complete(server.NewServerWithGPUs("550.54.15", "12.550.54.15", 12040,
		gputest.Device(a100, 0).Config, gputest.Device(h100, 0).Config))
	inv, err := inventory(t, gpu.Config{NVML: srv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := gpu.Assign(inv, gpu.AssignConfig{Slots: 2, SlotMemories: []uint64{30 * gib, 45 * gib}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Slots[0].Device != 0 || plan.Slots[1].Device != 1 {
		t.Errorf("30 GiB slot on GPU %d, 45 GiB slot on GPU %d; want 0 (A100 40GB) and 1 (H100 80GB)",
			plan.Slots[0].Device, plan.Slots[1].Device)
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{80 * gib, "80.0 GiB"}, {24684092 * 1024, "23.5 GiB"}, {1 << 50, "1.0 PiB"}, {1<<64 - 1, "16.0 EiB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := gpu.FormatBytes(tt.n); got != tt.want {
				t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}
