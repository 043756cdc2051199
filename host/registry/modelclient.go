package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
)

// ModelFileUploader is the call PushModelFile makes
// (pb.P2PRegistryServiceClient has it).
type ModelFileUploader interface {
	UploadModelFile(ctx context.Context, in *pb.ModelFile, opts ...grpc.CallOption) (*pb.ModelFileUpload, error)
}

// pushPart is the part size PushModelFile sends.
const pushPart = 8 << 20

// PushModelFile uploads the file at path, a file of model's bundle in
// subnet, to a registry node in parts, after whatever part of it the node
// already holds (an earlier upload that broke off). progress, if not nil,
// sees how many bytes the node holds after each part. It returns the
// file's sha256.
func PushModelFile(ctx context.Context, rc ModelFileUploader, subnet, model, path string, progress func(have, size int64)) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	part := func(off int64, data []byte) (*pb.ModelFileUpload, error) {
		return rc.UploadModelFile(ctx, &pb.ModelFile{Subnet: subnet, Model: model, Sha256: sha, Data: data, Offset: uint64(off), Size: uint64(size)},
			grpc.MaxCallSendMsgSize(pushPart+(1<<20)))
	}
	st, err := part(0, nil) // how much is there already (for an empty file, the upload itself)
	buf := make([]byte, min(size, pushPart))
	for err == nil && !st.Complete {
		have := int64(st.Received)
		if have >= size {
			return "", fmt.Errorf("upload %s: the node holds %d bytes of %d but not the file", path, have, size)
		}
		n, rerr := f.ReadAt(buf[:min(int64(len(buf)), size-have)], have)
		if rerr != nil && rerr != io.EOF {
			return "", fmt.Errorf("read %s: %w", path, rerr)
		}
		next, perr := part(have, buf[:n])
		if status.Code(perr) == codes.FailedPrecondition {
			// Another upload of the same file may have moved on (or the
			// node dropped an idle one): go on from where it is now.
			if now, aerr := part(0, nil); aerr == nil && (now.Complete || now.Received != st.Received) {
				st = now
				continue
			}
		}
		st, err = next, perr
		if err == nil && progress != nil {
			progress(int64(st.Received), size)
		}
	}
	if err != nil {
		return "", fmt.Errorf("upload model %s file %s: %w", model, path, err)
	}
	return sha, nil
}

// BundleModel is the descriptor of b's model in subnet, as its owner
// registers it: the manifest's name, version, runtime and task, its
// output schema for JSON outputs, and the bundle's digest.
func BundleModel(b *worker.Bundle, subnet string) *pb.ModelDescriptor {
	m := b.Manifest
	d := &pb.ModelDescriptor{Id: m.Name, Name: m.Name, Version: m.Version, Runtime: m.Runtime, Task: m.Task, ManifestSha256: b.Digest, Subnet: subnet}
	if strings.Contains(m.Output.ContentType, "json") {
		d.OutputSchema = m.Output.Schema
	}
	return d
}

// PushBundle uploads b's manifest, then every file it lists, for its model
// in subnet (PushModelFile each). progress, if not nil, sees each file's.
func PushBundle(ctx context.Context, rc ModelFileUploader, subnet string, b *worker.Bundle, progress func(file string, have, size int64)) error {
	files := []string{worker.ManifestFile}
	for rel := range b.Manifest.Files {
		files = append(files, rel)
	}
	for _, rel := range files {
		var p func(have, size int64)
		if progress != nil {
			p = func(have, size int64) { progress(rel, have, size) }
		}
		if _, err := PushModelFile(ctx, rc, subnet, b.Manifest.Name, filepath.Join(b.Dir, filepath.FromSlash(rel)), p); err != nil {
			return err
		}
	}
	return nil
}
