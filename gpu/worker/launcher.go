package worker

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"syscall"
)

// Launcher starts one worker process. The pool calls it from several
// goroutines at once; implementations must be safe for that. host/compute
// passes the sandbox's launcher; Exec runs the worker unsandboxed.
type Launcher interface {
	Launch(ctx context.Context, c Command) (Process, error)
}

// Command is one worker process to start.
type Command struct {
	Path string   // the interpreter, absolute
	Args []string // arguments after the program name
	// Env is the whole environment: the pool never passes its own (it may
	// hold keys), only what the worker needs.
	Env []string
	Dir string // working directory; the worker chdirs to Scratch anyway
	// ReadOnly lists what the worker reads: the interpreter, its libraries,
	// the worker's sources and the model bundle. A sandbox grants read
	// access to these and nothing else.
	ReadOnly []string
	// Scratch is the worker's only writable directory (also its TMPDIR and
	// HOME). The pool creates it before Launch and removes it after the
	// process is gone.
	Scratch string
	// The protocol runs over Stdin and Stdout; Stderr carries logs. The
	// pool passes *os.File pipe ends, which a launcher hands to the child
	// as fds 0, 1 and 2.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Process is a started worker.
type Process interface {
	// Wait blocks until the process has exited and been reaped. The pool
	// calls it exactly once.
	Wait() error
	// Kill ends the process and everything it started, at once. Safe to
	// call at any time, more than once, concurrently with Wait.
	Kill() error
}

// Exec launches workers as plain child processes: no sandbox. For tests,
// benchmarks and development. Each worker gets its own process group, so
// Kill reaches anything it started, and is killed if the host dies.
type Exec struct{}

// Launch starts c.
func (Exec) Launch(ctx context.Context, c Command) (Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	if cmd.Env == nil {
		cmd.Env = []string{} // never inherit the host's environment
	}
	cmd.Dir = c.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("exec %s: %w", c.Path, err)
	}
	return &ExecProcess{cmd: cmd}, nil
}

// ExecProcess is a worker started by Exec.
type ExecProcess struct {
	cmd *exec.Cmd
}

// Pid is the worker's process id (and process group id).
func (p *ExecProcess) Pid() int { return p.cmd.Process.Pid }

// Wait reaps the process.
func (p *ExecProcess) Wait() error { return p.cmd.Wait() }

// Kill sends SIGKILL to the worker's process group.
func (p *ExecProcess) Kill() error {
	// The group id is the pid (Setpgid); killing the group also reaches
	// any child the worker should not have had. ESRCH: already gone.
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return fmt.Errorf("kill worker %d: %w", p.cmd.Process.Pid, err)
	}
	return nil
}
