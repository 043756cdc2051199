// Package sandboxtest helps tests that need what only some machines have:
// root, every sandbox layer, a tool `make deps` installs. It skips such a
// test, saying why, where it cannot run, except under CI, which runs as
// root with every layer and every tool and where a skipped test (an escape
// test above all) would hide a hole, so there it fails.
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
		SkipUnlessCI(tb, why)
	}
}

// RequireRoot skips (or, under CI, fails) tb unless this process is root;
// what names what needs root ("network namespaces").
func RequireRoot(tb testing.TB, what string) {
	tb.Helper()
	if os.Getuid() != 0 {
		SkipUnlessCI(tb, what+" need root")
	}
}

// SkipUnlessCI skips tb, saying why it cannot run here, or under CI (CI set
// in the environment), where every test must run, fails it.
func SkipUnlessCI(tb testing.TB, why string) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("CI must run this test, but %s", why)
	}
	tb.Skipf("skipping: %s (CI runs this test)", why)
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
