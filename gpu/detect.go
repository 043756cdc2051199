package gpu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// defaultLibrary is the NVML library the driver installs; dlopen finds it
// on the linker's search path.
const defaultLibrary = "libnvidia-ml.so.1"

// Config configures a Detector. The zero value works: the system's NVML,
// falling back to CPU when it is absent.
type Config struct {
	// LibraryPath is the NVML shared library to dlopen (default
	// "libnvidia-ml.so.1", looked up on the dynamic linker's path).
	LibraryPath string
	// NVML, when set, is used instead of loading LibraryPath; tests pass
	// go-nvml's mock servers (see gputest). Open calls its Init, Close its
	// Shutdown.
	NVML nvml.Interface
	// Require makes a machine without a usable NVIDIA GPU an error
	// (ErrNoGPU) instead of a CPU inventory: for nodes sold as GPU nodes,
	// where quietly running on CPU would only show up as slow requests.
	Require bool
	// ProcRoot is where procfs is mounted (default "/proc"), read for the
	// CPU model, count and memory.
	ProcRoot string
	// DevRoot is the directory of the device nodes (default "/dev"). The
	// paths in an Inventory and a Plan are under it.
	DevRoot string
}

func (c Config) withDefaults() Config {
	if c.LibraryPath == "" {
		c.LibraryPath = defaultLibrary
	}
	if c.ProcRoot == "" {
		c.ProcRoot = "/proc"
	}
	if c.DevRoot == "" {
		c.DevRoot = "/dev"
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.NVML != nil && c.LibraryPath != "":
		return errors.New("gpu config: set LibraryPath or NVML, not both")
	case c.ProcRoot != "" && !filepath.IsAbs(c.ProcRoot):
		return fmt.Errorf("gpu config: ProcRoot %q is not an absolute path", c.ProcRoot)
	case c.DevRoot != "" && !filepath.IsAbs(c.DevRoot):
		// The sandbox binds these paths from wherever it runs.
		return fmt.Errorf("gpu config: DevRoot %q is not an absolute path", c.DevRoot)
	}
	return nil
}

// Kind is what a node computes on.
type Kind string

const (
	KindNVIDIA Kind = "nvidia" // NVIDIA GPUs through CUDA
	KindCPU    Kind = "cpu"    // no usable GPU: models run on the processor
)

// Inventory is what a node has to compute with, at one moment.
type Inventory struct {
	Kind Kind `json:"kind"`
	// Reason says why Kind is cpu (no NVML library, no kernel driver, no
	// GPU); empty for nvidia.
	Reason string `json:"reason,omitempty"`
	// DriverVersion is the NVIDIA driver ("550.54.15"), CUDADriverVersion
	// the newest CUDA it supports ("12.4"), NVMLVersion the library's.
	// Empty on cpu, or when the driver does not say.
	DriverVersion     string `json:"driverVersion,omitempty"`
	CUDADriverVersion string `json:"cudaDriverVersion,omitempty"`
	NVMLVersion       string `json:"nvmlVersion,omitempty"`
	// Devices are the usable GPUs in NVML index order.
	Devices []Device `json:"devices,omitempty"`
	// Failed are GPUs that NVML lists but that failed a query (fallen off
	// the bus, in a bad state). They are not in Devices and get no slots.
	Failed []*DeviceError `json:"failed,omitempty"`
	// ControlNodes are the shared NVIDIA device nodes present under
	// DevRoot (nvidiactl, nvidia-uvm, nvidia-uvm-tools, nvidia-modeset),
	// which every GPU worker needs besides its own /dev/nvidiaN.
	ControlNodes []string `json:"controlNodes,omitempty"`
	// CPU is the processor and memory, on GPU nodes too.
	CPU CPU `json:"cpu"`
}

// Device is one NVIDIA GPU.
type Device struct {
	Index int    `json:"index"` // NVML index; CUDA's with CUDA_DEVICE_ORDER=PCI_BUS_ID
	UUID  string `json:"uuid"`  // "GPU-..."; stable across reboots and renumbering
	Name  string `json:"name"`  // "NVIDIA H100 80GB HBM3"
	Minor int    `json:"minor"` // minor number of its device node
	Path  string `json:"path"`  // its device node, DevRoot/nvidia<Minor>
	// MemoryTotal and MemoryFree are in bytes; free as of the inventory.
	MemoryTotal uint64 `json:"memoryTotal"`
	MemoryFree  uint64 `json:"memoryFree"`
	// ComputeCapability is CUDA's "major.minor" ("9.0"); empty when NVML
	// does not report it.
	ComputeCapability string `json:"computeCapability,omitempty"`
	// Utilization is nil when the device does not report it (MIG mode,
	// some virtual GPUs).
	Utilization *Utilization `json:"utilization,omitempty"`
}

