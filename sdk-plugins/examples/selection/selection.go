// Package selection holds the five selection strategies of the validation
// design — random (seeded by the request id), reputation, stake,
// performance and weighted — as plain Go. The defaults plugin exports them
// compiled to WebAssembly; compiled natively, the same code is the twin the
// plugin is checked and benchmarked against.
//
// Every ranking is deterministic: integers only, ties broken by id, and
// the only randomness the request's seed.
package selection

import (
	"math/bits"
	"slices"

	"github.com/ncn-network/ncn/abi"
)

// Strategy names.
const (
	Random      = "random"
	Reputation  = "reputation"
	Stake       = "stake"
	Performance = "performance"
	Weighted    = "weighted"
)

// Rank orders in.Candidates by in.Strategy (empty means weighted) and
// returns indices, best first, cut to in.Count.
func Rank(in *abi.SelectInput) ([]int, error) {
	idx := make([]int, len(in.Candidates))
	for i := range idx {
		idx[i] = i
	}
	c := in.Candidates
	byID := func(a, b int) bool { return c[a].ID < c[b].ID }
	switch in.Strategy {
	case Random:
		sortBy(idx, byID) // a canonical start
		shuffle(idx, in.Seed.Uint64())
	case Reputation:
		sortBy(idx, func(a, b int) bool {
			if c[a].Reputation != c[b].Reputation {
				return c[a].Reputation > c[b].Reputation
			}
			return byID(a, b)
		})
	case Stake:
		sortBy(idx, func(a, b int) bool {
			if c[a].Stake != c[b].Stake {
				return c[a].Stake > c[b].Stake
			}
			return byID(a, b)
		})
	case Performance:
		sortBy(idx, func(a, b int) bool {
			if c[a].SuccessBps != c[b].SuccessBps {
				return c[a].SuccessBps > c[b].SuccessBps
			}
			if c[a].LatencyMs != c[b].LatencyMs {
				return c[a].LatencyMs < c[b].LatencyMs
			}
			return byID(a, b)
		})
	case Weighted, "":
		var maxStake uint64
		for _, x := range c {
			maxStake = max(maxStake, x.Stake)
		}
		score := make([]uint64, len(c))
		for i, x := range c {
			score[i] = weightedScore(x, maxStake)
		}
		sortBy(idx, func(a, b int) bool {
			if score[a] != score[b] {
				return score[a] > score[b]
			}
			return byID(a, b)
		})
	default:
		return nil, abi.Errorf(abi.CodeUnknownStrategy, "no strategy %q (have random, reputation, stake, performance, weighted)", in.Strategy)
	}
	if in.Count > 0 && in.Count < len(idx) {
		idx = idx[:in.Count]
	}
	return idx, nil
}

// weightedScore is 60% stake (relative to the largest) and 40% reputation,
// in parts per 10^6.
func weightedScore(x abi.Candidate, maxStake uint64) uint64 {
	var stakePart uint64
	if maxStake > 0 {
		hi, lo := bits.Mul64(x.Stake, 600_000)
		stakePart, _ = bits.Div64(hi, lo, maxStake) // x.Stake <= maxStake, so no overflow
	}
	return stakePart + uint64(x.Reputation)*4_000
}

// sortBy sorts indices with a generic sort: no reflection, which matters
// in WebAssembly.
func sortBy(idx []int, less func(a, b int) bool) {
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
}

// shuffle is a Fisher-Yates shuffle driven by splitmix64: simple enough to
// reproduce in any language from the seed.
func shuffle(idx []int, seed uint64) {
	state := seed
	next := func() uint64 {
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return z ^ (z >> 31)
	}
	for i := len(idx) - 1; i > 0; i-- {
		j := int(next() % uint64(i+1))
		idx[i], idx[j] = idx[j], idx[i]
	}
}
