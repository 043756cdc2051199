package registry_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry"
	"github.com/ncn-network/ncn/host/registry/registrytest"
)

func dialRegistry(t *testing.T, addr string) pb.P2PRegistryServiceClient {
	t.Helper()
	c, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(32<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return pb.NewP2PRegistryServiceClient(c)
}

// wantCode fails unless err is a status with code whose message has every
// one of parts.
func wantCode(t *testing.T, what string, err error, code codes.Code, parts ...string) {
	t.Helper()
	st, _ := status.FromError(err)
	if err == nil || st.Code() != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
	for _, p := range parts {
		if !strings.Contains(st.Message(), p) {
			t.Errorf("%s: %q does not say %q", what, st.Message(), p)
		}
	}
}

// must(f())(t) is f's value, or the test's end on f's error.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestSubnetOwnerFlows: an owner creates, updates, uploads, activates and
// rolls back over gRPC; everyone else is refused, and stale, unknown and
// failing inputs get their own clear errors; a restarted node has it all.
func TestSubnetOwnerFlows(t *testing.T) {
	ctx := context.Background()
	n := registrytest.Start(t)
	c := dialRegistry(t, n.Addr)
	owner, _ := crypto.GenerateKey()
	other, _ := crypto.GenerateKey()
	ownerAddr := strings.ToLower(crypto.PubkeyToAddress(owner.PublicKey).Hex())
	otherAddr := strings.ToLower(crypto.PubkeyToAddress(other.PublicKey).Hex())

	create := must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "vision", Seq: 1, Validators: 5, Quorum: 3,
		Params: map[string]string{"base": "1000"}}))(t)
	s := must(c.CreateSubnet(ctx, create))(t)
	id := registry.SubnetID(crypto.PubkeyToAddress(owner.PublicKey), "vision")
	if s.Id != id || s.Owner != ownerAddr || len(s.ConfigHash) != 64 || len(s.Plugins) != len(abi.AllKinds()) || s.Params["base"] != "1000" {
		t.Fatalf("created %v", s)
	}
	created := s.ConfigHash
	_, err := c.CreateSubnet(ctx, create)
	wantCode(t, "create twice", err, codes.AlreadyExists, id, "update")
	if got := must(c.GetSubnet(ctx, &pb.GetSubnetRequest{Id: id}))(t); got.ConfigHash != created {
		t.Fatalf("get: %v", got)
	}
	if l := must(c.ListSubnets(ctx, &pb.ListSubnetsRequest{Owner: ownerAddr}))(t); len(l.Subnets) != 1 || l.Subnets[0].Id != id {
		t.Fatalf("list by owner: %v", l)
	}
	if l := must(c.ListSubnets(ctx, &pb.ListSubnetsRequest{Owner: otherAddr}))(t); len(l.Subnets) != 0 {
		t.Fatalf("list by another owner: %v", l)
	}

	// Updates: the owner's, newer, without plugins.
	up := must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "vision", Seq: 2, Validators: 7, Quorum: 4,
		Params: map[string]string{"base": "2000"}, Models: []string{"digits"}}))(t)
	s = must(c.UpdateSubnet(ctx, up))(t)
	if s.Seq != 2 || s.Validators != 7 || s.Quorum != 4 || s.Params["base"] != "2000" || s.ConfigHash == created {
		t.Fatalf("updated %v (created with config %s)", s, created)
	}
	_, err = c.UpdateSubnet(ctx, up)
	wantCode(t, "same seq again", err, codes.AlreadyExists, "seq 2, have 2")
	forged := must(registry.SignSubnet(other, &pb.SubnetMetadata{Name: "vision", Seq: 9}))(t)
	forged.Subnet.Owner, forged.Subnet.Id = ownerAddr, id
	_, err = c.UpdateSubnet(ctx, forged)
	wantCode(t, "update not signed by the owner", err, codes.PermissionDenied, "belongs to "+ownerAddr)
	withPlugins := must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "vision", Seq: 3, Plugins: map[string]string{"price": strings.Repeat("ab", 32)}}))(t)
	_, err = c.UpdateSubnet(ctx, withPlugins)
	wantCode(t, "update naming plugins", err, codes.InvalidArgument, "activate")
	_, err = c.UpdateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "elsewhere", Seq: 3}))(t))
	wantCode(t, "update of an unknown subnet", err, codes.NotFound, "unknown subnet")
	_, err = c.GetSubnet(ctx, &pb.GetSubnetRequest{Id: "0x" + strings.Repeat("00", 32)})
	wantCode(t, "get unknown", err, codes.NotFound, "unknown subnet")
	_, err = c.CreateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "bad name!", Seq: 1}))(t))
	wantCode(t, "bad name", err, codes.InvalidArgument, "name must be")
	_, err = c.CreateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "q", Seq: 1, Validators: 3, Quorum: 4}))(t))
	wantCode(t, "quorum above N", err, codes.InvalidArgument, "quorum 4 of 3")

	// Models, signed by the owner at the subnet's next seq.
	model := &pb.ModelDescriptor{Id: "digits", Subnet: id, Name: "MNIST digits", OutputSchema: []byte(`{"type":"object"}`)}
	must(c.RegisterModel(ctx, must(registry.SignModel(owner, model, 3))(t)))(t)
	_, err = c.RegisterModel(ctx, must(registry.SignModel(other, model, 4))(t))
	wantCode(t, "model by another", err, codes.PermissionDenied, "belongs to "+ownerAddr)
	_, err = c.RegisterModel(ctx, must(registry.SignModel(owner, &pb.ModelDescriptor{Id: "x", Subnet: id, OutputSchema: []byte("{")}, 4))(t))
	wantCode(t, "model with a broken schema", err, codes.InvalidArgument, "output schema")
	if l := must(c.ListModels(ctx, &pb.ListModelsRequest{Subnet: id}))(t); len(l.Models) != 1 || l.Models[0].Name != "MNIST digits" {
		t.Fatalf("models: %v", l)
	}

	// Plugins: a failing self-test, a manifest by someone else, then the
	// real one.
	upload := func(wasm []byte, m any) (*pb.PluginInfo, error) {
		mb, _ := json.Marshal(m)
		return c.UploadPlugin(ctx, &pb.UploadPluginRequest{Subnet: id, Wasm: wasm, Manifest: mb})
	}
	wasm, bad := registrytest.FixedPrice(t, owner, "5")
	_, err = upload(wasm, bad)
	wantCode(t, "plugin failing its self-test", err, codes.FailedPrecondition, "self-test failed", `"fixed price"`, `"compute":"1"`)
	wasm, theirs := registrytest.FixedPrice(t, other, "1")
	_, err = upload(wasm, theirs)
	wantCode(t, "plugin signed by another", err, codes.PermissionDenied, "signed by "+otherAddr, "belongs to "+ownerAddr)
	theirs.Version = "2.0.0" // the signature no longer covers it
	_, err = upload(wasm, theirs)
	wantCode(t, "tampered manifest", err, codes.PermissionDenied, "signature")
	wasm, m := registrytest.FixedPrice(t, owner, "1")
	info := must(upload(wasm, m))(t)
	if info.Sha256 != m.SHA256 || info.Name != "fixed-price" || info.SelfTests != 1 || info.Kinds[0] != "price" {
		t.Fatalf("uploaded %v", info)
	}
	must(upload(wasm, m))(t) // again: the same

	activate := func(key *ecdsa.PrivateKey, seq uint64, plugins map[string]string) (*pb.SubnetMetadata, error) {
		return c.ActivatePlugins(ctx, must(registry.SignActivation(key, &pb.SignedActivation{Subnet: id, Seq: seq, Plugins: plugins}))(t))
	}
	_, err = activate(other, 10, map[string]string{"price": m.SHA256})
	wantCode(t, "activation by another", err, codes.PermissionDenied, "signed by "+otherAddr, "belongs to "+ownerAddr)
	_, err = activate(owner, 4, map[string]string{"select": m.SHA256})
	wantCode(t, "plugin for a kind it lacks", err, codes.FailedPrecondition, "does not implement select")
	_, err = activate(owner, 4, map[string]string{"price": strings.Repeat("0", 64)})
	wantCode(t, "plugin never uploaded", err, codes.NotFound, "upload it first")
	before := must(c.GetSubnet(ctx, &pb.GetSubnetRequest{Id: id}))(t).ConfigHash
	s = must(activate(owner, 4, map[string]string{"price": m.SHA256}))(t)
	if s.ConfigHash == before || s.Plugins["price"] != m.SHA256 || s.Plugins["select"] == "" || s.Seq != 4 {
		t.Fatalf("activated %v (before %s)", s, before)
	}
	_, err = activate(owner, 4, map[string]string{"price": m.SHA256})
	wantCode(t, "activation replayed", err, codes.AlreadyExists, "seq 4, have 4")
	ps := must(c.ListPlugins(ctx, &pb.ListPluginsRequest{Subnet: id}))(t)
	if len(ps.Plugins) != 3 || ps.Plugins[0].Name != "fixed-price" || strings.Join(ps.Plugins[0].ActiveKinds, ",") != "price" {
		t.Fatalf("active plugins %v", ps)
	}
	if all := must(c.ListPlugins(ctx, &pb.ListPluginsRequest{}))(t); len(all.Plugins) != 3 {
		t.Fatalf("stored plugins %v", all)
	}
	h := must(n.Subnets.Acquire(id))(t)
	p := must(h.Plugin(abi.KindPrice))(t)
	out, _, err := p.Price(ctx, &abi.PriceInput{Version: abi.Version, Subnet: id, Model: "digits"})
	if err != nil || out.Compute != "1" || h.ConfigHash() != s.ConfigHash {
		t.Fatalf("the subnet prices with %+v, %v at %s", out, err, h.ConfigHash())
	}
	h.Release()

	// Rollback: the previous set again, and no further than history.
	rollback := func(seq uint64, back uint32) (*pb.SubnetMetadata, error) {
		return c.RollbackPlugins(ctx, must(registry.SignActivation(owner, &pb.SignedActivation{Subnet: id, Seq: seq, Back: back}))(t))
	}
	_, err = rollback(5, 9)
	wantCode(t, "rollback too far", err, codes.InvalidArgument, "earlier plugin sets")
	s = must(rollback(5, 1))(t)
	if s.ConfigHash != before || s.Plugins["price"] == m.SHA256 {
		t.Fatalf("rolled back to %v, want config %s", s, before)
	}

	// A restarted node has the subnet, its model and its active set.
	n = n.Restart(t)
	c = dialRegistry(t, n.Addr)
	if got := must(c.GetSubnet(ctx, &pb.GetSubnetRequest{Id: id}))(t); got.ConfigHash != before || got.Seq != 5 || got.Owner != ownerAddr || got.Models[0] != "digits" {
		t.Fatalf("after restart: %v", got)
	}
	if l := must(c.ListModels(ctx, &pb.ListModelsRequest{}))(t); len(l.Models) != 1 {
		t.Fatalf("models after restart: %v", l)
	}
	h = must(n.Subnets.Acquire(id))(t)
	if h.ConfigHash() != before {
		t.Fatalf("restarted node serves config %s, want %s", h.ConfigHash(), before)
	}
	h.Release()
	_, err = rollback(5, 1)
	wantCode(t, "seq after restart", err, codes.AlreadyExists, "seq 5, have 5")
	// Dropping the model from the subnet deregisters it.
	must(c.UpdateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "vision", Seq: 6, Validators: 7, Quorum: 4, Params: map[string]string{"base": "2000"}}))(t)))(t)
	if l := must(c.ListModels(ctx, &pb.ListModelsRequest{Subnet: id}))(t); len(l.Models) != 0 {
		t.Fatalf("models after dropping: %v", l)
	}
}

