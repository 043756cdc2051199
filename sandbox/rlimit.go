package sandbox

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// applyRlimits sets hard and soft limits alike, so the command cannot raise
// them. RLIMIT_NPROC counts per user namespace on kernels >= 5.14, so
// sandboxes do not share one budget.
func applyRlimits(l Limits) error {
	type rlimit struct {
		name string
		res  int
		v    uint64
	}
	set := []rlimit{
		{"cpu", unix.RLIMIT_CPU, l.CPUSeconds},
		{"nofile", unix.RLIMIT_NOFILE, l.OpenFiles},
		{"fsize", unix.RLIMIT_FSIZE, l.FileSize},
		{"nproc", unix.RLIMIT_NPROC, l.Processes},
		{"core", unix.RLIMIT_CORE, 0},
	}
	if l.AddressSpace > 0 {
		set = append(set, rlimit{"as", unix.RLIMIT_AS, l.AddressSpace})
	}
	for _, s := range set {
		if err := unix.Setrlimit(s.res, &unix.Rlimit{Cur: s.v, Max: s.v}); err != nil {
			return fmt.Errorf("rlimit %s=%d: %w", s.name, s.v, err)
		}
	}
	return nil
}
