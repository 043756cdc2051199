package registry

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/plugins"
)

// A subnet is the set of its owner's signed statements, and what a node
// serves for it (plugins, parameters, quorum, models, config hash) is a
// fold of that set in (seq, hash) order. Statements are absolute where
// they can be and the fold is deterministic, so two nodes holding the same
// statements serve the same subnet whatever order the statements arrived
// in, and a node that missed one converges once it has it (gossip carries
// each new statement; digests find the ones missed).

// maxLog is the most statements a subnet may have: a bound on the fold,
// the state file and a log fetched from a peer.
const maxLog = 4096

// statement is one signed statement with its place in the log.
type statement struct {
	msg  *pb.SubnetStatement
	seq  uint64
	enc  []byte   // deterministic encoding: what is stored and hashed
	hash [32]byte // sha256(enc): the tie-break between equal seqs
}

func newStatement(s *pb.SubnetStatement) (statement, error) {
	var seq uint64
	switch op := s.GetOp().(type) {
	case *pb.SubnetStatement_Subnet:
		if op.Subnet.GetSubnet() == nil {
			return statement{}, fmt.Errorf("%w: subnet statement without a subnet", ErrBadRequest)
		}
		seq = op.Subnet.Subnet.Seq
	case *pb.SubnetStatement_Activation:
		if op.Activation == nil {
			return statement{}, fmt.Errorf("%w: empty activation", ErrBadRequest)
		}
		seq = op.Activation.Seq
	case *pb.SubnetStatement_Model:
		if op.Model.GetModel() == nil {
			return statement{}, fmt.Errorf("%w: model statement without a model", ErrBadRequest)
		}
		seq = op.Model.Seq
	default:
		return statement{}, fmt.Errorf("%w: empty subnet statement", ErrBadRequest)
	}
	enc, err := proto.MarshalOptions{Deterministic: true}.Marshal(s)
	if err != nil {
		return statement{}, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	return statement{msg: s, seq: seq, enc: enc, hash: sha256.Sum256(enc)}, nil
}

// subnetOf is the subnet a statement is about.
func subnetOf(s *pb.SubnetStatement) string {
	switch op := s.GetOp().(type) {
	case *pb.SubnetStatement_Subnet:
		return op.Subnet.GetSubnet().GetId()
	case *pb.SubnetStatement_Activation:
		return op.Activation.GetSubnet()
	case *pb.SubnetStatement_Model:
		return op.Model.GetModel().GetSubnet()
	}
	return ""
}

func cmpStatements(a, b statement) int {
	if a.seq != b.seq {
		return cmp.Compare(a.seq, b.seq)
	}
	return bytes.Compare(a.hash[:], b.hash[:])
}

// merge returns log with add's statements it lacks, in order, and those
// that were new. log is not modified.
func merge(log, add []statement) (merged, added []statement) {
	merged = slices.Clone(log)
	for _, s := range add {
		i, found := slices.BinarySearchFunc(merged, s, cmpStatements)
		if found {
			continue
		}
		merged = slices.Insert(merged, i, s)
		added = append(added, s)
	}
	return merged, added
}

// logDigest summarizes a log for anti-entropy.
func logDigest(id string, log []statement) *pb.SubnetDigest {
	h := sha256.New()
	var seq uint64
	for _, s := range log {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s.enc))))
		h.Write(s.enc)
		seq = max(seq, s.seq)
	}
	return &pb.SubnetDigest{Subnet: id, Count: uint32(len(log)), Hash: h.Sum(nil), Seq: seq}
}

// verifyStatement checks a statement's form and its owner's signature.
// owner is the subnet's owner when known (zero for a subnet statement,
// whose owner is self-certifying).
func verifyStatement(s *pb.SubnetStatement, owner common.Address) error {
	switch op := s.GetOp().(type) {
	case *pb.SubnetStatement_Subnet:
		m := op.Subnet.Subnet
		got, err := checkSubnet(m)
		if err != nil {
			return err
		}
		if owner != (common.Address{}) && got != owner {
			return fmt.Errorf("%w: subnet %s: owner %s, want %s", ErrBadSignature, m.Id, lower(got), lower(owner))
		}
		d, err := subnetDigest(m)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		return checkOwner(d, op.Subnet.Signature, got, m.Id)
	case *pb.SubnetStatement_Activation:
		a := op.Activation
		if (len(a.Plugins) == 0) == (a.Back == 0) || len(a.Plugins) > len(abi.AllKinds()) {
			return fmt.Errorf("%w: an activation names 1..%d kind=sha256 pairs, or a rollback goes back at least 1 version, not both", ErrBadRequest, len(abi.AllKinds()))
		}
		for k, sha := range a.Plugins {
			if err := checkKindHash(k, sha); err != nil {
				return err
			}
		}
		if a.Seq == 0 {
			return fmt.Errorf("%w: seq must be at least 1", ErrBadRequest)
		}
		d, err := activationDigest(a)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		return checkOwner(d, a.Signature, owner, a.Subnet)
	case *pb.SubnetStatement_Model:
		if err := checkModel(op.Model.Model); err != nil {
			return err
		}
		if op.Model.Seq == 0 {
			return fmt.Errorf("%w: seq must be at least 1", ErrBadRequest)
		}
		d, err := modelDigest(op.Model.Model, op.Model.Seq)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadRequest, err)
		}
		return checkOwner(d, op.Model.Signature, owner, op.Model.Model.Subnet)
	}
	return fmt.Errorf("%w: empty subnet statement", ErrBadRequest)
}

// subnetState is what a subnet's statements add up to.
type subnetState struct {
	rec     *pb.SubnetMetadata // the latest subnet statement; Seq the log's highest, Models those registered
	owner   common.Address
	plugins map[abi.Kind]string
	params  map[string]string
	history []version // oldest first; the last is plugins and params
	models  map[string]*pb.ModelDescriptor
	skipped []string // statements the fold passed over, and why
}

