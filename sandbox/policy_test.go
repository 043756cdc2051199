package sandbox_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/ncn-network/ncn/sandbox"
)

var update = flag.Bool("update", false, "rewrite testdata/seccomp.golden from the rules")

// TestSeccompGolden pins the allowlist: a change to the rules must change
// the golden file in the same commit (go test -run Golden -update).
func TestSeccompGolden(t *testing.T) {
	got := sandbox.RenderRules()
	path := filepath.Join("testdata", "seccomp.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("seccomp rules differ from %s; if the change is meant, rerun with -update and review the diff", path)
	}
}

func TestSeccompRulesSane(t *testing.T) {
	allowed := sandbox.AllowedNames()
	for _, d := range sandbox.DeniedSyscalls() {
		if slices.Contains(allowed, d) {
			t.Errorf("%s is both allowed and denied", d)
		}
	}
	seen := map[string]bool{}
	for _, n := range allowed {
		if seen[n] && n != "ioctl" { // ioctl is one conditional rule per bit
			t.Errorf("%s allowed twice", n)
		}
		seen[n] = true
		// Every name must be a real syscall somewhere, or it is a typo.
		if _, err := seccomp.GetSyscallFromName(n); err != nil {
			if _, err := seccomp.GetSyscallFromNameByArch(n, seccomp.ArchAMD64); err != nil {
				t.Errorf("%s is not a syscall libseccomp knows", n)
			}
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []sandbox.Layer
		wantErr error
	}{
		{"empty", "", nil, nil},
		{"two", "seccomp, landlock", []sandbox.Layer{sandbox.LayerSeccomp, sandbox.LayerLandlock}, nil},
		{"duplicate", "net,net", []sandbox.Layer{sandbox.LayerNet}, nil},
		{"unknown", "seccomp,apparmor", nil, sandbox.ErrUnknownLayer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sandbox.ParseLayers(tc.in)
			if !errors.Is(err, tc.wantErr) || !slices.Equal(got, tc.want) {
				t.Fatalf("ParseLayers(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
	for in, want := range map[string]sandbox.Profile{"": sandbox.ProfileStrict, "strict": sandbox.ProfileStrict, "permissive": sandbox.ProfilePermissive, "none": sandbox.ProfileNone} {
		if got, err := sandbox.ParseProfile(in); err != nil || got != want {
			t.Errorf("ParseProfile(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := sandbox.ParseProfile("lax"); !errors.Is(err, sandbox.ErrUnknownProfile) {
		t.Errorf("ParseProfile(lax) = %v", err)
	}
}

func TestForProfile(t *testing.T) {
	all := func(missing ...sandbox.Layer) []sandbox.LayerStatus {
		var out []sandbox.LayerStatus
		for _, l := range sandbox.AllLayers() {
			out = append(out, sandbox.LayerStatus{Layer: l, Supported: !slices.Contains(missing, l), Detail: "test"})
		}
		return out
	}
	layers, dropped, err := sandbox.ForProfile(sandbox.ProfileStrict, all())
	if err != nil || len(dropped) != 0 || !slices.Equal(layers, sandbox.AllLayers()) {
		t.Fatalf("strict, all supported: %v %v %v", layers, dropped, err)
	}
	_, _, err = sandbox.ForProfile(sandbox.ProfileStrict, all(sandbox.LayerLandlock))
	var le *sandbox.LayerError
	if !errors.As(err, &le) || le.Layer != sandbox.LayerLandlock {
		t.Fatalf("strict without landlock: %v, want a LayerError naming landlock", err)
	}
	layers, dropped, err = sandbox.ForProfile(sandbox.ProfilePermissive, all(sandbox.LayerUser))
	if err != nil || slices.Contains(layers, sandbox.LayerPID) || !slices.Contains(dropped, sandbox.LayerUser) || !slices.Contains(dropped, sandbox.LayerMount) {
		t.Fatalf("permissive without user namespaces: layers %v dropped %v err %v; the namespaces needing it must go too", layers, dropped, err)
	}
	layers, _, _ = sandbox.ForProfile(sandbox.ProfileNone, all())
	if !slices.Equal(layers, []sandbox.Layer{sandbox.LayerRlimit}) {
		t.Fatalf("none: %v", layers)
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		p    sandbox.Policy
		ok   bool
	}{
		{"defaults", sandbox.Policy{}, true},
		{"relative path", sandbox.Policy{ReadOnly: []string{"usr"}}, false},
		{"unclean path", sandbox.Policy{ReadWrite: []string{"/tmp/../etc"}}, false},
		{"root", sandbox.Policy{ReadOnly: []string{"/"}}, false},
		{"pid without user", sandbox.Policy{Layers: []sandbox.Layer{sandbox.LayerPID}}, false},
		{"mount without pid", sandbox.Policy{Layers: []sandbox.Layer{sandbox.LayerUser, sandbox.LayerMount}}, false},
		{"unknown layer", sandbox.Policy{Layers: []sandbox.Layer{"apparmor"}}, false},
		{"bad errno", sandbox.Policy{DenyErrno: 5000}, false},
		{"seccomp alone", sandbox.Policy{Layers: []sandbox.Layer{sandbox.LayerSeccomp}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
