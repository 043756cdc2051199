package sandbox_test

import (
	"os"
	"testing"

	"github.com/ncn-network/ncn/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.InitMain()
	if len(os.Args) > 1 && os.Args[1] == escapeArg {
		os.Exit(runAttempt(os.Args[2:]))
	}
	if len(os.Args) > 2 && os.Args[1] == launcherArg {
		os.Exit(runLauncher(os.Args[2]))
	}
	os.Exit(m.Run())
}