// Utilization is the percentage of the last sample period (1/6 s to 1 s,
// by device) during which the GPU ran a kernel, and during which device
// memory was read or written.
type Utilization struct {
	GPU    uint32 `json:"gpu"`
	Memory uint32 `json:"memory"`
}

// MarshalJSON writes a DeviceError as {index, op, error}.
func (e *DeviceError) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Index int    `json:"index"`
		Op    string `json:"op"`
		Error string `json:"error"`
	}{e.Index, e.Op, e.Err.Error()})
}

// Detector takes inventories of the node. It is safe for concurrent use.
type Detector struct {
	cfg Config
	log *slog.Logger

	mu     sync.RWMutex // Close waits for inventories in progress
	lib    nvml.Interface
	reason string // why lib is nil
	closed bool
}

// Open initialises NVML. When the NVIDIA library or kernel driver is absent
// it logs so and returns a detector whose inventories say "cpu", unless
// cfg.Require. Any other NVML failure is an error: a GPU is probably there
// and the operator should learn why it is unusable.
func Open(cfg Config, logger *slog.Logger) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	lib := cfg.NVML
	if lib == nil {
		lib = nvml.New(nvml.WithLibraryPath(cfg.LibraryPath))
	}
	d := &Detector{cfg: cfg, log: logger}

	switch ret := lib.Init(); ret {
	case nvml.SUCCESS:
		d.lib = lib
	case nvml.ERROR_LIBRARY_NOT_FOUND, nvml.ERROR_DRIVER_NOT_LOADED:
		reason := fmt.Sprintf("NVML library %s not found (no NVIDIA driver installed)", cfg.LibraryPath)
		if ret == nvml.ERROR_DRIVER_NOT_LOADED {
			reason = "NVIDIA kernel driver not loaded"
		}
		if cfg.Require {
			return nil, fmt.Errorf("%w: %s", ErrNoGPU, reason)
		}
		logger.Warn("no NVIDIA GPU: models will run on CPU", "reason", reason)
		d.reason = reason
		return d, nil
	default:
		return nil, fmt.Errorf("%w: init: %w", ErrNVML, ret)
	}

	// Said once here rather than on every inventory.
	count, ret := lib.DeviceGetCount()
	switch {
	case ret != nvml.SUCCESS:
		lib.Shutdown()
		return nil, fmt.Errorf("%w: device count: %w", ErrNVML, ret)
	case count == 0 && cfg.Require:
		lib.Shutdown()
		return nil, fmt.Errorf("%w: NVML lists no GPU", ErrNoGPU)
	case count == 0:
		logger.Warn("no NVIDIA GPU: models will run on CPU", "reason", "NVML lists no GPU")
	default:
		if _, err := os.Stat(filepath.Join(cfg.DevRoot, "nvidiactl")); err != nil {
			logger.Warn("NVML sees GPUs but the control device node is missing: sandboxed workers will not reach them",
				"gpus", count, "err", err)
		}
	}
	return d, nil
}

