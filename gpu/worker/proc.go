package worker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ncn-network/ncn/gpu/worker/workerpb"
)

// proc is one running worker process and its three pipes. The pool uses a
// proc from one goroutine at a time (it is either idle in the pool or held
// by one request); its own goroutines (frame reader, stderr reader, waiter)
// are stopped and waited for by close.
type proc struct {
	id      string // "digits/0#3": model, slot, generation
	process Process
	stdin   *os.File
	enc     *Encoder
	hello   *workerpb.Hello
	scratch string
	log     *slog.Logger

	frames  chan *workerpb.Response // closed when the stream ends
	errMu   sync.Mutex
	readErr error         // why the stream ended; set before frames is closed
	quit    chan struct{} // closed by close: stop delivering frames
	exited  chan struct{} // closed once the process is reaped
	waitErr error         // set before exited is closed
	stderr  tail

	slot   int
	served int
	broken bool // must not serve again: recycle
	wg     sync.WaitGroup
	once   sync.Once
}

// startProc launches a worker for bundle b and waits for its Hello.
func startProc(ctx context.Context, cfg *Config, b *Bundle, id string, log *slog.Logger) (*proc, error) {
	scratch, err := os.MkdirTemp(cfg.ScratchRoot, "ncn-worker-*")
	if err != nil {
		return nil, fmt.Errorf("start worker %s: %w", id, err)
	}
	p := &proc{id: id, scratch: scratch, log: log.With("worker", id),
		frames: make(chan *workerpb.Response), quit: make(chan struct{}), exited: make(chan struct{})}
	p.stderr.max = 20

	inR, inW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(scratch)
		return nil, fmt.Errorf("start worker %s: %w", id, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW)
		os.RemoveAll(scratch)
		return nil, fmt.Errorf("start worker %s: %w", id, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		closeAll(inR, inW, outR, outW)
		os.RemoveAll(scratch)
		return nil, fmt.Errorf("start worker %s: %w", id, err)
	}
	cmd := cfg.command(b, scratch)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	process, err := cfg.Launcher.Launch(ctx, cmd)
	// The child has its own copies of these ends now (or failed to start);
	// ours must go so that EOF arrives when the child exits.
	closeAll(inR, outW, errW)
	if err != nil {
		closeAll(inW, outR, errR)
		os.RemoveAll(scratch)
		return nil, fmt.Errorf("start worker %s: %w", id, err)
	}
	p.process, p.stdin = process, inW
	p.enc = NewEncoder(inW, cfg.MaxFrame)

	p.wg.Add(3)
	go func() { // the only reader of stdout
		defer p.wg.Done()
		defer outR.Close()
		dec := NewDecoder(outR, cfg.MaxFrame)
		for {
			r := new(workerpb.Response)
			if err := dec.Decode(r); err != nil {
				p.setReadErr(err)
				close(p.frames)
				return
			}
			select {
			case p.frames <- r:
			case <-p.quit:
				p.setReadErr(ErrClosed)
				close(p.frames)
				return
			}
		}
	}()
	go func() {
		defer p.wg.Done()
		defer errR.Close()
		sc := bufio.NewScanner(errR)
		sc.Buffer(make([]byte, 4096), 64<<10)
		for sc.Scan() {
			p.stderr.add(sc.Text())
			p.log.Debug("worker stderr", "line", sc.Text())
		}
		// Drain what a too-long line left, so the worker never blocks on
		// a full stderr pipe.
		_, _ = io.Copy(io.Discard, errR)
	}()
	go func() {
		defer p.wg.Done()
		p.waitErr = process.Wait()
		close(p.exited)
	}()

	timer := time.NewTimer(cfg.StartTimeout)
	defer timer.Stop()
	select {
	case r, ok := <-p.frames:
		switch {
		case !ok:
			err = p.exitError("before Hello")
		case r.GetHello() != nil:
			p.hello = r.GetHello()
			return p, nil
		case r.GetError() != nil:
			err = fmt.Errorf("%w: %s", ErrModelRefused, r.GetError().GetMessage())
		default:
			err = fmt.Errorf("%w: first frame is not Hello", ErrProtocol)
		}
	case <-timer.C:
		err = fmt.Errorf("%w after %v", ErrStartTimeout, cfg.StartTimeout)
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.close(0)
	return nil, fmt.Errorf("start worker %s: %w", id, err)
}

// exitError describes a worker that went away, with its last log lines.
func (p *proc) exitError(when string) error {
	p.errMu.Lock()
	readErr := p.readErr
	p.errMu.Unlock()
	err := readErr
	select {
	case <-p.exited:
		if p.waitErr != nil {
			err = p.waitErr
		}
	case <-time.After(time.Second):
		// Still running with its stdout closed: hardly better.
	}
	msg := fmt.Sprintf("%v: %s (%v)", ErrWorkerExited, when, err)
	if t := p.stderr.String(); t != "" {
		msg += "; stderr: " + t
	}
	if errors.Is(readErr, ErrFrameTooLarge) || errors.Is(readErr, ErrMalformedFrame) {
		return fmt.Errorf("%s: %w", msg, readErr)
	}
	return fmt.Errorf("%s: %w", msg, ErrWorkerExited)
}

func (p *proc) setReadErr(err error) {
	p.errMu.Lock()
	p.readErr = err
	p.errMu.Unlock()
}

// alive reports whether the process is still running.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Result is a completed inference.
type Result struct {
	ID      string
	Output  []byte        // in the manifest's output content type
	Tokens  int           // tokens generated or items classified
	Partial int           // partial frames streamed before the output
	Compute time.Duration // as measured by the worker
}

// do runs one request: send it, stream partials, return the Final or the
// Error. limit is when to give up on the worker (deadline plus grace); on
// any failure that leaves the stream in doubt, p.broken is set.
func (p *proc) do(ctx context.Context, req *workerpb.Request, limit time.Time, partial func([]byte)) (*Result, error) {
	if !limit.IsZero() {
		_ = p.stdin.SetWriteDeadline(limit)
	}
	if err := p.enc.Encode(req); err != nil {
		if !errors.Is(err, ErrFrameTooLarge) { // nothing was written then
			p.broken = true
		}
		return nil, err
	}
	var timeout <-chan time.Time
	if !limit.IsZero() {
		t := time.NewTimer(time.Until(limit))
		defer t.Stop()
		timeout = t.C
	}
	res := &Result{ID: req.RequestId}
	for {
		select {
		case r, ok := <-p.frames:
			if !ok {
				p.broken = true
				return nil, p.exitError("during request " + req.RequestId)
			}
			if r.RequestId != req.RequestId {
				p.broken = true
				return nil, fmt.Errorf("%w: response for %q during request %q", ErrProtocol, r.RequestId, req.RequestId)
			}
			switch body := r.Body.(type) {
			case *workerpb.Response_Partial:
				res.Partial++
				if partial != nil {
					partial(body.Partial.Chunk)
				}
			case *workerpb.Response_Final:
				res.Output = body.Final.Output
				res.Tokens = int(body.Final.Tokens)
				res.Compute = time.Duration(body.Final.ComputeMicros) * time.Microsecond
				return res, nil
			case *workerpb.Response_Health:
				if req.Kind != workerpb.Request_KIND_HEALTH {
					p.broken = true
					return nil, fmt.Errorf("%w: Health frame for an infer request", ErrProtocol)
				}
				return res, nil
			case *workerpb.Response_Error:
				e := &ModelError{Code: body.Error.Code, Message: body.Error.Message}
				if e.Code == workerpb.Error_FRAMING || e.Code == workerpb.Error_MODEL_INVALID {
					p.broken = true
				}
				return nil, e
			default:
				p.broken = true
				return nil, fmt.Errorf("%w: unexpected frame %T", ErrProtocol, r.Body)
			}
		case <-timeout:
			// The worker checks the deadline itself; one that is still
			// silent after the grace period is stuck, and is killed.
			p.broken = true
			return nil, deadlineError{fmt.Sprintf("worker %s: no answer to %s by its deadline", p.id, req.RequestId)}
		case <-ctx.Done():
			// The caller left; the worker cannot be interrupted mid-request,
			// so the pool drains it (or kills it) before reuse.
			return nil, ctx.Err()
		}
	}
}

// drain consumes the rest of an abandoned request's frames, until a
// terminal frame or the limit. It reports whether the worker can serve
// again.
func (p *proc) drain(limit time.Time) bool {
	t := time.NewTimer(time.Until(limit))
	defer t.Stop()
	for {
		select {
		case r, ok := <-p.frames:
			if !ok {
				return false
			}
			switch r.Body.(type) {
			case *workerpb.Response_Partial:
				continue
			case *workerpb.Response_Final, *workerpb.Response_Health:
				return true
			case *workerpb.Response_Error:
				c := r.GetError().Code
				return c != workerpb.Error_FRAMING && c != workerpb.Error_MODEL_INVALID
			default:
				return false
			}
		case <-t.C:
			return false
		}
	}
}

// close stops the worker: a shutdown request and up to grace for it to
// exit by itself, then SIGKILL; then it reaps the process, stops the
// goroutines and removes the scratch directory. Safe to call twice.
func (p *proc) close(grace time.Duration) {
	p.once.Do(func() {
		if grace > 0 && p.alive() && !p.broken {
			_ = p.stdin.SetWriteDeadline(time.Now().Add(grace))
			_ = p.enc.Encode(&workerpb.Request{Kind: workerpb.Request_KIND_SHUTDOWN})
		}
		// Closing stdin is the other way to say "stop": EOF ends the loop.
		p.stdin.Close()
		select {
		case <-p.exited:
		case <-time.After(grace):
		}
		if err := p.process.Kill(); err != nil {
			p.log.Warn("kill worker", "err", err)
		}
		close(p.quit)
		p.wg.Wait()
		if err := os.RemoveAll(p.scratch); err != nil {
			p.log.Warn("remove worker scratch", "dir", p.scratch, "err", err)
		}
	})
}

// tail keeps the last max lines of a worker's stderr, for error messages.
type tail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (t *tail) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(line) > 500 {
		line = line[:500] + "..."
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, " | ")
}

func closeAll(fs ...*os.File) {
	for _, f := range fs {
		f.Close()
	}
}
