// Package gpu finds the accelerators of a compute node and divides them
// among its model-worker slots.
//
// A Detector asks NVML (go-nvml, loaded with dlopen, behind an injected
// nvml.Interface rather than go-nvml's package global) for the NVIDIA GPUs,
// their memory, compute capability and utilization, and the driver and
// CUDA versions. A machine without the NVIDIA driver is not an error: the
// inventory then says "cpu" and describes the processor from /proc, so the
// same node runs its models on CPU.
//
// Assign turns an inventory into a Plan: for each worker slot the
// environment (CUDA_VISIBLE_DEVICES, NVIDIA_VISIBLE_DEVICES) and the device
// nodes (/dev/nvidia*) its sandbox must expose. The plan is plain data;
// host/compute hands it to the sandbox, since this package and sandbox/ do
// not import each other.
//
// The Python model worker that runs in those slots lives in gpu/worker.
package gpu
