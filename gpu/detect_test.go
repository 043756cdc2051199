package gpu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"

	"github.com/ncn-network/ncn/gpu"
	"github.com/ncn-network/ncn/gpu/gputest"
)

const gib = 1 << 30

// fakeDev is a DevRoot holding the NVIDIA device nodes named, as empty files.
func fakeDev(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// logBuffer is a logger writing text lines into a buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// inventory opens a detector on cfg and takes one inventory.
func inventory(t *testing.T, cfg gpu.Config, log *slog.Logger) (gpu.Inventory, error) {
	t.Helper()
	d, err := gpu.Open(cfg, log)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer d.Close()
	return d.Inventory(context.Background())
}

func TestInventoryMockMachines(t *testing.T) {
	tests := []struct {
		name     string
		srv      *server.Server
		gpuName  string
		memory   uint64
		cc       string
		driver   string
		cuda     string
		nodes    []string // present under DevRoot
		wantCtrl []string // ControlNodes, in order
	}{
		{
			name: "dgx h100", srv: gputest.DGXH100(),
			gpuName: "NVIDIA H100 80GB HBM3", memory: 80 * gib, cc: "9.0", driver: "550.54.15", cuda: "12.4",
			nodes:    []string{"nvidia-uvm-tools", "nvidiactl", "nvidia-uvm", "nvidia-modeset"},
			wantCtrl: []string{"nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset"},
		},
		{
			name: "dgx a100 without modeset", srv: gputest.DGXA100(),
			gpuName: "Mock NVIDIA A100-SXM4-40GB", memory: 40 * gib, cc: "8.0", driver: "550.54.15", cuda: "12.4",
			nodes:    []string{"nvidiactl", "nvidia-uvm"},
			wantCtrl: []string{"nvidiactl", "nvidia-uvm"},
		},
		{
			name: "dgx b200 without device nodes", srv: gputest.DGXB200(),
			gpuName: "NVIDIA B200 180GB HBM3e", memory: 180 * gib, cc: "10.0", driver: "560.28.03", cuda: "12.6",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := fakeDev(t, tt.nodes...)
			inv, err := inventory(t, gpu.Config{NVML: tt.srv, DevRoot: dev}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if inv.Kind != gpu.KindNVIDIA || inv.Reason != "" {
				t.Errorf("kind %q reason %q, want nvidia and no reason", inv.Kind, inv.Reason)
			}
			if inv.DriverVersion != tt.driver || inv.CUDADriverVersion != tt.cuda || inv.NVMLVersion == "" {
				t.Errorf("driver %q cuda %q nvml %q, want %q %q and an NVML version",
					inv.DriverVersion, inv.CUDADriverVersion, inv.NVMLVersion, tt.driver, tt.cuda)
			}
			if len(inv.Devices) != 8 || len(inv.Failed) != 0 {
				t.Fatalf("%d devices, %d failed; want 8 and 0", len(inv.Devices), len(inv.Failed))
			}
			uuids := map[string]bool{}
			for i, d := range inv.Devices {
				if d.Index != i || d.Minor != i || d.Path != filepath.Join(dev, "nvidia"+string(rune('0'+i))) {
					t.Errorf("device %d: index %d minor %d path %s", i, d.Index, d.Minor, d.Path)
				}
				if d.Name != tt.gpuName || d.MemoryTotal != tt.memory || d.MemoryFree != tt.memory || d.ComputeCapability != tt.cc {
					t.Errorf("device %d: %q %d/%d bytes cc %q; want %q %d cc %q",
						i, d.Name, d.MemoryTotal, d.MemoryFree, d.ComputeCapability, tt.gpuName, tt.memory, tt.cc)
				}
				if !strings.HasPrefix(d.UUID, "GPU-") || uuids[d.UUID] {
					t.Errorf("device %d: UUID %q not a fresh GPU- UUID", i, d.UUID)
				}
				uuids[d.UUID] = true
				if d.Utilization == nil {
					t.Errorf("device %d: no utilization", i)
				}
			}
			var want []string
			for _, n := range tt.wantCtrl {
				want = append(want, filepath.Join(dev, n))
			}
			if strings.Join(inv.ControlNodes, ",") != strings.Join(want, ",") {
				t.Errorf("control nodes %q, want %q", inv.ControlNodes, want)
			}
			if inv.CPU.Count < 1 {
				t.Errorf("cpu count %d on a GPU node", inv.CPU.Count)
			}
		})
	}
}

func TestInventoryUtilizationAndFreeMemory(t *testing.T) {
	srv := gputest.DGXH100()
	d := gputest.Device(srv, 2)
	d.MemoryInfo = nvml.Memory{Total: 80 * gib, Free: 30 * gib, Used: 50 * gib}
	d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
		return nvml.Utilization{Gpu: 87, Memory: 41}, nvml.SUCCESS
	}
	inv, err := inventory(t, gpu.Config{NVML: srv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := inv.Devices[2]
	if got.MemoryFree != 30*gib || *got.Utilization != (gpu.Utilization{GPU: 87, Memory: 41}) {
		t.Errorf("device 2: free %d utilization %+v", got.MemoryFree, *got.Utilization)
	}
}

// TestOpen covers NVML's machine-wide answers: which fall back to CPU,
// which are errors.
func TestOpen(t *testing.T) {
	tests := []struct {
		name       string
		init       nvml.Return
		count      int
		countRet   nvml.Return
		require    bool
		wantErr    []error // all must match errors.Is; nil: no error
		wantReason string  // CPU inventory's reason; "": a GPU inventory
		wantLog    string
	}{
		{name: "library not found", init: nvml.ERROR_LIBRARY_NOT_FOUND,
			wantReason: "libnvidia-ml.so.1 not found", wantLog: "models will run on CPU"},
		{name: "driver not loaded", init: nvml.ERROR_DRIVER_NOT_LOADED,
			wantReason: "kernel driver not loaded", wantLog: "models will run on CPU"},
		{name: "no GPU", init: nvml.SUCCESS, count: 0,
			wantReason: "NVML lists no GPU", wantLog: "models will run on CPU"},
		{name: "eight GPUs", init: nvml.SUCCESS, count: 8,
			wantLog: "control device node is missing"},
		{name: "library not found, required", init: nvml.ERROR_LIBRARY_NOT_FOUND, require: true,
			wantErr: []error{gpu.ErrNoGPU}},
		{name: "no GPU, required", init: nvml.SUCCESS, count: 0, require: true,
			wantErr: []error{gpu.ErrNoGPU}},
		{name: "no permission", init: nvml.ERROR_NO_PERMISSION,
			wantErr: []error{gpu.ErrNVML, nvml.ERROR_NO_PERMISSION}},
		{name: "init unknown error", init: nvml.ERROR_UNKNOWN,
			wantErr: []error{gpu.ErrNVML, nvml.ERROR_UNKNOWN}},
		{name: "count fails", init: nvml.SUCCESS, countRet: nvml.ERROR_UNINITIALIZED,
			wantErr: []error{gpu.ErrNVML, nvml.ERROR_UNINITIALIZED}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := gputest.DGXH100()
			srv.InitFunc = func() nvml.Return { return tt.init }
			srv.DeviceGetCountFunc = func() (int, nvml.Return) { return tt.count, tt.countRet }
			shutdowns := 0
			srv.ShutdownFunc = func() nvml.Return { shutdowns++; return nvml.SUCCESS }
			log, buf := logBuffer()

			d, err := gpu.Open(gpu.Config{NVML: srv, Require: tt.require, DevRoot: t.TempDir()}, log)
			if tt.wantErr != nil {
				for _, want := range tt.wantErr {
					if !errors.Is(err, want) {
						t.Errorf("Open: %v, want errors.Is %v", err, want)
					}
				}
				if tt.init == nvml.SUCCESS && shutdowns != 1 {
					t.Errorf("NVML shut down %d times after a failed Open, want 1", shutdowns)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !strings.Contains(buf.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, buf.String())
			}
			if tt.wantReason == "" {
				return
			}
			inv, err := d.Inventory(context.Background())
			if err != nil {
				t.Fatalf("Inventory: %v", err)
			}
			if inv.Kind != gpu.KindCPU || !strings.Contains(inv.Reason, tt.wantReason) || len(inv.Devices) != 0 {
				t.Errorf("kind %q reason %q devices %d; want cpu, a reason with %q, none",
					inv.Kind, inv.Reason, len(inv.Devices), tt.wantReason)
			}
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if wantShutdowns := map[bool]int{true: 1, false: 0}[tt.init == nvml.SUCCESS]; shutdowns != wantShutdowns {
				t.Errorf("NVML shut down %d times, want %d", shutdowns, wantShutdowns)
			}
		})
	}
}

// TestInventoryDeviceFailures: a GPU failing a query midway is left out and
// reported, the others stay; only machine-wide failures and all GPUs
// failing are errors.
func TestInventoryDeviceFailures(t *testing.T) {
	lost := func(d *server.Device) {
		d.GetMemoryInfoFunc = func() (nvml.Memory, nvml.Return) { return nvml.Memory{}, nvml.ERROR_GPU_IS_LOST }
	}
	tests := []struct {
		name       string
		break_     func(s *server.Server)
		wantErr    []error
		wantFailed map[int]string // index -> op
		check      func(t *testing.T, inv gpu.Inventory)
	}{
		{
			name:       "GPU 3 lost",
			break_:     func(s *server.Server) { lost(gputest.Device(s, 3)) },
			wantFailed: map[int]string{3: "GetMemoryInfo"},
		},
		{
			name: "GPU 0 has no handle, GPU 7 no UUID",
			break_: func(s *server.Server) {
				h := s.DeviceGetHandleByIndexFunc
				s.DeviceGetHandleByIndexFunc = func(i int) (nvml.Device, nvml.Return) {
					if i == 0 {
						return nil, nvml.ERROR_UNKNOWN
					}
					return h(i)
				}
				gputest.Device(s, 7).GetUUIDFunc = func() (string, nvml.Return) { return "", nvml.ERROR_CORRUPTED_INFOROM }
			},
			wantFailed: map[int]string{0: "DeviceGetHandleByIndex", 7: "GetUUID"},
		},
		{
			name: "utilization and compute capability not supported",
			break_: func(s *server.Server) {
				d := gputest.Device(s, 1)
				d.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{}, nvml.ERROR_NOT_SUPPORTED }
				d.GetCudaComputeCapabilityFunc = func() (int, int, nvml.Return) { return 0, 0, nvml.ERROR_NOT_SUPPORTED }
			},
			check: func(t *testing.T, inv gpu.Inventory) {
				if d := inv.Devices[1]; d.Utilization != nil || d.ComputeCapability != "" {
					t.Errorf("device 1: utilization %v cc %q, want unknown", d.Utilization, d.ComputeCapability)
				}
			},
		},
		{
			name: "utilization fails otherwise",
			break_: func(s *server.Server) {
				gputest.Device(s, 5).GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
					return nvml.Utilization{}, nvml.ERROR_GPU_IS_LOST
				}
			},
			wantFailed: map[int]string{5: "GetUtilizationRates"},
		},
		{
			name: "every GPU lost",
			break_: func(s *server.Server) {
				for i := range s.Devices {
					lost(gputest.Device(s, i))
				}
			},
			wantErr: []error{gpu.ErrNoUsableGPU, nvml.ERROR_GPU_IS_LOST},
		},
		{
			name: "driver version fails",
			break_: func(s *server.Server) {
				s.SystemGetDriverVersionFunc = func() (string, nvml.Return) { return "", nvml.ERROR_UNKNOWN }
			},
			wantErr: []error{gpu.ErrNVML, nvml.ERROR_UNKNOWN},
		},
		{
			name: "CUDA version not supported",
			break_: func(s *server.Server) {
				s.SystemGetCudaDriverVersionFunc = func() (int, nvml.Return) { return 0, nvml.ERROR_NOT_SUPPORTED }
			},
			check: func(t *testing.T, inv gpu.Inventory) {
				if inv.CUDADriverVersion != "" || inv.DriverVersion == "" {
					t.Errorf("driver %q cuda %q", inv.DriverVersion, inv.CUDADriverVersion)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := gputest.DGXH100()
			tt.break_(srv)
			log, buf := logBuffer()
			inv, err := inventory(t, gpu.Config{NVML: srv}, log)
			if tt.wantErr != nil {
				for _, want := range tt.wantErr {
					if !errors.Is(err, want) {
						t.Errorf("Inventory: %v, want errors.Is %v", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Inventory: %v", err)
			}
			if len(inv.Devices)+len(inv.Failed) != 8 || len(inv.Failed) != len(tt.wantFailed) {
				t.Fatalf("%d devices, %d failed; want %d failed of 8", len(inv.Devices), len(inv.Failed), len(tt.wantFailed))
			}
			for _, f := range inv.Failed {
				if tt.wantFailed[f.Index] != f.Op {
					t.Errorf("failed: %v, want op %q", f, tt.wantFailed[f.Index])
				}
				if !strings.Contains(buf.String(), "GPU unusable") {
					t.Errorf("no log line for the failed GPU:\n%s", buf.String())
				}
				for _, d := range inv.Devices {
					if d.Index == f.Index {
						t.Errorf("failed GPU %d is among the devices", f.Index)
					}
				}
			}
			// A failed GPU never gets a slot.
			plan, err := gpu.Assign(inv, gpu.AssignConfig{Slots: 8})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range plan.Slots {
				if _, bad := tt.wantFailed[s.Device]; bad {
					t.Errorf("slot %d on failed GPU %d", s.Index, s.Device)
				}
			}
			if _, err := json.Marshal(inv); err != nil {
				t.Errorf("inventory does not marshal: %v", err)
			}
			if tt.check != nil {
				tt.check(t, inv)
			}
		})
	}
}

// TestAbsentLibrary goes through go-nvml's real dlopen: no NVIDIA library
// at the path is the CPU fallback, described from /proc.
func TestAbsentLibrary(t *testing.T) {
	log, buf := logBuffer()
	path := filepath.Join(t.TempDir(), "libnvidia-ml.so.1")
	inv, err := inventory(t, gpu.Config{LibraryPath: path}, log)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Kind != gpu.KindCPU || !strings.Contains(inv.Reason, path) || len(inv.Devices) != 0 {
		t.Errorf("kind %q reason %q devices %d; want cpu naming %s", inv.Kind, inv.Reason, len(inv.Devices), path)
	}
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "models will run on CPU") {
		t.Errorf("no warning of the fallback:\n%s", buf.String())
	}
	if inv.CPU.Count < 1 || inv.CPU.MemoryTotal == 0 || inv.CPU.MemoryAvailable == 0 || inv.CPU.MemoryAvailable > inv.CPU.MemoryTotal {
		t.Errorf("cpu %+v: want a count and memory from /proc", inv.CPU)
	}
	plan, err := gpu.Assign(inv, gpu.AssignConfig{Slots: 2, SlotMemory: 1 << 40})
	if err != nil || plan.Kind != gpu.KindCPU || len(plan.Slots) != 2 {
		t.Errorf("CPU plan %+v, %v", plan, err)
	}
}

// TestThisMachine opens the system's NVML as `ncn gpu info` does; on
// machines without the NVIDIA driver (this one, CI) that is the CPU
// fallback, elsewhere a GPU inventory.
func TestThisMachine(t *testing.T) {
	d, err := gpu.Open(gpu.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	inv, err := d.Inventory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kind %s (%s): %d GPUs, cpu %+v", inv.Kind, inv.Reason, len(inv.Devices), inv.CPU)
	if inv.Kind == gpu.KindCPU && inv.Reason == "" {
		t.Error("CPU inventory without a reason")
	}
}

func TestClose(t *testing.T) {
	srv := gputest.DGXH100()
	d, err := gpu.Open(gpu.Config{NVML: srv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.ShutdownFunc = func() nvml.Return { return nvml.ERROR_UNKNOWN }
	if err := d.Close(); !errors.Is(err, gpu.ErrNVML) {
		t.Errorf("Close: %v, want ErrNVML", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := d.Inventory(context.Background()); !errors.Is(err, gpu.ErrClosed) {
		t.Errorf("Inventory after Close: %v, want ErrClosed", err)
	}
}

func TestInventoryCanceled(t *testing.T) {
	d, err := gpu.Open(gpu.Config{NVML: gputest.DGXH100()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Inventory(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Inventory: %v, want context.Canceled", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     gpu.Config
		wantErr string
	}{
		{name: "zero", cfg: gpu.Config{}},
		{name: "all set", cfg: gpu.Config{LibraryPath: "/usr/lib/libnvidia-ml.so.1", ProcRoot: "/proc", DevRoot: "/dev", Require: true}},
		{name: "library and mock", cfg: gpu.Config{LibraryPath: "x.so", NVML: gputest.DGXH100()}, wantErr: "not both"},
		{name: "relative dev", cfg: gpu.Config{DevRoot: "dev"}, wantErr: "DevRoot"},
		{name: "relative proc", cfg: gpu.Config{ProcRoot: "proc"}, wantErr: "ProcRoot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate: %v, want %q", err, tt.wantErr)
			}
		})
	}
}
