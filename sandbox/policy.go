package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Layer names one isolation mechanism. Each can be asked for by name.
type Layer string

// The layers, in the order stage two applies them.
const (
	LayerUser     Layer = "user"     // user namespace: root inside maps to an unprivileged uid outside
	LayerPID      Layer = "pid"      // PID namespace: the command is PID 1 and sees no host process
	LayerNet      Layer = "net"      // network namespace: loopback only, no route out
	LayerMount    Layer = "mount"    // mount namespace + private root: only the policy's paths are visible
	LayerIPC      Layer = "ipc"      // IPC namespace
	LayerUTS      Layer = "uts"      // UTS namespace: own hostname
	LayerCgroup   Layer = "cgroup"   // cgroup memory and pids limits (v2, or v1 memory+pids controllers)
	LayerRlimit   Layer = "rlimit"   // rlimits: CPU seconds, open files, file size, processes, address space
	LayerLandlock Layer = "landlock" // Landlock: read-only and read-write path rules, no TCP, scoped IPC
	LayerSeccomp  Layer = "seccomp"  // seccomp allowlist, no_new_privs, applied to every thread
)

// AllLayers lists every layer in application order.
func AllLayers() []Layer {
	return []Layer{LayerUser, LayerPID, LayerNet, LayerMount, LayerIPC, LayerUTS,
		LayerCgroup, LayerRlimit, LayerLandlock, LayerSeccomp}
}

// ParseLayers parses a comma-separated list of layer names.
func ParseLayers(s string) ([]Layer, error) {
	var out []Layer
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		l := Layer(f)
		if !slices.Contains(AllLayers(), l) {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownLayer, f, layerList(AllLayers()))
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out, nil
}

func layerList(ls []Layer) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ",")
}

// Profile is a named set of layers and how to treat one the kernel lacks.
type Profile string

// Profiles. SANDBOX_MODE picks one; strict is the default.
const (
	// ProfileStrict requires every layer; a missing one is an error.
	ProfileStrict Profile = "strict"
	// ProfilePermissive applies every layer this kernel supports and drops
	// the rest. An operator must choose it explicitly; the dropped layers
	// are reported.
	ProfilePermissive Profile = "permissive"
	// ProfileNone applies only rlimits and the deadline: for development
	// on machines without namespaces, never for untrusted models.
	ProfileNone Profile = "none"
)

// ParseProfile parses a profile name; "" is strict.
func ParseProfile(s string) (Profile, error) {
	switch p := Profile(strings.TrimSpace(s)); p {
	case "":
		return ProfileStrict, nil
	case ProfileStrict, ProfilePermissive, ProfileNone:
		return p, nil
	default:
		return "", fmt.Errorf("%w %q (known: strict, permissive, none)", ErrUnknownProfile, s)
	}
}

// Limits bound what the sandboxed tree may consume. A zero field takes the
// default shown; a limit cannot be turned off except by dropping its layer.
type Limits struct {
	CPUSeconds   uint64        // RLIMIT_CPU per process; default 600
	OpenFiles    uint64        // RLIMIT_NOFILE; default 256
	FileSize     uint64        // RLIMIT_FSIZE in bytes; default 256 MiB
	Processes    uint64        // RLIMIT_NPROC (per user namespace); default 128
	AddressSpace uint64        // RLIMIT_AS in bytes; 0 = unset (it breaks CUDA: set it only for CPU-only workers)
	Memory       uint64        // cgroup memory limit in bytes; default 2 GiB
	PIDs         uint64        // cgroup pids limit; default 128
	WallTime     time.Duration // deadline after which the whole tree is killed; 0 = none (the caller's context still applies)
}

// Policy says how to sandbox one command. It is plain data: it crosses to
// the sandbox's stage two as JSON.
type Policy struct {
	// Layers to apply. Each is required: Start fails with *LayerError if
	// the kernel lacks one. Empty means every layer.
	Layers []Layer
	// ReadOnly host paths (files or directories) visible at the same path,
	// read-only: the interpreter, its libraries, the model.
	ReadOnly []string
	// ReadWrite host directories visible at the same path, writable: the
	// task's scratch directory. The only writable places besides /dev/null
	// and a small /dev/shm.
	ReadWrite []string
	// ScratchBytes, when positive, makes each ReadWrite directory a new
	// tmpfs of at most this many bytes at its path instead of the host's
	// directory: the total a command can write is capped (the per-file
	// limit alone lets many files fill a disk), the pages are charged to
	// the sandbox's memory cgroup, and nothing written outlives the
	// command.
	ScratchBytes int64
	// Devices are device nodes bound in read-write (/dev/nvidia0, ...).
	Devices []string
	// Limits; zero fields take their defaults.
	Limits Limits
	// DenyErrno is the errno a syscall outside the seccomp allowlist
	// returns; default EPERM (1). KillOnDeny kills the process instead.
	DenyErrno  int
	KillOnDeny bool
	// Hostname inside the UTS namespace; default "ncn-sandbox".
	Hostname string
	// UID and GID outside the user namespace that the command runs as;
	// default 65534 (nobody) when the host runs as root, else the host's own.
	UID, GID int
}

