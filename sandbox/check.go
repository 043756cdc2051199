package sandbox

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	llsyscall "github.com/landlock-lsm/go-landlock/landlock/syscall"
	seccomp "github.com/seccomp/libseccomp-golang"
)

// LayerStatus says whether this kernel and machine can provide a layer.
type LayerStatus struct {
	Layer     Layer
	Supported bool
	Detail    string // what was found, or why it is missing
}

// Check probes each layer without starting anything.
func Check() []LayerStatus {
	out := make([]LayerStatus, 0, len(AllLayers()))
	for _, l := range AllLayers() {
		ok, detail := probe(l)
		out = append(out, LayerStatus{Layer: l, Supported: ok, Detail: detail})
	}
	return out
}

func probe(l Layer) (bool, string) {
	switch l {
	case LayerUser:
		if ok, d := nsFile("user"); !ok {
			return false, d
		}
		n, err := readInt("/proc/sys/user/max_user_namespaces")
		if err == nil && n == 0 {
			return false, "user.max_user_namespaces is 0"
		}
		if os.Geteuid() != 0 {
			if v, err := readInt("/proc/sys/kernel/unprivileged_userns_clone"); err == nil && v == 0 {
				return false, "kernel.unprivileged_userns_clone is 0 and the host is not root"
			}
			return true, "available (host not root: the sandbox's root maps to the host's own uid)"
		}
		return true, "available"
	case LayerPID, LayerNet, LayerMount, LayerIPC, LayerUTS:
		return nsFile(nsName(l))
	case LayerCgroup:
		cg, err := detectCgroups()
		if err != nil {
			return false, err.Error()
		}
		return true, cg.String()
	case LayerRlimit:
		return true, "available"
	case LayerLandlock:
		v, err := llsyscall.LandlockGetABIVersion()
		if err != nil {
			return false, fmt.Sprintf("not enabled in this kernel (%v)", err)
		}
		if v < landlockMinABI {
			return false, fmt.Sprintf("ABI %d, need >= %d", v, landlockMinABI)
		}
		return true, fmt.Sprintf("ABI %d (using %d)", v, landlockMinABI)
	case LayerSeccomp:
		api, err := seccomp.GetAPI()
		if err != nil {
			return false, fmt.Sprintf("libseccomp: %v", err)
		}
		if api < 3 { // TSYNC needs API level 2, ERRNO/KILL_PROCESS 3
			return false, fmt.Sprintf("libseccomp API level %d, need >= 3", api)
		}
		maj, min, mic := seccomp.GetLibraryVersion()
		return true, fmt.Sprintf("filter mode, TSYNC; libseccomp %d.%d.%d API %d", maj, min, mic, api)
	}
	return false, "unknown layer"
}

func nsName(l Layer) string {
	switch l {
	case LayerMount:
		return "mnt"
	default:
		return string(l)
	}
}

func nsFile(name string) (bool, string) {
	if _, err := os.Stat("/proc/self/ns/" + name); err != nil {
		return false, fmt.Sprintf("no %s namespace in this kernel (%v)", name, err)
	}
	return true, "available"
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
