package api_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/host/api"
	"github.com/ncn-network/ncn/host/api/pb"
)

// TestTaskRefAuth: a signed reference names its signer for its own kind,
// request and time only; unsigned, stale, malformed or re-aimed ones are
// refused with ErrTaskRefAuth or name someone else.
func TestTaskRefAuth(t *testing.T) {
	key, _ := crypto.GenerateKey()
	me := crypto.PubkeyToAddress(key.PublicKey)
	id := common.HexToHash("0x1234")
	now := time.Now()
	ref, err := api.SignTaskRef(key, api.KindCancelTask, id, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := api.VerifyTaskRef(api.KindCancelTask, ref, now); err != nil || got != me {
		t.Fatalf("own reference: %s, %v", got.Hex(), err)
	}
	refused := []struct {
		name string
		kind string
		ref  *pb.TaskRef
		at   time.Time
	}{
		{"unsigned", api.KindCancelTask, &pb.TaskRef{RequestId: id.Bytes()}, now},
		{"short id", api.KindCancelTask, &pb.TaskRef{RequestId: id.Bytes()[1:], UnixMs: ref.UnixMs, Signature: ref.Signature}, now},
		{"stale", api.KindCancelTask, ref, now.Add(api.StreamClockSkew + time.Second)},
		{"from the future", api.KindCancelTask, ref, now.Add(-api.StreamClockSkew - time.Second)},
		{"garbage signature", api.KindCancelTask, &pb.TaskRef{RequestId: id.Bytes(), UnixMs: ref.UnixMs, Signature: []byte{1, 2, 3}}, now},
	}
	for _, tc := range refused {
		if _, err := api.VerifyTaskRef(tc.kind, tc.ref, tc.at); !errors.Is(err, api.ErrTaskRefAuth) {
			t.Errorf("%s: %v, want ErrTaskRefAuth", tc.name, err)
		}
	}
	// Re-aimed at another kind, request or time, the signature names
	// another key: the gateway then refuses it as not the party's.
	other := proto.Clone(ref).(*pb.TaskRef)
	other.RequestId = common.HexToHash("0x5678").Bytes()
	later := proto.Clone(ref).(*pb.TaskRef)
	later.UnixMs++
	for name, tc := range map[string]struct {
		kind string
		ref  *pb.TaskRef
	}{"other kind": {api.KindGetTask, ref}, "other request": {api.KindCancelTask, other}, "other time": {api.KindCancelTask, later}} {
		if got, err := api.VerifyTaskRef(tc.kind, tc.ref, now); err == nil && got == me {
			t.Errorf("%s: still verifies as the signer", name)
		}
	}
}
