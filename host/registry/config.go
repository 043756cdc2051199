package registry

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"path/filepath"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/plugins"
)

// StakeSource is where the active validator set and its stake come from:
// the ValidatorRegistry contract (*chain.Contracts).
type StakeSource interface {
	ActiveValidators(ctx context.Context) ([]common.Address, []*big.Int, error)
}

// Dialer opens a ValidatorService client to another registry node's gRPC
// endpoint.
type Dialer func(endpoint string) (pb.ValidatorServiceClient, error)

// Config configures a registry node. Fields marked required have no
// default; every other zero value takes the default shown.
type Config struct {
	Key     *ecdsa.PrivateKey // this node's validator key (required)
	Domain  chain.Domain      // the network's EIP-712 domain (required)
	Subnets *plugins.Subnets  // loaded plugin sets, one per subnet (required)
	Stakes  StakeSource       // staked validators (required)

	// Store is the plugin store Subnets loads from, and Runtime loads
	// uploaded plugins to run their self-tests: both are needed for the
	// subnet, model and plugin calls, which fail with ErrNoPluginStore
	// while either is nil.
	Store   *plugins.Store
	Runtime *plugins.Runtime

	Validators    int           // N validators asked per request; default 5
	Quorum        int           // M signatures needed; default 3
	QuorumTimeout time.Duration // how long a coordinator waits for M; default 3s
	Epoch         time.Duration // validator choice rotates every epoch (by the request's expiry); default 1h, whole seconds

	HeartbeatInterval time.Duration // expected heartbeat period; default 10s
	MissedHeartbeats  int           // missed periods before unavailable; default 3
	PruneAfter        time.Duration // unavailable this long: forgotten; default 10m

	MinReputation uint32        // below: not selected, and a gateway below is refused; default 20
	MaxQuoteTTL   time.Duration // furthest expiry a quote may carry; default 10m
	MaxExec       time.Duration // longest plausible execution time; default 10m
	MaxResult     int           // largest result validators accept, bytes; default 16 MiB

	// Slasher, if set, submits equivocation proofs this node finds
	// (*chain.Validators sending from this node's key); nil: evidence is
	// only gossiped and scored.
	Slasher Slasher

	// StatePath is a bbolt file keeping registrations, reputation and the
	// mempool across restarts; "" keeps them in memory only.
	StatePath string
	// ModelDir keeps model bundle files, by sha256; default a "modelfiles"
	// directory beside StatePath. With neither, the node keeps none.
	ModelDir string
	// MaxModelFile caps one model file, bytes; default 32 GiB.
	MaxModelFile int64
	// ModelFetchWait is how long GetModelFile waits for a file this node
	// is fetching from peers before it answers UNAVAILABLE with the
	// progress (the caller asks again); default 20s.
	ModelFetchWait time.Duration

	Now    func() time.Time // clock; default time.Now
	Dial   Dialer           // default: gRPC over TCP without TLS (loopback and private networks)
	Logger *slog.Logger     // default slog.Default()
	// Metrics, when set, gets the node's Prometheus metrics.
	Metrics prometheus.Registerer
}

// Validate reports missing or inconsistent fields.
func (c *Config) Validate() error {
	var errs []error
	if c.Key == nil {
		errs = append(errs, errors.New("no validator key"))
	}
	if c.Domain.ChainID == nil || c.Domain.Contract == (common.Address{}) {
		errs = append(errs, errors.New("no EIP-712 domain (chain id and payment contract)"))
	}
	if c.Subnets == nil {
		errs = append(errs, errors.New("no plugin runtime"))
	}
	if c.Stakes == nil {
		errs = append(errs, errors.New("no stake source"))
	}
	n, m := c.Validators, c.Quorum
	if n == 0 {
		n = 5
	}
	if m == 0 {
		m = 3
	}
	if c.MaxModelFile < 0 {
		errs = append(errs, fmt.Errorf("max model file %d bytes: want at least 0", c.MaxModelFile))
	}
	if c.Epoch < 0 || (c.Epoch > 0 && c.Epoch < time.Second) {
		errs = append(errs, fmt.Errorf("epoch %s: want at least a second", c.Epoch))
	}
	if n < 0 || m < 0 || m > n {
		errs = append(errs, fmt.Errorf("quorum %d of %d: want 0 < M <= N", m, n))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("registry config: %w", err)
	}
	return nil
}

func (c Config) withDefaults() Config {
	defInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	defInt(&c.Validators, 5)
	defInt(&c.Quorum, 3)
	defInt(&c.MissedHeartbeats, 3)
	defInt(&c.MaxResult, 16<<20)
	defDur(&c.QuorumTimeout, 3*time.Second)
	defDur(&c.Epoch, time.Hour)
	defDur(&c.HeartbeatInterval, 10*time.Second)
	defDur(&c.PruneAfter, 10*time.Minute)
	defDur(&c.MaxQuoteTTL, 10*time.Minute)
	defDur(&c.MaxExec, 10*time.Minute)
	defDur(&c.ModelFetchWait, 20*time.Second)
	if c.MinReputation == 0 {
		c.MinReputation = 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ModelDir == "" && c.StatePath != "" {
		c.ModelDir = filepath.Join(filepath.Dir(c.StatePath), "modelfiles")
	}
	if c.MaxModelFile == 0 {
		c.MaxModelFile = 32 << 30
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
