package chaintest

import (
	"testing"
)

// Geth returns an environment on a real geth --dev process.
func Geth(t testing.TB) *Env {
	t.Skip("geth harness not written yet")
	return nil
}
