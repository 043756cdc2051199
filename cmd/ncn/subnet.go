package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
)

// The common part of every `ncn subnet` help text.
const subnetCommonHelp = `
Any registry node will do (--registry, default $REGISTRY_GRPC_ADDR, else
127.0.0.1:50050). Changes are signed (EIP-191) with the owner's key:
--key is a geth keystore file unlocked with --password-file (default
$NCN_PASSWORD_FILE, else an empty password), or a file holding the private
key as hex. A subnet's id is keccak256(owner address, name), so only its
owner can change it.

With --json, stdout is the registry's answer as JSON instead of the
summary. Errors name the registry's status code (PermissionDenied,
NotFound, AlreadyExists, FailedPrecondition, ...).`

// subnetCmd is what every `ncn subnet` command shares: the registry it
// talks to, its output form, and the owner's key for those that sign.
type subnetCmd struct {
	*flags
	registry *string
	timeout  *time.Duration
	jsonOut  *bool
	keys     *keyFlags // nil for the commands that do not sign
}

func newSubnetCmd(e env, cmd, synopsis, help string, signs bool) *subnetCmd {
	f := newFlags(cmd, synopsis, strings.TrimSpace(help)+"\n"+subnetCommonHelp)
	def := e.getenv("REGISTRY_GRPC_ADDR")
	if def == "" {
		def = "127.0.0.1:50050"
	}
	c := &subnetCmd{flags: f}
	c.registry = f.String("registry", def, "registry node's gRPC `host:port` ($REGISTRY_GRPC_ADDR sets the default)")
	c.timeout = f.Duration("timeout", time.Minute, "how long to wait for the registry (uploads run the plugin's self-tests there)")
	c.jsonOut = f.Bool("json", false, "print the registry's answer as JSON")
	if signs {
		c.keys = newKeyFlags(f, "subnet owner's", passwordFileEnv)
	}
	return c
}

// check validates the shared flags after parsing.
func (c *subnetCmd) check() error {
	if *c.registry == "" {
		return c.usagef("--registry must not be empty")
	}
	if *c.timeout <= 0 {
		return c.usagef("--timeout must be positive")
	}
	if c.keys != nil {
		return c.keys.check()
	}
	return nil
}

func (c *subnetCmd) key(e env) (*ecdsa.PrivateKey, error) {
	return c.keys.load(e)
}

// parseChecked parses args, wanting n positional arguments (what names
// them; n == 0: none), and checks the shared flags.
func (c *subnetCmd) parseChecked(e env, args []string, n int, what string) ([]string, error) {
	var pos []string
	var err error
	if n == 0 {
		err = c.parse(e, args)
	} else {
		pos, err = c.parseArgs(e, args, n, what)
	}
	if err != nil {
		return nil, err
	}
	return pos, c.check()
}

// session dials the registry and runs f with a client and the context for
// its calls, then closes the connection. An error of the registry's that f
// returns comes back as a person reads it (rpcError).
func (c *subnetCmd) session(ctx context.Context, f func(context.Context, pb.P2PRegistryServiceClient) error) error {
	conn, err := grpc.NewClient(*c.registry, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20), grpc.MaxCallRecvMsgSize(64<<20)))
	if err != nil {
		return fmt.Errorf("registry %s: %w", *c.registry, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, *c.timeout)
	defer cancel()
	if err := f(ctx, pb.NewP2PRegistryServiceClient(conn)); err != nil {
		return c.rpcError(err)
	}
	return nil
}

// sessionShow runs call in a session and prints the subnet it answers
// with, as `show` does.
func (c *subnetCmd) sessionShow(ctx context.Context, e env, call func(context.Context, pb.P2PRegistryServiceClient) (*pb.SubnetMetadata, error)) error {
	return c.session(ctx, func(ctx context.Context, rc pb.P2PRegistryServiceClient) error {
		s, err := call(ctx, rc)
		if err != nil {
			return err
		}
		return c.showSubnet(ctx, e, rc, s)
	})
}

