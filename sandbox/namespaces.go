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
