package p2p_test

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/ncn-network/ncn/p2p"
	"github.com/ncn-network/ncn/p2p/p2ptest"
)

const testPeer = "12D3KooWGzxzKZYveHXtpG6AsrUJBcWxHBFS2HsEoGTxrMLvKXtf"

func mustMarshal(t testing.TB, r *p2p.Record) []byte {
	t.Helper()
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func nodeRecord(t testing.TB, s *p2p.Signer, d *p2p.NodeDescriptor) *p2p.Record {
	t.Helper()
	if d == nil {
		d = &p2p.NodeDescriptor{Address: s.Address(), PeerID: testPeer, Roles: []p2p.Role{p2p.RoleCompute}}
	}
	r, err := s.Descriptor(d, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRecordRoundTrip(t *testing.T) {
	s := p2p.NewSigner(p2ptest.Key(t))
	r := nodeRecord(t, s, nil)
	b := mustMarshal(t, r)
	got, err := p2p.UnmarshalRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustMarshal(t, got), b) {
		t.Fatal("re-encoding differs")
	}
	signer, err := got.Signer()
	if err != nil || signer != s.Address() {
		t.Fatalf("signer %s, %v; want %s", signer, err, s.Address())
	}
}

func TestValidatorCheck(t *testing.T) {
	owner := p2ptest.Key(t)
	ownerS := p2p.NewSigner(owner)
	other := p2p.NewSigner(p2ptest.Key(t))
	now := time.Now()

	type tc struct {
		name string
		make func(t *testing.T) (key string, value []byte)
		v    p2p.Validator
		want error
	}
	good := func(t *testing.T) (string, []byte) {
		r := nodeRecord(t, ownerS, nil)
		return r.DHTKey(), mustMarshal(t, r)
	}
	subnet := &p2p.SubnetMetadata{Owner: ownerS.Address(), Name: "text", ConfigHash: p2p.Hash{1}}
	cases := []tc{
		{name: "valid node", make: good},
		{name: "unsigned", want: p2p.ErrBadSignature, make: func(t *testing.T) (string, []byte) {
			r := nodeRecord(t, ownerS, nil)
			r.Sig = [p2p.SigLen]byte{}
			return r.DHTKey(), mustMarshal(t, r)
		}},
		{name: "forged: other key signs owner's descriptor", want: p2p.ErrWrongSigner, make: func(t *testing.T) (string, []byte) {
			d := &p2p.NodeDescriptor{Address: ownerS.Address(), PeerID: testPeer, Roles: []p2p.Role{p2p.RoleGateway}}
			r := nodeRecord(t, other, d)
			return r.DHTKey(), mustMarshal(t, r)
		}},
		{name: "tampered payload", want: p2p.ErrWrongSigner, make: func(t *testing.T) (string, []byte) {
			r := nodeRecord(t, ownerS, nil)
			r.Payload = bytes.Replace(r.Payload, []byte("compute"), []byte("gateway"), 1)
			return r.DHTKey(), mustMarshal(t, r)
		}},
		{name: "high s", want: p2p.ErrBadSignature, make: func(t *testing.T) (string, []byte) {
			r := nodeRecord(t, ownerS, nil)
			flipS(&r.Sig)
			return r.DHTKey(), mustMarshal(t, r)
		}},
		{name: "oversized", v: p2p.Validator{MaxSize: 512}, want: p2p.ErrTooLarge, make: func(t *testing.T) (string, []byte) {
			d := &p2p.NodeDescriptor{Address: ownerS.Address(), PeerID: testPeer, Roles: []p2p.Role{p2p.RoleCompute},
				Endpoints: []string{strings.Repeat("x", 600)}}
			r := nodeRecord(t, ownerS, d)
			return r.DHTKey(), mustMarshal(t, r)
		}},
		{name: "expired", want: p2p.ErrExpired, v: p2p.Validator{Now: func() time.Time { return now.Add(2 * time.Hour) }}, make: good},
		{name: "issued in the future", want: p2p.ErrFuture, v: p2p.Validator{Now: func() time.Time { return now.Add(-time.Hour) }}, make: good},
		{name: "under another key", want: p2p.ErrKeyMismatch, make: func(t *testing.T) (string, []byte) {
			r := nodeRecord(t, ownerS, nil)
			return p2p.DHTKey(p2p.NamespaceNode, other.Address().Bytes()), mustMarshal(t, r)
		}},
		{name: "valid subnet", make: func(t *testing.T) (string, []byte) {
			r, err := ownerS.Descriptor(subnet, 0)
			if err != nil {
				t.Fatal(err)
			}
			return r.DHTKey(), mustMarshal(t, r)
		}},
		{name: "subnet signed by non-owner", want: p2p.ErrWrongSigner, make: func(t *testing.T) (string, []byte) {
			r, err := other.Descriptor(subnet, 0)
			if err != nil {
				t.Fatal(err)
			}
			return r.DHTKey(), mustMarshal(t, r)
		}},
		{name: "subnet under an id not derived from owner and name", want: p2p.ErrKeyMismatch, make: func(t *testing.T) (string, []byte) {
			id := p2p.SubnetID(other.Address(), "text")
			_, _, payload, _ := p2p.Describe(subnet)
			r, err := ownerS.Record(p2p.NamespaceSubnet, id[:], payload, 0)
			if err != nil {
				t.Fatal(err)
			}
			return r.DHTKey(), mustMarshal(t, r)
		}},
		{name: "plugin without verifier", want: p2p.ErrNoVerifier, make: pluginRecord(ownerS)},
		{name: "plugin accepted by verifier", v: p2p.Validator{Plugins: p2p.PluginVerifierFunc(func(p2p.Hash, common.Address, []byte) error { return nil })}, make: pluginRecord(ownerS)},
		{name: "plugin refused by verifier", want: errRefused, v: p2p.Validator{Plugins: p2p.PluginVerifierFunc(func(p2p.Hash, common.Address, []byte) error { return errRefused })}, make: pluginRecord(ownerS)},
		{name: "garbage", want: p2p.ErrMalformed, make: func(t *testing.T) (string, []byte) {
			return p2p.DHTKey(p2p.NamespaceNode, ownerS.Address().Bytes()), []byte("NCNR\x01garbage")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key, value := c.make(t)
			_, err := c.v.Check(key, value)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Check = %v, want %v", err, c.want)
			}
		})
	}
}

var errRefused = errors.New("manifest refused")

func pluginRecord(s *p2p.Signer) func(t *testing.T) (string, []byte) {
	return func(t *testing.T) (string, []byte) {
		h := p2p.Hash(crypto.Keccak256Hash([]byte("wasm")))
		r, err := s.Record(p2p.NamespacePlugin, h[:], []byte(`{"name":"price"}`), 0)
		if err != nil {
			t.Fatal(err)
		}
		return r.DHTKey(), mustMarshal(t, r)
	}
}

// flipS replaces s by n - s and flips v: the same signature in its
// malleable high-s form.
func flipS(sig *[p2p.SigLen]byte) {
	n := crypto.S256().Params().N
	s := new(big.Int).SetBytes(sig[32:64])
	s.Sub(n, s)
	s.FillBytes(sig[32:64])
	sig[64] ^= 1
}

func TestSelectPrefersNewest(t *testing.T) {
	s := p2p.NewSigner(p2ptest.Key(t))
	old := nodeRecord(t, s, nil)
	newer := nodeRecord(t, s, nil)
	var v p2p.Validator
	for _, c := range []struct {
		name   string
		values [][]byte
		want   int
	}{
		{"newer first", [][]byte{mustMarshal(t, newer), mustMarshal(t, old)}, 0},
		{"newer second", [][]byte{mustMarshal(t, old), mustMarshal(t, newer)}, 1},
		{"invalid loses", [][]byte{[]byte("junk"), mustMarshal(t, old)}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			i, err := v.Select(old.DHTKey(), c.values)
			if err != nil || i != c.want {
				t.Fatalf("Select = %d, %v; want %d", i, err, c.want)
			}
		})
	}
	if !p2p.Supersedes(newer, old) || p2p.Supersedes(old, newer) {
		t.Fatal("Supersedes does not order by seq")
	}
}

