package gpu

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const x86CPUInfo = `processor	: 0
vendor_id	: GenuineIntel
model name	: Intel(R) Xeon(R) Processor
flags		: fpu vme

processor	: 1
vendor_id	: GenuineIntel
model name	: Intel(R) Xeon(R) Processor
flags		: fpu vme
`

// arm64 kernels name no model.
const arm64CPUInfo = `processor	: 0
BogoMIPS	: 50.00
CPU implementer	: 0x41
CPU part	: 0xd0c

processor	: 1
BogoMIPS	: 50.00

processor	: 2
BogoMIPS	: 50.00
`

const memInfo = `MemTotal:       24684092 kB
MemFree:        24108124 kB
MemAvailable:   24281852 kB
Buffers:          12 kB
HugePages_Total:       0
`

func TestReadCPU(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    CPU
		wantErr bool
	}{
		{name: "x86", files: map[string]string{"cpuinfo": x86CPUInfo, "meminfo": memInfo},
			want: CPU{Count: 2, Model: "Intel(R) Xeon(R) Processor", MemoryTotal: 24684092 * 1024, MemoryAvailable: 24281852 * 1024}},
		{name: "arm64", files: map[string]string{"cpuinfo": arm64CPUInfo, "meminfo": memInfo},
			want: CPU{Count: 3, MemoryTotal: 24684092 * 1024, MemoryAvailable: 24281852 * 1024}},
		{name: "no proc", files: nil, want: CPU{Count: runtime.NumCPU()}},
		{name: "garbage", files: map[string]string{"cpuinfo": "\x00\x01\nnot: a cpu\n", "meminfo": "MemTotal: lots kB\nMemAvailable:\n"},
			want: CPU{Count: runtime.NumCPU()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got := readCPU(dir); got != tt.want {
				t.Errorf("readCPU = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadCPUThisMachine(t *testing.T) {
	c := readCPU("/proc")
	if c.Count < 1 || c.MemoryTotal == 0 {
		t.Errorf("readCPU(/proc) = %+v", c)
	}
	if runtime.GOARCH == "amd64" && strings.TrimSpace(c.Model) == "" {
		t.Errorf("no model name on amd64: %+v", c)
	}
}
