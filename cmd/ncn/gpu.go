package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ncn-network/ncn/gpu"
)

const gpuInfoHelp = `
Prints what this machine computes with: its NVIDIA GPUs as NVML sees them
(index, name, UUID, free and total memory, CUDA compute capability,
utilization, device node), the driver and CUDA versions, the shared device
nodes a sandboxed GPU worker needs, and the processor and memory.

Without the NVIDIA driver (no libnvidia-ml.so.1, or its kernel module not
loaded) the machine is a CPU node: it says so and why, and a compute node
started here runs its models on CPU. A warning on stderr says the same.
GPUs that NVML lists but that fail a query are listed as failed; they get
no worker slots.

--slots N also prints how N model-worker slots would be placed: each
slot's GPU, CUDA_VISIBLE_DEVICES and device nodes, as the compute role
would start them. --slot-memory is the free GPU memory each slot needs
(bytes, or with a KiB, MiB, GiB or TiB suffix); a plan that does not fit
exits 1.

With --json, stdout is one JSON object: the inventory {kind, reason,
driverVersion, cudaDriverVersion, nvmlVersion, devices, failed,
controlNodes, cpu}, plus "plan" {kind, slots} with --slots.

Exit status: 0 on success, also on a CPU node; 1 when NVML fails, or with
--require on a machine without a usable GPU; 2 on a bad command line.

Environment:
  NCN_NVML_LIBRARY   default for --nvml-library

Examples:
  ncn gpu info
  ncn gpu info --json
  ncn gpu info --slots 16 --slot-memory 30GiB
  ncn gpu info --require --nvml-library /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1
`

func runGPUInfo(ctx context.Context, e env, args []string) error {
	f := newFlags("gpu info", "[flags]", gpuInfoHelp)
	library := f.String("nvml-library", e.getenv("NCN_NVML_LIBRARY"),
		"NVML shared library `file` to load (default $NCN_NVML_LIBRARY, else libnvidia-ml.so.1 on the linker's path)")
	require := f.Bool("require", false, "fail (exit 1) unless the machine has a usable NVIDIA GPU")
	jsonOut := f.Bool("json", false, "print the inventory (and plan) as one JSON object")
	slots := f.Int("slots", 0, "also print the placement of this many model-worker slots")
	slotMemory := f.String("slot-memory", "", "free GPU memory each slot needs, e.g. 30GiB (with --slots)")
	byIndex := f.Bool("by-index", false, "name GPUs in CUDA_VISIBLE_DEVICES by index instead of UUID (with --slots)")
	if err := f.parse(e, args); err != nil {
		return err
	}
	if *slots < 0 {
		return f.usagef("--slots must not be negative, not %d", *slots)
	}
	var need uint64
	if *slotMemory != "" {
		if *slots == 0 {
			return f.usagef("--slot-memory needs --slots")
		}
		n, err := parseBytes(*slotMemory)
		if err != nil {
			return f.usagef("--slot-memory: %v", err)
		}
		need = n
	}
	if *byIndex && *slots == 0 {
		return f.usagef("--by-index needs --slots")
	}

	d, err := gpu.Open(gpu.Config{LibraryPath: *library, Require: *require}, e.logger())
	if err != nil {
		return err
	}
	defer d.Close()
	inv, err := d.Inventory(ctx)
	if err != nil {
		return err
	}
	var plan *gpu.Plan
	if *slots > 0 {
		p, err := gpu.Assign(inv, gpu.AssignConfig{Slots: *slots, SlotMemory: need, ByIndex: *byIndex})
		if err != nil {
			return err
		}
		plan = &p
	}
	if *jsonOut {
		return json.NewEncoder(e.stdout).Encode(struct {
			gpu.Inventory
			Plan *gpu.Plan `json:"plan,omitempty"`
		}{inv, plan})
	}
	return printGPUInfo(e.stdout, inv, plan)
}

