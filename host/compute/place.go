package compute

import (
	"fmt"
	"strings"

	"github.com/ncn-network/ncn/gpu"
)

// placement is where one model's workers run.
type placement struct {
	device  string   // worker.Config.Device: "cpu" or "cuda:0"
	env     []string // worker.Config.Env: CUDA_VISIBLE_DEVICES...
	devices []string // device nodes the sandbox binds in
	gpu     string   // the GPU's name and UUID, for the log; "" on CPU
}

// place puts each model (by runtime, in order) on the inventory: torch
// models share out the GPUs, one GPU per model (gpu.Assign); numpy models,
// and every model on a CPU node, run on CPU with the GPUs hidden.
func place(inv gpu.Inventory, runtimes []string) ([]placement, error) {
	cpu := placement{device: "cpu", env: []string{"CUDA_VISIBLE_DEVICES=", "NVIDIA_VISIBLE_DEVICES=void"}}
	out := make([]placement, len(runtimes))
	var onGPU []int
	for i, rt := range runtimes {
		out[i] = cpu
		if inv.Kind == gpu.KindNVIDIA && len(inv.Devices) > 0 && rt == "torch" {
			onGPU = append(onGPU, i)
		}
	}
	if len(onGPU) == 0 {
		return out, nil
	}
	plan, err := gpu.Assign(inv, gpu.AssignConfig{Slots: len(onGPU)})
	if err != nil {
		return nil, fmt.Errorf("place models on GPUs: %w", err)
	}
	for k, i := range onGPU {
		s := plan.Slots[k]
		name := ""
		for _, d := range inv.Devices {
			if d.Index == s.Device {
				name = d.Name
			}
		}
		// CUDA_VISIBLE_DEVICES leaves the worker one GPU: its cuda:0.
		out[i] = placement{device: "cuda:0", env: s.Env, devices: s.DevicePaths, gpu: fmt.Sprintf("%d %s %s", s.Device, name, s.UUID)}
	}
	return out, nil
}

// accelerator is the inventory as the registry shows it: "cpu", or the
// GPUs counted by name ("8x NVIDIA H100 80GB HBM3").
func accelerator(inv gpu.Inventory) string {
	if inv.Kind != gpu.KindNVIDIA || len(inv.Devices) == 0 {
		return "cpu"
	}
	var names []string
	count := map[string]int{}
	for _, d := range inv.Devices {
		if count[d.Name] == 0 {
			names = append(names, d.Name)
		}
		count[d.Name]++
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%dx %s", count[n], n)
	}
	s := strings.Join(parts, ", ")
	if len(s) > 256 { // the registry's field limit
		s = s[:256]
	}
	return s
}
