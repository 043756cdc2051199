package chain

import (
	"maps"
	"math/big"

	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
)

// DevChainID is the chain id of the embedded chain and of the geth --dev
// chain the tests start (the simulated backend always uses 1337).
const DevChainID = 1337

// DevGasLimit is the block gas limit of development chains. The devnet's
// chain seals at most a block a second under load (devchain.ClockLead),
// and blocks are packed by the transactions' gas limits, not what they
// use: 300M gas holds about 900 initiates and completes at their limits,
// a second of a few hundred paid requests.
const DevGasLimit = 300_000_000

// DevChainConfig is go-ethereum's all-forks development config pinned at
// Osaka: later, unreleased forks (state-gas pricing) are switched off, so gas
// figures mean what they mean on mainnet and L2s today.
func DevChainConfig() *params.ChainConfig {
	cfg := *params.AllDevChainProtocolChanges
	cfg.ChainID = big.NewInt(DevChainID)
	cfg.AmsterdamTime = nil
	cfg.BogotaTime = nil
	cfg.UBTTime = nil
	cfg.BPO1Time, cfg.BPO2Time, cfg.BPO3Time, cfg.BPO4Time, cfg.BPO5Time = nil, nil, nil, nil, nil
	return &cfg
}

// DevGenesis is the genesis of a development chain: the pinned config, the
// system contracts the forks need, and alloc (which wins on conflict).
func DevGenesis(alloc types.GenesisAlloc) *core.Genesis {
	all := core.SystemContractAllocs()
	maps.Copy(all, alloc)
	return &core.Genesis{
		Config:     DevChainConfig(),
		GasLimit:   DevGasLimit,
		BaseFee:    big.NewInt(params.InitialBaseFee),
		Difficulty: big.NewInt(0),
		Alloc:      all,
	}
}
