package gpu

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// AssignConfig says how many worker slots to place and what each needs.
// The zero value is invalid: Slots must be at least 1.
type AssignConfig struct {
	// Slots is the number of model-worker slots (at least 1). With more
	// slots than GPUs, GPUs are shared; with fewer, some stay idle.
	Slots int
	// SlotMemory is the free device memory in bytes every slot needs (0:
	// none). SlotMemories, when set, gives each slot its own need instead
	// and must have Slots entries. Both are ignored on a CPU inventory,
	// where a worker's memory is the sandbox's cgroup limit, not this plan's.
	SlotMemory   uint64
	SlotMemories []uint64
	// ByIndex names GPUs in CUDA_VISIBLE_DEVICES by NVML index instead of
	// UUID. UUIDs are the default because indices renumber when a GPU
	// fails or is hidden, and a worker would silently get another GPU.
	ByIndex bool
}

// Validate checks the configuration.
func (c AssignConfig) Validate() error {
	switch {
	case c.Slots < 1:
		return fmt.Errorf("gpu assign: %d slots: need at least 1", c.Slots)
	case c.SlotMemories != nil && len(c.SlotMemories) != c.Slots:
		return fmt.Errorf("gpu assign: %d slot memories for %d slots", len(c.SlotMemories), c.Slots)
	}
	return nil
}

func (c AssignConfig) need(slot int) uint64 {
	if c.SlotMemories != nil {
		return c.SlotMemories[slot]
	}
	return c.SlotMemory
}

// Plan is where each worker slot runs: plain data for host/compute to hand
// to the sandbox.
type Plan struct {
	Kind  Kind   `json:"kind"`
	Slots []Slot `json:"slots"` // by slot index
}

// Slot is one worker slot's share of the node.
type Slot struct {
	Index int `json:"index"`
	// Device is the NVML index of the slot's GPU, -1 on CPU; UUID its UUID.
	Device int    `json:"device"`
	UUID   string `json:"uuid,omitempty"`
	// Memory is the device memory in bytes set aside for the slot (its
	// need; 0 when none was given).
	Memory uint64 `json:"memory,omitempty"`
	// Env is added to the worker's environment, "KEY=VALUE" sorted by key.
	Env []string `json:"env"`
	// DevicePaths are the device nodes the worker's sandbox must make
	// visible read-write: the shared control nodes present on the host,
	// then the GPU's own /dev/nvidiaN. None on CPU.
	DevicePaths []string `json:"devicePaths,omitempty"`
}

// Assign places cfg.Slots worker slots on the inventory's GPUs, one GPU per
// slot. The plan depends only on its inputs: the same inventory and config
// give the same plan on every call.
//
// Slots are placed largest memory need first (ties: lower slot index), each
// on the GPU with the fewest slots so far that still has the free memory
// it needs (ties: lower NVML index). Without memory needs this is
// round-robin: slot i on GPU i mod n. A slot that fits nowhere fails the
// whole plan with ErrInsufficientMemory rather than overcommitting a GPU
// and failing later, in CUDA, on a request.
//
// On a CPU inventory every slot hides all GPUs (CUDA_VISIBLE_DEVICES="")
// and gets no device nodes.
func Assign(inv Inventory, cfg AssignConfig) (Plan, error) {
	if err := cfg.Validate(); err != nil {
		return Plan{}, err
	}
	plan := Plan{Kind: inv.Kind, Slots: make([]Slot, cfg.Slots)}
	switch inv.Kind {
	case KindCPU:
		for i := range plan.Slots {
			plan.Slots[i] = Slot{
				Index: i, Device: -1,
				// "void" tells the NVIDIA container runtime, should the
				// worker meet it, to inject nothing.
				Env: []string{"CUDA_VISIBLE_DEVICES=", "NVIDIA_VISIBLE_DEVICES=void"},
			}
		}
		return plan, nil
	case KindNVIDIA:
	default:
		return Plan{}, fmt.Errorf("gpu assign: unknown inventory kind %q", inv.Kind)
	}
	if len(inv.Devices) == 0 {
		return Plan{}, fmt.Errorf("gpu assign: %w", ErrNoUsableGPU)
	}

	devs := slices.Clone(inv.Devices)
	slices.SortFunc(devs, func(a, b Device) int { return cmp.Compare(a.Index, b.Index) })
	free := make([]uint64, len(devs))
	for j, d := range devs {
		free[j] = d.MemoryFree
	}
	load := make([]int, len(devs))

	order := make([]int, cfg.Slots)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(cfg.need(b), cfg.need(a)) })

	for _, s := range order {
		need := cfg.need(s)
		best := -1
		for j := range devs {
			if need > free[j] {
				continue
			}
			if best < 0 || load[j] < load[best] {
				best = j
			}
		}
		if best < 0 {
			return Plan{}, fmt.Errorf("gpu assign: %w: slot %d needs %s, the most left on any GPU is %s",
				ErrInsufficientMemory, s, FormatBytes(need), FormatBytes(slices.Max(free)))
		}
		load[best]++
		if need > 0 {
			free[best] -= need
		}
		plan.Slots[s] = gpuSlot(s, devs[best], need, inv.ControlNodes, cfg.ByIndex)
	}
	return plan, nil
}

func gpuSlot(index int, d Device, need uint64, controlNodes []string, byIndex bool) Slot {
	id := d.UUID
	if byIndex {
		id = strconv.Itoa(d.Index)
	}
	return Slot{
		Index: index, Device: d.Index, UUID: d.UUID, Memory: need,
		Env: []string{
			// CUDA numbers devices fastest first unless told otherwise; PCI
			// bus order is NVML's, so an index means the same GPU to both.
			"CUDA_DEVICE_ORDER=PCI_BUS_ID",
			"CUDA_VISIBLE_DEVICES=" + id,
			"NVIDIA_VISIBLE_DEVICES=" + id,
		},
		DevicePaths: append(slices.Clone(controlNodes), d.Path),
	}
}

// FormatBytes writes n bytes in binary units ("80.0 GiB"), for messages and
// tables.
func FormatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
