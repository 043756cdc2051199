package p2p_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ncn-network/ncn/p2p"
)

// fuzzSigner is fixed so the seed corpus is the same on every run.
func fuzzSigner(f *testing.F) *p2p.Signer {
	k, err := crypto.HexToECDSA("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
	if err != nil {
		f.Fatal(err)
	}
	return p2p.NewSigner(k)
}

// FuzzUnmarshalRecord feeds DHT values, as any peer can send them, to the
// envelope decoder and the full validator: neither may panic, and
// whatever decodes re-encodes to the same bytes (one form per record).
func FuzzUnmarshalRecord(f *testing.F) {
	s := fuzzSigner(f)
	r, err := s.Descriptor(&p2p.NodeDescriptor{PeerID: testPeer, Address: s.Address(), Roles: []p2p.Role{p2p.RoleCompute}}, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	b, _ := r.Marshal()
	f.Add(b)
	sub, _ := s.Descriptor(&p2p.SubnetMetadata{Owner: s.Address(), Name: "n"}, 0)
	b2, _ := sub.Marshal()
	f.Add(b2)
	f.Add([]byte("NCNR\x01\x01\x14"))
	f.Add([]byte{})
	v := &p2p.Validator{}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := p2p.UnmarshalRecord(b)
		if err != nil {
			return
		}
		again, err := r.Marshal()
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", b, again)
		}
		_, _ = v.Check(r.DHTKey(), b)
		_, _ = v.Select(r.DHTKey(), [][]byte{b, b})
	})
}

// FuzzUnmarshalMessage does the same for gossip envelopes.
func FuzzUnmarshalMessage(f *testing.F) {
	s := fuzzSigner(f)
	m, err := s.Message("/ncn/heartbeat/1", []byte("hb"))
	if err != nil {
		f.Fatal(err)
	}
	b, _ := m.Marshal()
	f.Add(b)
	f.Add([]byte("NCNG\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := p2p.UnmarshalMessage(b)
		if err != nil {
			return
		}
		again, err := m.Marshal()
		if err != nil {
			t.Fatalf("decoded message does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs")
		}
		_, _ = m.Signer()
	})
}

// FuzzDecodeDescriptors feeds payloads to the descriptor decoders (a
// validly signed record can carry any payload).
func FuzzDecodeDescriptors(f *testing.F) {
	f.Add([]byte(`{"v":1,"address":"0x0000000000000000000000000000000000000001","peer_id":"x","roles":["compute"],"subnets":["` + p2p.Hash{}.String() + `"]}`))
	f.Add([]byte(`{"v":1,"owner":"0x0000000000000000000000000000000000000001","name":"n","config_hash":"` + p2p.Hash{}.String() + `","params":{"a":[1,2]}}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`{"v":1} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = p2p.DecodeNode(b)
		_, _ = p2p.DecodeValidator(b)
		_, _ = p2p.DecodeSubnet(b)
		_, _ = p2p.DecodeModel(b)
	})
}

// FuzzProtocolFrames feeds the response frames of the descriptor and blob
// protocols, as a peer can send them, to the readers a real node uses.
func FuzzProtocolFrames(f *testing.F) {
	f.Add([]byte{1})
	f.Add(binary.BigEndian.AppendUint32([]byte{0}, 3))
	f.Add(append(binary.BigEndian.AppendUint32([]byte{0}, 3), 1, 2, 3))
	f.Add(binary.BigEndian.AppendUint32([]byte{0}, 0xffffffff))
	f.Add([]byte{7})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = p2p.ReadFrameForTest(bytes.NewReader(b), 1<<10)
	})
}
