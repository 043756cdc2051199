package p2p

import (
	"errors"
	"io"
	"testing"
	"time"
)

// TestRateWriter: a transfer below minRate fails once minRateAfter has
// passed, not before; one above it goes on.
func TestRateWriter(t *testing.T) {
	slow := &rateWriter{w: io.Discard, start: time.Now().Add(-2 * minRateAfter)}
	if _, err := slow.Write(make([]byte, 1<<10)); !errors.Is(err, errTooSlow) {
		t.Fatalf("1 KiB in 2 minutes: %v", err)
	}
	young := &rateWriter{w: io.Discard, start: time.Now()}
	if _, err := young.Write(make([]byte, 1<<10)); err != nil {
		t.Fatalf("1 KiB at once: %v", err)
	}
	fast := &rateWriter{w: io.Discard, start: time.Now().Add(-2 * minRateAfter)}
	if _, err := fast.Write(make([]byte, 2*minRate*int(2*minRateAfter/time.Second))); err != nil {
		t.Fatalf("twice the floor: %v", err)
	}
}
