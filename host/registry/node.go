package registry

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
)

// Node is one registry node: the network's view, the mempool, reputation,
// and the validator and quorum-coordinator roles.
type Node struct {
	cfg     Config
	addr    common.Address
	nodes   *Nodes
	mempool *Mempool
	ledger  *Ledger
	witness *witness

	modelMu sync.RWMutex
	models  map[[2]string]*pb.ModelDescriptor // (subnet, model id)

	owned   subnetTable // subnets with an owner (subnets.go)
	blobs   pluginBlobs // stored plugins served to peers
	metrics *metrics

	builtinOnce sync.Once
	builtin     map[abi.Kind]string
	builtinErr  error

	stakeMu    sync.Mutex
	stakeAt    time.Time
	stakeAddrs []common.Address
	stakeWei   []*big.Int

	connMu sync.Mutex
	conns  map[string]*grpc.ClientConn

	state   *state      // nil without Config.StatePath
	files   *modelStore // nil without Config.ModelDir
	fetchMu sync.Mutex
	fetches map[string]*modelFetch // model files being fetched from peers, by sha256

	manifestMu sync.Mutex
	manifests  map[string]map[string]struct{} // bundle manifest sha256 -> the file hashes it lists
	bg         sync.WaitGroup                 // background scoring and replication
	publish    func(topic string, payload []byte)
	batcher    *gossipBatcher  // reputation and mempool messages; set by Replicate
	net        Network         // set by Replicate
	finder     Finder          // set by Replicate
	replCtx    context.Context // replication's lifetime
	stopRepl   context.CancelFunc
	cancel     context.CancelFunc
	done       chan struct{}
}

// New returns a registry node; Close releases it.
func New(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := &Node{
		cfg:     cfg,
		addr:    crypto.PubkeyToAddress(cfg.Key.PublicKey),
		nodes:   NewNodes(cfg),
		mempool: NewMempool(cfg.Now),
		ledger:  NewLedger(),
		witness: newWitness(func(v common.Address, s chain.SignedCompletion) bool {
			return checkSigner(cfg.Domain.Digest(s.Message.StructHash()).Bytes(), s.Signature, v) == nil
		}),
		models:    map[[2]string]*pb.ModelDescriptor{},
		conns:     map[string]*grpc.ClientConn{},
		fetches:   map[string]*modelFetch{},
		manifests: map[string]map[string]struct{}{},
		done:      make(chan struct{}),
	}
	r.blobs.r = r
	r.metrics = newMetrics(r, cfg.Metrics)
	if cfg.ModelDir != "" {
		files, err := openModelStore(cfg.ModelDir, cfg.MaxModelFile, cfg.Now, r.provideModelFile)
		if err != nil {
			return nil, err
		}
		r.files = files
	}
	if cfg.StatePath != "" {
		st, err := openState(cfg.StatePath)
		if err != nil {
			return nil, err
		}
		if err := st.load(r); err != nil {
			st.close()
			return nil, fmt.Errorf("load registry state %s: %w", cfg.StatePath, err)
		}
		if r.files != nil {
			if err := migrateModelFiles(st.db, r.files); err != nil {
				st.close()
				return nil, err
			}
		}
		st.persist(r)
		r.state = st
		if err := r.loadSubnets(st); err != nil {
			st.close()
			return nil, fmt.Errorf("load subnets from %s: %w", cfg.StatePath, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go r.housekeeping(ctx)
	return r, nil
}

// Address is this node's validator address.
func (r *Node) Address() common.Address { return r.addr }

// Key is this node's validator key.
func (r *Node) Key() *ecdsa.PrivateKey { return r.cfg.Key }

// Nodes is the node table.
func (r *Node) Nodes() *Nodes { return r.nodes }

// Mempool is the pending-validation pool.
func (r *Node) Mempool() *Mempool { return r.mempool }

// Ledger is the reputation ledger.
func (r *Node) Ledger() *Ledger { return r.ledger }

// AddModel registers a model descriptor in its subnet.
func (r *Node) AddModel(d *pb.ModelDescriptor) {
	r.modelMu.Lock()
	defer r.modelMu.Unlock()
	r.models[[2]string{d.Subnet, d.Id}] = d
}

func (r *Node) model(subnet, id string) (*pb.ModelDescriptor, bool) {
	r.modelMu.RLock()
	defer r.modelMu.RUnlock()
	d, ok := r.models[[2]string{subnet, id}]
	return d, ok
}

// reputationHorizon is how long reputation events are kept before they
// are folded into the checkpoint: well past gossip's delays and the
// clocks' skew (an event is stamped by its coordinator's clock), so an
// event folded by one node arrives too late at none.
const reputationHorizon = 5 * time.Minute

// maxEventSkew is how far ahead of this node's clock a gossiped event may
// be stamped. Further would sort after every event to come for as long.
const maxEventSkew = time.Minute

// housekeeping expires mempool entries, prunes dead nodes and compacts
// reputation.
func (r *Node) housekeeping(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(min(r.cfg.HeartbeatInterval, 30*time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.mempool.Cleanup()
			r.nodes.Prune()
			r.witness.prune(r.cfg.Now().Add(-r.cfg.MaxQuoteTTL - witnessMargin))
			if r.files != nil {
				r.files.prune(r.cfg.Now().Add(-stageIdle))
			}
			// Whole minutes, so that nodes' checkpoints tend to agree.
			r.ledger.Compact(r.cfg.Now().Add(-reputationHorizon).Truncate(time.Minute).UnixMilli())
		}
	}
}

// dial returns a cached client for a validator's endpoint.
func (r *Node) dial(endpoint string) (pb.ValidatorServiceClient, error) {
	if r.cfg.Dial != nil {
		return r.cfg.Dial(endpoint)
	}
	r.connMu.Lock()
	defer r.connMu.Unlock()
	if c, ok := r.conns[endpoint]; ok {
		return pb.NewValidatorServiceClient(c), nil
	}
	// A validator back from an outage must be reachable within a quorum's
	// time, not after gRPC's default reconnect backoff (up to 2 minutes).
	c, err := grpc.NewClient(endpoint, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{MinConnectTimeout: 2 * time.Second,
			Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second}}))
	if err != nil {
		return nil, err
	}
	r.conns[endpoint] = c
	return pb.NewValidatorServiceClient(c), nil
}

// Close stops housekeeping, waits for background scoring and closes
// connections.
func (r *Node) Close() error {
	if r.stopRepl != nil {
		r.stopRepl()
	}
	r.cancel()
	<-r.done
	r.bg.Wait()
	r.connMu.Lock()
	defer r.connMu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
	if r.state != nil {
		return r.state.close()
	}
	return nil
}
