// Package devnet runs a whole network on one machine as separate
// processes of the ncn binary — the chain with the contracts deployed,
// registry/validator nodes, a gateway and compute nodes — so that killing
// one means what it means in production; and pays requests through it
// with a settlement report whose conservation check fails loudly.
package devnet

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is one child process: a role of the network.
type Proc struct {
	Name string
	Cmd  *exec.Cmd
	// Out holds the lines the process printed on stdout before "ready",
	// as "key value" or "key: value" pairs (the first value of each key).
	Out map[string]string
	Log string // stderr and the rest of stdout go here

	bin    string // how it was started, for Net.Restart
	args   []string
	env    []string
	logDir string

	done chan struct{}
	err  error
}

// readyTimeout bounds how long a role may take to print "ready".
const readyTimeout = 3 * time.Minute

// StartProc runs bin with args, logging to logDir/name.log, and returns
// once it prints a line "ready" (or fails, with the end of its log).
func StartProc(ctx context.Context, name, bin string, args []string, env []string, logDir string) (*Proc, error) {
	return startProc(ctx, name, bin, args, env, logDir, false)
}

// startProc is StartProc; again appends to the log of an earlier run
// instead of starting a new one.
func startProc(ctx context.Context, name, bin string, args []string, env []string, logDir string, again bool) (*Proc, error) {
	logPath := filepath.Join(logDir, name+".log")
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if again {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	logf, err := os.OpenFile(logPath, flags, 0o644)
	if err != nil {
		return nil, err
	}
	if again {
		fmt.Fprintf(logf, "\n--- devnet: %s started again at %s ---\n", name, time.Now().Format(time.RFC3339Nano))
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	// The children go down with the devnet, however it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, Cmd: cmd, Out: map[string]string{}, Log: logPath, bin: bin, args: args, env: env, logDir: logDir, done: make(chan struct{})}
	ready := make(chan struct{})
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			select {
			case <-ready:
				continue
			default:
			}
			if strings.TrimSpace(line) == "ready" {
				once.Do(func() { close(ready) })
				continue
			}
			k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
			if ok {
				k = strings.TrimSuffix(k, ":")
				if _, seen := p.Out[k]; !seen {
					p.Out[k] = strings.TrimSpace(v)
				}
			}
		}
		_, _ = io.Copy(logf, stdout)
	}()
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before it was ready (%v); the end of %s:\n%s", name, p.err, logPath, tail(logPath, 15))
	case <-timer.C:
		p.Kill()
		return nil, fmt.Errorf("%s not ready after %s; the end of %s:\n%s", name, readyTimeout, logPath, tail(logPath, 15))
	case <-ctx.Done():
		p.Kill()
		return nil, ctx.Err()
	}
}

// Stop asks the process to stop (SIGINT), and kills it if it has not
// within grace. It returns how it ended.
func (p *Proc) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.Cmd.Process.Signal(syscall.SIGINT)
	_ = p.Cmd.Process.Signal(syscall.SIGCONT) // a paused process takes the SIGINT only once it runs
	select {
	case <-p.done:
		return p.err
	case <-time.After(grace):
		p.Kill()
		return fmt.Errorf("%s did not stop within %s: killed", p.Name, grace)
	}
}

// Kill ends the process at once (SIGKILL), as a crash would.
func (p *Proc) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.done
}

// Pause stops the process where it is (SIGSTOP), as a machine that
// hangs would: its connections stay open and nothing answers on them
// until Resume.
func (p *Proc) Pause() error { return p.signal(syscall.SIGSTOP) }

// Resume continues a paused process (SIGCONT).
func (p *Proc) Resume() error { return p.signal(syscall.SIGCONT) }

func (p *Proc) signal(s syscall.Signal) error {
	select {
	case <-p.done:
		return fmt.Errorf("%s has exited (%v)", p.Name, p.err)
	default:
	}
	if err := p.Cmd.Process.Signal(s); err != nil {
		return fmt.Errorf("%s: %v: %w", p.Name, s, err)
	}
	return nil
}

// Running reports whether the process has not exited.
func (p *Proc) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is how the process ended, once Done.
func (p *Proc) Err() error { return p.err }

// tail is the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
