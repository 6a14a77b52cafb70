package registry

import (
	"os/exec"
	"strings"
	"testing"
)

func TestPublicNPMFromEnvironment(t *testing.T) {
	t.Setenv(PublicNPMEnv, "https://npm-public.example/")
	if got := PublicEndpoints().NPM; got != "https://npm-public.example" {
		t.Fatalf("public npm registry = %q, want the environment's", got)
	}
	if got := PublicHosts("npm"); len(got) != 1 || got[0] != "npm-public.example" {
		t.Fatalf("public npm hosts = %v", got)
	}
	if e := DiscoverEndpoints(t.TempDir(), t.TempDir(), func(string) string { return "" }); e.NPM != "https://npm-public.example" {
		t.Fatalf("fallback npm registry = %q", e.NPM)
	}
}

func TestPublicNPMAskedOfNPMItself(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed: its built-in default registry cannot be asked")
	}
	t.Setenv(PublicNPMEnv, "")
	t.Setenv("NPM_CONFIG_REGISTRY", "https://private-mirror.example/")
	got := PublicEndpoints().NPM
	if !strings.HasPrefix(got, "https://") || strings.Contains(got, "private-mirror") {
		t.Fatalf("npm's built-in default registry = %q: want an https URL that ignores the user's configuration", got)
	}
}
