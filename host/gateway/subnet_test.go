package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"google.golang.org/grpc/codes"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry/registrytest"
)

// TestActivationPickedUp: a subnet's new price plugin, activated on the
// registry network, reaches the gateway within its refresh — fetched from
// the registry by hash and checked against its signed manifest — and
// quotes carry the new config hash. A quote priced before the activation
// is refused at submission (validators would refuse it); one priced after
// settles.
func TestActivationPickedUp(t *testing.T) {
	h := newHarness(t)
	d := h.startGateway(t, h.gatewayConfig(t.TempDir()))
	startCompute(t, h, func() string { return d.GRPCAddr }, answerLabel)
	c := gatewayClients(t, d.GRPCAddr)
	ctx := context.Background()
	env := h.env
	client := strings.ToLower(env.Client.Addr.Hex())
	input := []byte("a picture of a two")
	estimate := func() *pb.FeeQuote {
		q, err := c.EstimateFee(ctx, &pb.EstimateFeeRequest{Subnet: subnet, Model: model, Input: input, Client: client})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	old := estimate()

	owner, _ := crypto.GenerateKey()
	wasm, m := registrytest.PriceVariant(t, owner, "price-v2")
	if err := h.store.Put(wasm, m); err != nil {
		t.Fatal(err)
	}
	set, err := h.store.Active(subnet)
	if err != nil {
		t.Fatal(err)
	}
	set.Plugins[abi.KindPrice] = m.SHA256
	if _, err := h.subnets.Activate(ctx, set); err != nil {
		t.Fatal(err)
	}
	var fresh *pb.FeeQuote
	waitFor(t, 15*time.Second, func() error {
		fresh = estimate()
		if bytes.Equal(fresh.ConfigHash, old.ConfigHash) {
			return fmt.Errorf("still quoting at config %x", old.ConfigHash)
		}
		return nil
	})
	if fmt.Sprintf("%x", fresh.ConfigHash) != set.ConfigHash() || fresh.Amount != old.Amount {
		t.Fatalf("new quote %v, want config %s at the same price %s", fresh, set.ConfigHash(), old.Amount)
	}
	req := &pb.InferenceRequest{QuoteId: old.QuoteId, Client: client, Subnet: subnet, Model: model, Input: input}
	_, err = c.SubmitInferenceTask(ctx, req)
	code(t, "quote from before the activation", err, codes.FailedPrecondition, "ask EstimateFee for a new one")

	req.QuoteId = fresh.QuoteId
	st, err := c.SubmitInferenceTask(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.Escrow.Initiate(ctx, payment(t, st.Payment)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ConfirmPayment(ctx, &pb.ConfirmPaymentRequest{RequestId: st.RequestId}); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, st.RequestId, pb.TaskState_TASK_STATE_SETTLED)
}
