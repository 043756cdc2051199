// Package sandboxtest helps tests that start real sandboxes: it checks the
// machine can run the strict profile, and skips the test saying why when
// it cannot, except under CI, which runs as root with every layer and
// where a skipped escape test would hide a hole, so there it fails.
package sandboxtest

import (
	"fmt"
	"os"
	"testing"

	"github.com/ncn-network/ncn/sandbox"
)

// Require skips (or, under CI, fails) tb unless this process is root and
// the kernel has every sandbox layer.
func Require(tb testing.TB) {
	tb.Helper()
	if why := unavailable(); why != "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("CI must run the sandbox tests, but %s", why)
		}
		tb.Skipf("skipping: %s (CI runs these as root)", why)
	}
}

func unavailable() string {
	if os.Getuid() != 0 {
		return "the sandbox tests need root (cgroups, uid mapping)"
	}
	if _, _, err := sandbox.ForProfile(sandbox.ProfileStrict, sandbox.Check()); err != nil {
		return fmt.Sprintf("the strict profile cannot run here: %v", err)
	}
	return ""
}