// rpcError is a registry's error as a person reads it.
func (c *subnetCmd) rpcError(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	if st.Code() == codes.Unavailable {
		return fmt.Errorf("registry %s unreachable: %s", *c.registry, st.Message())
	}
	return fmt.Errorf("%s (%s)", st.Message(), st.Code())
}

// kvList is a repeatable KEY=VALUE flag.
type kvList map[string]string

func (p kvList) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, k+"="+p[k])
	}
	return strings.Join(parts, ",")
}

func (p kvList) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", v)
	}
	p[k] = val
	return nil
}

var sha256Arg = regexp.MustCompile(`^[0-9a-f]{64}$`)

// pluginArgs parses --plugin values: KIND=SHA256, or a bare SHA256 meaning
// every kind the plugin declares (looked up with kindsOf).
func (c *subnetCmd) pluginArgs(vals []string, kindsOf func(sha string) ([]string, error)) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vals {
		kind, sha, named := strings.Cut(v, "=")
		if !named {
			kind, sha = "", v
		}
		sha = strings.ToLower(strings.TrimPrefix(sha, "0x"))
		if !sha256Arg.MatchString(sha) {
			return nil, c.usagef("--plugin %q: want KIND=SHA256 or SHA256, the plugin's 64-hex-digit sha256", v)
		}
		kinds := []string{kind}
		if named && !abi.Kind(kind).Valid() {
			return nil, c.usagef("--plugin %q: unknown kind %q (the kinds are %s)", v, kind, joinKinds(abi.AllKinds()))
		}
		if !named {
			if kindsOf == nil {
				return nil, c.usagef("--plugin %q: name the kind, KIND=SHA256", v)
			}
			var err error
			if kinds, err = kindsOf(sha); err != nil {
				return nil, err
			}
		}
		for _, k := range kinds {
			if prev, ok := out[k]; ok && prev != sha {
				return nil, c.usagef("--plugin: kind %s named twice", k)
			}
			out[k] = sha
		}
	}
	return out, nil
}

// printJSON writes a protobuf message, or an object of them, as JSON.
func printJSON(w io.Writer, fields map[string]proto.Message, lists map[string][]proto.Message) error {
	out := map[string]json.RawMessage{}
	for k, m := range fields {
		b, err := protojson.Marshal(m)
		if err != nil {
			return err
		}
		out[k] = b
	}
	for k, ms := range lists {
		items := []json.RawMessage{}
		for _, m := range ms {
			b, err := protojson.Marshal(m)
			if err != nil {
				return err
			}
			items = append(items, b)
		}
		b, _ := json.Marshal(items)
		out[k] = b
	}
	return json.NewEncoder(w).Encode(out)
}

