package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Cmd is the command to run inside the sandbox.
type Cmd struct {
	Path   string   // absolute, or looked up on the host's PATH
	Args   []string // argv, including argv[0]; default [Path]
	Env    []string // the command's whole environment; nothing is inherited
	Dir    string   // working directory inside; default the first ReadWrite path, else /
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Process is a running sandbox. Wait must be called to tear it down.
type Process struct {
	cmd      *exec.Cmd
	policy   Policy
	cg       *cgroup
	root     string
	timer    *time.Timer
	deadline atomic.Bool
	stop     func() bool // stops the context watch

	copies   sync.WaitGroup // output copiers, done once every writer end is closed
	waitOnce sync.Once
	waitErr  error
	events   cgroupEvents // what the cgroup's limits did, read before removal
}

// Start runs c under policy p. Every layer p names is applied or Start
// fails; see Check and ForProfile for choosing layers. The context kills the
// whole tree when done, like p.Limits.WallTime.
func Start(ctx context.Context, p Policy, c Cmd) (*Process, error) {
	p = p.withDefaults(os.Getuid(), os.Getgid())
	if err := p.Validate(); err != nil {
		return nil, err
	}
	for _, s := range Check() {
		if p.Has(s.Layer) && !s.Supported {
			return nil, &LayerError{Layer: s.Layer, Reason: s.Detail}
		}
	}
	path := c.Path
	if !filepath.IsAbs(path) {
		lp, err := exec.LookPath(path)
		if err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		path = lp
	}
	p.ReadOnly = withPath(p.ReadOnly, path)
	for _, set := range [][]string{p.ReadOnly, p.ReadWrite, p.Devices} {
		for _, path := range set {
			if _, err := os.Lstat(path); err != nil {
				return nil, fmt.Errorf("sandbox: policy path: %w", err)
			}
		}
	}
	args := c.Args
	if len(args) == 0 {
		args = []string{path}
	}
	dir := c.Dir
	if dir == "" {
		dir = "/"
		if len(p.ReadWrite) > 0 {
			dir = p.ReadWrite[0]
		}
	}
	uids, gids, innerUID, innerGID := idMaps(p, os.Getuid(), os.Getgid())
	spec := initSpec{Policy: p, Path: path, Args: args, Env: c.Env, Dir: dir, UID: innerUID, GID: innerGID}
	if !p.Has(LayerUser) {
		spec.UID, spec.GID = p.UID, p.GID // no namespace: drop straight to the host's sandbox uid
	}

	proc := &Process{policy: p}
	ok := false
	defer func() {
		if !ok {
			proc.cleanup()
		}
	}()
	id := randomID()
	if p.Has(LayerMount) {
		root, err := os.MkdirTemp("", "ncn-sandbox-root-")
		if err != nil {
			return nil, err
		}
		proc.root, spec.Root = root, root
	}
	if p.Has(LayerCgroup) {
		cg, err := newCgroup(id, p.Limits)
		if err != nil {
			return nil, &LayerError{Layer: LayerCgroup, Reason: err.Error()}
		}
		proc.cg = cg
	}

	// Stage two is this binary, opened now: the path is walked by the
	// parent, so a binary under a directory the sandbox uid cannot search
	// still starts.
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	defer self.Close()
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer specW.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		specR.Close()
		return nil, err
	}
	defer errR.Close()

	// Output goes through pipes this package copies, not exec's: exec's
	// Wait would wait for every holder of the pipe, and a tree without a
	// PID namespace is killed only after its first process is waited for.
	stdout, err := proc.output(c.Stdout)
	if err != nil {
		return nil, err
	}
	stderr, err := proc.output(c.Stderr)
	if err != nil {
		return nil, err
	}
	cmd := &exec.Cmd{
		Path:       fmt.Sprintf("/proc/self/fd/%d", self.Fd()),
		Args:       []string{initArg0},
		Env:        []string{},
		Stdin:      c.Stdin,
		Stdout:     stdout,
		Stderr:     stderr,
		WaitDelay:  time.Second, // a stdin reader that never returns must not hold Wait
		ExtraFiles: []*os.File{specR, errW},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: cloneFlags(p),
			Pdeathsig:  syscall.SIGKILL, // the host dying takes the sandbox with it (set again in stage two)
			// A session of its own: no controlling terminal to push input
			// into, no process group shared with the host to signal.
			Setsid: true,
		},
	}
	if p.Has(LayerUser) {
		cmd.SysProcAttr.UidMappings = uids
		cmd.SysProcAttr.GidMappings = gids
		cmd.SysProcAttr.GidMappingsEnableSetgroups = os.Getuid() == 0
	}
	err = cmd.Start()
	specR.Close()
	errW.Close()
	for _, w := range []io.Writer{stdout, stderr} {
		if f, ok := w.(*os.File); ok && f != c.Stdout && f != c.Stderr {
			f.Close() // the child has its copy
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: start stage two: %w", err)
	}
	proc.cmd = cmd
	if proc.cg != nil {
		// Stage two blocks on the spec until it is in the cgroup, so the
		// command never runs outside it.
		if err := proc.cg.add(cmd.Process.Pid); err != nil {
			proc.killAndWait()
			return nil, err
		}
	}
	if err := json.NewEncoder(specW).Encode(spec); err != nil {
		proc.killAndWait()
		return nil, fmt.Errorf("sandbox: send spec: %w", err)
	}
	specW.Close()
	report, _ := io.ReadAll(io.LimitReader(errR, 64<<10))
	if len(report) > 0 {
		var se SetupError
		if json.Unmarshal(report, &se) != nil {
			se = SetupError{Step: "report", Err: strings.TrimSpace(string(report))}
		}
		proc.killAndWait()
		return nil, &se
	}
	if p.Limits.WallTime > 0 {
		proc.timer = time.AfterFunc(p.Limits.WallTime, func() {
			proc.deadline.Store(true)
			proc.Kill()
		})
	}
	proc.stop = context.AfterFunc(ctx, func() { proc.Kill() })
	ok = true
	return proc, nil
}

