package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cgroupRoot is where cgroups are mounted. Hosts with a unified (v2) tree
// have cgroup.controllers there; hybrid hosts (these machines and CI) have
// writable v1 memory and pids controllers beside an empty v2 tree.
const cgroupRoot = "/sys/fs/cgroup"

// cgroupParent groups every sandbox's cgroup under one directory per
// hierarchy.
const cgroupParent = "ncn-sandbox"

// cgroups is the detected cgroup layout.
type cgroups struct {
	v2     bool
	memory string // v2: the unified root; v1: the memory controller root
	pids   string // v1: the pids controller root
}

func (c cgroups) String() string {
	if c.v2 {
		return "cgroup v2 at " + c.memory + " (memory, pids)"
	}
	return "cgroup v1 memory at " + c.memory + ", pids at " + c.pids
}

func detectCgroups() (cgroups, error) {
	if b, err := os.ReadFile(filepath.Join(cgroupRoot, "cgroup.controllers")); err == nil {
		have := strings.Fields(string(b))
		for _, want := range []string{"memory", "pids"} {
			if !slices.Contains(have, want) {
				return cgroups{}, fmt.Errorf("cgroup v2 at %s lacks the %s controller", cgroupRoot, want)
			}
		}
		if err := unix.Access(cgroupRoot, unix.W_OK); err != nil {
			return cgroups{}, fmt.Errorf("cgroup v2 at %s is not writable: %v", cgroupRoot, err)
		}
		return cgroups{v2: true, memory: cgroupRoot}, nil
	}
	c := cgroups{memory: filepath.Join(cgroupRoot, "memory"), pids: filepath.Join(cgroupRoot, "pids")}
	for _, probe := range []string{filepath.Join(c.memory, "memory.limit_in_bytes"), filepath.Join(c.pids, "cgroup.procs")} {
		if _, err := os.Stat(probe); err != nil {
			return cgroups{}, fmt.Errorf("neither cgroup v2 with memory+pids nor v1 memory and pids controllers are mounted under %s", cgroupRoot)
		}
	}
	for _, d := range []string{c.memory, c.pids} {
		if err := unix.Access(d, unix.W_OK); err != nil {
			return cgroups{}, fmt.Errorf("cgroup v1 %s is not writable: %v", d, err)
		}
	}
	return c, nil
}

// cgroup is one sandbox's cgroup: a directory per hierarchy.
type cgroup struct {
	dirs []string // v2: one; v1: memory, pids
}

// newCgroup creates the sandbox's cgroup with its limits.
func newCgroup(name string, lim Limits) (*cgroup, error) {
	layout, err := detectCgroups()
	if err != nil {
		return nil, err
	}
	if layout.v2 {
		parent := filepath.Join(layout.memory, cgroupParent)
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return nil, err
		}
		for _, d := range []string{layout.memory, parent} {
			if err := writeFile(filepath.Join(d, "cgroup.subtree_control"), "+memory +pids"); err != nil {
				return nil, fmt.Errorf("enable memory and pids controllers: %w", err)
			}
		}
		dir := filepath.Join(parent, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, err
		}
		cg := &cgroup{dirs: []string{dir}}
		err := firstErr(
			writeFile(filepath.Join(dir, "memory.max"), strconv.FormatUint(lim.Memory, 10)),
			writeFile(filepath.Join(dir, "pids.max"), strconv.FormatUint(lim.PIDs, 10)),
		)
		// Swap would let a memory hog outlive its limit; not every host has it.
		if _, serr := os.Stat(filepath.Join(dir, "memory.swap.max")); serr == nil && err == nil {
			err = writeFile(filepath.Join(dir, "memory.swap.max"), "0")
		}
		if err != nil {
			cg.remove()
			return nil, err
		}
		return cg, nil
	}
	mem := filepath.Join(layout.memory, cgroupParent, name)
	pids := filepath.Join(layout.pids, cgroupParent, name)
	cg := &cgroup{}
	for _, d := range []string{mem, pids} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			cg.remove()
			return nil, err
		}
		cg.dirs = append(cg.dirs, d)
	}
	err = firstErr(
		writeFile(filepath.Join(mem, "memory.limit_in_bytes"), strconv.FormatUint(lim.Memory, 10)),
		writeFile(filepath.Join(pids, "pids.max"), strconv.FormatUint(lim.PIDs, 10)),
	)
	if _, serr := os.Stat(filepath.Join(mem, "memory.memsw.limit_in_bytes")); serr == nil && err == nil {
		err = writeFile(filepath.Join(mem, "memory.memsw.limit_in_bytes"), strconv.FormatUint(lim.Memory, 10))
	}
	if err != nil {
		cg.remove()
		return nil, err
	}
	return cg, nil
}

// add moves a process into every hierarchy of the cgroup.
func (c *cgroup) add(pid int) error {
	for _, d := range c.dirs {
		if err := writeFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("add pid %d to %s: %w", pid, d, err)
		}
	}
	return nil
}

// kill kills every process left in the cgroup.
func (c *cgroup) kill() {
	for _, d := range c.dirs {
		if writeFile(filepath.Join(d, "cgroup.kill"), "1") == nil {
			continue
		}
		// v1 has no cgroup.kill: signal what is listed until nothing is.
		for range 50 {
			pids := c.procs(d)
			if len(pids) == 0 {
				break
			}
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func (c *cgroup) procs(dir string) []int {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// cgroupEvents counts what the limits did.
type cgroupEvents struct {
	oomKills, pidsMax int
}

// events reads the OOM kill count (v2 memory.events, v1
// memory.oom_control) and the pids refusals (pids.events in both).
func (c *cgroup) events() cgroupEvents {
	var ev cgroupEvents
	for _, d := range c.dirs {
		for file, key := range map[string]string{"memory.events": "oom_kill", "memory.oom_control": "oom_kill", "pids.events": "max"} {
			if n := eventCount(filepath.Join(d, file), key); file == "pids.events" {
				ev.pidsMax += n
			} else {
				ev.oomKills += n
			}
		}
	}
	return ev
}

// eventCount reads "key N" from a flat-keyed cgroup file; 0 if absent.
func eventCount(path, key string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == key {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// remove deletes the cgroup; it must be empty, so it kills first and
// retries briefly while the kernel reaps.
func (c *cgroup) remove() error {
	var errs []error
	for _, d := range c.dirs {
		var err error
		for range 100 {
			if err = os.Remove(d); err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			c.kill()
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func writeFile(path, s string) error {
	return os.WriteFile(path, []byte(s), 0o644)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