// Defaults for Limits and Policy.
const (
	DefaultCPUSeconds = 600
	DefaultOpenFiles  = 256
	DefaultFileSize   = 256 << 20
	DefaultProcesses  = 128
	DefaultMemory     = 2 << 30
	DefaultPIDs       = 128
	DefaultHostname   = "ncn-sandbox"
	nobody            = 65534
)

// SystemPaths are the read-only paths a dynamically linked program and the
// Debian Python need (the alternatives hold libblas for numpy), those of
// them that exist on this machine.
func SystemPaths() []string {
	var out []string
	for _, p := range []string{"/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"} {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Has reports whether the policy applies layer l.
func (p Policy) Has(l Layer) bool { return slices.Contains(p.Layers, l) }

// withDefaults fills zero fields.
func (p Policy) withDefaults(hostUID, hostGID int) Policy {
	if len(p.Layers) == 0 {
		p.Layers = AllLayers()
	}
	l := &p.Limits
	def := func(v *uint64, d uint64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.CPUSeconds, DefaultCPUSeconds)
	def(&l.OpenFiles, DefaultOpenFiles)
	def(&l.FileSize, DefaultFileSize)
	def(&l.Processes, DefaultProcesses)
	def(&l.Memory, DefaultMemory)
	def(&l.PIDs, DefaultPIDs)
	if p.DenyErrno == 0 {
		p.DenyErrno = 1 // EPERM
	}
	if p.Hostname == "" {
		p.Hostname = DefaultHostname
	}
	if p.UID == 0 && p.GID == 0 {
		p.UID, p.GID = hostUID, hostGID
		if hostUID == 0 {
			p.UID, p.GID = nobody, nobody
		}
	}
	return p
}

// Validate checks the policy's shape: known layers, absolute clean paths,
// layers that depend on others.
func (p Policy) Validate() error {
	for _, l := range p.Layers {
		if !slices.Contains(AllLayers(), l) {
			return fmt.Errorf("%w %q", ErrUnknownLayer, l)
		}
	}
	for _, set := range [][]string{p.ReadOnly, p.ReadWrite, p.Devices} {
		for _, path := range set {
			if !filepath.IsAbs(path) || filepath.Clean(path) != path || path == "/" {
				return fmt.Errorf("sandbox policy: path %q must be absolute, clean and not /", path)
			}
		}
	}
	if p.ScratchBytes < 0 {
		return fmt.Errorf("sandbox policy: scratch size %d: want 0 (the host's directories) or a positive size", p.ScratchBytes)
	}
	if p.DenyErrno < 0 || p.DenyErrno > 4095 {
		return fmt.Errorf("sandbox policy: deny errno %d out of range", p.DenyErrno)
	}
	if p.Limits.WallTime < 0 {
		return fmt.Errorf("sandbox policy: negative wall time")
	}
	needsUser := []Layer{LayerPID, LayerNet, LayerMount, LayerIPC, LayerUTS}
	if !p.Has(LayerUser) {
		for _, l := range needsUser {
			if p.Has(l) {
				return fmt.Errorf("sandbox policy: layer %s needs layer user", l)
			}
		}
	}
	if p.Has(LayerMount) && !p.Has(LayerPID) {
		return fmt.Errorf("sandbox policy: layer mount needs layer pid (a fresh /proc)")
	}
	if p.Has(LayerPID) && p.Has(LayerLandlock) && !p.Has(LayerMount) {
		// Without a fresh /proc, Landlock's all-threads setup reads the
		// host's /proc/1 (our pid inside) and never finishes.
		return fmt.Errorf("sandbox policy: layers pid and landlock need layer mount")
	}
	return nil
}

// ForProfile returns the layers a profile asks for, given which this kernel
// supports, and the layers dropped. Strict fails with *LayerError naming the
// first missing layer and why.
func ForProfile(pr Profile, support []LayerStatus) (layers, dropped []Layer, err error) {
	switch pr {
	case ProfileNone:
		return []Layer{LayerRlimit}, nil, nil
	case ProfileStrict, ProfilePermissive:
	default:
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownProfile, pr)
	}
	for _, s := range support {
		switch {
		case s.Supported:
			layers = append(layers, s.Layer)
		case pr == ProfileStrict:
			return nil, nil, &LayerError{Layer: s.Layer, Reason: s.Detail}
		default:
			dropped = append(dropped, s.Layer)
		}
	}
	// A layer whose prerequisite was dropped goes too.
	if !slices.Contains(layers, LayerUser) {
		layers = slices.DeleteFunc(layers, func(l Layer) bool {
			drop := l == LayerPID || l == LayerNet || l == LayerMount || l == LayerIPC || l == LayerUTS
			if drop {
				dropped = append(dropped, l)
			}
			return drop
		})
	}
	return layers, dropped, nil
}