// printGPUInfo writes the human form of `gpu info`: a summary, a table of
// the GPUs and, given a plan, a table of its slots.
func printGPUInfo(w io.Writer, inv gpu.Inventory, plan *gpu.Plan) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if inv.Kind == gpu.KindCPU {
		fmt.Fprintf(tw, "accelerator\tcpu: %s\n", inv.Reason)
	} else {
		fmt.Fprintf(tw, "accelerator\t%s, %d GPUs", inv.Kind, len(inv.Devices))
		if len(inv.Failed) > 0 {
			fmt.Fprintf(tw, " (%d more failed)", len(inv.Failed))
		}
		fmt.Fprintf(tw, "\ndriver\t%s\n", orUnknown(inv.DriverVersion))
		fmt.Fprintf(tw, "cuda\t%s (newest the driver supports)\n", orUnknown(inv.CUDADriverVersion))
		fmt.Fprintf(tw, "nvml\t%s\n", orUnknown(inv.NVMLVersion))
		nodes := "none found"
		if len(inv.ControlNodes) > 0 {
			nodes = strings.Join(inv.ControlNodes, " ")
		}
		fmt.Fprintf(tw, "device nodes\t%s\n", nodes)
	}
	fmt.Fprintf(tw, "cpu\t%s, %d logical processors\n", orUnknown(inv.CPU.Model), inv.CPU.Count)
	if inv.CPU.MemoryTotal > 0 {
		fmt.Fprintf(tw, "memory\t%s total, %s available\n", gpu.FormatBytes(inv.CPU.MemoryTotal), gpu.FormatBytes(inv.CPU.MemoryAvailable))
	} else {
		fmt.Fprintf(tw, "memory\tunknown\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(inv.Devices) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "INDEX\tNAME\tUUID\tMEMORY FREE / TOTAL\tCC\tUTIL GPU/MEM\tDEVICE")
		for _, d := range inv.Devices {
			util := "n/a"
			if d.Utilization != nil {
				util = fmt.Sprintf("%d%% / %d%%", d.Utilization.GPU, d.Utilization.Memory)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s / %s\t%s\t%s\t%s\n", d.Index, d.Name, d.UUID,
				gpu.FormatBytes(d.MemoryFree), gpu.FormatBytes(d.MemoryTotal), orNA(d.ComputeCapability), util, d.Path)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, fd := range inv.Failed {
		fmt.Fprintf(w, "GPU %d failed: %s: %v (it gets no slots)\n", fd.Index, fd.Op, fd.Err)
	}

	if plan != nil {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		// Only CUDA_VISIBLE_DEVICES differs between GPU slots; --json has the whole environment.
		fmt.Fprintln(tw, "SLOT\tGPU\tMEMORY\tCUDA_VISIBLE_DEVICES\tDEVICE NODES")
		for _, s := range plan.Slots {
			dev, mem := "cpu", "-"
			if s.Device >= 0 {
				dev = strconv.Itoa(s.Device)
			}
			if s.Memory > 0 {
				mem = gpu.FormatBytes(s.Memory)
			}
			nodes := "-"
			if len(s.DevicePaths) > 0 {
				nodes = strings.Join(s.DevicePaths, " ")
			}
			visible := `""`
			for _, kv := range s.Env {
				if v, ok := strings.CutPrefix(kv, "CUDA_VISIBLE_DEVICES="); ok && v != "" {
					visible = v
				}
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.Index, dev, mem, visible, nodes)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// parseBytes reads a size: bytes, or a number with a binary suffix (KiB,
// MiB, GiB, TiB; the B may be left out). Decimal units (GB) are refused
// rather than guessed, since a GPU's "80GB" is 80 GiB.
func parseBytes(s string) (uint64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"tib", 40}, {"gib", 30}, {"mib", 20}, {"kib", 10}, {"ti", 40}, {"gi", 30}, {"mi", 20}, {"ki", 10}}
	num, shift := strings.ToLower(strings.TrimSpace(s)), uint(0)
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, shift = strings.TrimSpace(n), u.shift
			break
		}
	}
	bad := fmt.Errorf("%q is not a size: give bytes or a number with KiB, MiB, GiB or TiB", s)
	if shift == 0 {
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return 0, bad
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || !(f >= 0) || f*float64(uint64(1)<<shift) >= 1<<64 {
		return 0, bad
	}
	return uint64(f * float64(uint64(1)<<shift)), nil
}
