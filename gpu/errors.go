package gpu

import (
	"errors"
	"fmt"
)

var (
	// ErrNVML is an NVML call that failed for the whole machine (Init, the
	// device count, the driver version). The NVML return code is wrapped
	// too: errors.Is(err, nvml.ERROR_NO_PERMISSION) works.
	ErrNVML = errors.New("nvml failed")
	// ErrNoGPU is a machine without a usable NVIDIA GPU when Config.Require
	// asked for one.
	ErrNoGPU = errors.New("no NVIDIA GPU")
	// ErrNoUsableGPU is a machine whose GPUs all failed their queries; the
	// DeviceErrors are joined to it.
	ErrNoUsableGPU = errors.New("no usable NVIDIA GPU")
	// ErrInsufficientMemory is a plan whose slots need more free device
	// memory than the GPUs have.
	ErrInsufficientMemory = errors.New("not enough free GPU memory")
	// ErrClosed is a call on a closed Detector.
	ErrClosed = errors.New("gpu detector closed")
)

// DeviceError is one GPU that failed a query. The inventory leaves it out
// of Devices and lists it in Failed, so a single lost GPU does not take the
// other GPUs of the node out of service.
type DeviceError struct {
	Index int    // NVML index of the device
	Op    string // the NVML call, e.g. "GetMemoryInfo"
	Err   error  // usually an nvml.Return
}

func (e *DeviceError) Error() string {
	return fmt.Sprintf("gpu %d: %s: %v", e.Index, e.Op, e.Err)
}

func (e *DeviceError) Unwrap() error { return e.Err }
