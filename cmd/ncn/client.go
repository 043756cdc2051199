package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/ncn-network/ncn/chain"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/client"
)

// clientCmd is what every `ncn client` command shares: the gateway, the
// request's subnet and model, output form.
type clientCmd struct {
	f       *flags
	gateway *string
	timeout *time.Duration
	asJSON  *bool
}

func newClientCmd(cmd, synopsis, help string) *clientCmd {
	f := newFlags(cmd, synopsis, help)
	return &clientCmd{
		f:       f,
		gateway: f.String("gateway", "", "gateway gRPC `address` (default $GATEWAY_ADDR, else 127.0.0.1:50051)"),
		timeout: f.Duration("timeout", 5*time.Minute, "give up after this long"),
		asJSON:  f.Bool("json", false, "print JSON on stdout"),
	}
}

func (c *clientCmd) dial(e env) (*grpc.ClientConn, error) {
	addr := *c.gateway
	if addr == "" {
		addr = e.getenv("GATEWAY_ADDR")
	}
	if addr == "" {
		addr = "127.0.0.1:50051"
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(32<<20), grpc.MaxCallSendMsgSize(32<<20)))
	if err != nil {
		return nil, fmt.Errorf("gateway %s: %w", addr, err)
	}
	return conn, nil
}

// requestFlags name what to run.
type requestFlags struct {
	subnet, model, input, text, params, key *string
	stream                                  *bool
}

func newRequestFlags(f *flags) *requestFlags {
	return &requestFlags{
		subnet: f.String("subnet", "default", "subnet `id`"),
		model:  f.String("model", "", "model `id` (required), e.g. digits or charlm"),
		input:  f.String("input", "", "`file` with the model input as the model takes it (JSON for digits); - for stdin"),
		text:   f.String("text", "", "the model input given inline, e.g. a prompt"),
		params: f.String("params", "", "model parameters, a JSON object, e.g. '{\"max_tokens\":32}'"),
		stream: f.Bool("stream", false, "print output tokens as they come (text models)"),
	}
}

func (r *requestFlags) request(f *flags, e env) (client.Request, error) {
	req := client.Request{Subnet: *r.subnet, Model: *r.model, Stream: *r.stream}
	switch {
	case *r.model == "":
		return req, f.usagef("--model is required")
	case *r.input != "" && *r.text != "":
		return req, f.usagef("give --input or --text, not both")
	case *r.input == "-":
		if e.stdin == nil {
			return req, f.usagef("--input -: no standard input")
		}
		b, err := io.ReadAll(io.LimitReader(e.stdin, 32<<20))
		if err != nil {
			return req, err
		}
		req.Input = b
	case *r.input != "":
		b, err := os.ReadFile(*r.input)
		if err != nil {
			return req, err
		}
		req.Input = b
	case *r.text != "":
		req.Input = []byte(*r.text)
	default:
		return req, f.usagef("the input is required: --input FILE or --text STRING")
	}
	if *r.params != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(*r.params), &obj); err != nil {
			return req, f.usagef("--params must be a JSON object: %v", err)
		}
		req.Params = []byte(*r.params)
	}
	return req, nil
}

func runClientEstimate(ctx context.Context, e env, args []string) error {
	c := newClientCmd("client estimate", "--model M (--input FILE | --text S) [flags]", `
Asks a gateway what a request would cost: the subnet's price plugin, the
payment tree, the config hash it was priced at, and when the quote expires.

Example:
  ncn client estimate --gateway 127.0.0.1:50051 --model charlm --text "the network"
`)
	rf := newRequestFlags(c.f)
	if err := c.f.parse(e, args); err != nil {
		return err
	}
	req, err := rf.request(c.f, e)
	if err != nil {
		return err
	}
	var q *pb.FeeQuote
	err = c.session(ctx, e, func(ctx context.Context, conn *grpc.ClientConn) (err error) {
		q, err = client.New(conn, nil).Estimate(ctx, req)
		return err
	})
	if err != nil {
		return err
	}
	if *c.asJSON {
		return printJSON(e.stdout, map[string]proto.Message{"quote": q}, nil)
	}
	t := q.Tree
	fmt.Fprintf(e.stdout, "quote       %s\namount      %s wei\n  compute   %s\n  gateway   %s\n  validators %s\n  treasury  %s\nconfig hash %x\nexpires     %s\ngateway     %s\n",
		q.QuoteId, q.Amount, t.GetComputeAmount(), t.GetGatewayAmount(), t.GetValidatorAmount(), t.GetTreasuryAmount(),
		q.ConfigHash, time.Unix(int64(q.ExpiresAt), 0).UTC().Format(time.RFC3339), q.Gateway)
	return nil
}

