package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ncn-network/ncn/sandbox"
)

// exitCodeError carries a sandboxed command's own exit code out of `ncn
// sandbox run`, so scripts see it unchanged.
type exitCodeError struct{ code int }

func (e *exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// profileFromEnv reads SANDBOX_MODE (default strict).
func profileFromEnv(e env, flagValue string) (sandbox.Profile, error) {
	v := flagValue
	if v == "" {
		v = e.getenv("SANDBOX_MODE")
	}
	return sandbox.ParseProfile(v)
}

func runSandboxCheck(ctx context.Context, e env, args []string) error {
	f := newFlags("sandbox check", "[--profile P] [--json]", `
Print each sandbox layer and whether this kernel and machine support it, then
start /bin/true under the chosen profile to prove the layers work together.
Exits 1 when the profile cannot run here, naming the layer and why.

The profile is --profile, else $SANDBOX_MODE, else strict:
  strict      every layer; a missing one is an error (the default)
  permissive  every layer this kernel supports; the rest are dropped and listed
  none        rlimits and the deadline only: development, never untrusted models

Example:
  ncn sandbox check
  SANDBOX_MODE=permissive ncn sandbox check --json`)
	profile := f.String("profile", "", "profile to check (strict, permissive, none); default $SANDBOX_MODE or strict")
	asJSON := f.Bool("json", false, "print JSON instead of a table")
	if err := f.parse(e, args); err != nil {
		return err
	}
	pr, err := profileFromEnv(e, *profile)
	if err != nil {
		return f.usagef("%v", err)
	}
	status := sandbox.Check()
	layers, dropped, perr := sandbox.ForProfile(pr, status)
	var probe time.Duration
	if perr == nil {
		probe, perr = probeSandbox(ctx, layers)
	}
	if *asJSON {
		type layer struct {
			Layer     sandbox.Layer `json:"layer"`
			Supported bool          `json:"supported"`
			Detail    string        `json:"detail"`
		}
		out := struct {
			Profile     sandbox.Profile `json:"profile"`
			Layers      []layer         `json:"layers"`
			Dropped     []sandbox.Layer `json:"dropped,omitempty"`
			OK          bool            `json:"ok"`
			Error       string          `json:"error,omitempty"`
			ProbeMillis float64         `json:"probe_ms,omitempty"`
		}{Profile: pr, Dropped: dropped, OK: perr == nil, ProbeMillis: float64(probe.Microseconds()) / 1000}
		for _, s := range status {
			out.Layers = append(out.Layers, layer{s.Layer, s.Supported, s.Detail})
		}
		if perr != nil {
			out.Error = perr.Error()
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "LAYER\tSUPPORTED\tDETAIL")
		for _, s := range status {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Layer, yesNo(s.Supported), s.Detail)
		}
		tw.Flush()
		fmt.Fprintln(e.stdout)
		if len(dropped) > 0 {
			fmt.Fprintf(e.stdout, "profile %s drops: %s\n", pr, joinLayers(dropped))
		}
		if perr == nil {
			fmt.Fprintf(e.stdout, "profile %s: ok (layers %s; /bin/true started and reaped in %s)\n", pr, joinLayers(layers), probe.Round(time.Microsecond))
		}
	}
	if perr != nil {
		return fmt.Errorf("profile %s cannot run here: %w", pr, perr)
	}
	return nil
}

// probeSandbox runs /bin/true under the layers and times it.
func probeSandbox(ctx context.Context, layers []sandbox.Layer) (time.Duration, error) {
	start := time.Now()
	p := sandbox.Policy{Layers: layers, ReadOnly: sandbox.SystemPaths(), Limits: sandbox.Limits{WallTime: 10 * time.Second}}
	proc, err := sandbox.Start(ctx, p, sandbox.Cmd{Path: "/bin/true"})
	if err != nil {
		return 0, err
	}
	if err := proc.Wait(); err != nil {
		return 0, fmt.Errorf("/bin/true under the sandbox: %w", err)
	}
	return time.Since(start), nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

func joinLayers(ls []sandbox.Layer) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ",")
}

