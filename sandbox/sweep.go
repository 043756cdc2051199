package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sweep removes what sandboxes of a host that died (SIGKILL, power loss)
// left behind: their cgroups, once empty (the parent-death signal killed
// their processes), and their root mount points, once empty. It touches
// only entries older than minAge, so it never races a sandbox starting
// now on another host of this machine (two compute nodes share the
// cgroup tree). It returns how many it removed; what it cannot remove it
// leaves.
func Sweep(minAge time.Duration) int {
	cutoff := time.Now().Add(-minAge)
	removed := 0
	old := func(path string) bool {
		st, err := os.Stat(path)
		return err == nil && st.ModTime().Before(cutoff)
	}
	if layout, err := detectCgroups(); err == nil {
		roots := []string{layout.memory}
		if !layout.v2 {
			roots = append(roots, layout.pids)
		}
		for _, root := range roots {
			parent := filepath.Join(root, cgroupParent)
			ents, _ := os.ReadDir(parent)
			for _, e := range ents {
				dir := filepath.Join(parent, e.Name())
				if !e.IsDir() || !old(dir) {
					continue
				}
				procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
				if err != nil || strings.TrimSpace(string(procs)) != "" {
					continue // a live sandbox's, or not a cgroup
				}
				if os.Remove(dir) == nil {
					removed++
				}
			}
		}
	}
	roots, _ := filepath.Glob(filepath.Join(os.TempDir(), "ncn-sandbox-root-*"))
	for _, r := range roots {
		if old(r) && os.Remove(r) == nil { // only if empty: never a tree
			removed++
		}
	}
	return removed
}
