package ncn_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ncn-network/ncn"

type pkg struct {
	ImportPath string
	Doc        string
	Imports    []string
	Name       string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestPackageDocs: every package says what it is for.
func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.ImportPath != module && p.Name != "main" && strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc", p.ImportPath)
		}
	}
}

// TestDependencyDirection enforces STYLE.md's layering: cmd -> host ->
// {plugins, chain, p2p, gpu, sandbox} -> abi -> standard library. Sibling
// parts do not import each other; only host connects them.
func TestDependencyDirection(t *testing.T) {
	parts := []string{"plugins", "chain", "p2p", "gpu", "sandbox", "sdk-plugins"}
	top := func(path string) string {
		rest := strings.TrimPrefix(path, module+"/")
		first, _, _ := strings.Cut(rest, "/")
		return first
	}
	for _, p := range listPackages(t) {
		from := top(p.ImportPath)
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module+"/") {
				if from == "abi" && strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
					t.Errorf("%s imports %s: abi may use only the standard library", p.ImportPath, imp)
				}
				continue
			}
			to := top(imp)
			switch {
			case to == "cmd":
				t.Errorf("%s imports %s: nothing imports cmd", p.ImportPath, imp)
			case to == "host" && from != "host" && from != "cmd":
				t.Errorf("%s imports %s: only cmd imports host", p.ImportPath, imp)
			case from == "abi" && to != "abi":
				t.Errorf("%s imports %s: abi imports nothing of ours", p.ImportPath, imp)
			case from != to && contains(parts, from) && contains(parts, to):
				t.Errorf("%s imports %s: sibling parts do not import each other; host connects them", p.ImportPath, imp)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
