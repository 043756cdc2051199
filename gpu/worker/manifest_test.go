package worker_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/gpu/worker/workertest"
)

func TestShippedBundles(t *testing.T) {
	bundles, err := workertest.Store().List()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*worker.Bundle{}
	for _, b := range bundles {
		got[b.Manifest.Name] = b
	}
	tests := []struct {
		name, runtime, metric string
		min, max              float64
	}{
		{"digits", "numpy", "test_accuracy", 0.95, 1},
		{"charlm", "torch", "val_loss", 0, 2.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := got[tt.name]
			if b == nil {
				t.Fatalf("store has no %s", tt.name)
			}
			if b.Manifest.Runtime != tt.runtime {
				t.Errorf("runtime %s, want %s", b.Manifest.Runtime, tt.runtime)
			}
			v, ok := b.Manifest.Metrics[tt.metric]
			if !ok || v < tt.min || v > tt.max {
				t.Errorf("%s = %v (present %v), want in [%v, %v]", tt.metric, v, ok, tt.min, tt.max)
			}
			if len(b.Manifest.Samples) == 0 {
				t.Error("no self-test samples")
			}
			if len(b.Digest) != 64 {
				t.Errorf("digest %q", b.Digest)
			}
		})
	}
}

// copyBundle copies a shipped bundle into a temporary directory.
func copyBundle(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join(workertest.Store().Root, name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func editManifest(t *testing.T, dir string, edit func(m map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, worker.ManifestFile)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	raw, _ = json.Marshal(m)
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// tamperings are the ways a bundle can be damaged, each with the error it
// must be refused with.
var tamperings = []struct {
	name   string
	tamper func(t *testing.T, dir string)
	want   error
}{
	{"weights changed", func(t *testing.T, dir string) {
		p := filepath.Join(dir, "weights", "w0.npy")
		b, _ := os.ReadFile(p)
		b[len(b)-1] ^= 1
		os.WriteFile(p, b, 0o644)
	}, worker.ErrChecksum},
	{"listed hash changed", func(t *testing.T, dir string) {
		editManifest(t, dir, func(m map[string]any) {
			m["files"].(map[string]any)["weights/b0.npy"] = strings.Repeat("0", 64)
		})
	}, worker.ErrChecksum},
	{"file missing", func(t *testing.T, dir string) {
		os.Remove(filepath.Join(dir, "weights", "b1.npy"))
	}, worker.ErrChecksum},
	{"extra file", func(t *testing.T, dir string) {
		os.WriteFile(filepath.Join(dir, "weights", "evil.npy"), []byte("x"), 0o644)
	}, worker.ErrChecksum},
	{"file replaced by a symlink", func(t *testing.T, dir string) {
		p := filepath.Join(dir, "weights", "b1.npy")
		os.Rename(p, p+".real")
		os.Symlink("b1.npy.real", p)
	}, worker.ErrChecksum},
	{"unknown runtime", func(t *testing.T, dir string) {
		editManifest(t, dir, func(m map[string]any) { m["runtime"] = "tensorflow" })
	}, worker.ErrManifest},
	{"path escapes the bundle", func(t *testing.T, dir string) {
		editManifest(t, dir, func(m map[string]any) {
			m["files"].(map[string]any)["../../etc/passwd"] = strings.Repeat("0", 64)
		})
	}, worker.ErrManifest},
	{"unsupported schema keyword", func(t *testing.T, dir string) {
		editManifest(t, dir, func(m map[string]any) {
			m["input"].(map[string]any)["schema"].(map[string]any)["pattern"] = ".*"
		})
	}, worker.ErrManifest},
	{"manifest not JSON", func(t *testing.T, dir string) {
		os.WriteFile(filepath.Join(dir, worker.ManifestFile), []byte("{"), 0o644)
	}, worker.ErrManifest},
}

func TestLoadBundleRefusesTampering(t *testing.T) {
	for _, tt := range tamperings {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyBundle(t, "digits")
			if _, err := worker.LoadBundle(dir); err != nil {
				t.Fatalf("untouched copy: %v", err)
			}
			tt.tamper(t, dir)
			_, err := worker.LoadBundle(dir)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestStoreOpen(t *testing.T) {
	s := workertest.Store()
	if _, err := s.Open("digits"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../digits", "nope", ""} {
		if _, err := s.Open(name); err == nil {
			t.Errorf("Open(%q) succeeded", name)
		}
	}
}
