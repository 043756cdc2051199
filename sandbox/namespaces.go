package sandbox

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// cloneFlags are the namespaces the policy asks for.
func cloneFlags(p Policy) uintptr {
	var f uintptr
	for _, l := range []struct {
		layer Layer
		flag  uintptr
	}{
		{LayerUser, unix.CLONE_NEWUSER}, {LayerPID, unix.CLONE_NEWPID}, {LayerNet, unix.CLONE_NEWNET},
		{LayerMount, unix.CLONE_NEWNS}, {LayerIPC, unix.CLONE_NEWIPC}, {LayerUTS, unix.CLONE_NEWUTS},
	} {
		if p.Has(l.layer) {
			f |= l.flag
		}
	}
	return f
}

// idMaps maps the user namespace's ids. A root host maps root to root for
// stage two's setup only (bind mounts of paths under 0700 directories) and
// the sandbox uid to itself; stage two then switches to the sandbox uid,
// losing every capability before the command runs. Inside-root must not
// stay mapped to host root for the command: it would carry DAC override over
// host files. An unprivileged host can map only its own uid, to root.
func idMaps(p Policy, hostUID, hostGID int) (uids, gids []syscall.SysProcIDMap, innerUID, innerGID int) {
	if hostUID != 0 {
		return []syscall.SysProcIDMap{{ContainerID: 0, HostID: hostUID, Size: 1}},
			[]syscall.SysProcIDMap{{ContainerID: 0, HostID: hostGID, Size: 1}}, 0, 0
	}
	return []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: p.UID, HostID: p.UID, Size: 1}},
		[]syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: p.GID, HostID: p.GID, Size: 1}},
		p.UID, p.GID
}

// dropPrivileges switches to the sandbox's uid and gid with no
// supplementary groups. Leaving uid 0 clears every capability.
func dropPrivileges(uid, gid int) error {
	if uid == 0 {
		return nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return fmt.Errorf("setresgid %d: %w", gid, err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return fmt.Errorf("setresuid %d: %w", uid, err)
	}
	return nil
}

// dropCapabilities empties the bounding, inheritable, permitted and
// effective sets and sets the securebits that keep uid 0 from regaining
// capabilities at exec, locked.
func dropCapabilities() error {
	last, err := readInt("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		last = 40
	}
	for c := 0; c <= last; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil && err != unix.EINVAL {
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
		}
	}
	const bits = 1<<0 | 1<<1 | 1<<2 | 1<<3 | 1<<6 | 1<<7 // NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE, each locked
	if err := unix.Prctl(unix.PR_SET_SECUREBITS, bits, 0, 0, 0); err != nil {
		return fmt.Errorf("securebits: %w", err)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	return os.NewSyscallError("capset", unix.Capset(&hdr, &data[0]))
}

// loopbackUp brings lo up in the new network namespace: the only interface
// there, so nothing routes out.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// setNoNewPrivs makes exec unable to grant privileges (setuid bits, file
// capabilities); Landlock and seccomp require it too.
func setNoNewPrivs() error {
	return os.NewSyscallError("prctl(PR_SET_NO_NEW_PRIVS)", unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
}
