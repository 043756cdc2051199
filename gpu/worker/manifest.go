package worker

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// ManifestFile is the name of the manifest inside a bundle directory.
const ManifestFile = "manifest.json"

// Runtimes, tasks and content types a bundle may declare. The Python worker
// (python/ncnworker/bundle.py) accepts the same sets.
var (
	runtimes     = []string{"numpy", "torch"}
	tasks        = []string{"image-classification", "text-generation"}
	contentTypes = []string{"application/json", "text/plain; charset=utf-8"}
	nameRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// Manifest describes a model bundle. Its JSON form is manifest.json; the
// worker reads the same file.
type Manifest struct {
	Format       int    `json:"format"` // 1
	Name         string `json:"name"`
	Version      string `json:"version"`
	Runtime      string `json:"runtime"` // "numpy" or "torch"
	Task         string `json:"task"`    // "image-classification" or "text-generation"
	Architecture string `json:"architecture"`
	Description  string `json:"description,omitempty"`
	// Config is the architecture's hyperparameters, read by the worker.
	Config json.RawMessage `json:"config"`
	Input  IOSpec          `json:"input"`
	Params IOSpec          `json:"params"`
	Output IOSpec          `json:"output"`
	// Files maps every file of the bundle except manifest.json (slash
	// separated, relative) to its hex SHA-256.
	Files map[string]string `json:"files"`
	// Metrics are the training script's figures: test_accuracy, val_loss...
	Metrics map[string]float64 `json:"metrics"`
	// Samples are requests with their recorded answers; the worker runs
	// them at load and refuses a model that no longer gives them.
	Samples  []Sample        `json:"samples,omitempty"`
	Training json.RawMessage `json:"training,omitempty"`
}

// IOSpec is the shape of a model's input, params or output: a content type
// and a schema in the JSON Schema subset the worker enforces (type,
// properties, required, additionalProperties: false, items, minItems,
// maxItems, minimum, maximum, minLength, maxLength, enum).
type IOSpec struct {
	ContentType string          `json:"content_type,omitempty"` // not for params
	Schema      json.RawMessage `json:"schema"`
}

// Sample is one self-test request of a bundle.
type Sample struct {
	Input  json.RawMessage `json:"input"` // a JSON value, or a string for text input
	Params json.RawMessage `json:"params,omitempty"`
	Expect json.RawMessage `json:"expect"` // subset of the JSON output, or the exact text output
	Note   string          `json:"note,omitempty"`
}

// Validate checks the manifest's own fields (not the files).
func (m *Manifest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if m.Format != 1 {
		bad("format %d, want 1", m.Format)
	}
	if !nameRE.MatchString(m.Name) {
		bad("name %q is not lowercase [a-z0-9._-], 1-64 characters", m.Name)
	}
	if m.Version == "" {
		bad("no version")
	}
	if !contains(runtimes, m.Runtime) {
		bad("runtime %q not one of %q", m.Runtime, runtimes)
	}
	if !contains(tasks, m.Task) {
		bad("task %q not one of %q", m.Task, tasks)
	}
	if m.Architecture == "" {
		bad("no architecture")
	}
	if len(m.Config) == 0 || m.Config[0] != '{' {
		bad("config is not an object")
	}
	for _, io := range []struct {
		name string
		spec IOSpec
	}{{"input", m.Input}, {"params", m.Params}, {"output", m.Output}} {
		if io.name != "params" && !contains(contentTypes, io.spec.ContentType) {
			bad("%s.content_type %q not one of %q", io.name, io.spec.ContentType, contentTypes)
		}
		if err := checkSchema(io.spec.Schema); err != nil {
			bad("%s.schema: %v", io.name, err)
		}
	}
	if len(m.Files) == 0 {
		bad("no files")
	}
	for name := range m.Files {
		if !cleanRel(name) || name == ManifestFile {
			bad("file name %q is not a clean relative path", name)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrManifest, m.Name, err)
	}
	return nil
}

var schemaKeywords = []string{"type", "properties", "required", "additionalProperties", "items",
	"minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength", "enum", "description", "default"}

// checkSchema mirrors the worker's schema.check_schema: an unknown keyword
// is an error, not something silently ignored.
func checkSchema(raw json.RawMessage) error {
	var s map[string]json.RawMessage
	if err := json.Unmarshal(raw, &s); err != nil || s == nil {
		return errors.New("not an object")
	}
	for k := range s {
		if !contains(schemaKeywords, k) {
			return fmt.Errorf("unsupported keyword %q", k)
		}
	}
	var typ string
	_ = json.Unmarshal(s["type"], &typ)
	if !contains([]string{"object", "array", "integer", "number", "string", "boolean"}, typ) {
		return fmt.Errorf("type %q", typ)
	}
	if ap, ok := s["additionalProperties"]; ok && string(ap) != "false" {
		return errors.New("additionalProperties may only be false")
	}
	if p, ok := s["properties"]; ok {
		var props map[string]json.RawMessage
		if err := json.Unmarshal(p, &props); err != nil {
			return errors.New("properties is not an object")
		}
		for name, sub := range props {
			if err := checkSchema(sub); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	if it, ok := s["items"]; ok {
		if err := checkSchema(it); err != nil {
			return fmt.Errorf("items: %w", err)
		}
	}
	return nil
}

func cleanRel(name string) bool {
	return name != "" && !strings.HasPrefix(name, "/") && !strings.Contains(name, `\`) &&
		path.Clean(name) == name && name != "." && !strings.HasPrefix(name, "../") && name != ".."
}

// Bundle is a verified model bundle on disk.
type Bundle struct {
	Dir      string // absolute
	Manifest Manifest
	// Digest is the hex SHA-256 of manifest.json, which names every file
	// by hash: it identifies the whole bundle (the worker reports it in
	// Hello).
	Digest string
}

// LoadBundle reads dir/manifest.json, validates it, and checks that the
// directory holds exactly the files it lists with the hashes it lists:
// regular files only, nothing missing, nothing extra.
func LoadBundle(dir string) (*Bundle, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("load bundle: %w", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("load bundle %s: %w: %w", dir, ErrManifest, err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("load bundle %s: %w: %w", dir, ErrManifest, err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("load bundle %s: %w", dir, err)
	}
	if err := verifyFiles(dir, m.Files); err != nil {
		return nil, fmt.Errorf("load bundle %s: %w: %w", dir, ErrChecksum, err)
	}
	sum := sha256.Sum256(raw)
	return &Bundle{Dir: dir, Manifest: m, Digest: hex.EncodeToString(sum[:])}, nil
}

func verifyFiles(dir string, files map[string]string) error {
	present := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symlink", rel)
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			return fmt.Errorf("%s is not a regular file", rel)
		}
		if rel != ManifestFile {
			present[rel] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !present[name] {
			return fmt.Errorf("%s is listed but missing", name)
		}
		delete(present, name)
		got, err := fileSHA256(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return err
		}
		if got != files[name] {
			return fmt.Errorf("%s has sha256 %s, manifest says %s", name, got, files[name])
		}
	}
	if len(present) > 0 {
		extra := make([]string, 0, len(present))
		for name := range present {
			extra = append(extra, name)
		}
		sort.Strings(extra)
		return fmt.Errorf("files not in the manifest: %s", strings.Join(extra, ", "))
	}
	return nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Store is a directory of bundles, one subdirectory per model named after
// it: what MODEL_PATH points at.
type Store struct {
	Root string
}

// Open verifies and returns the bundle of the named model.
func (s Store) Open(name string) (*Bundle, error) {
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("open model %q: %w: bad name", name, ErrManifest)
	}
	b, err := LoadBundle(filepath.Join(s.Root, name))
	if err != nil {
		return nil, fmt.Errorf("open model %s: %w", name, err)
	}
	if b.Manifest.Name != name {
		return nil, fmt.Errorf("open model %s: %w: directory holds %q", name, ErrManifest, b.Manifest.Name)
	}
	return b, nil
}

// List verifies every bundle in the store. It returns the good ones and,
// joined, an error for each directory that is not a valid bundle.
func (s Store) List() ([]*Bundle, error) {
	entries, err := os.ReadDir(s.Root)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	var out []*Bundle
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b, err := s.Open(e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, b)
	}
	return out, errors.Join(errs...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
