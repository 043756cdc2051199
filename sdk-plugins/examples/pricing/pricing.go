// Package pricing is the network's default price formula: base + tokens ×
// per-token + seconds × per-second, split into the payment tree 80/10/5/5
// (compute, gateway, validators, treasury) with the rounding dust to the
// treasury. The defaults plugin exports it; natively it is the plugin's
// twin.
//
// Parameters (wei, decimal strings; defaults in brackets): base
// [10^15], per_token [10^12], per_second [10^14]; split_compute_bps [8000],
// split_gateway_bps [1000], split_validators_bps [500] (the treasury takes
// the rest).
package pricing

import (
	"math/big"
	"strconv"

	"github.com/ncn-network/ncn/abi"
)

// Price computes the fee of in and splits it.
func Price(in *abi.PriceInput) (*abi.PriceOutput, error) {
	base, err := amount(in.Params, "base", "1000000000000000")
	if err != nil {
		return nil, err
	}
	perToken, err := amount(in.Params, "per_token", "1000000000000")
	if err != nil {
		return nil, err
	}
	perSecond, err := amount(in.Params, "per_second", "100000000000000")
	if err != nil {
		return nil, err
	}
	tokens := new(big.Int).Add(new(big.Int).SetUint64(in.InputTokens), new(big.Int).SetUint64(in.OutputTokens))
	fee := new(big.Int).Add(base, tokens.Mul(tokens, perToken))
	// per_second is charged per millisecond, rounded down, so short jobs are not billed a whole second.
	timeFee := new(big.Int).Mul(perSecond, new(big.Int).SetUint64(in.EstimatedMillis))
	fee.Add(fee, timeFee.Div(timeFee, big.NewInt(1000)))

	var parts [3]*big.Int
	total := int64(0)
	for i, p := range []struct {
		key string
		def int64
	}{{"split_compute_bps", 8000}, {"split_gateway_bps", 1000}, {"split_validators_bps", 500}} {
		bps, err := basisPoints(in.Params, p.key, p.def)
		if err != nil {
			return nil, err
		}
		total += bps
		parts[i] = new(big.Int).Div(new(big.Int).Mul(fee, big.NewInt(bps)), big.NewInt(10_000))
	}
	if total > 10_000 {
		return nil, abi.Errorf(abi.CodeInvalidInput, "split basis points sum to %d, over 10000", total)
	}
	treasury := new(big.Int).Sub(fee, parts[0])
	treasury.Sub(treasury, parts[1]).Sub(treasury, parts[2])
	return &abi.PriceOutput{
		Version: abi.Version, Compute: parts[0].String(), Gateway: parts[1].String(),
		Validators: parts[2].String(), Treasury: treasury.String(),
	}, nil
}

func amount(params map[string]string, key, def string) (*big.Int, error) {
	s, ok := params[key]
	if !ok {
		s = def
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 || len(s) > 60 {
		return nil, abi.Errorf(abi.CodeInvalidInput, "param %s = %q is not a non-negative decimal amount", key, s)
	}
	return v, nil
}

func basisPoints(params map[string]string, key string, def int64) (int64, error) {
	s, ok := params[key]
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > 10_000 {
		return 0, abi.Errorf(abi.CodeInvalidInput, "param %s = %q is not basis points 0..10000", key, s)
	}
	return v, nil
}