// Inventory reports the node's GPUs (or its CPU) now: free memory and
// utilization change between calls.
//
// A GPU failing one of its queries midway is left out of Devices, listed
// in Failed and logged, and the inventory goes on, because one lost GPU
// should not stop the others from serving. Only when every GPU fails is
// the result an error (ErrNoUsableGPU, with each DeviceError joined).
// Machine-wide NVML failures are ErrNVML.
func (d *Detector) Inventory(ctx context.Context) (Inventory, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		return Inventory{}, ErrClosed
	}
	inv := Inventory{CPU: readCPU(d.cfg.ProcRoot)}
	if d.lib == nil {
		inv.Kind, inv.Reason = KindCPU, d.reason
		return inv, nil
	}

	count, ret := d.lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return Inventory{}, fmt.Errorf("%w: device count: %w", ErrNVML, ret)
	}
	if count == 0 {
		if d.cfg.Require {
			return Inventory{}, fmt.Errorf("%w: NVML lists no GPU", ErrNoGPU)
		}
		inv.Kind, inv.Reason = KindCPU, "NVML lists no GPU"
		return inv, nil
	}
	inv.Kind = KindNVIDIA
	if v, ret := d.lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		inv.DriverVersion = v
	} else {
		return Inventory{}, fmt.Errorf("%w: driver version: %w", ErrNVML, ret)
	}
	// Older drivers lack these; the inventory is still useful without them.
	if v, ret := d.lib.SystemGetCudaDriverVersion(); ret == nvml.SUCCESS {
		inv.CUDADriverVersion = fmt.Sprintf("%d.%d", v/1000, v%1000/10)
	}
	if v, ret := d.lib.SystemGetNVMLVersion(); ret == nvml.SUCCESS {
		inv.NVMLVersion = v
	}

	for i := range count {
		if err := ctx.Err(); err != nil {
			return Inventory{}, fmt.Errorf("gpu inventory: %w", err)
		}
		dev, err := d.device(i)
		if err != nil {
			d.log.Warn("GPU unusable: left out of the inventory", "index", i, "op", err.Op, "err", err.Err)
			inv.Failed = append(inv.Failed, err)
			continue
		}
		inv.Devices = append(inv.Devices, dev)
	}
	if len(inv.Devices) == 0 {
		errs := []error{ErrNoUsableGPU}
		for _, e := range inv.Failed {
			errs = append(errs, e)
		}
		return Inventory{}, errors.Join(errs...)
	}
	// The shared nodes, in the order a plan lists them: the control device,
	// unified memory (CUDA needs it; the tools node serves profilers and
	// debuggers), and modeset (display; absent on most data-center nodes).
	for _, name := range []string{"nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset"} {
		p := filepath.Join(d.cfg.DevRoot, name)
		if _, err := os.Stat(p); err == nil {
			inv.ControlNodes = append(inv.ControlNodes, p)
		}
	}
	return inv, nil
}

// device queries GPU i. Identity and memory are required; compute
// capability and utilization may be unsupported (nvml.ERROR_NOT_SUPPORTED)
// and are then left empty, but any other failure of theirs means the
// device is in trouble.
func (d *Detector) device(i int) (Device, *DeviceError) {
	fail := func(op string, ret nvml.Return) (Device, *DeviceError) {
		return Device{}, &DeviceError{Index: i, Op: op, Err: ret}
	}
	h, ret := d.lib.DeviceGetHandleByIndex(i)
	if ret != nvml.SUCCESS {
		return fail("DeviceGetHandleByIndex", ret)
	}
	dev := Device{Index: i}
	if dev.UUID, ret = h.GetUUID(); ret != nvml.SUCCESS {
		return fail("GetUUID", ret)
	}
	if dev.Name, ret = h.GetName(); ret != nvml.SUCCESS {
		return fail("GetName", ret)
	}
	if dev.Minor, ret = h.GetMinorNumber(); ret != nvml.SUCCESS {
		return fail("GetMinorNumber", ret)
	}
	dev.Path = filepath.Join(d.cfg.DevRoot, fmt.Sprintf("nvidia%d", dev.Minor))
	mem, ret := h.GetMemoryInfo()
	if ret != nvml.SUCCESS {
		return fail("GetMemoryInfo", ret)
	}
	dev.MemoryTotal, dev.MemoryFree = mem.Total, mem.Free

	switch major, minor, ret := h.GetCudaComputeCapability(); ret {
	case nvml.SUCCESS:
		dev.ComputeCapability = fmt.Sprintf("%d.%d", major, minor)
	case nvml.ERROR_NOT_SUPPORTED:
	default:
		return fail("GetCudaComputeCapability", ret)
	}
	switch u, ret := h.GetUtilizationRates(); ret {
	case nvml.SUCCESS:
		dev.Utilization = &Utilization{GPU: u.Gpu, Memory: u.Memory}
	case nvml.ERROR_NOT_SUPPORTED:
	default:
		return fail("GetUtilizationRates", ret)
	}
	return dev, nil
}

// Close shuts NVML down. Inventories in progress finish first; later ones
// return ErrClosed. Closing twice is a no-op.
func (d *Detector) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	if d.lib != nil {
		if ret := d.lib.Shutdown(); ret != nvml.SUCCESS {
			return fmt.Errorf("%w: shutdown: %w", ErrNVML, ret)
		}
	}
	return nil
}
