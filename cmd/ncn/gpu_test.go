package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/ncn-network/ncn/gpu"
	"github.com/ncn-network/ncn/gpu/gputest"
)

// gpuInfo runs `ncn gpu info args...` in process.
func gpuInfo(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	err = runGPUInfo(context.Background(), e, args)
	return out.String(), errOut.String(), err
}

// thisMachine is the inventory `gpu info` sees here, to know whether this
// machine is a CPU node (as the development machines and CI are).
func thisMachine(t *testing.T) gpu.Inventory {
	t.Helper()
	d, err := gpu.Open(gpu.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	inv, err := d.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestGPUInfoUsage(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" with help: flag.ErrHelp
	}{
		{name: "help", args: []string{"--help"}},
		{name: "stray argument", args: []string{"all"}, wantErr: `unexpected argument "all"`},
		{name: "unknown flag", args: []string{"--gpus", "2"}, wantErr: "flag provided but not defined"},
		{name: "negative slots", args: []string{"--slots", "-1"}, wantErr: "--slots must not be negative"},
		{name: "memory without slots", args: []string{"--slot-memory", "1GiB"}, wantErr: "--slot-memory needs --slots"},
		{name: "by index without slots", args: []string{"--by-index"}, wantErr: "--by-index needs --slots"},
		{name: "decimal unit", args: []string{"--slots", "2", "--slot-memory", "30GB"}, wantErr: `"30GB" is not a size`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := gpuInfo(t, tt.args...)
			if tt.wantErr == "" {
				if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stdout, "Usage: ncn gpu info [flags]") || !strings.Contains(stdout, "--slot-memory") {
					t.Errorf("err %v, stdout:\n%s", err, stdout)
				}
				return
			}
			var ue *usageError
			if !errors.As(err, &ue) || ue.cmd != "gpu info" || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err %v, want a usage error with %q", err, tt.wantErr)
			}
		})
	}
}

// TestGPUInfoThisMachine runs the command as an operator would here.
func TestGPUInfoThisMachine(t *testing.T) {
	cpu := thisMachine(t).Kind == gpu.KindCPU

	stdout, stderr, err := gpuInfo(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ncn gpu info:\n%s%s", stdout, stderr)
	for _, want := range []string{"accelerator", "cpu", "logical processors", "memory"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if cpu && (!strings.Contains(stdout, "accelerator  cpu: NVML library libnvidia-ml.so.1 not found") ||
		!strings.Contains(stderr, "models will run on CPU")) {
		t.Errorf("no CPU fallback shown:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}

	stdout, _, err = gpuInfo(t, "--json", "--slots", "2", "--slot-memory", "1.5GiB")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		gpu.Inventory
		Plan *gpu.Plan `json:"plan"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if got.Kind == "" || got.CPU.Count < 1 || got.Plan == nil || len(got.Plan.Slots) != 2 {
		t.Errorf("--json: %s", stdout)
	}
	if cpu && got.Plan.Slots[1].Env[0] != "CUDA_VISIBLE_DEVICES=" {
		t.Errorf("CPU slot env %q", got.Plan.Slots[1].Env)
	}

	_, _, err = gpuInfo(t, "--require")
	if cpu && !errors.Is(err, gpu.ErrNoGPU) {
		t.Errorf("--require on a CPU node: %v, want ErrNoGPU", err)
	}
}

// TestPrintGPUInfo renders a mock DGX H100 with a lost GPU and a plan.
func TestPrintGPUInfo(t *testing.T) {
	srv := gputest.DGXH100()
	gputest.Device(srv, 6).GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) {
		return nvml.Memory{}, nvml.ERROR_GPU_IS_LOST
	}
	d, err := gpu.Open(gpu.Config{NVML: srv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	inv, err := d.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := gpu.Assign(inv, gpu.AssignConfig{Slots: 9, SlotMemory: 30 << 30})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := printGPUInfo(&out, inv, &plan); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	for _, want := range []string{
		"accelerator   nvidia, 7 GPUs (1 more failed)",
		"driver        550.54.15",
		"cuda          12.4",
		"device nodes  none found",
		"GPU 6 failed: GetMemoryInfo: ERROR_GPU_IS_LOST (it gets no slots)",
		"SLOT  GPU  MEMORY    CUDA_VISIBLE_DEVICES",
		"7     0    30.0 GiB  " + inv.Devices[0].UUID + "  /dev/nvidia0",
		"6     7    30.0 GiB  " + inv.Devices[6].UUID + "  /dev/nvidia7",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(out.String(), "NVIDIA H100 80GB HBM3"); n != 7 {
		t.Errorf("%d H100 rows, want 7", n)
	}
	if n := strings.Count(out.String(), "80.0 GiB / 80.0 GiB  9.0"); n != 7 {
		t.Errorf("%d rows with 80 GiB and cc 9.0, want 7", n)
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in      string
		want    uint64
		wantErr bool
	}{
		{in: "0", want: 0}, {in: "1048576", want: 1 << 20}, {in: "30GiB", want: 30 << 30}, {in: "30gi", want: 30 << 30},
		{in: "1.5 GiB", want: 3 << 29}, {in: "512MiB", want: 512 << 20}, {in: "2TiB", want: 2 << 40}, {in: "4KiB", want: 4096},
		{in: "", wantErr: true}, {in: "30GB", wantErr: true}, {in: "-1GiB", wantErr: true}, {in: "NaNGiB", wantErr: true},
		{in: "1.5", wantErr: true}, {in: "99999999TiB", wantErr: true}, {in: "GiB", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseBytes(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseBytes(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
