package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ncn-network/ncn/sandbox"
	"github.com/ncn-network/ncn/sandbox/sandboxtest"
	"golang.org/x/sys/unix"
)

// policyErrno is the deny errno the escape tests' policy sets: no syscall
// returns it in these tests for an ordinary reason, so meeting it proves
// the seccomp layer refused the call.
const policyErrno = unix.EHWPOISON

// uids gives each sandbox of this test binary its own uid, so leftovers are
// found by uid alone.
var nextUID atomic.Int64

func init() { nextUID.Store(300000 + int64(os.Getpid()%1000)*100) }

// fixture is one task's view of a node: its scratch dir, another task's,
// and the node's database, which no task may read.
type fixture struct {
	base, scratch, other, otherSecret, nodeDB string
	policy                                    sandbox.Policy
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	f := &fixture{base: base, scratch: filepath.Join(base, "tasks", "a"), other: filepath.Join(base, "tasks", "b"), nodeDB: filepath.Join(base, "node.db")}
	f.otherSecret = filepath.Join(f.other, "secret")
	uid := int(nextUID.Add(1))
	f.policy = sandbox.Policy{
		ReadOnly:  sandbox.SystemPaths(),
		ReadWrite: []string{f.scratch},
		DenyErrno: int(policyErrno),
		UID:       uid, GID: uid,
		Limits: sandbox.Limits{OpenFiles: 64, FileSize: 1 << 20, Processes: 64, PIDs: 48, Memory: 192 << 20, WallTime: 30 * time.Second},
	}
	for _, d := range []string{f.scratch, f.other} {
		if err := f.policy.PrepareScratch(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Dir(f.scratch), 0o755); err != nil {
		t.Fatal(err)
	}
	for path, content := range map[string]string{f.otherSecret: "other task's data", f.nodeDB: "node keys"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// run starts the test binary inside the sandbox as attempt args and returns
// what it printed and how it ended. It fails the test if any process of
// the sandbox's uid is left afterwards.
func (f *fixture) run(t *testing.T, p sandbox.Policy, args ...string) (attemptResult, error, string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	proc, err := sandbox.Start(context.Background(), p, sandbox.Cmd{
		Path:   self,
		Args:   append([]string{"attempt", escapeArg}, args...),
		Env:    []string{"NCN_SANDBOX_TASK=a"},
		Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil {
		t.Fatalf("start %v: %v", args, err)
	}
	werr := proc.Wait()
	assertNoneLeft(t, p.UID)
	var res attemptResult
	if line := strings.TrimSpace(stdout.String()); line != "" {
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			t.Fatalf("attempt %v printed %q: %v", args, line, err)
		}
	}
	return res, werr, stderr.String()
}

// assertNoneLeft scans /proc for any process running as uid.
func assertNoneLeft(t *testing.T, uid int) {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		var zombie, mine bool
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			zombie = zombie || len(f) > 1 && f[0] == "State:" && f[1] == "Z" // dead, waiting for init to reap it
			mine = mine || len(f) > 1 && f[0] == "Uid:" && f[1] == strconv.Itoa(uid)
		}
		if mine && !zombie {
			t.Errorf("process %s of sandbox uid %d survived teardown", e.Name(), uid)
		}
	}
}

func errnoName(n int) string {
	if n <= 0 {
		return strconv.Itoa(n)
	}
	return fmt.Sprintf("%d (%s)", n, unix.ErrnoName(syscall.Errno(n)))
}

// hostSecret is in the test process's environment, never in a sandbox's.
const hostSecret = "NCN_HOST_SECRET=do-not-leak"

func TestEscapes(t *testing.T) {
	sandboxtest.Require(t)
	t.Setenv(strings.Split(hostSecret, "=")[0], strings.Split(hostSecret, "=")[1])
	f := newFixture(t)
	ln, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	hostAddr := machineAddr(t)
	// A hard link to the node's database planted in scratch (a host bug,
	// or a task before this one) is still the database: refused by owner.
	planted := filepath.Join(f.scratch, "planted-db")
	if err := os.Link(f.nodeDB, planted); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(f.otherSecret, filepath.Join(f.scratch, "planted-symlink")); err != nil {
		t.Fatal(err)
	}

	seccomp := []int{int(policyErrno)}
	hidden := []int{int(unix.ENOENT)}
	cases := []struct {
		name string
		args []string
		want []int  // acceptable errnos; the first layer to refuse decides
		hide string // if set, what was read must not contain it
	}{
		{name: "read PID 1's environment", args: []string{"read", "/proc/1/environ"}, want: []int{0}, hide: hostSecret},
		{name: "read the host process's environment", args: []string{"read", fmt.Sprintf("/proc/%d/environ", os.Getpid())}, want: hidden},
		{"read /etc/shadow", []string{"read", "/etc/shadow"}, hidden, ""},
		{"read node database", []string{"read", f.nodeDB}, hidden, ""},
		{"read other task's scratch", []string{"read", f.otherSecret}, hidden, ""},
		{"read via ..", []string{"read", f.scratch + "/../b/secret"}, hidden, ""},
		{"read via planted symlink", []string{"read", filepath.Join(f.scratch, "planted-symlink")}, hidden, ""},
		{"read via own symlink", []string{"symlink-read", "/etc/shadow", f.scratch}, hidden, ""},
		{"read via planted hard link", []string{"read", planted}, []int{int(unix.EACCES)}, ""},
		{"hard link a read-only file into scratch", []string{"hardlink", "/usr/bin/sh", f.scratch}, []int{int(unix.EXDEV), int(unix.EACCES)}, ""},
		{"write outside scratch (/usr)", []string{"write", "/usr/escaped"}, []int{int(unix.EROFS), int(unix.EACCES)}, ""},
		{"write outside scratch (/)", []string{"write", "/escaped"}, []int{int(unix.EROFS), int(unix.EACCES)}, ""},
		{"tcp to this host's address", []string{"tcp", hostAddr + ":" + port}, seccomp, ""},
		{"tcp to the host's loopback port", []string{"tcp", "127.0.0.1:" + port}, seccomp, ""},
		{"udp to this host's address", []string{"udp", hostAddr + ":" + port}, seccomp, ""},
		{"raw socket", []string{"raw-socket"}, seccomp, ""},
		{"netlink socket", []string{"netlink-socket"}, seccomp, ""},
		{"ptrace a sibling", []string{"ptrace"}, seccomp, ""},
		{"mount", []string{"mount", f.scratch}, seccomp, ""},
		{"TIOCSTI", []string{"tiocsti", "plain"}, seccomp, ""},
		{"TIOCSTI with the request's high bits set", []string{"tiocsti", "wide"}, seccomp, ""},
		{"nested user namespace", []string{"userns"}, seccomp, ""},
		{"setns", []string{"setns"}, seccomp, ""},
		{"open files past the limit", []string{"open-files"}, []int{int(unix.EMFILE)}, ""},
		{"fill scratch past the file-size limit", []string{"fill-disk", filepath.Join(f.scratch, "big")}, []int{int(unix.EFBIG)}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, werr, stderr := f.run(t, f.policy, c.args...)
			if werr != nil {
				t.Fatalf("attempt ended with %v; stderr: %s", werr, stderr)
			}
			ok := false
			for _, w := range c.want {
				ok = ok || res.Errno == w
			}
			if !ok {
				t.Fatalf("errno %s (%s), want one of %v", errnoName(res.Errno), res.Msg, c.want)
			}
			if c.hide != "" && (res.Data == "" || strings.Contains(res.Data, c.hide)) {
				t.Fatalf("read %q: the host's environment leaked, or nothing was read", res.Data)
			}
			t.Logf("refused: %s", res.Msg)
		})
	}
	// Limits on counts: the file-size and descriptor limits held exactly.
	t.Run("limits held", func(t *testing.T) {
		res, _, _ := f.run(t, f.policy, "open-files")
		if res.Count > 64 {
			t.Errorf("opened %d files past a limit of 64", res.Count)
		}
		res, _, _ = f.run(t, f.policy, "fill-disk", filepath.Join(f.scratch, "big"))
		if res.Count > 1<<20 {
			t.Errorf("wrote %d bytes past a limit of 1 MiB", res.Count)
		}
	})
}

// TestEscapeDefaultErrno checks the default policy's deny errno, EPERM.
func TestEscapeDefaultErrno(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	p := f.policy
	p.DenyErrno = 0
	res, werr, stderr := f.run(t, p, "mount", f.scratch)
	if werr != nil || res.Errno != int(unix.EPERM) {
		t.Fatalf("mount: errno %s, wait %v, stderr %s; want EPERM", errnoName(res.Errno), werr, stderr)
	}
}

// TestEscapeNetworkLayerAlone drops seccomp so the network namespace alone
// must stop the connections: nothing routes out, and 127.0.0.1 is the
// sandbox's own loopback, where nothing listens.
func TestEscapeNetworkLayerAlone(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	ln, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	p := f.policy
	p.Layers = without(sandbox.AllLayers(), sandbox.LayerSeccomp, sandbox.LayerLandlock)
	for _, c := range []struct {
		addr string
		want unix.Errno
	}{
		{machineAddr(t) + ":" + port, unix.ENETUNREACH},
		{"127.0.0.1:" + port, unix.ECONNREFUSED},
	} {
		res, werr, stderr := f.run(t, p, "tcp", c.addr)
		if werr != nil || res.Errno != int(c.want) {
			t.Errorf("tcp %s: errno %s (%s), wait %v, stderr %s; want %s", c.addr, errnoName(res.Errno), res.Msg, werr, stderr, unix.ErrnoName(c.want))
		}
	}
	// Landlock alone (network rules): no TCP connect anywhere.
	p.Layers = without(sandbox.AllLayers(), sandbox.LayerSeccomp, sandbox.LayerNet)
	res, werr, _ := f.run(t, p, "tcp", "127.0.0.1:"+port)
	if werr != nil || res.Errno != int(unix.EACCES) {
		t.Errorf("tcp with landlock alone: errno %s (%s), want EACCES", errnoName(res.Errno), res.Msg)
	}
}

func without(ls []sandbox.Layer, drop ...sandbox.Layer) []sandbox.Layer {
	var out []sandbox.Layer
	for _, l := range ls {
		keep := true
		for _, d := range drop {
			keep = keep && l != d
		}
		if keep {
			out = append(out, l)
		}
	}
	return out
}

// machineAddr is this machine's own non-loopback IPv4 address: "outside"
// the sandbox yet still this machine, so a broken sandbox sends nothing
// off it.
func machineAddr(t *testing.T) string {
	t.Helper()
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address on this machine")
	return ""
}

func TestEscapeResourceExhaustion(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	t.Run("fork bomb", func(t *testing.T) {
		p := f.policy
		p.Limits.WallTime = 3 * time.Second
		proc, err := sandbox.Start(context.Background(), p, sandbox.Cmd{
			Path: "/bin/sh",
			Args: []string{"sh", "-c", "i=0; while [ $i -lt 500 ]; do sleep 60 & i=$((i+1)); done; wait"},
		})
		if err != nil {
			t.Fatal(err)
		}
		werr := proc.Wait()
		assertNoneLeft(t, p.UID)
		// The shell may give up at the first refused fork or keep trying
		// until the deadline; either way the pids limit must have refused.
		if werr == nil || !proc.PIDsLimitHit() {
			t.Fatalf("fork bomb ended with %v, pids limit hit %v", werr, proc.PIDsLimitHit())
		}
	})
	t.Run("memory hog", func(t *testing.T) {
		p := f.policy
		p.Limits.Memory = 96 << 20
		self, _ := os.Executable()
		proc, err := sandbox.Start(context.Background(), p, sandbox.Cmd{Path: self, Args: []string{"attempt", escapeArg, "memory-hog"}})
		if err != nil {
			t.Fatal(err)
		}
		werr := proc.Wait()
		if !proc.OOMKilled() {
			t.Fatalf("memory hog ended (%v) without the OOM killer", werr)
		}
		assertNoneLeft(t, p.UID)
		var ee interface{ ExitCode() int }
		if !errors.As(werr, &ee) || proc.ExitCode() != -1 {
			t.Fatalf("memory hog: %v, want killed by a signal", werr)
		}
	})
	t.Run("loop ignoring SIGTERM", func(t *testing.T) {
		p := f.policy
		p.Limits.WallTime = 500 * time.Millisecond
		_, werr, _ := f.run(t, p, "ignore-term")
		if !errors.Is(werr, sandbox.ErrDeadline) {
			t.Fatalf("spinner ended with %v, want the deadline", werr)
		}
	})
}

// TestThreadsConfined reads, from the host's /proc, every thread of a
// running sandboxed program: each must be under the seccomp filter with
// no_new_privs, and the program must be PID 1 of its namespace.
func TestThreadsConfined(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	self, _ := os.Executable()
	proc, err := sandbox.Start(context.Background(), f.policy, sandbox.Cmd{Path: self, Args: []string{"attempt", escapeArg, "sleep", "30"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		proc.Kill()
		proc.Wait()
		assertNoneLeft(t, f.policy.UID)
	}()
	pid := strconv.Itoa(proc.Pid())
	var tasks []os.DirEntry
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		cmdline, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		tasks, _ = os.ReadDir(filepath.Join("/proc", pid, "task"))
		if strings.Contains(string(cmdline), escapeArg) && len(tasks) > 2 {
			break
		}
	}
	if len(tasks) < 2 {
		t.Fatalf("sandboxed program has %d threads; want several to check", len(tasks))
	}
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join("/proc", pid, "task", task.Name(), "status"))
		if err != nil {
			t.Fatal(err)
		}
		st := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				st[k] = strings.TrimSpace(v)
			}
		}
		if st["Seccomp"] != "2" || st["NoNewPrivs"] != "1" {
			t.Errorf("thread %s: Seccomp %q NoNewPrivs %q, want 2 and 1", task.Name(), st["Seccomp"], st["NoNewPrivs"])
		}
		if ns := strings.Fields(st["NSpid"]); len(ns) != 2 || ns[1] != "1" && task.Name() == pid {
			t.Errorf("thread %s: NSpid %q, want the main thread to be PID 1 inside", task.Name(), st["NSpid"])
		}
		if st["CapEff"] != "0000000000000000" {
			t.Errorf("thread %s: effective capabilities %s, want none", task.Name(), st["CapEff"])
		}
	}
	t.Logf("%d threads, all with seccomp mode 2 and no_new_privs", len(tasks))
}

