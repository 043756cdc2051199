package registry

import (
	"bytes"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/host/api/pb"
)

// FuzzSubnetRequests feeds arbitrary bytes, as a subnet owner's client
// could send them, through the decoders and form checks of the subnet,
// activation and model calls and the plugin manifest decoder: none may
// panic, and what passes must give the same digest twice.
func FuzzSubnetRequests(f *testing.F) {
	key, _ := crypto.GenerateKey()
	s, _ := SignSubnet(key, &pb.SubnetMetadata{Name: "vision", Seq: 1, Validators: 5, Quorum: 3,
		Params: map[string]string{"base": "1"}, Models: []string{"digits"}, Plugins: map[string]string{"price": "ab"}})
	b, _ := proto.Marshal(s)
	f.Add(b)
	a, _ := SignActivation(key, &pb.SignedActivation{Subnet: s.Subnet.Id, Seq: 2, Plugins: map[string]string{"select": "00"}})
	b, _ = proto.Marshal(a)
	f.Add(b)
	m, _ := SignModel(key, &pb.ModelDescriptor{Id: "digits", Subnet: s.Subnet.Id, OutputSchema: []byte(`{}`)}, 3)
	b, _ = proto.Marshal(m)
	f.Add(b)
	f.Add([]byte(`{"name":"p","version":"1","kinds":["price"],"abiVersion":1,"sha256":"00","owner":"0x0000000000000000000000000000000000000001","selfTests":[{"name":"a","kind":"price","input":{},"output":{}}]}`))
	f.Add([]byte(`{"name":"p"} trailing`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ss pb.SignedSubnet
		if proto.Unmarshal(data, &ss) == nil {
			if _, err := checkSubnet(ss.Subnet); err == nil {
				d1, err1 := subnetDigest(ss.Subnet)
				d2, err2 := subnetDigest(proto.Clone(ss.Subnet).(*pb.SubnetMetadata))
				if err1 != nil || err2 != nil || !bytes.Equal(d1, d2) {
					t.Fatalf("a checked subnet does not digest the same twice: %v %v", err1, err2)
				}
			}
		}
		var sa pb.SignedActivation
		if proto.Unmarshal(data, &sa) == nil {
			d1, err1 := activationDigest(&sa)
			d2, err2 := activationDigest(proto.Clone(&sa).(*pb.SignedActivation))
			if err1 != nil || err2 != nil || !bytes.Equal(d1, d2) {
				t.Fatalf("an activation does not digest the same twice: %v %v", err1, err2)
			}
			for k, v := range sa.Plugins {
				_ = checkKindHash(k, v)
			}
		}
		var sm pb.SignedModel
		if proto.Unmarshal(data, &sm) == nil && checkModel(sm.Model) == nil {
			if _, err := modelDigest(sm.Model, sm.Seq); err != nil {
				t.Fatal(err)
			}
		}
		if m, err := decodeManifest(data); err == nil {
			_, _ = m.Check(nil)
		}
	})
}
