package worker

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// python holds the worker's Python sources, so that a host binary carries
// the worker that matches its protocol.
//
//go:embed python/worker.py python/ncnworker/*.py
var python embed.FS

// WriteSource unpacks the embedded Python worker into dir (created if
// needed) and returns the path of its entry script. The files are written
// read-only: the worker never writes beside its sources.
func WriteSource(dir string) (string, error) {
	err := fs.WalkDir(python, "python", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("python", p)
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := python.ReadFile(p)
		if err != nil {
			return err
		}
		// Replace rather than overwrite: an earlier copy is read-only.
		_ = os.Remove(dst)
		return os.WriteFile(dst, b, 0o444)
	})
	if err != nil {
		return "", fmt.Errorf("write worker source: %w", err)
	}
	return filepath.Join(dir, "worker.py"), nil
}