// TestActivationChangesWhatValidatorsSign: once an owner activates a new
// price plugin, every validator prices with it: a quote at the old config
// hash is refused, one at the new hash is signed by a quorum; a rollback
// brings the old hash back.
func TestActivationChangesWhatValidatorsSign(t *testing.T) {
	nw := newNetwork(t, 7)
	ctx := context.Background()
	owner, _ := crypto.GenerateKey()
	r := nw.nodes[0]
	s, err := r.CreateSubnet(ctx, must(registry.SignSubnet(owner, &pb.SubnetMetadata{Name: "priced", Seq: 1}))(t))
	if err != nil {
		t.Fatal(err)
	}
	// The compute node now serves the new subnet too.
	req, err := registry.SignRegistration(nw.env.Compute.Key, &pb.NodeInfo{Role: pb.NodeRole_NODE_ROLE_COMPUTE, Subnets: []string{subnet, s.Id}, Models: []string{model}, Slots: 2}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nw.nodes {
		if err := n.Nodes().Register(req); err != nil {
			t.Fatal(err)
		}
	}
	old := nw.quoteIn(t, s.Id)
	if hex.EncodeToString(old.ConfigHash) != s.ConfigHash {
		t.Fatalf("quoted at %x, subnet at %s", old.ConfigHash, s.ConfigHash)
	}
	if _, err := r.RequestPreprocessing(ctx, old); err != nil {
		t.Fatalf("quote at the created config: %v", err)
	}

	wasm, m := registrytest.FixedPrice(t, owner, "1")
	mb, _ := json.Marshal(m)
	if _, err := r.UploadPlugin(ctx, &pb.UploadPluginRequest{Subnet: s.Id, Wasm: wasm, Manifest: mb}); err != nil {
		t.Fatal(err)
	}
	act, err := r.ActivatePlugins(ctx, must(registry.SignActivation(owner, &pb.SignedActivation{Subnet: s.Id, Seq: 2, Plugins: map[string]string{"price": m.SHA256}}))(t))
	if err != nil {
		t.Fatal(err)
	}
	stale := proto.Clone(old).(*pb.PreprocessingValidationRequest) // another request, at the old hash
	stale.RequestId = crypto.Keccak256(old.RequestId)
	_, err = nw.nodes[3].RequestPreprocessing(ctx, stale)
	if !errors.Is(err, registry.ErrNoQuorum) || !strings.Contains(err.Error(), "is not subnet "+s.Id+"'s current "+act.ConfigHash) {
		t.Fatalf("quote at the old config hash: %v, want refusals citing the new hash", err)
	}
	fresh := nw.quoteIn(t, s.Id)
	if fresh.Tree.ComputeAmount != "1" || fresh.Tree.TreasuryAmount != "4" || hex.EncodeToString(fresh.ConfigHash) != act.ConfigHash {
		t.Fatalf("fresh quote %v at %x", fresh.Tree, fresh.ConfigHash)
	}
	v, err := nw.nodes[3].RequestPreprocessing(ctx, fresh)
	if err != nil || len(v.Signatures) != 3 {
		t.Fatalf("quote at the new config hash: %v, %v", v, err)
	}

	back, err := r.RollbackPlugins(ctx, must(registry.SignActivation(owner, &pb.SignedActivation{Subnet: s.Id, Seq: 3, Back: 1}))(t))
	if err != nil {
		t.Fatal(err)
	}
	if back.ConfigHash != s.ConfigHash {
		t.Fatalf("rolled back to %s, want %s", back.ConfigHash, s.ConfigHash)
	}
	if _, err := nw.nodes[5].RequestPreprocessing(ctx, nw.quoteIn(t, s.Id)); err != nil {
		t.Fatalf("quote after the rollback: %v", err)
	}
}