func runClientInfer(ctx context.Context, e env, args []string) error {
	c := newClientCmd("client infer", "--key FILE (--devchain FILE | --rpc URL --contracts FILE) --model M (--input FILE | --text S) [flags]", `
Pays for one inference and prints its result: asks the gateway for a quote,
submits the task (the gateway picks a compute node and gathers the
validators' signatures on the price), pays the escrow (an EIP-2612 permit
and the deposit in one transaction; --approve for two), tells the gateway,
and follows the request until it is settled — the compute node, the
gateway, the validators and the treasury paid by the tree — or refunded.
Progress goes to stderr, the result to stdout.

Example (on a devnet started with 'ncn devnet --datadir dev'):
  ncn client infer --devchain dev/chain/devchain.json --key dev/chain/keystore/client.json \
    --model digits --input sample.json
`)
	rf := newRequestFlags(c.f)
	chainOpts := newChainFlags(c.f)
	key := newKeyFlags(c.f, "client", "NCN_PASSWORD_FILE")
	idem := c.f.String("idempotency-key", "", "retry-safe `key`: the same key returns the same request, never a second charge")
	approve := c.f.Bool("approve", false, "pay with approve then deposit instead of a permit")
	if err := c.f.parse(e, args); err != nil {
		return err
	}
	req, err := rf.request(c.f, e)
	if err != nil {
		return err
	}
	req.IdempotencyKey = *idem
	if err := key.check(); err != nil {
		return err
	}
	rpcURL, addrs, err := chainOpts.resolve(c.f, e)
	if err != nil {
		return err
	}
	k, err := key.load(e)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *c.timeout)
	defer cancel()
	backend, err := chain.Dial(ctx, rpcURL)
	if err != nil {
		return err
	}
	defer backend.Close()
	contracts, err := chain.Bind(backend, addrs)
	if err != nil {
		return err
	}
	sender, err := chain.NewSender(ctx, backend, k, chain.SenderConfig{Logger: e.logger()})
	if err != nil {
		return err
	}
	conn, err := c.dial(e)
	if err != nil {
		return err
	}
	defer conn.Close()
	cl := client.New(conn, chain.NewEscrow(contracts, sender))
	cl.Approve = *approve
	cl.Progress = func(format string, args ...any) { fmt.Fprintf(e.stderr, "ncn client: "+format+"\n", args...) }
	var onToken func(string)
	if req.Stream && !*c.asJSON {
		onToken = func(s string) { fmt.Fprint(e.stdout, s) }
	}
	out, err := cl.Infer(ctx, req, onToken)
	if out != nil && *c.asJSON {
		if perr := printOutcome(e.stdout, out); perr != nil {
			return perr
		}
	} else if out != nil && out.Status != nil {
		if onToken != nil {
			fmt.Fprintln(e.stdout)
		} else {
			fmt.Fprintln(e.stdout, strings.TrimRight(string(out.Status.Result), "\n"))
		}
		fmt.Fprintf(e.stderr, "ncn client: %s in %s (quote %s, submit %s, pay %s, result %s)\n", client.StateName(out.Status.State),
			out.Stages["total"].Round(time.Millisecond), out.Stages["quote"].Round(time.Millisecond), out.Stages["submit"].Round(time.Millisecond),
			out.Stages["pay"].Round(time.Millisecond), out.Stages["result"].Round(time.Millisecond))
	}
	return err
}

