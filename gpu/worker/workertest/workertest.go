// Package workertest helps tests that run real model workers: it finds the
// shipped model store and worker sources in this repository, skips a test
// (saying why) when the Python side is not installed, and records the
// processes a pool starts so a test can kill them or check they are gone;
// and it writes large bundles for tests that move them.
package workertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ncn-network/ncn/gpu/worker"
)

// Python is the interpreter the worker runs on: Debian's, whose
// python3-numpy, python3-torch and python3-protobuf `make deps` installs.
const Python = "/usr/bin/python3"

var pythonOK = sync.OnceValue(func() string {
	out, err := exec.Command(Python, "-E", "-s", "-B", "-c", "import numpy, torch, google.protobuf").CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out) + " " + err.Error())
	}
	return ""
})

// RequirePython skips the test unless Python can import numpy, torch and
// protobuf (run `make deps`).
func RequirePython(tb testing.TB) {
	tb.Helper()
	if why := pythonOK(); why != "" {
		if os.Getenv("CI") != "" { // make deps installs it there: a skip would hide a regression
			tb.Fatalf("%s cannot run the worker under CI (make deps should have installed it): %s", Python, why)
		}
		tb.Skipf("skipping: %s cannot run the worker (run make deps): %s", Python, why)
	}
}

func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// Store is the repository's model store (gpu/worker/models): digits and
// charlm.
func Store() worker.Store { return worker.Store{Root: filepath.Join(dir(), "models")} }

// Source is the worker entry script in the repository.
func Source() string { return filepath.Join(dir(), "python", "worker.py") }

// Config is a pool configuration for the named shipped model with the
// repository's sources and a scratch root that the test removes.
func Config(tb testing.TB, model string) worker.Config {
	tb.Helper()
	RequirePython(tb)
	return worker.Config{
		Bundle:         filepath.Join(Store().Root, model),
		Source:         Source(),
		ScratchRoot:    tb.TempDir(),
		HealthInterval: -1,
		Logger:         slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
}

// tbWriter sends log lines to the test's log, shown when it fails or runs
// with -v.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(b []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimSuffix(string(b), "\n"))
	return len(b), nil
}

// Launcher wraps another launcher (Exec when nil) and remembers every
// process it started.
type Launcher struct {
	Inner worker.Launcher

	mu    sync.Mutex
	procs []*Proc
}

// Proc is a recorded worker process.
type Proc struct {
	worker.Process
	Cmd worker.Command
}

// Pid is the process id when the inner launcher is Exec, else 0.
func (p *Proc) Pid() int {
	if e, ok := p.Process.(*worker.ExecProcess); ok {
		return e.Pid()
	}
	return 0
}

// Launch starts c through the inner launcher and records it.
func (l *Launcher) Launch(ctx context.Context, c worker.Command) (worker.Process, error) {
	inner := l.Inner
	if inner == nil {
		inner = worker.Exec{}
	}
	p, err := inner.Launch(ctx, c)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	rec := &Proc{Process: p, Cmd: c}
	l.procs = append(l.procs, rec)
	return rec, nil
}

// Procs returns the processes started so far, oldest first.
func (l *Launcher) Procs() []*Proc {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*Proc(nil), l.procs...)
}

// Running reports whether pid is a live (not zombie, not reaped) process,
// from /proc.
func Running(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// The state follows the ")" that closes the command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

// BigEcho writes to into a bundle of the trivial echo model (testdata/echo)
// named name, with weights.bin: size bytes of random data it lists and
// does not read, so that moving the bundle moves a large file. It returns
// the bundle, loaded and verified.
func BigEcho(tb testing.TB, into, name string, size int) *worker.Bundle {
	tb.Helper()
	echo := filepath.Join(dir(), "testdata", "echo")
	raw, err := os.ReadFile(filepath.Join(echo, worker.ManifestFile))
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatal(err)
	}
	weights := make([]byte, size)
	_, _ = rand.NewChaCha8([32]byte{byte(size), byte(size >> 8), byte(size >> 16)}).Read(weights)
	sum := sha256.Sum256(weights)
	files := m["files"].(map[string]any)
	write := func(rel string, data []byte) {
		if err := os.WriteFile(filepath.Join(into, rel), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for rel := range files {
		data, err := os.ReadFile(filepath.Join(echo, rel))
		if err != nil {
			tb.Fatal(err)
		}
		write(rel, data)
	}
	files["weights.bin"] = hex.EncodeToString(sum[:])
	write("weights.bin", weights)
	m["name"] = name
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	write(worker.ManifestFile, out)
	b, err := worker.LoadBundle(into)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
