// Package gputest provides go-nvml's mock NVIDIA machines, completed so
// that gpu.Detector can take their inventory: pass one as gpu.Config.NVML.
package gputest

import (
	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxb200"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

// DGXH100 is a DGX H100: 8 H100 SXM5 80GB, driver 550.54.15, CUDA 12.4,
// every GPU idle.
func DGXH100() *server.Server { return Complete(dgxh100.New()) }

// DGXA100 is a DGX A100: 8 A100 SXM4 40GB, driver 550.54.15, CUDA 12.4,
// every GPU idle.
func DGXA100() *server.Server { return Complete(dgxa100.New()) }

// DGXB200 is a DGX B200: 8 B200 180GB, driver 560.28.03, CUDA 12.6, every
// GPU idle.
func DGXB200() *server.Server { return Complete(dgxb200.New()) }

// Complete makes every GPU of s answer what the mock leaves out and
// gpu.Detector asks: utilization (unset, the mock panics) is 0%, and free
// memory (the mock says 0 bytes) is all of it, as on an idle GPU. Tests
// change a Device's MemoryInfo or its ...Func fields after this.
func Complete(s *server.Server) *server.Server {
	for _, d := range s.Devices {
		dev := d.(*server.Device)
		dev.MemoryInfo = nvml.Memory{Total: dev.MemoryInfo.Total, Free: dev.MemoryInfo.Total}
		dev.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{}, nvml.SUCCESS
		}
	}
	return s
}

// Device is GPU i of s, to change its answers.
func Device(s *server.Server, i int) *server.Device { return s.Devices[i].(*server.Device) }