// TestScratchTotalCapped: many files each under the per-file limit cannot
// fill the disk when the policy caps scratch: the writes stop at the cap
// with ENOSPC, and nothing reaches the host's directory.
func TestScratchTotalCapped(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	p := f.policy
	p.ScratchBytes = 4 << 20
	res, werr, stderr := f.run(t, p, "fill-files", f.scratch)
	if werr != nil || res.Errno != int(unix.ENOSPC) {
		t.Fatalf("fill-files: errno %s (%s), wait %v, stderr %s; want ENOSPC", errnoName(res.Errno), res.Msg, werr, stderr)
	}
	if res.Count > 4<<20 || res.Count < 2<<20 {
		t.Fatalf("wrote %d bytes with a 4 MiB scratch cap", res.Count)
	}
	if left, _ := os.ReadDir(f.scratch); len(left) != 0 {
		t.Fatalf("%d files reached the host's scratch directory", len(left))
	}
	// Without the cap the same attempt writes on (32 files, 8 MiB).
	p.ScratchBytes = 0
	if res, _, _ := f.run(t, p, "fill-files", f.scratch, "32"); res.Count != 8<<20 {
		t.Fatalf("without a cap: %d bytes, errno %s", res.Count, errnoName(res.Errno))
	}
}

// TestNestedReadOnly: a host mount nested under a read-only path is
// read-only inside too, without Landlock to catch it: the whole bound tree
// is made read-only, not only its top.
func TestNestedReadOnly(t *testing.T) {
	sandboxtest.Require(t)
	f := newFixture(t)
	ro := filepath.Join(f.base, "ro")
	nested := filepath.Join(ro, "nested")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", nested, "tmpfs", 0, "mode=0777,size=1m"); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(nested, unix.MNT_DETACH)
	p := f.policy
	p.ReadOnly = append(p.ReadOnly, ro)
	p.Layers = without(sandbox.AllLayers(), sandbox.LayerLandlock)
	res, werr, stderr := f.run(t, p, "write", filepath.Join(nested, "x"))
	if werr != nil || res.Errno != int(unix.EROFS) {
		t.Fatalf("write under a nested mount: errno %s (%s), wait %v, stderr %s; want EROFS", errnoName(res.Errno), res.Msg, werr, stderr)
	}
	// The host's own mount stays writable: nothing propagated back.
	if err := os.WriteFile(filepath.Join(nested, "host"), []byte("ok"), 0o644); err != nil {
		t.Fatalf("the host's mount became read-only: %v", err)
	}
}
