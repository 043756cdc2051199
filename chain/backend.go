package chain

import (
	"context"
	"fmt"
	"math/big"
	"net/http"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
)

// Backend is the chain as the rest of the host sees it: contract calls,
// transactions, receipts, logs and balances. Implementations are safe for
// concurrent use.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
	ethereum.ChainIDReader
	ethereum.BlockNumberReader
	BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error)
	TransactionByHash(ctx context.Context, hash common.Hash) (tx *types.Transaction, isPending bool, err error)
	// RPC is the underlying JSON-RPC client, for calls the typed API lacks.
	RPC() *rpc.Client
	Close() error
}

// RPCBackend is a Backend over any JSON-RPC endpoint (geth, a rollup node,
// or `ncn chain serve`).
type RPCBackend struct {
	*ethclient.Client
}

// Dial connects to a JSON-RPC endpoint (http, ws or ipc) and checks that it
// answers with a chain id.
func Dial(ctx context.Context, url string) (*RPCBackend, error) {
	c, err := rpc.DialOptions(ctx, url, rpc.WithHTTPClient(&http.Client{Transport: rpcTransport()}))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	b := &RPCBackend{ethclient.NewClient(c)}
	if _, err := b.ChainID(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("dial %s: chain id: %w", url, err)
	}
	return b, nil
}

// rpcTransport is the HTTP transport for JSON-RPC over http(s): the
// default keeps 2 idle connections per host, so a node with dozens of
// calls in flight opened and closed a connection for most of them; and
// responses are not gzipped: small JSON answers cost more CPU to compress
// on the chain and inflate here than they save, on the links a node uses.
func rpcTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	t.DisableCompression = true
	return t
}

// RPC returns the JSON-RPC client.
func (b *RPCBackend) RPC() *rpc.Client { return b.Client.Client() }

// Close closes the connection.
func (b *RPCBackend) Close() error {
	b.Client.Close()
	return nil
}