// Pid is the host's pid of the sandbox's PID 1.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Kill kills the whole tree: PID 1 of the namespace (the kernel then kills
// every process in it) and anything left in the cgroup or process group.
func (p *Process) Kill() error {
	err := p.cmd.Process.Kill()
	if !p.policy.Has(LayerPID) {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	if p.cg != nil {
		p.cg.kill()
	}
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// Wait waits for the command, kills whatever it left behind, and removes
// the sandbox's cgroup and mount point. It returns nil on exit status 0, an
// error wrapping ErrDeadline if the deadline killed it, and otherwise the
// *exec.ExitError. Safe to call more than once.
func (p *Process) Wait() error {
	p.waitOnce.Do(func() {
		err := p.cmd.Wait()
		if p.timer != nil {
			p.timer.Stop()
		}
		if p.stop != nil {
			p.stop()
		}
		// PID 1 is gone, so the kernel has killed its namespace; a tree
		// without a PID namespace goes by process group and cgroup.
		if !p.policy.Has(LayerPID) {
			killGroup(p.cmd.Process.Pid)
		}
		if p.deadline.Load() {
			err = fmt.Errorf("%w after %s", ErrDeadline, p.policy.Limits.WallTime)
		}
		if p.cg != nil {
			p.events = p.cg.events()
		}
		if p.cg != nil {
			p.cg.kill()
		}
		p.copies.Wait()
		p.waitErr = errors.Join(err, p.cleanup())
	})
	return p.waitErr
}

// OOMKilled reports, after Wait, whether the cgroup's memory limit killed
// a process of the tree.
func (p *Process) OOMKilled() bool { return p.events.oomKills > 0 }

// PIDsLimitHit reports, after Wait, whether the cgroup's pids limit refused
// a fork or thread.
func (p *Process) PIDsLimitHit() bool { return p.events.pidsMax > 0 }

// ExitCode is the command's exit code after Wait, or -1 if a signal ended it.
func (p *Process) ExitCode() int { return p.cmd.ProcessState.ExitCode() }

// killGroup kills a process group and waits, briefly, until the kernel
// has no member of it left (its orphans are reaped by init).
func killGroup(pgid int) {
	for range 500 {
		if syscall.Kill(-pgid, syscall.SIGKILL) != nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// output returns what the child writes to for w: w itself if it is a file
// (or nil), else a pipe whose read end is copied to w until every writer
// has closed it.
func (p *Process) output(w io.Writer) (io.Writer, error) {
	if w == nil {
		return nil, nil
	}
	if f, ok := w.(*os.File); ok {
		return f, nil
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.copies.Add(1)
	go func() {
		defer p.copies.Done()
		defer r.Close()
		_, _ = io.Copy(w, r)
	}()
	return pw, nil
}

func (p *Process) killAndWait() {
	_ = p.Kill()
	_ = p.cmd.Wait()
}

func (p *Process) cleanup() error {
	var errs []error
	if p.cg != nil {
		p.cg.kill()
		if err := p.cg.remove(); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: remove cgroup: %w", err))
		}
	}
	if p.root != "" {
		if err := os.Remove(p.root); err != nil {
			errs = append(errs, fmt.Errorf("sandbox: remove mount point: %w", err))
		}
	}
	return errors.Join(errs...)
}

// PrepareScratch creates dir (and parents) as a scratch directory the
// sandboxed command can write: mode 0700, owned by the policy's uid.
func (p Policy) PrepareScratch(dir string) error {
	p = p.withDefaults(os.Getuid(), os.Getgid())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if os.Getuid() == 0 {
		return os.Chown(dir, p.UID, p.GID)
	}
	return nil
}

// withPath adds path to list unless a listed directory already covers it.
func withPath(list []string, path string) []string {
	for _, l := range list {
		if path == l || strings.HasPrefix(path, l+"/") {
			return list
		}
	}
	return append(list, path)
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
