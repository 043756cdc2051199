package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
)

const subnetModelAddHelp = `
Registers the model bundle in BUNDLE_DIR in --subnet, as its owner, and
uploads the bundle's files to the registry. The bundle is checked first as
a compute node would load it (manifest, every file's sha256). Its model id
is the manifest's name; the signed descriptor names the bundle's digest
(the sha256 of manifest.json), which is how compute nodes fetch and verify
it. Adding a model the subnet already has with another digest replaces it
(a new version); with the same digest only the files are uploaded.

Files go up in parts of 8 MiB, so there is no size limit but the
registry's (32 GiB a file by default), with progress on stderr. An upload
that broke off resumes where the registry's copy ends: run the command
again. The other registry nodes fetch the files from this one by hash, and
compute nodes get the model with 'ncn compute --subnet ID --model ID'.

--timeout bounds the whole command, uploads included (default 24h).

Examples:
  ncn subnet model add --key owner.json --subnet 0x5c1d... ./models/llama-3-8b
  ncn subnet model add --key owner.hex --subnet 0x5c1d... --registry 10.0.0.7:50050 gpu/worker/models/digits
`

func runSubnetModelAdd(ctx context.Context, e env, args []string) error {
	c, subnet := newModelCmd(e, "subnet model add", "--key FILE --subnet ID [flags] BUNDLE_DIR", subnetModelAddHelp, true)
	seq := c.Uint64("seq", 0, "sequence number to sign (default: the subnet's current one plus 1)")
	b, err := c.parseBundle(e, args, subnet)
	if err != nil {
		return err
	}
	key, err := c.key(e)
	if err != nil {
		return err
	}
	return c.session(ctx, func(ctx context.Context, rc pb.P2PRegistryServiceClient) error {
		cur, err := rc.GetSubnet(ctx, &pb.GetSubnetRequest{Id: *subnet})
		if err != nil {
			return err
		}
		if addr := crypto.PubkeyToAddress(key.PublicKey); cur.Owner == "" || common.HexToAddress(cur.Owner) != addr {
			return fmt.Errorf("key %s is not the owner of subnet %s (owner %s)", strings.ToLower(addr.Hex()), cur.Id, noneIfEmpty(cur.Owner))
		}
		d := registry.BundleModel(b, cur.Id)
		if !registered(ctx, rc, d) {
			if *seq == 0 {
				*seq = cur.Seq + 1
			}
			sm, err := registry.SignModel(key, d, *seq)
			if err != nil {
				return err
			}
			if _, err := rc.RegisterModel(ctx, sm); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "ncn subnet model add: registered %s %s (bundle %s) in subnet %s at seq %d\n", d.Id, d.Version, d.ManifestSha256, cur.Id, *seq)
		} else {
			fmt.Fprintf(e.stderr, "ncn subnet model add: %s is registered with bundle %s already; uploading its files\n", d.Id, d.ManifestSha256)
		}
		return c.pushBundle(ctx, e, rc, b, d)
	})
}

// registered says whether the registry has d as it is.
func registered(ctx context.Context, rc pb.P2PRegistryServiceClient, d *pb.ModelDescriptor) bool {
	l, err := rc.ListModels(ctx, &pb.ListModelsRequest{Subnet: d.Subnet})
	if err != nil {
		return false
	}
	for _, m := range l.Models {
		if proto.Equal(m, d) {
			return true
		}
	}
	return false
}

const subnetModelPushHelp = `
Uploads the files of the model bundle in BUNDLE_DIR to a registry node,
for the model of that name registered in --subnet. No key is needed: the
registered descriptor names the bundle's digest, and the registry takes
only the bytes whose sha256 the bundle names. Use it to resume an upload,
or to seed another registry node (they also fetch from each other by hash).
Files the registry holds already are skipped.

--timeout bounds the whole command, uploads included (default 24h).

Examples:
  ncn subnet model push --subnet 0x5c1d... ./models/llama-3-8b
`