func TestMessageRoundTrip(t *testing.T) {
	s := p2p.NewSigner(p2ptest.Key(t))
	m, err := s.Message("/ncn/mempool/1", []byte("entry"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Marshal()
	got, err := p2p.UnmarshalMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := got.Signer(); err != nil || a != s.Address() {
		t.Fatalf("signer %s, %v", a, err)
	}
	got.Topic = "/ncn/evidence/1"
	if a, _ := got.Signer(); a == s.Address() {
		t.Fatal("a message moved to another topic still verifies")
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  p2p.Config
		ok   bool
	}{
		{"zero", p2p.Config{}, true},
		{"bootstrap without peer id", p2p.Config{Bootstrap: []string{"/ip4/127.0.0.1/tcp/8828"}}, false},
		{"bootstrap", p2p.Config{Bootstrap: []string{"/ip4/127.0.0.1/tcp/8828/p2p/" + testPeer}}, true},
		{"bad listen", p2p.Config{ListenAddrs: []string{"127.0.0.1:8828"}}, false},
		{"bad prefix", p2p.Config{ProtocolPrefix: "ncn"}, false},
		{"low above high", p2p.Config{ConnLow: 10, ConnHigh: 5}, false},
		{"ttl below republish", p2p.Config{RecordTTL: time.Minute, RepublishInterval: time.Hour}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.cfg.Validate(); (err == nil) != c.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestIDs(t *testing.T) {
	a, b := common.Address{1}, common.Address{2}
	if p2p.SubnetID(a, "x") == p2p.SubnetID(b, "x") || p2p.SubnetID(a, "x") == p2p.ModelID(a, "x") {
		t.Fatal("ids collide across owners or kinds")
	}
	if _, err := peer.Decode(testPeer); err != nil {
		t.Fatal(err)
	}
	h := p2p.SubnetID(a, "x")
	if got, err := p2p.ParseHash(h.String()); err != nil || got != h {
		t.Fatalf("ParseHash round trip: %v", err)
	}
}
