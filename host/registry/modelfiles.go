package registry

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync/atomic"
	"time"

	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/p2p"
)

// Model bundles are content-addressed: a model's descriptor names the
// sha256 of its bundle's manifest.json, and the manifest names every other
// file by sha256. A node keeps the files of registered models on disk
// (modelstore.go), takes them from anyone in parts (the hashes decide what
// belongs), serves ranges of them to compute nodes and whole files to
// peers, and fetches what it lacks from peers by hash.

// maxFetches bounds the model files fetched from peers at once.
const maxFetches = 8

// bundleFiles is the part of a bundle manifest this node reads.
type bundleFiles struct {
	Files map[string]string `json:"files"` // relative path -> hex sha256
}

// modelFetch is a file being fetched from peers.
type modelFetch struct {
	done       chan struct{}
	err        error // set before done closes
	have, size atomic.Int64
}

// wantsModelFile says whether sha is part of model's bundle in subnet:
// its manifest, or a file the manifest lists (fetched from peers first
// if this node lacks it).
func (r *Node) wantsModelFile(ctx context.Context, subnet, model, sha string) error {
	if !sha256Hex.MatchString(sha) {
		return fmt.Errorf("%w: %q is not a lower-case hex sha256", ErrBadRequest, sha)
	}
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
	if r.files == nil {
		return fmt.Errorf("%w: this node keeps no model files", ErrNoPluginStore)
	}
	files, err := r.bundleFiles(ctx, model, d.ManifestSha256)
	if err != nil {
		return err
	}
	if _, ok := files[sha]; !ok {
		return fmt.Errorf("%w: %s is not a file of model %s's bundle", ErrUnknownModel, sha, model)
	}
	return nil
}

// maxManifestCache bounds the parsed manifests kept.
const maxManifestCache = 256

// bundleFiles is the set of file hashes a bundle manifest lists, read
// (and fetched from peers if need be) once: a manifest is named by its
// hash, so it never changes.
func (r *Node) bundleFiles(ctx context.Context, model, manifest string) (map[string]struct{}, error) {
	r.manifestMu.Lock()
	files, ok := r.manifests[manifest]
	r.manifestMu.Unlock()
	if ok {
		return files, nil
	}
	raw, err := r.files.manifest(manifest)
	if errors.Is(err, fs.ErrNotExist) && r.net != nil && r.replCtx != nil {
		if err = r.awaitFetch(ctx, manifest); err == nil {
			raw, err = r.files.manifest(manifest)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: model %s's manifest %s is not here yet: upload it first", ErrUnknownModel, model, manifest)
	}
	if err != nil {
		return nil, err
	}
	var m bundleFiles
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: model %s's manifest: %v", ErrBadRequest, model, err)
	}
	files = make(map[string]struct{}, len(m.Files))
	for _, h := range m.Files {
		files[h] = struct{}{}
	}
	r.manifestMu.Lock()
	if len(r.manifests) >= maxManifestCache {
		clear(r.manifests)
	}
	r.manifests[manifest] = files
	r.manifestMu.Unlock()
	return files, nil
}

// UploadModelFile stores a part of a file of a registered model's bundle
// (pb.ModelFile says how parts work).
func (r *Node) UploadModelFile(ctx context.Context, f *pb.ModelFile) (*pb.ModelFileUpload, error) {
	if r.files == nil {
		return nil, fmt.Errorf("%w: this node keeps no model files", ErrNoPluginStore)
	}
	size, off := int64(f.GetSize()), int64(f.GetOffset())
	if f.GetSize() == 0 { // the whole file in one message
		if off != 0 {
			return nil, fmt.Errorf("%w: a part at offset %d names no file size", ErrBadRequest, off)
		}
		size = int64(len(f.GetData()))
	}
	if size < 0 || off < 0 { // past int64 on the wire
		return nil, fmt.Errorf("%w: offset %d, size %d", ErrBadRequest, f.GetOffset(), f.GetSize())
	}
	if err := r.wantsModelFile(ctx, f.GetSubnet(), f.GetModel(), f.GetSha256()); err != nil {
		return nil, err
	}
	have, done, err := r.files.put(f.Sha256, size, off, f.Data)
	if err != nil {
		return nil, err
	}
	return &pb.ModelFileUpload{Sha256: f.Sha256, Size: uint64(size), Received: uint64(have), Complete: done}, nil
}