func runSubnetModelPush(ctx context.Context, e env, args []string) error {
	c, subnet := newModelCmd(e, "subnet model push", "--subnet ID [flags] BUNDLE_DIR", subnetModelPushHelp, false)
	b, err := c.parseBundle(e, args, subnet)
	if err != nil {
		return err
	}
	return c.session(ctx, func(ctx context.Context, rc pb.P2PRegistryServiceClient) error {
		return c.pushBundle(ctx, e, rc, b, registry.BundleModel(b, *subnet))
	})
}

// newModelCmd is a `subnet model` command with its --subnet flag.
// --timeout bounds the whole upload, a day by default: a large model
// takes long, and every part is acknowledged on its own.
func newModelCmd(e env, cmd, synopsis, help string, signs bool) (*subnetCmd, *string) {
	c := newSubnetCmd(e, cmd, synopsis, help, signs)
	subnet := c.String("subnet", "", "the subnet `id` (required)")
	*c.timeout = 24 * time.Hour
	fl := c.Lookup("timeout")
	fl.DefValue = c.timeout.String()
	fl.Usage = "how long the whole command may take, uploads included"
	return c, subnet
}

// parseBundle parses the command line of a `subnet model` command and
// loads and checks its BUNDLE_DIR.
func (c *subnetCmd) parseBundle(e env, args []string, subnet *string) (*worker.Bundle, error) {
	pos, err := c.parseChecked(e, args, 1, "the model BUNDLE_DIR")
	if err != nil {
		return nil, err
	}
	if *subnet == "" {
		return nil, c.usagef("--subnet is required")
	}
	b, err := worker.LoadBundle(pos[0])
	if err != nil {
		return nil, fmt.Errorf("model bundle %s: %w", pos[0], err)
	}
	return b, nil
}

// pushBundle uploads b's files with progress on stderr, then prints the
// model.
func (c *subnetCmd) pushBundle(ctx context.Context, e env, rc pb.P2PRegistryServiceClient, b *worker.Bundle, d *pb.ModelDescriptor) error {
	if err := registry.PushBundle(ctx, rc, d.Subnet, b, uploadProgress(e.stderr, d.Id)); err != nil {
		return err
	}
	if *c.jsonOut {
		return printJSON(e.stdout, map[string]proto.Message{"model": d}, nil)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s %s\n", d.Id, d.Version)
	fmt.Fprintf(tw, "subnet\t%s\n", d.Subnet)
	fmt.Fprintf(tw, "runtime\t%s, %s\n", d.Runtime, d.Task)
	fmt.Fprintf(tw, "bundle\t%s (%d files, %s)\n", d.ManifestSha256, len(b.Manifest.Files)+1, byteSize(bundleSize(b)))
	fmt.Fprintf(tw, "uploaded\tto %s\n", *c.registry)
	return tw.Flush()
}

// uploadProgress prints a file's upload progress at most once a second,
// and when it completes.
func uploadProgress(w io.Writer, model string) func(file string, have, size int64) {
	var last time.Time
	return func(file string, have, size int64) {
		if have < size && time.Since(last) < time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "ncn subnet model: %s %s: %s of %s\n", model, file, byteSize(have), byteSize(size))
	}
}

// byteSize is n bytes as a person reads it: 512 B, 30.1 KiB, 7.5 GiB.
func byteSize(n int64) string {
	const units = "KMGT"
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n)/1024, 0
	for ; f >= 1024 && i < len(units)-1; i++ {
		f /= 1024
	}
	return fmt.Sprintf("%.1f %ciB", f, units[i])
}

func bundleSize(b *worker.Bundle) int64 {
	var n int64
	for _, rel := range append(slices.Collect(maps.Keys(b.Manifest.Files)), worker.ManifestFile) {
		if fi, err := os.Stat(filepath.Join(b.Dir, filepath.FromSlash(rel))); err == nil {
			n += fi.Size()
		}
	}
	return n
}
