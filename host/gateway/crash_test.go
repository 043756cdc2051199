package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"go.etcd.io/bbolt"
)

// The crash test re-executes the test binary as a child that writes to a
// ledger until it is SIGKILLed; these variables tell the child what to do.
const (
	crashPathEnv  = "NCN_GATEWAY_LEDGER_CRASH_PATH"
	crashRunEnv   = "NCN_GATEWAY_LEDGER_CRASH_RUN"
	crashSeedEnv  = "NCN_GATEWAY_LEDGER_CRASH_SEED"
	crashBatchEnv = "NCN_GATEWAY_LEDGER_CRASH_BATCH"
)

type ack struct {
	state   State
	version uint64
}

// TestCrashRecovery kills a process writing to the ledger at random
// points, many times over one file, and checks after each kill that the
// file is whole (bbolt's own check, every record decodes and walked the
// graph, the in-flight and idempotency indexes match the records) and that
// every write the child was told had succeeded is there. Each child first
// recovers and finishes what the previous one left in flight.
func TestCrashRecovery(t *testing.T) {
	if path := os.Getenv(crashPathEnv); path != "" {
		crashChild(path)
		return
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashSeedEnv); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (set %s to repeat)", seed, crashSeedEnv)
	rng := rand.New(rand.NewPCG(seed, 0))

	path := filepath.Join(t.TempDir(), "ledger.db")
	acked := map[common.Hash]ack{}
	var writes, recovered int
	deadline := time.Now().Add(6 * time.Second)
	runs := 0
	for ; runs < 4 || (runs < 40 && time.Now().Before(deadline)); runs++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			crashPathEnv+"="+path,
			crashRunEnv+"="+strconv.Itoa(runs),
			crashSeedEnv+"="+strconv.FormatUint(rng.Uint64(), 10),
			crashBatchEnv+"="+strconv.Itoa(runs%2))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()

		// Kill at a random point once the child has started writing.
		var kill <-chan time.Time
		timeout := time.After(30 * time.Second)
		killed := false
	read:
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					break read
				}
				switch f := strings.Fields(line); {
				case len(f) == 2 && f[0] == "ready":
					n, _ := strconv.Atoi(f[1])
					recovered += n
					kill = time.After(time.Duration(5+rng.IntN(150)) * time.Millisecond)
				case len(f) == 4 && f[0] == "ack":
					id := common.HexToHash(f[1])
					s, err := ParseState(f[2])
					v, _ := strconv.ParseUint(f[3], 10, 64)
					if err != nil || v == 0 {
						t.Fatalf("bad ack %q", line)
					}
					if v > acked[id].version {
						acked[id] = ack{s, v}
					}
					writes++
				case len(f) > 0 && f[0] == "error":
					cmd.Process.Kill()
					t.Fatalf("run %d: child: %s", runs, line)
				}
			case <-kill:
				if !killed {
					killed = true
					_ = cmd.Process.Signal(syscall.SIGKILL)
				}
			case <-timeout:
				cmd.Process.Kill()
				t.Fatalf("run %d: the child neither started nor died\n%s", runs, stderr.String())
			}
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("run %d: child ended by %v, not SIGKILL\n%s", runs, err, stderr.String())
		}
		checkAfterCrash(t, path, acked)
	}
	if writes == 0 || recovered == 0 {
		t.Fatalf("%d writes acknowledged, %d requests recovered: the test tested nothing", writes, recovered)
	}
	t.Logf("%d kills, %d writes acknowledged, %d requests, %d in flight recovered by the next child", runs, writes, len(acked), recovered)
}