// provideModelFile announces that this node serves a model file.
func (r *Node) provideModelFile(sha string) {
	if r.net == nil || r.replCtx == nil {
		return
	}
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

// GetModelFile serves a range of a file of a registered model's bundle.
// When this node lacks the file it fetches it from peers in the
// background, waits for that up to Config.ModelFetchWait (a large file
// takes longer than a call should), and then answers ErrFetching with the
// progress so far.
func (r *Node) GetModelFile(ctx context.Context, ref *pb.ModelFileRef) (*pb.ModelFile, error) {
	if r.files == nil {
		return nil, fmt.Errorf("%w: this node keeps no model files", ErrNoPluginStore)
	}
	if err := r.wantsModelFile(ctx, ref.GetSubnet(), ref.GetModel(), ref.GetSha256()); err != nil {
		return nil, err
	}
	limit := int64(ref.GetLimit())
	switch {
	case ref.GetLimit() == 0:
		limit = defaultModelRange
	case ref.GetLimit() > maxModelPart:
		return nil, fmt.Errorf("%w: a range of %d bytes (at most %d)", ErrBadRequest, ref.GetLimit(), maxModelPart)
	}
	if ref.GetOffset() > uint64(r.cfg.MaxModelFile) {
		return nil, fmt.Errorf("%w: offset %d", ErrBadRequest, ref.GetOffset())
	}
	read := func() (*pb.ModelFile, error) {
		data, size, err := r.files.read(ref.Sha256, int64(ref.Offset), limit)
		if err != nil {
			return nil, err
		}
		return &pb.ModelFile{Subnet: ref.Subnet, Model: ref.Model, Sha256: ref.Sha256, Data: data, Offset: ref.Offset, Size: uint64(size)}, nil
	}
	f, err := read()
	if !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	if r.net == nil || r.replCtx == nil {
		return nil, fmt.Errorf("%w: %s is not stored here", ErrUnknownModel, ref.Sha256)
	}
	if err := r.awaitFetch(ctx, ref.Sha256); err != nil {
		return nil, err
	}
	return read()
}

// awaitFetch fetches sha from peers, or joins the fetch under way, and
// waits for it up to Config.ModelFetchWait; then ErrFetching, with the
// progress.
func (r *Node) awaitFetch(ctx context.Context, sha string) error {
	job, err := r.fetchModelFile(sha)
	if err != nil {
		return err
	}
	wait := time.NewTimer(r.cfg.ModelFetchWait)
	defer wait.Stop()
	select {
	case <-job.done:
		if job.err != nil {
			return fmt.Errorf("%w: %s: not here, and from peers: %v", ErrUnknownModel, sha, job.err)
		}
		return nil
	case <-wait.C:
		if size := job.size.Load(); size > 0 {
			return fmt.Errorf("%w: %s: %d of %d bytes so far; ask again", ErrFetching, sha, job.have.Load(), size)
		}
		return fmt.Errorf("%w: %s: looking for peers that have it; ask again", ErrFetching, sha)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetchModelFile starts fetching sha from peers, or joins the fetch under
// way. The fetch outlives the call that started it (until replication
// stops), and resumes from what an earlier, broken one left.
func (r *Node) fetchModelFile(sha string) (*modelFetch, error) {
	r.fetchMu.Lock()
	defer r.fetchMu.Unlock()
	if job, ok := r.fetches[sha]; ok {
		return job, nil
	}
	if len(r.fetches) >= maxFetches {
		return nil, fmt.Errorf("%w: %d model files being fetched from peers; try again later", ErrBusy, len(r.fetches))
	}
	// No larger than the disk can hold beside what is there.
	limit := r.cfg.MaxModelFile
	if free, err := r.files.free(); err == nil {
		limit = min(limit, free-freeMargin)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("%w: no disk left for model files", ErrBusy)
	}
	job := &modelFetch{done: make(chan struct{})}
	r.fetches[sha] = job
	var h p2p.Hash
	b, _ := hex.DecodeString(sha)
	copy(h[:], b)
	path := r.files.fetchPath(sha)
	now := time.Now()
	_ = os.Chtimes(path, now, now) // a part resumed: not idle, whatever prune thinks
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		err := r.net.FetchBlobFile(r.replCtx, h, path, limit, func(have, size int64) {
			job.have.Store(have)
			job.size.Store(size)
		})
		if err == nil {
			err = r.files.adopt(sha)
		}
		if err != nil {
			r.cfg.Logger.Info("fetch model file", "sha256", sha, "err", err)
		}
		r.fetchMu.Lock()
		delete(r.fetches, sha)
		r.fetchMu.Unlock()
		job.err = err
		close(job.done)
	}()
	return job, nil
}