func messages[T proto.Message](ms []T) []proto.Message {
	out := make([]proto.Message, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

// printList prints items as the JSON list key (--json), or as a table: the
// header, then each item's row.
func printList[T proto.Message](c *subnetCmd, e env, key string, items []T, header string, row func(w io.Writer, item T)) error {
	if *c.jsonOut {
		return printJSON(e.stdout, nil, map[string][]proto.Message{key: messages(items)})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, item := range items {
		row(tw, item)
	}
	return tw.Flush()
}

// showSubnet prints a subnet with its active plugins, as `show` does.
func (c *subnetCmd) showSubnet(ctx context.Context, e env, rc pb.P2PRegistryServiceClient, s *pb.SubnetMetadata) error {
	ps, err := rc.ListPlugins(ctx, &pb.ListPluginsRequest{Subnet: s.Id})
	if err != nil {
		return err
	}
	if *c.jsonOut {
		return printJSON(e.stdout, map[string]proto.Message{"subnet": s}, map[string][]proto.Message{"plugins": messages(ps.Plugins)})
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "subnet\t%s\n", s.Id)
	fmt.Fprintf(tw, "name\t%s\n", s.Name)
	owner := s.Owner
	if owner == "" {
		owner = "(none: served with the builtin plugins)"
	}
	fmt.Fprintf(tw, "owner\t%s\n", owner)
	fmt.Fprintf(tw, "seq\t%d\n", s.Seq)
	quorum := "the network's"
	if s.Validators > 0 {
		quorum = fmt.Sprintf("%d of %d validators", s.Quorum, s.Validators)
	}
	fmt.Fprintf(tw, "quorum\t%s\n", quorum)
	fmt.Fprintf(tw, "params\t%s\n", noneIfEmpty(kvList(s.Params).String()))
	fmt.Fprintf(tw, "models\t%s\n", noneIfEmpty(strings.Join(s.Models, ", ")))
	fmt.Fprintf(tw, "config hash\t%s\n", s.ConfigHash)
	tw.Flush()
	fmt.Fprintln(e.stdout, "plugins:")
	tw = tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  KIND\tPLUGIN\tVERSION\tSHA256\tOWNER")
	for _, k := range abi.AllKinds() {
		sha, ok := s.Plugins[string(k)]
		if !ok {
			continue
		}
		name, version, owner := "?", "?", ""
		for _, p := range ps.Plugins {
			if p.Sha256 == sha {
				name, version, owner = p.Name, p.Version, p.Owner
			}
		}
		if owner == "" || common.HexToAddress(owner) == (common.Address{}) {
			owner = "builtin"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", k, name, version, sha, owner)
	}
	return tw.Flush()
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

const subnetCreateHelp = `
Creates a subnet owned by --key's address, called --name. Its id is
keccak256(owner, name), printed with the rest. It starts with the builtin
plugins (the five selection strategies, the default price formula, the
input guard and output filter) except for the kinds named by --plugin,
which must already be uploaded; --param sets the parameters its plugins
see (the default price formula reads base, per_token, per_second, and the
split_*_bps shares); --model lists the model ids it serves.

Examples:
  ncn subnet create --key owner.json --password-file pw.txt --name vision
  ncn subnet create --key owner.hex --name llm --param base=2000000000000000 \
      --param per_token=1000000000 --model llama-3-8b --validators 5 --quorum 3
`

func runSubnetCreate(ctx context.Context, e env, args []string) error {
	c := newSubnetCmd(e, "subnet create", "--key FILE --name NAME [flags]", subnetCreateHelp, true)
	name := c.String("name", "", "the subnet's `name`: 1..64 letters, digits, '.', '_' or '-' (required)")
	params := kvList{}
	c.Var(params, "param", "`KEY=VALUE` parameter for the subnet's plugins (repeatable)")
	var models, pluginVals pathList
	c.Var(&models, "model", "model `id` the subnet serves (repeatable)")
	c.Var(&pluginVals, "plugin", "`KIND=SHA256`: an uploaded plugin instead of the builtin for KIND (repeatable)")
	validators := c.Uint("validators", 0, "N: validators asked per request (default: the network's)")
	quorum := c.Uint("quorum", 0, "M: signatures needed, at most N (default: the network's)")
	if _, err := c.parseChecked(e, args, 0, ""); err != nil {
		return err
	}
	if *name == "" {
		return c.usagef("--name is required")
	}
	if (*validators == 0) != (*quorum == 0) || *quorum > *validators {
		return c.usagef("--validators and --quorum go together, with 0 < quorum <= validators")
	}
	plugins, err := c.pluginArgs(pluginVals, nil)
	if err != nil {
		return err
	}
	key, err := c.key(e)
	if err != nil {
		return err
	}
	req, err := registry.SignSubnet(key, &pb.SubnetMetadata{Name: *name, Seq: 1, Params: params, Models: models,
		Plugins: plugins, Validators: uint32(*validators), Quorum: uint32(*quorum)})
	if err != nil {
		return err
	}
	return c.sessionShow(ctx, e, func(ctx context.Context, rc pb.P2PRegistryServiceClient) (*pb.SubnetMetadata, error) {
		return rc.CreateSubnet(ctx, req)
	})
}

const subnetUpdateHelp = `
Changes SUBNET as its owner: the flags given replace what they name, the
rest stays as the registry has it. A change of parameters re-activates the
subnet's plugins with them, so its config hash changes; --model replaces
the list of models (a model left out is deregistered). Plugins change with
'ncn subnet plugin activate', not here. The change is signed with the
subnet's next sequence number (--seq to choose it).

Examples:
  ncn subnet update --key owner.json --param base=3000000000000000 0x5c1d...
  ncn subnet update --key owner.json --unset-param per_second --validators 7 --quorum 4 0x5c1d...
`

func runSubnetUpdate(ctx context.Context, e env, args []string) error {
	c := newSubnetCmd(e, "subnet update", "--key FILE [flags] SUBNET", subnetUpdateHelp, true)
	params := kvList{}
	c.Var(params, "param", "`KEY=VALUE`: set a parameter (repeatable)")
	var unset, models pathList
	c.Var(&unset, "unset-param", "`KEY`: remove a parameter (repeatable)")
	c.Var(&models, "model", "model `id` the subnet serves, replacing the list (repeatable)")
	noModels := c.Bool("no-models", false, "the subnet serves no models any more")
	validators := c.Uint("validators", 0, "N: validators asked per request (0 with --quorum 0: the network's)")
	quorum := c.Uint("quorum", 0, "M: signatures needed, at most N")
	seq := c.Uint64("seq", 0, "sequence number to sign (default: the subnet's current one plus 1)")
	pos, err := c.parseChecked(e, args, 1, "the SUBNET id")
	if err != nil {
		return err
	}
	set := map[string]bool{}
	c.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if len(models) > 0 && *noModels {
		return c.usagef("--model and --no-models contradict each other")
	}
	if set["validators"] != set["quorum"] || *quorum > *validators || (*validators == 0) != (*quorum == 0) {
		return c.usagef("--validators and --quorum go together, with 0 < quorum <= validators (or both 0)")
	}
	key, err := c.key(e)
	if err != nil {
		return err
	}
	return c.sessionShow(ctx, e, func(ctx context.Context, rc pb.P2PRegistryServiceClient) (*pb.SubnetMetadata, error) {
		cur, err := rc.GetSubnet(ctx, &pb.GetSubnetRequest{Id: pos[0]})
		if err != nil {
			return nil, err
		}
		if addr := crypto.PubkeyToAddress(key.PublicKey); cur.Owner == "" || common.HexToAddress(cur.Owner) != addr {
			return nil, fmt.Errorf("key %s is not the owner of subnet %s (owner %s)", strings.ToLower(addr.Hex()), cur.Id, noneIfEmpty(cur.Owner))
		}
		next := proto.Clone(cur).(*pb.SubnetMetadata)
		next.Plugins, next.ConfigHash = nil, ""
		if next.Params == nil {
			next.Params = map[string]string{}
		}
		maps.Copy(next.Params, params)
		for _, k := range unset {
			delete(next.Params, k)
		}
		switch {
		case *noModels:
			next.Models = nil
		case len(models) > 0:
			next.Models = models
		}
		if set["validators"] {
			next.Validators, next.Quorum = uint32(*validators), uint32(*quorum)
		}
		next.Seq = cur.Seq + 1
		if *seq != 0 {
			next.Seq = *seq
		}
		req, err := registry.SignSubnet(key, next)
		if err != nil {
			return nil, err
		}
		return rc.UpdateSubnet(ctx, req)
	})
}

const subnetShowHelp = `
Prints SUBNET as the registry serves it: owner, sequence number, quorum,
parameters, models, the config hash quotes are bound to, and the active
plugin of each kind with its version, sha256 and owner.

Examples:
  ncn subnet show 0x5c1d...
  ncn subnet show --registry 10.0.0.7:50050 --json default
`

func runSubnetShow(ctx context.Context, e env, args []string) error {
	c := newSubnetCmd(e, "subnet show", "[flags] SUBNET", subnetShowHelp, false)
	pos, err := c.parseChecked(e, args, 1, "the SUBNET id")
	if err != nil {
		return err
	}
	return c.sessionShow(ctx, e, func(ctx context.Context, rc pb.P2PRegistryServiceClient) (*pb.SubnetMetadata, error) {
		return rc.GetSubnet(ctx, &pb.GetSubnetRequest{Id: pos[0]})
	})
}

const subnetListHelp = `
Lists the subnets the registry knows, or those of --owner: id, name,
owner, sequence number and config hash.

Examples:
  ncn subnet list
  ncn subnet list --owner 0x71c7656ec7ab88b098defb751b7401b5f6d8976f --json
`

func runSubnetList(ctx context.Context, e env, args []string) error {
	c := newSubnetCmd(e, "subnet list", "[flags]", subnetListHelp, false)
	owner := c.String("owner", "", "only the subnets of this owner `address`")
	if _, err := c.parseChecked(e, args, 0, ""); err != nil {
		return err
	}
	if *owner != "" && !common.IsHexAddress(*owner) {
		return c.usagef("--owner %q is not an address", *owner)
	}
	if *owner != "" {
		*owner = strings.ToLower(common.HexToAddress(*owner).Hex())
	}
	return c.session(ctx, func(ctx context.Context, rc pb.P2PRegistryServiceClient) error {
		l, err := rc.ListSubnets(ctx, &pb.ListSubnetsRequest{Owner: *owner})
		if err != nil {
			return err
		}
		return printList(c, e, "subnets", l.Subnets, "ID\tNAME\tOWNER\tSEQ\tCONFIG HASH", func(w io.Writer, s *pb.SubnetMetadata) {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", s.Id, s.Name, s.Owner, s.Seq, s.ConfigHash)
		})
	})
}

const subnetPluginUploadHelp = `
Uploads PLUGIN.wasm with its signed manifest (--manifest, default
PLUGIN.manifest.json beside it, as 'ncn plugin sign' writes it) to the
registry for --subnet. The manifest must be signed by the subnet's owner;
that signature is the upload's authority, so no --key is needed. The
registry checks the manifest against the module, loads the plugin under
its limits and runs the manifest's self-tests: a plugin failing one is
refused, naming the vector. Uploading does not activate the plugin: see
'ncn subnet plugin activate'.

Examples:
  ncn subnet plugin upload --subnet 0x5c1d... ranker.wasm
  ncn subnet plugin upload --subnet 0x5c1d... --manifest dist/price.manifest.json dist/price.wasm
`

func runSubnetPluginUpload(ctx context.Context, e env, args []string) error {
	c := newSubnetCmd(e, "subnet plugin upload", "--subnet ID [--manifest FILE] PLUGIN.wasm", subnetPluginUploadHelp, false)
	subnet := c.String("subnet", "", "the subnet `id` whose owner signed the manifest (required)")
	manifestPath := c.String("manifest", "", "signed manifest `file` (default: PLUGIN.wasm with the suffix .manifest.json)")
	pos, err := c.parseChecked(e, args, 1, "the plugin module PLUGIN.wasm")
	if err != nil {
		return err
	}
	if *subnet == "" {
		return c.usagef("--subnet is required")
	}
	if *manifestPath == "" {
		*manifestPath = strings.TrimSuffix(pos[0], ".wasm") + ".manifest.json"
	}
	wasm, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("read plugin: %w", err)
	}
	manifest, err := os.ReadFile(*manifestPath)
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	return c.session(ctx, func(ctx context.Context, rc pb.P2PRegistryServiceClient) error {
		p, err := rc.UploadPlugin(ctx, &pb.UploadPluginRequest{Subnet: *subnet, Wasm: wasm, Manifest: manifest})
		if err != nil {
			return err
		}
		if *c.jsonOut {
			return printJSON(e.stdout, map[string]proto.Message{"plugin": p}, nil)
		}
		fmt.Fprintf(e.stdout, "uploaded    %s@%s\nsha256      %s\nkinds       %s\nowner       %s\nself-tests  %d passed on the registry\n",
			p.Name, p.Version, p.Sha256, strings.Join(p.Kinds, ","), p.Owner, p.SelfTests)
		fmt.Fprintf(e.stdout, "\nActivate it with:\n  ncn subnet plugin activate --registry %s --subnet %s --key OWNER-KEY --plugin %s\n", *c.registry, *subnet, p.Sha256)
		return nil
	})
}

const subnetPluginActivateHelp = `
Makes uploaded plugins --subnet's, as its owner: each --plugin names a
kind and the plugin's sha256 (KIND=SHA256), or only the sha256 for every
kind the plugin declares. Kinds not named keep their plugins. The registry
loads the new set and runs its self-tests before swapping it in
atomically (calls in flight finish on the old one); the new config hash
is printed with the subnet. The change is signed with the subnet's next
sequence number (--seq to choose it).

Examples:
  ncn subnet plugin activate --key owner.json --subnet 0x5c1d... --plugin 3bc70743...
  ncn subnet plugin activate --key owner.json --subnet 0x5c1d... --plugin price=3bc70743... --plugin select=9f86d081...
`

func runSubnetPluginActivate(ctx context.Context, e env, args []string) error {
	c := newSubnetCmd(e, "subnet plugin activate", "--key FILE --subnet ID --plugin [KIND=]SHA256 [flags]", subnetPluginActivateHelp, true)
	subnet := c.String("subnet", "", "the subnet `id` (required)")
	var pluginVals pathList
	c.Var(&pluginVals, "plugin", "`[KIND=]SHA256` of an uploaded plugin (repeatable; at least one)")
	seq := c.Uint64("seq", 0, "sequence number to sign (default: the subnet's current one plus 1)")
	if _, err := c.parseChecked(e, args, 0, ""); err != nil {
		return err
	}
	if *subnet == "" {
		return c.usagef("--subnet is required")
	}
	if len(pluginVals) == 0 {
		return c.usagef("--plugin is required: the plugins to activate")
	}
	if _, err := c.pluginArgs(pluginVals, func(string) ([]string, error) { return nil, nil }); err != nil {
		return err // the form, before anything else
	}
	key, err := c.key(e)
	if err != nil {
		return err
	}
	return c.sessionShow(ctx, e, func(ctx context.Context, rc pb.P2PRegistryServiceClient) (*pb.SubnetMetadata, error) {
		plugins, err := c.pluginArgs(pluginVals, func(sha string) ([]string, error) {
			all, err := rc.ListPlugins(ctx, &pb.ListPluginsRequest{})
			if err != nil {
				return nil, err
			}
			for _, p := range all.Plugins {
				if p.Sha256 == sha {
					return p.Kinds, nil
				}
			}
			return nil, fmt.Errorf("plugin %s is not stored on registry %s: upload it first", sha, *c.registry)
		})
		if err != nil {
			return nil, err
		}
		return c.change(ctx, e, rc, key, *subnet, *seq, func(a *pb.SignedActivation) { a.Plugins = plugins }, rc.ActivatePlugins)
	})
}

// change signs an activation or rollback (set fills in which) at the
// subnet's next seq (or seq) and sends it; it prints the config hash the
// subnet had before and returns the subnet.
func (c *subnetCmd) change(ctx context.Context, e env, rc pb.P2PRegistryServiceClient, key *ecdsa.PrivateKey, subnet string, seq uint64,
	set func(*pb.SignedActivation), send func(context.Context, *pb.SignedActivation, ...grpc.CallOption) (*pb.SubnetMetadata, error)) (*pb.SubnetMetadata, error) {
	cur, err := rc.GetSubnet(ctx, &pb.GetSubnetRequest{Id: subnet})
	if err != nil {
		return nil, err
	}
	if seq == 0 {
		seq = cur.Seq + 1
	}
	a := &pb.SignedActivation{Subnet: cur.Id, Seq: seq}
	set(a)
	signed, err := registry.SignActivation(key, a)
	if err != nil {
		return nil, err
	}
	s, err := send(ctx, signed)
	if err != nil {
		return nil, err
	}
	if !*c.jsonOut {
		fmt.Fprintf(e.stdout, "config hash %s -> %s\n\n", cur.ConfigHash, s.ConfigHash)
	}
	return s, nil
}

const subnetPluginRollbackHelp = `
Re-activates, as --subnet's owner, the plugin set the subnet had --back
activations ago (1: the one before the current), with its parameters, so
the config hash is that set's again. A rollback is itself an activation:
rolling back by 1 twice returns to where you started.

Examples:
  ncn subnet plugin rollback --key owner.json --subnet 0x5c1d...
  ncn subnet plugin rollback --key owner.json --subnet 0x5c1d... --back 3
`

func runSubnetPluginRollback(ctx context.Context, e env, args []string) error {
	c := newSubnetCmd(e, "subnet plugin rollback", "--key FILE --subnet ID [--back N] [flags]", subnetPluginRollbackHelp, true)
	subnet := c.String("subnet", "", "the subnet `id` (required)")
	back := c.Uint("back", 1, "how many activations back, at least 1")
	seq := c.Uint64("seq", 0, "sequence number to sign (default: the subnet's current one plus 1)")
	if _, err := c.parseChecked(e, args, 0, ""); err != nil {
		return err
	}
	if *subnet == "" {
		return c.usagef("--subnet is required")
	}
	if *back < 1 || *back > 1<<20 {
		return c.usagef("--back must be at least 1")
	}
	key, err := c.key(e)
	if err != nil {
		return err
	}
	return c.sessionShow(ctx, e, func(ctx context.Context, rc pb.P2PRegistryServiceClient) (*pb.SubnetMetadata, error) {
		return c.change(ctx, e, rc, key, *subnet, *seq, func(a *pb.SignedActivation) { a.Back = uint32(*back) }, rc.RollbackPlugins)
	})
}

const subnetPluginListHelp = `
Lists the plugins the registry stores, or with --subnet those active in
the subnet and the kinds each serves there: name, version, kinds, sha256
and owner (builtin plugins have none).

Examples:
  ncn subnet plugin list
  ncn subnet plugin list --subnet 0x5c1d... --json
`

func runSubnetPluginList(ctx context.Context, e env, args []string) error {
	c := newSubnetCmd(e, "subnet plugin list", "[--subnet ID] [flags]", subnetPluginListHelp, false)
	subnet := c.String("subnet", "", "only the plugins active in this subnet `id`")
	if _, err := c.parseChecked(e, args, 0, ""); err != nil {
		return err
	}
	return c.session(ctx, func(ctx context.Context, rc pb.P2PRegistryServiceClient) error {
		l, err := rc.ListPlugins(ctx, &pb.ListPluginsRequest{Subnet: *subnet})
		if err != nil {
			return err
		}
		return printList(c, e, "plugins", l.Plugins, "NAME\tVERSION\tKINDS\tSHA256\tOWNER", func(w io.Writer, p *pb.PluginInfo) {
			kinds := strings.Join(p.Kinds, ",")
			if *subnet != "" {
				kinds = strings.Join(p.ActiveKinds, ",")
			}
			owner := p.Owner
			if common.HexToAddress(owner) == (common.Address{}) {
				owner = "builtin"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Version, kinds, p.Sha256, owner)
		})
	})
}