// version is one active set a subnet had: what a rollback goes back to.
type version struct {
	plugins map[abi.Kind]string
	params  map[string]string
}

// set is the subnet's active set.
func (st *subnetState) set() plugins.ActiveSet {
	return plugins.ActiveSet{Subnet: st.rec.Id, Plugins: maps.Clone(st.plugins), Params: maps.Clone(st.params)}
}

// missingPlugins is the fold's answer when the log names plugins this node
// does not have: fetch them, then fold again.
type missingPlugins []string

func (m missingPlugins) Error() string {
	return fmt.Sprintf("%v: %s not stored on this node", ErrUnknownPlugin, strings.Join(m, ", "))
}

// Is makes a missingPlugins an ErrUnknownPlugin.
func (m missingPlugins) Is(target error) bool { return target == ErrUnknownPlugin }

// fold adds up a log (sorted, as merge keeps it): plugins from the
// builtins, the creation's and each activation's; parameters from each
// subnet statement; a rollback restores both as they were that many
// changes back, so its config hash is that version's again. builtins are the plugin
// set a subnet starts from; kinds says which kinds a stored plugin
// implements (plugins.ErrNotFound when it is not stored). Statements that
// cannot apply where they stand (a rollback past the start, a plugin for a
// kind it lacks, plugins in an update) are skipped, the same way on every
// node; statements the node accepted from its own callers were checked
// against the same rules, so skips come only from owners talking to
// several nodes at once.
func fold(log []statement, builtins map[abi.Kind]string, kinds func(sha string) ([]abi.Kind, error)) (*subnetState, error) {
	st := &subnetState{models: map[string]*pb.ModelDescriptor{}}
	var missing missingPlugins
	implements := func(kind, sha string) (bool, error) {
		ks, err := kinds(sha)
		if errors.Is(err, plugins.ErrNotFound) {
			if !slices.Contains(missing, sha) {
				missing = append(missing, sha)
			}
			return true, nil // judged once it is here
		}
		if err != nil {
			return false, err
		}
		return slices.Contains(ks, abi.Kind(kind)), nil
	}
	overlay := func(base map[abi.Kind]string, add map[string]string) (map[abi.Kind]string, string, error) {
		next := maps.Clone(base)
		for _, k := range slices.Sorted(maps.Keys(add)) {
			ok, err := implements(k, add[k])
			if err != nil {
				return nil, "", err
			}
			if !ok {
				return nil, fmt.Sprintf("%s does not implement %s", add[k], k), nil
			}
			next[abi.Kind(k)] = add[k]
		}
		return next, "", nil
	}
	skip := func(s statement, why string) {
		st.skipped = append(st.skipped, fmt.Sprintf("seq %d: %s", s.seq, why))
	}
	modelSeq := map[string]uint64{}
	var latest *pb.SubnetMetadata
	push := func() { st.history = append(st.history, version{st.plugins, st.params}) }
	for _, s := range log {
		switch op := s.msg.Op.(type) {
		case *pb.SubnetStatement_Subnet:
			m := op.Subnet.Subnet
			if latest == nil { // genesis: the builtins and the plugins it names
				set, why, err := overlay(builtins, m.Plugins)
				if err != nil {
					return nil, err
				}
				if why != "" {
					set = maps.Clone(builtins)
					skip(s, "plugins at creation: "+why)
				}
				st.owner = common.HexToAddress(m.Owner)
				st.plugins, st.params = set, maps.Clone(m.Params)
				push()
			} else if len(m.Plugins) > 0 {
				skip(s, "an update does not change plugins")
				continue
			} else if !maps.Equal(st.params, m.Params) {
				st.params = maps.Clone(m.Params)
				push()
			}
			latest = m
		case *pb.SubnetStatement_Activation:
			if latest == nil {
				skip(s, "activation before the subnet's creation")
				continue
			}
			a := op.Activation
			if a.Back > 0 {
				if int(a.Back) >= len(st.history) {
					skip(s, fmt.Sprintf("cannot go back %d of %d earlier sets", a.Back, len(st.history)-1))
					continue
				}
				v := st.history[len(st.history)-1-int(a.Back)]
				st.plugins, st.params = v.plugins, v.params
			} else {
				set, why, err := overlay(st.plugins, a.Plugins)
				if err != nil {
					return nil, err
				}
				if why != "" {
					skip(s, why)
					continue
				}
				st.plugins = set
			}
			push()
		case *pb.SubnetStatement_Model:
			if latest == nil {
				skip(s, "model before the subnet's creation")
				continue
			}
			st.models[op.Model.Model.Id] = op.Model.Model
			modelSeq[op.Model.Model.Id] = s.seq
		}
	}
	if latest == nil {
		return nil, fmt.Errorf("%w: no subnet statement among %d", ErrUnknownSubnet, len(log))
	}
	if len(missing) > 0 {
		return nil, missing
	}
	rec := record(latest)
	rec.Seq = log[len(log)-1].seq
	// A model is registered while the latest subnet statement lists it, or
	// when it was registered after that statement.
	var extra []string
	for id, seq := range modelSeq {
		if seq > latest.Seq && !slices.Contains(rec.Models, id) {
			extra = append(extra, id)
		}
	}
	slices.SortFunc(extra, func(a, b string) int {
		if c := cmp.Compare(modelSeq[a], modelSeq[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	rec.Models = append(rec.Models, extra...)
	for id := range st.models {
		if !slices.Contains(rec.Models, id) {
			delete(st.models, id)
		}
	}
	st.rec = rec
	return st, nil
}
