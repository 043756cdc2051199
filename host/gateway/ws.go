package gateway

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/gorilla/websocket"

	"github.com/ncn-network/ncn/host/api/pb"
)

// The WebSocket API, on its own listener (DaemonConfig.WSListen), path
// /ws. A client sends JSON objects, each with a "type"; "ref", if given,
// is echoed on the replies to that message:
//
//	{"type":"submit", "ref":"r1", "inference":{...}}   the body of POST /api/v1/inference; answered with
//	                                                     "submitted" (the status: payment instructions), then
//	                                                     the connection is subscribed to the request
//	{"type":"subscribe", "request_id":"0x..."}          "update" now and at every state change, "token" for
//	                                                     every streamed output chunk, until the request ends
//	{"type":"unsubscribe", "request_id":"0x..."}        "unsubscribed"
//	{"type":"confirm", "request_id":"0x...", "tx_hash":"0x..."}   ConfirmPayment; answered with "status"
//	{"type":"status", "request_id":"0x..."}             GetTaskStatus; answered with "status"
//
// The gateway sends JSON objects with a "type": "submitted", "status",
// "update" (state, status, and final on the last), "token", "unsubscribed",
// or "error" ({"code","message","status"} as the HTTP API's errors, with
// the ref and request_id it concerns). A message that is not JSON or not
// one of these gets an error and the connection stays; one over the
// message limit gets an error and the connection is closed (1009).
// Connections per client IP are limited (429 before the upgrade); the
// gateway pings and closes a connection whose pongs stop; it closes
// every connection with 1001 when it shuts down.

// Limits of one WebSocket connection.
const (
	wsMaxSubscriptions = 100              // requests followed at once
	wsMaxInFlight      = 8                // submissions, confirmations and status reads running at once
	wsWriteTimeout     = 10 * time.Second // a client that does not read for this long is dropped
)