// pathList is a repeatable path flag.
type pathList []string

func (p *pathList) String() string     { return strings.Join(*p, ",") }
func (p *pathList) Set(v string) error { *p = append(*p, v); return nil }

func runSandboxRun(ctx context.Context, e env, args []string) error {
	f := newFlags("sandbox run", "[flags] -- CMD [ARGS...]", `
Run any command inside the sandbox, the way compute runs model workers, to
test this machine (like nsjail). The system's interpreter and library paths
(/usr, /lib, ...) are visible read-only; add more with --ro, and writable
directories with --rw. Nothing else of the host's filesystem is visible, the
network is loopback only, and denied syscalls fail with EPERM. Standard
input, output and error pass through; the command's exit status is ncn's.

Examples:
  ncn sandbox run -- /usr/bin/python3 -c 'import os; print(os.getpid())'
  ncn sandbox run --rw /tmp/task1 --timeout 5s -- /bin/sh -c 'echo hi > /tmp/task1/out'
  ncn sandbox run --profile permissive --layers user,pid,net -- /bin/ls /`)
	var ro, rw pathList
	f.Var(&ro, "ro", "host path visible read-only at the same path (repeatable)")
	f.Var(&rw, "rw", "host directory visible read-write, e.g. a scratch dir (repeatable); must be writable by the sandbox uid (65534 when run as root)")
	profile := f.String("profile", "", "strict, permissive or none; default $SANDBOX_MODE or strict")
	layerFlag := f.String("layers", "", "comma-separated layers to apply instead of the profile's (user,pid,net,mount,ipc,uts,cgroup,rlimit,landlock,seccomp)")
	timeout := f.Duration("timeout", 0, "wall-clock deadline; the whole tree is killed then (0: none)")
	memory := f.Uint64("memory", 0, "cgroup memory limit in bytes (default 2 GiB)")
	pids := f.Uint64("pids", 0, "cgroup pids limit (default 128)")
	var envs pathList
	f.Var(&envs, "env", "KEY=VALUE for the command's environment (repeatable); PATH defaults to /usr/bin:/bin")
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.printHelp(e.stdout)
			return err
		}
		return &usageError{cmd: f.cmd, err: err}
	}
	cmdArgs := f.Args()
	if len(cmdArgs) == 0 {
		return f.usagef("no command given: ncn sandbox run [flags] -- CMD [ARGS...]")
	}
	pr, err := profileFromEnv(e, *profile)
	if err != nil {
		return f.usagef("%v", err)
	}
	layers, dropped, err := sandbox.ForProfile(pr, sandbox.Check())
	if err != nil {
		return err
	}
	if *layerFlag != "" {
		if layers, err = sandbox.ParseLayers(*layerFlag); err != nil {
			return f.usagef("%v", err)
		}
	}
	if len(dropped) > 0 {
		fmt.Fprintf(e.stderr, "ncn sandbox run: profile %s drops layers this kernel lacks: %s\n", pr, joinLayers(dropped))
	}
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	for _, kv := range envs {
		if !strings.Contains(kv, "=") {
			return f.usagef("--env %q: want KEY=VALUE", kv)
		}
		env = append(env, kv)
	}
	path, err := exec.LookPath(cmdArgs[0])
	if err != nil {
		return err
	}
	p := sandbox.Policy{
		Layers:    layers,
		ReadOnly:  append(sandbox.SystemPaths(), ro...),
		ReadWrite: rw,
		Limits:    sandbox.Limits{WallTime: *timeout, Memory: *memory, PIDs: *pids},
	}
	proc, err := sandbox.Start(ctx, p, sandbox.Cmd{Path: path, Args: cmdArgs, Env: env, Stdin: e.stdin, Stdout: e.stdout, Stderr: e.stderr})
	if err != nil {
		return err
	}
	err = proc.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return &exitCodeError{code: ee.ExitCode()}
	case proc.OOMKilled():
		return fmt.Errorf("%w (killed by the memory limit)", err)
	default:
		return err
	}
}
