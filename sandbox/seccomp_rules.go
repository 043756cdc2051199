package sandbox

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// argCond restricts a syscall's argument: the call is allowed only when
// every condition holds. Op is "eq", "ne" or "masked_eq" (arg&Mask == Value).
type argCond struct {
	Arg   uint
	Op    string
	Value uint64
	Mask  uint64
}

// syscallRule allows one syscall, optionally only under conditions.
type syscallRule struct {
	Name string
	If   []argCond
}

// namespaceFlags are the clone flags that create namespaces; clone with any
// of them is denied like unshare and setns.
const namespaceFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC |
	unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP

// allowedSyscalls is the seccomp allowlist: what Python, numpy, torch and
// the Go runtime need to compute on files and pipes. Everything else fails
// with the policy's errno. testdata/seccomp.golden pins it; change both
// together, on purpose.
func allowedSyscalls() []syscallRule {
	plain := []string{
		// files and descriptors
		"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
		"open", "openat", "openat2", "creat", "close", "close_range", "lseek", "readahead",
		"stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
		"access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64",
		"mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat", "renameat2",
		"link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat",
		"truncate", "ftruncate", "fallocate", "fsync", "fdatasync", "sync_file_range", "fadvise64",
		"utime", "utimes", "utimensat", "futimesat", "getcwd", "chdir", "fchdir", "umask",
		"dup", "dup2", "dup3", "fcntl", "flock", "pipe", "pipe2", "sendfile", "splice", "tee", "copy_file_range",
		"memfd_create", "eventfd", "eventfd2", "inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
		"select", "pselect6", "poll", "ppoll", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
		"epoll_pwait", "epoll_pwait2", "timerfd_create", "timerfd_settime", "timerfd_gettime", "signalfd", "signalfd4",
		"getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
		// memory
		"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "mlock2", "munlock", "mincore", "msync",
		"membarrier", "get_mempolicy", "set_mempolicy", "mbind",
		// processes and threads (clone is conditional below)
		"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid",
		"kill", "tkill", "tgkill", "getpid", "gettid", "getppid", "getpgid", "getpgrp", "setpgid", "getsid", "setsid",
		"getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid", "capget",
		"prctl", "arch_prctl", "set_tid_address", "set_robust_list", "get_robust_list", "futex", "futex_waitv", "rseq",
		"sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam", "sched_getscheduler",
		"sched_get_priority_max", "sched_get_priority_min", "getpriority", "getcpu",
		"getrlimit", "setrlimit", "prlimit64", "getrusage", "times", "sysinfo", "uname",
		// time and signals
		"nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday", "time",
		"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigpending",
		"sigaltstack", "restart_syscall", "pause", "alarm", "getitimer", "setitimer",
		"timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete", "getrandom",
		// sockets: only AF_UNIX ones can be created (socket, socketpair below)
		"connect", "bind", "listen", "accept", "accept4", "getsockname", "getpeername", "shutdown",
		"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "setsockopt", "getsockopt",
	}
	rules := make([]syscallRule, 0, len(plain)+4)
	for _, n := range plain {
		rules = append(rules, syscallRule{Name: n})
	}
	rules = append(rules,
		syscallRule{Name: "clone", If: []argCond{{Arg: 0, Op: "masked_eq", Mask: namespaceFlags, Value: 0}}},
		syscallRule{Name: "socket", If: []argCond{{Arg: 0, Op: "eq", Value: unix.AF_UNIX}}},
		syscallRule{Name: "socketpair", If: []argCond{{Arg: 0, Op: "eq", Value: unix.AF_UNIX}}},
	)
	return append(rules, ioctlRules()...)
}

// ioctlRules allow every ioctl request but TIOCSTI, which pushes input into
// a terminal (the classic way out of a sandbox sharing a tty). The kernel
// reads only the low 32 bits of the request, so "arg1 != TIOCSTI" on 64
// bits would pass TIOCSTI|1<<32; and libseccomp takes one condition per
// argument per rule. So: one rule per bit, each allowing requests whose
// high 32 bits are zero and whose bit i differs from TIOCSTI's.
func ioctlRules() []syscallRule {
	const high = 0xffffffff00000000
	out := make([]syscallRule, 0, 32)
	for i := range 32 {
		bit := uint64(1) << i
		out = append(out, syscallRule{Name: "ioctl", If: []argCond{{Arg: 1, Op: "masked_eq", Mask: high | bit, Value: ^uint64(unix.TIOCSTI) & bit}}})
	}
	return out
}

// enosysSyscalls fail with ENOSYS whatever the policy's errno: clone3 passes
// its flags in memory seccomp cannot read, so libc must fall back to clone,
// whose flags the filter checks.
func enosysSyscalls() []string { return []string{"clone3"} }

// deniedSyscalls are calls the issue names as never allowed. They are
// absent from the allowlist (a test checks), listed so the golden file shows
// the intent and a future edit cannot add one quietly.
func deniedSyscalls() []string {
	return []string{
		"ptrace", "process_vm_readv", "process_vm_writev",
		"mount", "umount2", "pivot_root", "chroot", "fsopen", "fsmount", "fsconfig", "move_mount", "open_tree", "mount_setattr",
		"unshare", "setns", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
		"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
		"io_uring_setup", "io_uring_enter", "io_uring_register", "acct", "swapon", "swapoff", "reboot",
		"open_by_handle_at", "name_to_handle_at", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
		"setgroups", "capset", "mknod", "mknodat", "personality", "syslog", "quotactl",
	}
}

// renderRules writes the rules one per line, the form the golden file pins.
func renderRules() string {
	var b strings.Builder
	for _, r := range allowedSyscalls() {
		fmt.Fprintf(&b, "allow %s", r.Name)
		for _, c := range r.If {
			switch c.Op {
			case "masked_eq":
				fmt.Fprintf(&b, " if arg%d & %#x == %#x", c.Arg, c.Mask, c.Value)
			default:
				fmt.Fprintf(&b, " if arg%d %s %#x", c.Arg, c.Op, c.Value)
			}
		}
		b.WriteByte('\n')
	}
	for _, n := range enosysSyscalls() {
		fmt.Fprintf(&b, "enosys %s\n", n)
	}
	for _, n := range deniedSyscalls() {
		fmt.Fprintf(&b, "deny %s\n", n)
	}
	b.WriteString("default deny (policy errno, or kill)\n")
	return b.String()
}