// printOutcome writes an outcome as one JSON object.
func printOutcome(w io.Writer, out *client.Outcome) error {
	v := map[string]any{"stagesMs": map[string]int64{}}
	for k, d := range out.Stages {
		v["stagesMs"].(map[string]int64)[k] = d.Milliseconds()
	}
	if out.Status != nil {
		v["requestId"] = "0x" + hex.EncodeToString(out.Status.RequestId)
		v["state"] = client.StateName(out.Status.State)
		v["result"] = string(out.Status.Result)
		v["resultHash"] = "0x" + hex.EncodeToString(out.Status.ResultHash)
		v["computeNode"] = out.Status.ComputeNode
		v["error"] = out.Status.Error
		v["settleTx"] = out.Status.SettleTx
	}
	if out.Quote != nil {
		v["amountWei"] = out.Quote.Amount
		v["configHash"] = "0x" + hex.EncodeToString(out.Quote.ConfigHash)
	}
	if len(out.Tokens) > 0 {
		v["tokens"] = out.Tokens
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// onRequest parses a command line naming one request, dials the gateway
// and runs f within the command's timeout.
func (c *clientCmd) onRequest(ctx context.Context, e env, args []string, f func(context.Context, pb.GatewayClientServiceClient, *pb.TaskRef) error) error {
	id, err := requestIDArg(c.f, e, args)
	if err != nil {
		return err
	}
	return c.session(ctx, e, func(ctx context.Context, conn *grpc.ClientConn) error {
		return f(ctx, pb.NewGatewayClientServiceClient(conn), &pb.TaskRef{RequestId: id})
	})
}

// session dials the gateway and runs f within the command's timeout.
func (c *clientCmd) session(ctx context.Context, e env, f func(context.Context, *grpc.ClientConn) error) error {
	conn, err := c.dial(e)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, *c.timeout)
	defer cancel()
	return f(ctx, conn)
}

// requestIDArg parses the command line of a command taking one request id.
func requestIDArg(f *flags, e env, args []string) ([]byte, error) {
	pos, err := f.parseArgs(e, args, 1, "request id (0x and 64 hex digits)")
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(strings.TrimPrefix(pos[0], "0x"))
	if err != nil || len(b) != 32 {
		return nil, f.usagef("request id %q: want 0x and 64 hex digits", pos[0])
	}
	return b, nil
}

func runClientStatus(ctx context.Context, e env, args []string) error {
	c := newClientCmd("client status", "REQUEST_ID [flags]", `
Prints where a request is: its state, compute node, transactions, result.
`)
	return c.onRequest(ctx, e, args, func(ctx context.Context, gw pb.GatewayClientServiceClient, ref *pb.TaskRef) error {
		st, err := gw.GetTaskStatus(ctx, ref)
		if err != nil {
			return err
		}
		return printStatus(e, st, *c.asJSON)
	})
}

func printStatus(e env, st *pb.InferenceTaskStatus, asJSON bool) error {
	if asJSON {
		return printJSON(e.stdout, map[string]proto.Message{"status": st}, nil)
	}
	fmt.Fprintf(e.stdout, "request     0x%x\nstate       %s\ncompute     %s\ninitiate tx %s\nsettle tx   %s\n", st.RequestId,
		client.StateName(st.State), noneIfEmpty(st.ComputeNode), noneIfEmpty(st.InitiateTx), noneIfEmpty(st.SettleTx))
	if st.Error != "" {
		fmt.Fprintf(e.stdout, "error       %s\n", st.Error)
	}
	if len(st.Result) > 0 {
		fmt.Fprintf(e.stdout, "result      %s\n", strings.TrimRight(string(st.Result), "\n"))
	}
	return nil
}

func runClientWatch(ctx context.Context, e env, args []string) error {
	c := newClientCmd("client watch", "REQUEST_ID [flags]", `
Follows a request: prints each state change and streamed output token
until the request is settled or refunded.
`)
	return c.onRequest(ctx, e, args, func(ctx context.Context, gw pb.GatewayClientServiceClient, ref *pb.TaskRef) error {
		return watch(ctx, e, gw, ref, *c.asJSON)
	})
}

func watch(ctx context.Context, e env, gw pb.GatewayClientServiceClient, ref *pb.TaskRef, asJSON bool) error {
	s, err := gw.SubscribeToTaskUpdates(ctx, ref)
	if err != nil {
		return err
	}
	for {
		u, err := s.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case u.Token != "":
			fmt.Fprint(e.stdout, u.Token)
		case asJSON && u.Status != nil:
			if err := printJSON(e.stdout, map[string]proto.Message{"status": u.Status}, nil); err != nil {
				return err
			}
		default:
			fmt.Fprintf(e.stdout, "%s %s\n", time.Now().UTC().Format(time.TimeOnly), client.StateName(u.State))
		}
	}
}
