package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// initArg0 marks a process started by Start as the sandbox's stage two.
const initArg0 = "ncn-sandbox-init"

// Descriptors stage two inherits: the spec to read and the pipe to report a
// setup failure on (close-on-exec, so the parent reads EOF once the command
// runs).
const (
	specFD = 3
	errFD  = 4
)

// initSpec is what the parent sends stage two.
type initSpec struct {
	Policy   Policy
	Path     string
	Args     []string
	Env      []string
	Dir      string
	Root     string // host directory the new root's tmpfs is mounted on
	UID, GID int    // ids (inside the user namespace) the command runs as
}

// InitMain runs the sandbox's stage two if this process is one, and then
// never returns. Otherwise it returns at once. Call it first thing in main,
// and in TestMain of any test that starts a sandbox.
func InitMain() {
	if len(os.Args) == 0 || os.Args[0] != initArg0 {
		return
	}
	// Namespaced setup, credentials and the final exec stay on one thread.
	runtime.LockOSThread()
	step, err := stageTwo()
	report := os.NewFile(errFD, "sandbox-errors")
	_ = json.NewEncoder(report).Encode(SetupError{Step: step, Err: err.Error()})
	os.Exit(127)
}

// stageTwo applies the layers in order and execs the command. It returns
// only on failure, naming the step.
func stageTwo() (string, error) {
	unix.CloseOnExec(errFD)
	var spec initSpec
	specFile := os.NewFile(specFD, "sandbox-spec")
	if err := json.NewDecoder(io.LimitReader(specFile, 1<<20)).Decode(&spec); err != nil {
		return "read spec", err
	}
	specFile.Close()
	p := spec.Policy
	if p.Has(LayerUTS) {
		if err := unix.Sethostname([]byte(p.Hostname)); err != nil {
			return "uts", err
		}
	}
	if p.Has(LayerNet) {
		if err := loopbackUp(); err != nil {
			return "net: loopback up", err
		}
	}
	if p.Has(LayerMount) {
		if err := setupRoot(p, spec.Root); err != nil {
			return "mount", err
		}
	}
	if err := os.Chdir(spec.Dir); err != nil {
		return "chdir", err
	}
	if p.Has(LayerRlimit) {
		if err := applyRlimits(p.Limits); err != nil {
			return "rlimit", err
		}
	}
	if os.Getuid() == 0 {
		if err := dropPrivileges(spec.UID, spec.GID); err != nil {
			return "drop privileges", err
		}
	}
	if spec.UID == 0 {
		// An unprivileged host maps only its own uid, to root inside: the
		// command would keep every capability of the namespace. Drop them
		// all and lock root out of regaining them at exec.
		if err := dropCapabilities(); err != nil {
			return "drop capabilities", err
		}
	}
	// Changing uid cleared the parent-death signal; set it again, then make
	// sure the parent did not die before it was set.
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
		return "parent-death signal", err
	}
	if fds := []unix.PollFd{{Fd: errFD}}; func() bool { _, _ = unix.Poll(fds, 0); return fds[0].Revents&unix.POLLERR != 0 }() {
		return "parent-death signal", errors.New("the launching process is gone")
	}
	if err := setNoNewPrivs(); err != nil {
		return "no_new_privs", err
	}
	path, err := resolve(spec.Path, spec.Env)
	if err != nil {
		return "exec", err
	}
	if p.Has(LayerLandlock) {
		if err := applyLandlock(p); err != nil {
			return "landlock", err
		}
	}
	// Descriptors the parent did not mean to pass stay behind at exec.
	if err := unix.CloseRange(specFD, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return "close descriptors", err
	}
	if p.Has(LayerSeccomp) {
		if err := loadSeccomp(p); err != nil {
			return "seccomp", err
		}
	}
	return "exec", unix.Exec(path, spec.Args, spec.Env)
}

// resolve finds a command without a slash on the PATH of its own
// environment, as seen from inside.
func resolve(path string, env []string) (string, error) {
	if filepath.IsAbs(path) {
		return path, nil
	}
	for _, kv := range env {
		if len(kv) > 5 && kv[:5] == "PATH=" {
			os.Setenv("PATH", kv[5:])
		}
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
