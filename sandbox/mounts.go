package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// setupRoot builds the sandbox's root on a tmpfs at dir and pivots into
// it: only the policy's paths are bound in (at their own paths), plus a
// fresh /proc for the new PID namespace and a minimal /dev. Runs in stage
// two, inside the new user and mount namespaces.
func setupRoot(p Policy, dir string) error {
	// Nothing done here may propagate back to the host's mounts.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=16m"); err != nil {
		return fmt.Errorf("mount root tmpfs: %w", err)
	}
	ro := slices.Clone(p.ReadOnly)
	slices.Sort(ro) // parents before children
	for _, path := range ro {
		if err := bindInto(dir, path, true); err != nil {
			return err
		}
	}
	rw := slices.Clone(p.ReadWrite)
	slices.Sort(rw)
	for _, path := range rw {
		if p.ScratchBytes > 0 {
			if err := scratchInto(dir, path, p.ScratchBytes); err != nil {
				return err
			}
			continue
		}
		if err := bindInto(dir, path, false); err != nil {
			return err
		}
	}
	if err := mountProcDev(p, dir); err != nil {
		return err
	}
	if err := os.Chdir(dir); err != nil {
		return err
	}
	// pivot_root(".", ".") stacks the old root under the new one; the
	// detach then drops it, so no path leads back to the host's tree.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	if err := os.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("remount root read-only: %w", err)
	}
	return nil
}

// scratchInto mounts a tmpfs of size bytes at path under root, writable by
// anyone (sticky, as /tmp): the command's uid is not known inside yet.
func scratchInto(root, path string, size int64) error {
	target := filepath.Join(root, path)
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("scratch %s: %w", path, err)
	}
	opts := fmt.Sprintf("mode=1777,size=%d", size)
	if err := unix.Mount("tmpfs", target, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("scratch %s: mount tmpfs: %w", path, err)
	}
	return nil
}

func mountProcDev(p Policy, dir string) error {
	proc := filepath.Join(dir, "proc")
	if err := os.MkdirAll(proc, 0o555); err != nil {
		return err
	}
	if err := unix.Mount("proc", proc, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	dev := filepath.Join(dir, "dev")
	if err := os.MkdirAll(dev, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=64k"); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	for _, d := range append(devFiles(), p.Devices...) {
		if _, err := os.Stat(d); err != nil {
			continue // e.g. no /dev/full in a minimal container
		}
		if err := bindInto(dir, d, false); err != nil {
			return err
		}
	}
	shm := filepath.Join(dev, "shm")
	if err := os.MkdirAll(shm, 0o1777); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", shm, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777,size=64m"); err != nil {
		return fmt.Errorf("mount /dev/shm: %w", err)
	}
	for name, target := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	return nil
}

// bindInto makes host path visible at the same path under root. A symlink
// is recreated as a symlink (/lib -> usr/lib on merged-/usr systems).
func bindInto(root, path string, readOnly bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("bind %s: %w", path, err)
	}
	target := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("bind %s: %w", path, err)
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		link, err := os.Readlink(path)
		if err != nil {
			return err
		}
		if err := os.Symlink(link, target); err != nil && !os.IsExist(err) {
			return fmt.Errorf("bind %s: %w", path, err)
		}
		return nil
	case fi.IsDir():
		if err := os.MkdirAll(target, 0o755); err != nil {
			return fmt.Errorf("bind %s: %w", path, err)
		}
	default:
		if _, err := os.Stat(target); os.IsNotExist(err) {
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return fmt.Errorf("bind %s: %w", path, err)
			}
			f.Close()
		}
	}
	if err := unix.Mount(path, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", path, err)
	}
	// A remount may add flags but must keep those the host's mount locks
	// (nosuid, nodev, noexec, ...), or a user namespace is refused it.
	var st unix.Statfs_t
	if err := unix.Statfs(target, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", path, err)
	}
	flags := uintptr(unix.MS_BIND|unix.MS_REMOUNT|unix.MS_NOSUID) | lockedFlags(st.Flags)
	if readOnly {
		flags |= unix.MS_RDONLY
	}
	if !isDevice(fi) {
		flags |= unix.MS_NODEV
	}
	if err := unix.Mount("", target, "", flags, ""); err != nil {
		return fmt.Errorf("remount %s (read-only=%v): %w", path, readOnly, err)
	}
	// The remount changed the top mount only: a host mount nested under a
	// read-only path would stay writable (Landlock covers it, but not in
	// a profile without Landlock). Make the whole tree read-only.
	if readOnly && fi.IsDir() {
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID}
		err := unix.MountSetattr(unix.AT_FDCWD, target, unix.AT_RECURSIVE, &attr)
		if err != nil && !errors.Is(err, unix.ENOSYS) { // kernels before 5.12 lack it
			return fmt.Errorf("read-only %s recursively: %w", path, err)
		}
	}
	return nil
}

func isDevice(fi os.FileInfo) bool { return fi.Mode()&(os.ModeDevice|os.ModeCharDevice) != 0 }

// lockedFlags turns statfs flags into the mount flags a remount must keep.
func lockedFlags(st int64) uintptr {
	var f uintptr
	for _, m := range []struct {
		st    int64
		mount uintptr
	}{
		{unix.ST_RDONLY, unix.MS_RDONLY}, {unix.ST_NOSUID, unix.MS_NOSUID}, {unix.ST_NODEV, unix.MS_NODEV},
		{unix.ST_NOEXEC, unix.MS_NOEXEC}, {unix.ST_NOATIME, unix.MS_NOATIME}, {unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if st&m.st != 0 {
			f |= m.mount
		}
	}
	return f
}
