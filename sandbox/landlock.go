package sandbox

import (
	"os"

	"github.com/landlock-lsm/go-landlock/landlock"
)

// landlockMinABI is the Landlock ABI the sandbox needs: 4 brought TCP
// rules, 5 device ioctls, 6 scoping of abstract UNIX sockets and signals.
const landlockMinABI = 6

// devFiles are the device nodes every sandbox gets, read-write.
func devFiles() []string {
	return []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}
}

// applyLandlock restricts the process (every thread) to the policy's paths:
// read and execute on ReadOnly, read-write on ReadWrite, /dev/shm and the
// device nodes; no TCP bind or connect at all; no signals or abstract
// sockets to processes outside the sandbox. It is never best-effort: on a
// kernel below landlockMinABI it fails.
func applyLandlock(p Policy) error {
	var rules []landlock.Rule
	for _, path := range p.ReadOnly {
		if isDir(path) {
			rules = append(rules, landlock.RODirs(path))
		} else {
			rules = append(rules, landlock.ROFiles(path))
		}
	}
	if len(p.ReadWrite) > 0 {
		rules = append(rules, landlock.RWDirs(p.ReadWrite...))
	}
	rules = append(rules, landlock.RWFiles(devFiles()...).IgnoreIfMissing())
	if len(p.Devices) > 0 {
		rules = append(rules, landlock.RWFiles(p.Devices...).WithIoctlDev())
	}
	if p.Has(LayerMount) {
		// Our own /proc (this PID namespace only) and a private /dev/shm.
		rules = append(rules, landlock.RODirs("/proc"), landlock.RWDirs("/dev/shm"))
	}
	return landlock.V6.Restrict(rules...)
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
