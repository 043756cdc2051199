package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/devchain"
)

// chainFlags are the flags that name the chain a command talks to: a
// devchain.json, or an RPC URL (or $RPC_URL) with a contracts file.
type chainFlags struct {
	devchain, rpc, contracts *string
}

func newChainFlags(f *flags) *chainFlags {
	return &chainFlags{
		devchain:  f.String("devchain", "", "devchain.json `file` written by 'ncn chain serve' or 'ncn devnet': the RPC URL and contract addresses"),
		rpc:       f.String("rpc", "", "chain JSON-RPC `URL` (default $RPC_URL)"),
		contracts: f.String("contracts", "", "JSON `file` with the contract addresses, as `ncn chain deploy` prints them"),
	}
}

// resolve returns the RPC URL and the contract addresses, or a usage
// error saying what is missing.
func (c *chainFlags) resolve(f *flags, e env) (string, chain.Addresses, error) {
	rpcURL := *c.rpc
	if rpcURL == "" {
		rpcURL = e.getenv("RPC_URL")
	}
	var addrs chain.Addresses
	switch {
	case *c.devchain != "" && (*c.contracts != "" || *c.rpc != ""):
		return "", addrs, f.usagef("give either --devchain or --rpc with --contracts, not both")
	case *c.devchain != "":
		m, err := devchain.ReadManifest(*c.devchain)
		if err != nil {
			return "", addrs, err
		}
		if m.RPCURL == "" {
			return "", addrs, fmt.Errorf("%s names no RPC URL: was the chain served over RPC?", *c.devchain)
		}
		return m.RPCURL, m.Contracts, nil
	case rpcURL == "" || *c.contracts == "":
		return "", addrs, f.usagef("the chain is required: --devchain FILE, or --rpc URL (or $RPC_URL) with --contracts FILE")
	}
	raw, err := os.ReadFile(*c.contracts)
	if err != nil {
		return "", addrs, err
	}
	if err := json.Unmarshal(raw, &addrs); err != nil {
		return "", addrs, fmt.Errorf("%s: %w", *c.contracts, err)
	}
	return rpcURL, addrs, addrs.Validate()
}
