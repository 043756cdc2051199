package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/p2p"
)

// Model bundles are content-addressed: a model's descriptor names the
// sha256 of its bundle's manifest.json, and the manifest names every other
// file by sha256. A node keeps the files of registered models, takes them
// from anyone (the hashes decide what belongs), serves them to compute
// nodes and peers, and fetches what it lacks from peers by hash.

// bucketModelFiles holds model bundle files: hex sha256 -> content.
var bucketModelFiles = []byte("modelfiles")

// maxModelFile bounds one file (the gRPC message limit); bigger weights
// need chunking, which this format does not do yet.
const maxModelFile = 32 << 20

// modelFetchTimeout bounds fetching one file from peers.
const modelFetchTimeout = time.Minute

// bundleFiles is the part of a bundle manifest this node reads.
type bundleFiles struct {
	Files map[string]string `json:"files"` // relative path -> hex sha256
}

func (r *Node) modelFile(sha string) ([]byte, bool) {
	if r.state == nil {
		return nil, false
	}
	var out []byte
	_ = r.state.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketModelFiles); b != nil {
			out = slices.Clone(b.Get([]byte(sha)))
		}
		return nil
	})
	return out, out != nil
}

// wantsModelFile says whether sha is part of model's bundle in subnet:
// its manifest, or a file the stored manifest lists.
func (r *Node) wantsModelFile(subnet, model, sha string) error {
	d, ok := r.model(subnet, model)
	if !ok {
		return fmt.Errorf("%w: model %s is not registered in subnet %s", ErrUnknownModel, model, subnet)
	}
	if d.ManifestSha256 == "" {
		return fmt.Errorf("%w: model %s names no bundle manifest", ErrUnknownModel, model)
	}
	if sha == d.ManifestSha256 {
		return nil
	}
	raw, ok := r.modelFile(d.ManifestSha256)
	if !ok {
		return fmt.Errorf("%w: model %s's manifest %s is not here yet: upload or fetch it first", ErrUnknownModel, model, d.ManifestSha256)
	}
	var m bundleFiles
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%w: model %s's manifest: %v", ErrBadRequest, model, err)
	}
	for _, h := range m.Files {
		if h == sha {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not a file of model %s's bundle", ErrUnknownModel, sha, model)
}

// UploadModelFile stores a file of a registered model's bundle.
func (r *Node) UploadModelFile(_ context.Context, f *pb.ModelFile) (*pb.ModelFileRef, error) {
	if r.state == nil {
		return nil, fmt.Errorf("%w: this node keeps no state file", ErrNoPluginStore)
	}
	if len(f.GetData()) == 0 || len(f.Data) > maxModelFile {
		return nil, fmt.Errorf("%w: a model file of %d bytes (1..%d)", ErrBadRequest, len(f.GetData()), maxModelFile)
	}
	sum := sha256.Sum256(f.Data)
	if got := hex.EncodeToString(sum[:]); got != f.Sha256 {
		return nil, fmt.Errorf("%w: the data's sha256 is %s, not %s", ErrBadRequest, got, f.Sha256)
	}
	if err := r.wantsModelFile(f.Subnet, f.Model, f.Sha256); err != nil {
		return nil, err
	}
	if err := r.putModelFile(f.Sha256, f.Data); err != nil {
		return nil, err
	}
	return &pb.ModelFileRef{Subnet: f.Subnet, Model: f.Model, Sha256: f.Sha256}, nil
}

func (r *Node) putModelFile(sha string, data []byte) error {
	err := r.state.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketModelFiles)
		if err != nil {
			return err
		}
		return b.Put([]byte(sha), data)
	})
	if err != nil {
		return fmt.Errorf("save model file %s: %w", sha, err)
	}
	if r.net != nil && r.replCtx != nil {
		var h p2p.Hash
		b, _ := hex.DecodeString(sha)
		copy(h[:], b)
		r.bg.Add(1)
		go func() {
			defer r.bg.Done()
			if err := r.net.Provide(r.replCtx, p2p.BlobCID(h)); err != nil && r.replCtx.Err() == nil {
				r.cfg.Logger.Info("provide model file", "sha256", sha, "err", err)
			}
		}()
	}
	return nil
}

// GetModelFile serves a file of a registered model's bundle, fetching it
// by hash from a peer when this node does not have it yet.
func (r *Node) GetModelFile(ctx context.Context, ref *pb.ModelFileRef) (*pb.ModelFile, error) {
	if !sha256Hex.MatchString(ref.GetSha256()) {
		return nil, fmt.Errorf("%w: %q is not a lower-case hex sha256", ErrBadRequest, ref.GetSha256())
	}
	if err := r.wantsModelFile(ref.Subnet, ref.Model, ref.Sha256); err != nil {
		return nil, err
	}
	out := &pb.ModelFile{Subnet: ref.Subnet, Model: ref.Model, Sha256: ref.Sha256}
	if data, ok := r.modelFile(ref.Sha256); ok {
		out.Data = data
		return out, nil
	}
	if r.net == nil || r.state == nil {
		return nil, fmt.Errorf("%w: %s is not stored here", ErrUnknownModel, ref.Sha256)
	}
	var h p2p.Hash
	b, _ := hex.DecodeString(ref.Sha256)
	copy(h[:], b)
	ctx, cancel := context.WithTimeout(ctx, modelFetchTimeout)
	defer cancel()
	data, err := r.net.FetchBlob(ctx, h) // FetchBlob checks the hash
	if err != nil {
		return nil, fmt.Errorf("%w: %s: not here, and from peers: %v", ErrUnknownModel, ref.Sha256, err)
	}
	if len(data) > maxModelFile {
		return nil, fmt.Errorf("%w: %s is %d bytes", ErrBadRequest, ref.Sha256, len(data))
	}
	if err := r.putModelFile(ref.Sha256, data); err != nil {
		return nil, err
	}
	out.Data = data
	return out, nil
}
