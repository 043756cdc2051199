package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ncn-network/ncn/sandbox"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
)

// TestSetupErrorNamesStep: a failure inside stage two comes back as a
// SetupError naming the step, and leaves nothing behind.
func TestSetupErrorNamesStep(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	_, err := sandbox.Start(context.Background(), f.policy, sandbox.Cmd{Path: "/bin/true", Dir: "/nonexistent"})
	var se *sandbox.SetupError
	if !errors.As(err, &se) || se.Step != "chdir" {
		t.Fatalf("Start with a missing working dir: %v, want a SetupError at chdir", err)
	}
	assertNoneLeft(t, f.policy.UID)
	// A path the policy names must exist on the host.
	p := f.policy
	p.ReadOnly = append(p.ReadOnly, "/nonexistent/model")
	if _, err := sandbox.Start(context.Background(), p, sandbox.Cmd{Path: "/bin/true"}); err == nil {
		t.Fatal("Start with a missing read-only path succeeded")
	}
	// A command missing inside the sandbox.
	p = f.policy
	p.ReadOnly = nil
	_, err = sandbox.Start(context.Background(), p, sandbox.Cmd{Path: "/bin/true"})
	if !errors.As(err, &se) {
		t.Fatalf("Start without the libraries /bin/true needs: %v, want a SetupError", err)
	}
}

