package compute_test

import (
	"os"
	"testing"

	"github.com/ncn-network/ncn/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.InitMain() // sandboxed workers start as this binary's stage two
	os.Exit(m.Run())
}