// wsIn is a message from a client.
type wsIn struct {
	Type      string         `json:"type"`
	Ref       string         `json:"ref,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
	TxHash    string         `json:"tx_hash,omitempty"`
	Inference *httpInference `json:"inference,omitempty"`
}

// wsOut is a message to a client.
type wsOut struct {
	Type      string          `json:"type"`
	Ref       string          `json:"ref,omitempty"`
	RequestID string          `json:"request_id,omitempty"`
	State     string          `json:"state,omitempty"`
	Final     bool            `json:"final,omitempty"`
	Token     string          `json:"token,omitempty"`
	Status    *httpStatusBody `json:"status,omitempty"`
	Error     *wsError        `json:"error,omitempty"`
}

type wsError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// wsServer serves the WebSocket API. Safe for concurrent use.
type wsServer struct {
	d        *Daemon
	upgrader websocket.Upgrader
	srv      *http.Server

	mu     sync.Mutex
	perIP  map[string]int
	conns  map[*wsConn]struct{}
	closed bool
	wg     sync.WaitGroup // connection handlers
}

func newWSServer(d *Daemon) *wsServer {
	s := &wsServer{d: d, perIP: map[string]int{}, conns: map[*wsConn]struct{}{}}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		// The API holds no ambient credentials (no cookies, no sessions):
		// a page of any origin may use it, as it may POST to the HTTP API.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.handle)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("no route %s %s: the WebSocket API is at GET /ws", r.Method, r.URL.Path))
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return s
}

// admit counts a connection from ip, unless ip has its limit already or
// the server is closing.
func (s *wsServer) admit(ip string) (ok, closing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false, true
	}
	if s.perIP[ip] >= s.d.cfg.WSConnectionsPerIP {
		return false, false
	}
	s.perIP[ip]++
	s.wg.Add(1)
	return true, false
}

func (s *wsServer) leave(ip string, c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perIP[ip]--; s.perIP[ip] <= 0 {
		delete(s.perIP, ip)
	}
	if c != nil {
		delete(s.conns, c)
	}
	s.wg.Done()
}

func (s *wsServer) handle(w http.ResponseWriter, r *http.Request) {
	d := s.d
	ip := clientIP(r)
	ok, closing := s.admit(ip)
	switch {
	case closing:
		writeError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the gateway is shutting down: connect again, here after a restart or at another gateway")
		return
	case !ok:
		d.metrics.rejected(rejectRateLimited)
		writeError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED",
			fmt.Sprintf("%d WebSocket connections from your address are open, the limit: close one, or subscribe to several requests on one", d.cfg.WSConnectionsPerIP))
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil) // answers a failed upgrade itself
	if err != nil {
		s.leave(ip, nil)
		return
	}
	ctx, cancel := context.WithCancel(d.ctx)
	c := &wsConn{s: s, conn: conn, log: d.log.With("client", ip), ctx: ctx, cancel: cancel, ip: ip, subs: map[common.Hash]*wsSub{},
		slots: make(chan struct{}, wsMaxInFlight)}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	defer s.leave(ip, c)
	d.metrics.wsConns.Inc()
	defer d.metrics.wsConns.Dec()
	c.run()
}

// close says goodbye (1001) to every connection and waits for their
// handlers, cutting those that do not end in time.
func (s *wsServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.mu.Lock()
	s.closed = true
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	_ = s.srv.Shutdown(ctx) // the listener; upgraded connections are ours
	for _, c := range conns {
		c.goodbye(websocket.CloseGoingAway, "the gateway is shutting down: reconnect, here after a restart or at another gateway for status")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range conns {
			c.conn.Close()
		}
		<-done
	}
}

// wsConn is one client connection.
type wsConn struct {
	s    *wsServer
	conn *websocket.Conn
	log  *slog.Logger

	ctx    context.Context // the connection's life
	cancel context.CancelFunc

	wmu sync.Mutex // one writer at a time

	ip string // the client's

	mu    sync.Mutex
	subs  map[common.Hash]*wsSub
	ops   sync.WaitGroup // subscriptions and calls running
	slots chan struct{}  // calls running
}

// wsSub is one subscription of a connection.
type wsSub struct{ stop context.CancelFunc }

// pongWait is how long the connection lives without a message or pong.
func (c *wsConn) pongWait() time.Duration { return 2 * c.s.d.cfg.WSPingInterval }

func (c *wsConn) run() {
	d := c.s.d
	defer func() {
		c.cancel()
		c.ops.Wait()
		c.conn.Close()
	}()
	c.conn.SetReadDeadline(time.Now().Add(c.pongWait()))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(c.pongWait()))
	})
	c.ops.Add(1)
	go func() {
		defer c.ops.Done()
		c.ping()
	}()
	c.log.Debug("websocket connected")
	limit := d.cfg.WSMaxMessageBytes
	for {
		_, r, err := c.conn.NextReader()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) && c.ctx.Err() == nil {
				c.log.Debug("websocket ended", "err", err)
			}
			return
		}
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return
		}
		c.conn.SetReadDeadline(time.Now().Add(c.pongWait()))
		if int64(len(b)) > limit {
			d.metrics.rejected(rejectBadInput)
			msg := fmt.Sprintf("message over %d bytes: the connection is closed", limit)
			c.sendError("", "", http.StatusRequestEntityTooLarge, "RESOURCE_EXHAUSTED", msg)
			c.goodbye(websocket.CloseMessageTooBig, msg)
			// Take the rest of the message and the client's close frame
			// (briefly): closing with its data unread would reset the
			// connection, and the client could lose the error.
			for {
				if _, _, err := c.conn.NextReader(); err != nil {
					return
				}
			}
		}
		var in wsIn
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil || dec.More() {
			if err == nil {
				err = errors.New("data after the JSON object")
			}
			d.metrics.rejected(rejectBadInput)
			c.sendError("", "", http.StatusBadRequest, "INVALID_ARGUMENT", "not a JSON message of this API: "+err.Error())
			continue
		}
		c.dispatch(in)
	}
}

// ping keeps the connection alive: a ping every WSPingInterval; the
// client's pongs extend its read deadline.
func (c *wsConn) ping() {
	t := time.NewTicker(c.s.d.cfg.WSPingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout)); err != nil {
				c.cancel()
				c.conn.Close()
				return
			}
		}
	}
}

// goodbye sends a close frame and lets the client answer it briefly.
func (c *wsConn) goodbye(code int, reason string) {
	if len(reason) > 120 { // a close frame's payload is at most 125 bytes
		reason = reason[:120]
	}
	_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	c.cancel()
	c.conn.SetReadDeadline(time.Now().Add(time.Second))
}

// send writes one message; a client that cannot take it ends the
// connection.
func (c *wsConn) send(m *wsOut) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	if err := c.conn.WriteJSON(m); err != nil {
		c.cancel()
		c.conn.Close()
		return err
	}
	return nil
}

func (c *wsConn) sendError(ref, id string, status int, code, msg string) {
	_ = c.send(&wsOut{Type: "error", Ref: ref, RequestID: id, Error: &wsError{Code: code, Message: msg, Status: status}})
}

// sendErr sends a gateway error with the code and status the HTTP API
// gives it.
func (c *wsConn) sendErr(ref, id string, err error) {
	code := codeOf(err)
	c.sendError(ref, id, httpStatus(code), codeName(code), err.Error())
}

// dispatch handles one message; calls run on their own goroutine, so the
// reader keeps answering pings.
func (c *wsConn) dispatch(in wsIn) {
	d := c.s.d
	switch in.Type {
	case "subscribe":
		id, err := parseID(in.RequestID)
		if err != nil {
			c.sendErr(in.Ref, in.RequestID, err)
			return
		}
		c.follow(in.Ref, id)
	case "unsubscribe":
		id, err := parseID(in.RequestID)
		if err != nil {
			c.sendErr(in.Ref, in.RequestID, err)
			return
		}
		c.mu.Lock()
		sub, ok := c.subs[id]
		delete(c.subs, id)
		c.mu.Unlock()
		if !ok {
			c.sendError(in.Ref, in.RequestID, http.StatusNotFound, "NOT_FOUND", "not subscribed to request "+id.Hex())
			return
		}
		sub.stop()
		_ = c.send(&wsOut{Type: "unsubscribed", Ref: in.Ref, RequestID: id.Hex()})
	case "submit", "confirm", "status":
		select {
		case c.slots <- struct{}{}:
		default:
			c.sendError(in.Ref, in.RequestID, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED",
				fmt.Sprintf("%d calls of this connection are running: wait for their answers", wsMaxInFlight))
			return
		}
		c.ops.Add(1)
		go func() {
			defer c.ops.Done()
			defer func() { <-c.slots }()
			c.call(in)
		}()
	default:
		d.metrics.rejected(rejectBadInput)
		c.sendError(in.Ref, in.RequestID, http.StatusBadRequest, "INVALID_ARGUMENT",
			fmt.Sprintf("unknown message type %q: submit, subscribe, unsubscribe, confirm or status", in.Type))
	}
}

// call runs a submit, confirm or status message.
func (c *wsConn) call(in wsIn) {
	d := c.s.d
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	switch in.Type {
	case "submit":
		if in.Inference == nil {
			d.metrics.rejected(rejectBadInput)
			c.sendError(in.Ref, "", http.StatusBadRequest, "INVALID_ARGUMENT", `a submit message carries "inference": the body of POST /api/v1/inference`)
			return
		}
		if wait, ok := d.httpLimit.allow(c.ip, time.Now()); !ok {
			d.metrics.rejected(rejectRateLimited)
			c.sendError(in.Ref, "", http.StatusTooManyRequests, "RESOURCE_EXHAUSTED",
				fmt.Sprintf("more than %d inference requests a minute from your address: retry in %d s", d.cfg.HTTPInferencePerMinute, int(math.Ceil(wait.Seconds()))))
			return
		}
		req, err := in.Inference.request("")
		if err != nil {
			d.metrics.reject(err)
			c.sendErr(in.Ref, "", err)
			return
		}
		st, err := d.submit(ctx, req)
		if err != nil {
			c.sendErr(in.Ref, "", err)
			return
		}
		id := common.BytesToHash(st.RequestId)
		c.log.Debug("websocket submission", "request_id", id.Hex(), "state", st.State)
		body := statusBody(st)
		if c.send(&wsOut{Type: "submitted", Ref: in.Ref, RequestID: body.RequestID, State: body.State, Status: body}) != nil {
			return
		}
		c.follow(in.Ref, id)
	case "confirm", "status":
		id, err := parseID(in.RequestID)
		if err != nil {
			c.sendErr(in.Ref, in.RequestID, err)
			return
		}
		var st *pb.InferenceTaskStatus
		if in.Type == "confirm" {
			st, err = d.confirm(ctx, &pb.ConfirmPaymentRequest{RequestId: id.Bytes(), TxHash: in.TxHash})
		} else {
			st, err = d.getStatus(ctx, &pb.TaskRef{RequestId: id.Bytes()})
		}
		if err != nil {
			c.sendErr(in.Ref, id.Hex(), err)
			return
		}
		body := statusBody(st)
		_ = c.send(&wsOut{Type: "status", Ref: in.Ref, RequestID: body.RequestID, State: body.State, Status: body})
	}
}

// follow subscribes the connection to a request: an update with its
// state now, then every change and token until it ends (the last update
// is final), it is unsubscribed or the connection closes.
func (c *wsConn) follow(ref string, id common.Hash) {
	c.mu.Lock()
	if _, ok := c.subs[id]; ok {
		c.mu.Unlock()
		c.sendError(ref, id.Hex(), http.StatusConflict, "ALREADY_EXISTS", "already subscribed to request "+id.Hex())
		return
	}
	if len(c.subs) >= wsMaxSubscriptions {
		c.mu.Unlock()
		c.sendError(ref, id.Hex(), http.StatusTooManyRequests, "RESOURCE_EXHAUSTED",
			fmt.Sprintf("%d subscriptions on this connection, the limit: unsubscribe from one, or open another connection", wsMaxSubscriptions))
		return
	}
	ctx, stop := context.WithCancel(c.ctx)
	sub := &wsSub{stop: stop}
	c.subs[id] = sub
	c.ops.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.ops.Done()
		defer func() {
			c.mu.Lock()
			if c.subs[id] == sub {
				delete(c.subs, id)
			}
			c.mu.Unlock()
			stop()
		}()
		hexID := id.Hex()
		err := c.s.d.subscribe(ctx, &pb.TaskRef{RequestId: id.Bytes()}, func(u *pb.TaskUpdate) error {
			if u.Status == nil {
				return c.send(&wsOut{Type: "token", Ref: ref, RequestID: hexID, Token: u.Token})
			}
			body := statusBody(u.Status)
			return c.send(&wsOut{Type: "update", Ref: ref, RequestID: hexID, State: body.State, Status: body,
				Final: stateOf(u.State).Terminal()})
		})
		if err != nil && ctx.Err() == nil {
			c.sendErr(ref, hexID, err)
		}
	}()
}

// parseID parses a request id as the HTTP API spells it: 32 bytes of
// hex, 0x optional.
func parseID(s string) (common.Hash, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != 32 {
		return common.Hash{}, fmt.Errorf("%w: request_id %q is not 32 bytes of hex", ErrBadRequest, s)
	}
	return common.BytesToHash(b), nil
}