// TestContextKillsTree: cancelling the context kills the tree like the
// deadline does.
func TestContextKillsTree(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	proc, err := sandbox.Start(ctx, f.policy, sandbox.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 60 & sleep 60"}})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, cancel)
	err = proc.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || proc.ExitCode() != -1 {
		t.Fatalf("Wait after cancel: %v, want killed by a signal", err)
	}
	assertNoneLeft(t, f.policy.UID)
}

// BenchmarkStart measures the sandbox's cold start: Start (fork, stage two,
// every layer, exec) plus Wait for /bin/true, against running /bin/true
// bare in the same run. The difference is what the sandbox adds before an
// interpreter starts.
func BenchmarkStart(b *testing.B) {
	sandboxtest.Require(b)
	p := sandbox.Policy{ReadOnly: sandbox.SystemPaths()}
	bare := func() time.Duration {
		t0 := time.Now()
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var sandboxed, plain, startOnly time.Duration
	for b.Loop() {
		plain += bare()
		t0 := time.Now()
		proc, err := sandbox.Start(context.Background(), p, sandbox.Cmd{Path: "/bin/true"})
		if err != nil {
			b.Fatal(err)
		}
		startOnly += time.Since(t0)
		if err := proc.Wait(); err != nil {
			b.Fatal(err)
		}
		sandboxed += time.Since(t0)
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64((sandboxed/n).Microseconds())/1000, "sandboxed-ms/op")
	b.ReportMetric(float64((plain/n).Microseconds())/1000, "bare-ms/op")
	b.ReportMetric(float64((startOnly/n).Microseconds())/1000, "start-to-exec-ms/op")
	b.ReportMetric(float64((sandboxed-plain)/n)/1e6, "overhead-ms/op")
}

// TestKillOnDeny: a policy may kill instead of failing the call.
func TestKillOnDeny(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	p := f.policy
	p.KillOnDeny = true
	res, werr, _ := f.run(t, p, "mount", f.scratch)
	var ee *exec.ExitError
	if !errors.As(werr, &ee) || res != (attemptResult{}) {
		t.Fatalf("mount under kill-on-deny: wait %v, printed %+v; want killed before printing", werr, res)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGSYS {
		t.Fatalf("killed by %v, want SIGSYS", ee)
	}
}

// TestProfileNone: without namespaces the command still runs as the
// sandbox uid, under rlimits, and its process group is killed at teardown.
func TestProfileNone(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	layers, _, err := sandbox.ForProfile(sandbox.ProfileNone, sandbox.Check())
	if err != nil {
		t.Fatal(err)
	}
	p := f.policy
	p.Layers = layers
	var out bytes.Buffer
	proc, err := sandbox.Start(context.Background(), p, sandbox.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "id -u; ulimit -n; sleep 60 & echo started"}, Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(); err != nil {
		t.Fatal(err)
	}
	assertNoneLeft(t, p.UID)
	want := fmt.Sprintf("%d\n64\nstarted\n", p.UID)
	if out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
}

// TestCPULimit: a spinning process is killed at its CPU-seconds rlimit,
// long before the wall-clock deadline.
func TestCPULimit(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	p := f.policy
	p.Limits.CPUSeconds = 1
	proc, err := sandbox.Start(context.Background(), p, sandbox.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "while :; do :; done"}})
	if err != nil {
		t.Fatal(err)
	}
	err = proc.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("spinner: %v, want killed", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || (ws.Signal() != syscall.SIGXCPU && ws.Signal() != syscall.SIGKILL) {
		t.Fatalf("spinner ended by %v, want SIGXCPU (or SIGKILL at the hard limit)", ee)
	}
	assertNoneLeft(t, p.UID)
}

// launcherArg makes the test binary a host that starts one sandbox and
// waits: the test kills it to see the sandbox go with it.
const launcherArg = "sandbox-launcher"

func runLauncher(uid string) int {
	id, _ := strconv.Atoi(uid)
	proc, err := sandbox.Start(context.Background(), sandbox.Policy{ReadOnly: sandbox.SystemPaths(), UID: id, GID: id},
		sandbox.Cmd{Path: "/bin/sleep", Args: []string{"sleep", "60"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(proc.Pid())
	proc.Wait()
	return 0
}

// TestHostDeathKillsSandbox: SIGKILL the host that started a sandbox; the
// sandbox must die too (its parent-death signal survives the uid change).
func TestHostDeathKillsSandbox(t *testing.T) {
	sandboxtest.Require(t)
	uid := 330000 + os.Getpid()%1000
	self, _ := os.Executable()
	host := exec.Command(self, launcherArg, strconv.Itoa(uid))
	out, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscan(out, &pid); err != nil {
		host.Process.Kill()
		t.Fatalf("launcher printed no pid: %v", err)
	}
	host.Process.Kill()
	host.Wait()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); strings.Contains(string(b), ") Z") {
			return
		}
	}
	t.Fatalf("sandbox %d outlived its host", pid)
}

// TestSweep: empty sandbox cgroups and roots left by a dead host are
// removed once old enough; young ones, and a live sandbox's cgroup however
// old, are kept.
func TestSweep(t *testing.T) {
	sandboxtest.Require(t)
	past := time.Now().Add(-2 * time.Hour)
	leftRoot, err := os.MkdirTemp("", "ncn-sandbox-root-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(leftRoot)
	young, err := os.MkdirTemp("", "ncn-sandbox-root-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(young)
	if err := os.Chtimes(leftRoot, past, past); err != nil {
		t.Fatal(err)
	}
	p := sandbox.Policy{ReadOnly: sandbox.SystemPaths(), UID: 65000, GID: 65000, Limits: sandbox.Limits{WallTime: 30 * time.Second}}
	proc, err := sandbox.Start(context.Background(), p, sandbox.Cmd{Path: "/bin/sleep", Args: []string{"/bin/sleep", "30"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { proc.Kill(); _ = proc.Wait() }()
	// The live sandbox's cgroups, aged; and a leftover beside each.
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", proc.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	var live, left []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 || !strings.Contains(f[2], "/ncn-sandbox/") {
			continue
		}
		dir := filepath.Join("/sys/fs/cgroup", f[1], f[2]) // v2: f[1] is "", the unified hierarchy
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		live = append(live, dir)
		l := filepath.Join(filepath.Dir(dir), "leftover-"+filepath.Base(dir))
		if err := os.Mkdir(l, 0o755); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(l)
		left = append(left, l)
		for _, d := range []string{dir, l} {
			if err := os.Chtimes(d, past, past); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(live) == 0 {
		t.Fatalf("no sandbox cgroup in %s", raw)
	}
	n := sandbox.Sweep(time.Minute)
	for _, d := range left {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("leftover cgroup %s kept: %v", d, err)
		}
	}
	for _, d := range live {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("a live sandbox's cgroup %s was removed: %v", d, err)
		}
	}
	if _, err := os.Stat(leftRoot); !os.IsNotExist(err) {
		t.Errorf("an old empty root was kept: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("a young root was removed: %v", err)
	}
	t.Logf("swept %d", n)
}
