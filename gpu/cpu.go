package gpu

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// CPU is the node's processor and memory.
type CPU struct {
	// Count is the number of logical processors of the machine.
	Count int `json:"count"`
	// Model is the processor's name as /proc/cpuinfo gives it; empty where
	// it does not (most arm64 kernels).
	Model string `json:"model,omitempty"`
	// MemoryTotal and MemoryAvailable are /proc/meminfo's MemTotal and
	// MemAvailable, in bytes; 0 when unknown.
	MemoryTotal     uint64 `json:"memoryTotal"`
	MemoryAvailable uint64 `json:"memoryAvailable"`
}

// readCPU describes the processor from procRoot. It never fails: what
// cannot be read is left empty, and the count falls back to the processors
// this process may run on, because a node without a readable /proc should
// still serve on CPU.
func readCPU(procRoot string) CPU {
	var c CPU
	if f, err := os.Open(filepath.Join(procRoot, "cpuinfo")); err == nil {
		c.Count, c.Model = parseCPUInfo(f)
		f.Close()
	}
	if c.Count == 0 {
		c.Count = runtime.NumCPU()
	}
	if f, err := os.Open(filepath.Join(procRoot, "meminfo")); err == nil {
		c.MemoryTotal, c.MemoryAvailable = parseMemInfo(f)
		f.Close()
	}
	return c
}

// parseCPUInfo counts the "processor" entries of /proc/cpuinfo and returns
// the first model name.
func parseCPUInfo(r io.Reader) (count int, model string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "processor":
			count++
		case "model name":
			if model == "" {
				model = strings.TrimSpace(value)
			}
		}
	}
	return count, model
}

// parseMemInfo returns MemTotal and MemAvailable of /proc/meminfo in bytes.
func parseMemInfo(r io.Reader) (total, available uint64) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			continue
		}
		if len(fields) > 1 && fields[1] == "kB" {
			n *= 1024
		}
		switch key {
		case "MemTotal":
			total = n
		case "MemAvailable":
			available = n
		}
	}
	return total, available
}