func checkAfterCrash(t *testing.T, path string, acked map[common.Hash]ack) {
	t.Helper()
	l, err := Open(Config{Path: path})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer l.Close()
	err = l.db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bbolt check after kill: %v", err)
	}
	if err := l.Verify(); err != nil {
		t.Fatalf("verify after kill: %v", err)
	}
	for id, a := range acked {
		r, err := l.Get(id)
		switch {
		case err != nil:
			t.Fatalf("request %x acknowledged at %s v%d: %v", id[:4], a.state, a.version, err)
		case r.Version < a.version || !r.Reached(a.state) || (r.Version == a.version && r.State != a.state):
			t.Fatalf("request %x acknowledged at %s v%d, on disk %s v%d", id[:4], a.state, a.version, r.State, r.Version)
		}
	}
	rs, err := l.Recover()
	if err != nil {
		t.Fatalf("recover after kill: %v", err)
	}
	for _, r := range rs {
		if r.Terminal() {
			t.Fatalf("recovered a terminal request %x", r.ID[:4])
		}
	}
}

// crashChild drives requests with four goroutines until it is killed,
// printing "ack <id> <state> <version>" after each write returns.
func crashChild(path string) {
	fail := func(format string, args ...any) {
		fmt.Printf("error "+format+"\n", args...)
		os.Exit(2)
	}
	go func() { // never outlive a parent that died
		time.Sleep(20 * time.Second)
		fail("not killed")
	}()
	run, _ := strconv.ParseUint(os.Getenv(crashRunEnv), 10, 64)
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64)
	cfg := Config{Path: path, KeyTTL: 10 * time.Millisecond, OpenTimeout: 5 * time.Second}
	if os.Getenv(crashBatchEnv) == "1" {
		cfg.BatchDelay = time.Millisecond
	}
	l, err := Open(cfg)
	if err != nil {
		fail("open: %v", err)
	}
	recs, err := l.Recover()
	if err != nil {
		fail("recover: %v", err)
	}
	work := make(chan Record, len(recs))
	for _, r := range recs {
		work <- r
	}
	var next atomic.Uint64
	next.Store(run << 32)
	fmt.Printf("ready %d\n", len(recs))

	ack := func(r Record) { fmt.Printf("ack %s %s %d\n", r.ID.Hex(), r.State, r.Version) }
	worker := func(rng *rand.Rand) {
		for {
			var r Record
			select {
			case r = <-work:
			default:
				// Pairs of requests share a key: the second usually finds the
				// first (and drives it alongside), or a new one once swept.
				n := next.Add(1)
				key := fmt.Sprintf("k%d", n/2)
				created, existed, err := l.Create(key, HashParams([]byte(key)), testRecord(n))
				if err != nil {
					fail("create: %v", err)
				}
				if !existed {
					ack(created)
				}
				r = created
			}
			for !r.Terminal() {
				if rng.IntN(8) == 0 {
					u, err := l.Update(r.ID, r.State, fill(r.State))
					if err == nil {
						ack(u)
						r = u
						continue
					}
					if !errors.Is(err, ErrConflict) {
						fail("update in %s: %v", r.State, err)
					}
					if r, err = l.Get(r.ID); err != nil {
						fail("get: %v", err)
					}
					continue
				}
				var out []State
				for _, e := range Edges() {
					if e.From == r.State {
						out = append(out, e.To)
					}
				}
				to := out[0] // the happy path is listed first
				if rng.IntN(4) == 0 {
					to = out[rng.IntN(len(out))]
				}
				nr, err := l.Transition(r.ID, r.State, to, fill(to))
				switch {
				case err == nil:
					ack(nr)
					r = nr
				case errors.Is(err, ErrInvalidRecord):
					// failed → settled without completion: take another edge.
				case errors.Is(err, ErrConflict):
					if r, err = l.Get(r.ID); err != nil {
						fail("get: %v", err)
					}
				default:
					fail("%s → %s: %v", r.State, to, err)
				}
			}
		}
	}
	for w := range 4 {
		go worker(rand.New(rand.NewPCG(seed, uint64(w))))
	}
	for {
		time.Sleep(5 * time.Millisecond)
		if _, err := l.Sweep(); err != nil {
			fail("sweep: %v", err)
		}
	}
}
