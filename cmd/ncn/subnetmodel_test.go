package main

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/ncn-network/ncn/gpu/worker"
	"github.com/ncn-network/ncn/host/api/pb"
	"github.com/ncn-network/ncn/host/registry/registrytest"
)

// TestSubnetModel: an owner adds a model bundle to a subnet (registered,
// its files uploaded, progress on stderr), adds it again (files only),
// a stranger cannot, and push uploads the files of a registered model
// only.
func TestSubnetModel(t *testing.T) {
	n := registrytest.Start(t)
	dir := t.TempDir()
	owner, _ := crypto.GenerateKey()
	stranger, _ := crypto.GenerateKey()
	ownerKey := writeFile(t, filepath.Join(dir, "owner.hex"), hex.EncodeToString(crypto.FromECDSA(owner)))
	strangerKey := writeFile(t, filepath.Join(dir, "stranger.hex"), hex.EncodeToString(crypto.FromECDSA(stranger)))
	reg := []string{"--registry", n.Addr}
	_, here, _, _ := runtime.Caller(0)
	models := filepath.Join(filepath.Dir(here), "..", "..", "gpu", "worker", "models")
	digits, err := worker.LoadBundle(filepath.Join(models, "digits"))
	if err != nil {
		t.Fatal(err)
	}

	res := runSubnet(t, append([]string{"create", "--key", ownerKey, "--name", "vision"}, reg...)...)
	res.check(t, exitOK, nil, nil)
	id := strings.Fields(strings.Split(res.stdout, "\n")[0])[1]

	runSubnet(t, append([]string{"model", "add", "--key", strangerKey, "--subnet", id, digits.Dir}, reg...)...).
		check(t, exitError, nil, []string{"is not the owner of subnet " + id})
	runSubnet(t, append([]string{"model", "push", "--subnet", id, digits.Dir}, reg...)...).
		check(t, exitError, nil, []string{"model digits is not registered", "(NotFound)"})
	runSubnet(t, append([]string{"model", "add", "--key", ownerKey, "--subnet", id, dir}, reg...)...).
		check(t, exitError, nil, []string{"model bundle " + dir})

	res = runSubnet(t, append([]string{"model", "add", "--key", ownerKey, "--subnet", id, digits.Dir}, reg...)...)
	res.check(t, exitOK, []string{"model     digits 1.0.0", "bundle    " + digits.Digest, "uploaded  to " + n.Addr},
		[]string{"registered digits 1.0.0 (bundle " + digits.Digest, "at seq 2", "digits manifest.json: 12.2 KiB of 12.2 KiB", "digits weights/"})
	t.Logf("$ ncn subnet model add --key owner.hex --subnet %s %s\n%s%s", id, digits.Dir, res.stderr, res.stdout)
	runSubnet(t, append([]string{"show", id}, reg...)...).check(t, exitOK, []string{"models       digits"}, nil)
	runSubnet(t, append([]string{"model", "add", "--key", ownerKey, "--subnet", id, digits.Dir}, reg...)...).
		check(t, exitOK, []string{"digits 1.0.0"}, []string{"registered with bundle " + digits.Digest + " already"})
	runSubnet(t, append([]string{"model", "push", "--subnet", id, "--json", digits.Dir}, reg...)...).
		check(t, exitOK, []string{`"manifestSha256":"` + digits.Digest + `"`}, nil)

	// The registry serves every file of the bundle.
	rc := n.Client(t)
	for rel, sha := range digits.Manifest.Files {
		f, err := rc.GetModelFile(context.Background(), &pb.ModelFileRef{Subnet: id, Model: "digits", Sha256: sha})
		if err != nil || f.Size == 0 {
			t.Fatalf("%s: %v", rel, err)
		}
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 12520: "12.2 KiB", 40 << 20: "40.0 MiB", 7 << 30: "7.0 GiB", 3 << 40: "3.0 TiB", 5 << 50: "5120.0 TiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
