package worker_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workerpb"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
)

func digitsSample(p *worker.Pool) worker.Request {
	return worker.Request{Input: p.Bundle().Manifest.Samples[0].Input}
}

func TestRecycleAfterMaxRequests(t *testing.T) {
	cfg := workertest.Config(t, "digits")
	l := &workertest.Launcher{}
	cfg.Launcher, cfg.MaxRequests = l, 3
	p := newPool(t, cfg)
	for i := range 7 {
		if _, err := p.Infer(context.Background(), digitsSample(p), nil); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		// A replacement starts in the background; wait for it rather than
		// race it (QueueTimeout 0 would say ErrBusy).
		waitIdle(t, p, 1)
	}
	s := p.Stats()
	if s.Recycled != 2 || s.Starts != 3 || s.Crashed != 0 || s.Served != 7 {
		t.Fatalf("%+v, want 2 recycled, 3 starts, 7 served", s)
	}
	procs := l.Procs()
	for _, pr := range procs[:2] {
		if workertest.Running(pr.Pid()) {
			t.Errorf("recycled worker %d still running", pr.Pid())
		}
	}
	if !workertest.Running(procs[2].Pid()) {
		t.Error("current worker not running")
	}
}

// waitIdle waits until n workers are idle (a replacement has said Hello).
func waitIdle(t *testing.T, p *worker.Pool, n int) {
	t.Helper()
	for i := 0; p.Stats().Idle < n; i++ {
		if i > 6000 {
			t.Fatalf("no idle worker after 60s: %+v", p.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCrashedWorkerIsReplaced(t *testing.T) {
	cfg := workertest.Config(t, "digits")
	l := &workertest.Launcher{}
	cfg.Launcher, cfg.QueueTimeout = l, time.Minute
	p := newPool(t, cfg)

	// Killed while idle: noticed when taken, replaced, request served.
	first := l.Procs()[0]
	if err := first.Kill(); err != nil {
		t.Fatal(err)
	}
	for workertest.Running(first.Pid()) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := p.Infer(context.Background(), digitsSample(p), nil); err != nil {
		t.Fatalf("after an idle crash: %v", err)
	}
	if s := p.Stats(); s.Crashed != 1 || s.Starts != 2 {
		t.Fatalf("%+v, want 1 crash and 2 starts", s)
	}
}

func TestKilledMidRequest(t *testing.T) {
	cfg := workertest.Config(t, "charlm")
	l := &workertest.Launcher{}
	cfg.Launcher, cfg.QueueTimeout = l, time.Minute
	p := newPool(t, cfg)
	var once sync.Once
	_, err := p.Infer(context.Background(), worker.Request{Input: []byte("The "), Params: json.RawMessage(`{"max_tokens": 1024}`)},
		func([]byte) { once.Do(func() { l.Procs()[0].Kill() }) })
	if !errors.Is(err, worker.ErrWorkerExited) {
		t.Fatalf("got %v, want ErrWorkerExited", err)
	}
	res, err := p.Infer(context.Background(), worker.Request{Input: []byte("The "), Params: json.RawMessage(`{"max_tokens": 5}`)}, nil)
	if err != nil || res.Tokens != 5 {
		t.Fatalf("after the crash: %v, %v", res, err)
	}
	if s := p.Stats(); s.Crashed != 1 || s.Starts != 2 {
		t.Fatalf("%+v, want 1 crash and 2 starts", s)
	}
}

// longRequest starts a charlm request that holds its slot until release is
// closed, and returns once it has streamed its first token.
func longRequest(t *testing.T, p *worker.Pool, release <-chan struct{}) <-chan error {
	t.Helper()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var once sync.Once
		_, err := p.Infer(context.Background(), worker.Request{Input: []byte("The "), Params: json.RawMessage(`{"max_tokens": 16}`)},
			func([]byte) {
				once.Do(func() {
					close(started)
					<-release
				})
			})
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("long request ended early: %v", err)
	}
	return done
}

func TestBackPressure(t *testing.T) {
	t.Run("fail fast", func(t *testing.T) {
		p := newPool(t, workertest.Config(t, "charlm"))
		release := make(chan struct{})
		done := longRequest(t, p, release)
		_, err := p.Infer(context.Background(), worker.Request{Input: []byte("The ")}, nil)
		if !errors.Is(err, worker.ErrBusy) {
			t.Fatalf("got %v, want ErrBusy", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wait then serve", func(t *testing.T) {
		cfg := workertest.Config(t, "charlm")
		cfg.QueueTimeout = time.Minute
		p := newPool(t, cfg)
		release := make(chan struct{})
		done := longRequest(t, p, release)
		second := make(chan error, 1)
		go func() {
			_, err := p.Infer(context.Background(), worker.Request{Input: []byte("The "), Params: json.RawMessage(`{"max_tokens": 4}`)}, nil)
			second <- err
		}()
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := <-second; err != nil {
			t.Fatalf("queued request: %v", err)
		}
	})
	t.Run("wait bounded by ctx", func(t *testing.T) {
		cfg := workertest.Config(t, "charlm")
		cfg.QueueTimeout = time.Minute
		p := newPool(t, cfg)
		release := make(chan struct{})
		done := longRequest(t, p, release)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := p.Infer(ctx, worker.Request{Input: []byte("The ")}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestCallerCancelsMidStream(t *testing.T) {
	p := newPool(t, workertest.Config(t, "charlm"))
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	_, err := p.Infer(ctx, worker.Request{Input: []byte("The "), Params: json.RawMessage(`{"max_tokens": 200}`)},
		func([]byte) { once.Do(cancel) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	// The worker finishes the abandoned request in the background and
	// comes back to the pool: same worker, no restart.
	waitIdle(t, p, 1)
	if _, err := p.Infer(context.Background(), worker.Request{Input: []byte("The ")}, nil); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.Starts != 1 {
		t.Fatalf("%+v: a drained worker should have been kept", s)
	}
}

func TestCloseLeavesNothing(t *testing.T) {
	cfg := workertest.Config(t, "digits")
	l := &workertest.Launcher{}
	cfg.Launcher, cfg.Slots, cfg.Source = l, 2, "" // and unpack the embedded source
	p, err := worker.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, err := p.Infer(context.Background(), digitsSample(p), nil); err != nil {
			t.Fatal(err)
		}
	}
	procs := l.Procs()
	if len(procs) != 2 {
		t.Fatalf("%d workers started, want 2", len(procs))
	}
	for _, pr := range procs {
		if !workertest.Running(pr.Pid()) {
			t.Fatalf("worker %d not running before Close", pr.Pid())
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pr := range procs {
		if workertest.Running(pr.Pid()) {
			t.Errorf("worker %d still running after Close", pr.Pid())
		}
		if _, err := os.Stat(pr.Cmd.Scratch); !os.IsNotExist(err) {
			t.Errorf("scratch %s left behind (%v)", pr.Cmd.Scratch, err)
		}
	}
	if left, _ := os.ReadDir(cfg.ScratchRoot); len(left) != 0 {
		t.Errorf("scratch root not empty after Close: %v", left)
	}
	if _, err := p.Infer(context.Background(), worker.Request{}, nil); !errors.Is(err, worker.ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}

func TestPoolRefusesTamperedBundle(t *testing.T) {
	for _, tt := range tamperings {
		t.Run(tt.name, func(t *testing.T) {
			cfg := workertest.Config(t, "digits")
			cfg.Bundle = copyBundle(t, "digits")
			tt.tamper(t, cfg.Bundle)
			if _, err := worker.New(context.Background(), cfg); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("digest not the registered one", func(t *testing.T) {
		cfg := workertest.Config(t, "digits")
		cfg.Digest = "00"
		if _, err := worker.New(context.Background(), cfg); !errors.Is(err, worker.ErrDigest) {
			t.Fatalf("got %v, want ErrDigest", err)
		}
	})
}

// session runs the Python worker by hand, speaking the protocol with the
// package's Encoder and Decoder, for what the pool would never send.
type session struct {
	cmd *exec.Cmd
	in  interface {
		Write([]byte) (int, error)
		Close() error
	}
	enc *worker.Encoder
	dec *worker.Decoder
}

func startSession(t *testing.T, bundle string, extra ...string) *session {
	t.Helper()
	workertest.RequirePython(t)
	args := append([]string{"-E", "-s", "-B", workertest.Source(), "--model", bundle, "--scratch", t.TempDir()}, extra...)
	cmd := exec.Command(workertest.Python, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &session{cmd: cmd, in: in, enc: worker.NewEncoder(in, 0), dec: worker.NewDecoder(out, 0)}
}

func (s *session) read(t *testing.T) *workerpb.Response {
	t.Helper()
	r := new(workerpb.Response)
	if err := s.dec.Decode(r); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return r
}

func (s *session) exitCode(t *testing.T) int {
	t.Helper()
	err := s.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// The worker verifies the bundle itself, even when the host did not.
func TestWorkerRefusesTamperedBundle(t *testing.T) {
	for _, tt := range tamperings {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyBundle(t, "digits")
			tt.tamper(t, dir)
			s := startSession(t, dir)
			r := s.read(t)
			if r.GetError().GetCode() != workerpb.Error_MODEL_INVALID {
				t.Fatalf("first frame %v, want MODEL_INVALID", r)
			}
			if code := s.exitCode(t); code != 3 {
				t.Fatalf("exit %d, want 3", code)
			}
		})
	}
	t.Run("self-test answer changed", func(t *testing.T) {
		dir := copyBundle(t, "digits")
		editManifest(t, dir, func(m map[string]any) {
			m["samples"].([]any)[0].(map[string]any)["expect"] = map[string]any{"label": 9}
		})
		r := startSession(t, dir).read(t)
		if r.GetError().GetCode() != workerpb.Error_MODEL_INVALID {
			t.Fatalf("first frame %v, want MODEL_INVALID", r)
		}
	})
}

func TestWorkerFraming(t *testing.T) {
	bundle := filepath.Join(workertest.Store().Root, "digits")
	tests := []struct {
		name  string
		write func(s *session)
		code  workerpb.Error_Code
		exit  int
	}{
		{"frame over the limit", func(s *session) {
			s.in.Write(binary.BigEndian.AppendUint32(nil, 4096+1))
		}, workerpb.Error_FRAMING, 2},
		{"undecodable body", func(s *session) {
			s.in.Write(append(binary.BigEndian.AppendUint32(nil, 3), 0xff, 0xff, 0xff))
		}, workerpb.Error_FRAMING, 2},
		{"end of input inside a frame", func(s *session) {
			s.in.Write(append(binary.BigEndian.AppendUint32(nil, 10), 1, 2))
			s.in.Close()
		}, workerpb.Error_FRAMING, 2},
		{"unknown kind", func(s *session) {
			s.enc.Encode(&workerpb.Request{RequestId: "x", Kind: 42})
		}, workerpb.Error_UNSUPPORTED, -1},
		{"shutdown", func(s *session) {
			s.enc.Encode(&workerpb.Request{Kind: workerpb.Request_KIND_SHUTDOWN})
		}, 0, 0},
		{"end of input", func(s *session) { s.in.Close() }, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSession(t, bundle, "--max-frame", "4096")
			if s.read(t).GetHello() == nil {
				t.Fatal("no Hello")
			}
			tt.write(s)
			if tt.code != 0 {
				if r := s.read(t); r.GetError().GetCode() != tt.code {
					t.Fatalf("got %v, want %v", r, tt.code)
				}
			}
			if tt.exit < 0 { // still serving
				s.enc.Encode(&workerpb.Request{RequestId: "h", Kind: workerpb.Request_KIND_HEALTH})
				if r := s.read(t); r.GetHealth() == nil || r.RequestId != "h" {
					t.Fatalf("health after %s: %v", tt.name, r)
				}
				return
			}
			if code := s.exitCode(t); code != tt.exit {
				t.Fatalf("exit %d, want %d", code, tt.exit)
			}
		})
	}
}

// TestWorkerAsPID1 runs the worker as PID 1 of its own PID namespace, with
// no network, the way the sandbox does, and checks that it serves, that
// SIGTERM (which PID 1 ignores without a handler) stops it, and that it
// wrote nothing beside its sources.
func TestWorkerAsPID1(t *testing.T) {
	workertest.RequirePython(t)
	if err := exec.Command("unshare", "--user", "--map-root-user", "--pid", "--fork", "--net", "--mount-proc", "true").Run(); err != nil {
		t.Skipf("skipping: cannot create user+PID+net namespaces here: %v", err)
	}
	cfg := workertest.Config(t, "charlm")
	cfg.Launcher = unshareLauncher{}
	p := newPool(t, cfg)
	res, err := p.Infer(context.Background(), worker.Request{Input: []byte("The "), Params: json.RawMessage(`{"max_tokens": 8}`)}, nil)
	if err != nil || res.Tokens != 8 {
		t.Fatalf("%v, %v", res, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(workertest.Source()), "ncnworker", "__pycache__")); err == nil {
		t.Error("the worker wrote bytecode beside its sources")
	}
	if _, err := worker.LoadBundle(cfg.Bundle); err != nil {
		t.Errorf("bundle changed: %v", err)
	}
}

// unshareLauncher starts the worker through unshare(1): new user, PID
// (the worker is PID 1), network and mount namespaces.
type unshareLauncher struct{}

func (unshareLauncher) Launch(ctx context.Context, c worker.Command) (worker.Process, error) {
	c.Args = append([]string{"--user", "--map-root-user", "--pid", "--fork", "--net", "--mount-proc", "--kill-child", c.Path}, c.Args...)
	c.Path = "/usr/bin/unshare"
	return worker.Exec{}.Launch(ctx, c)
}

// A hung worker (says Hello, never answers) is killed once the request's
// deadline and the grace period have passed, and replaced.
func TestHungWorkerKilledAtDeadline(t *testing.T) {
	cfg := workertest.Config(t, "digits")
	b, err := worker.LoadBundle(cfg.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	hang := fmt.Sprintf(`import sys
sys.path.insert(0, %q)
from ncnworker import worker_pb2 as pb
from ncnworker.server import Conn
c = Conn(0, 1, 1 << 24)
c.write(pb.Response(hello=pb.Hello(model_name="digits", manifest_sha256=%q)))
while c.read():
    pass
`, filepath.Dir(workertest.Source()), b.Digest)
	l := &workertest.Launcher{Inner: launchFunc(func(ctx context.Context, c worker.Command) (worker.Process, error) {
		c.Args = []string{"-E", "-s", "-B", "-c", hang}
		return worker.Exec{}.Launch(ctx, c)
	})}
	cfg.Launcher, cfg.Grace = l, 50*time.Millisecond
	p := newPool(t, cfg)
	_, err = p.Infer(context.Background(), worker.Request{Input: []byte("{}"), Deadline: time.Now().Add(100 * time.Millisecond)}, nil)
	var me *worker.ModelError
	if !errors.Is(err, worker.ErrDeadline) || errors.As(err, &me) {
		t.Fatalf("got %v, want the host's own deadline error", err)
	}
	waitIdle(t, p, 1)
	if s := p.Stats(); s.Crashed != 1 || s.Starts != 2 {
		t.Fatalf("%+v, want the hung worker replaced", s)
	}
	if pid := l.Procs()[0].Pid(); workertest.Running(pid) {
		t.Fatalf("hung worker %d still running", pid)
	}
}

type launchFunc func(context.Context, worker.Command) (worker.Process, error)

func (f launchFunc) Launch(ctx context.Context, c worker.Command) (worker.Process, error) {
	return f(ctx, c)
}
