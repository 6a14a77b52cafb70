package names

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"customs/internal/finding"
	"customs/internal/registry"
)

// TestOnlineConfusion asks a local stand-in for PyPI's Simple API whether
// internal names are public, and with which versions.
func TestOnlineConfusion(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/acme-billing/":
			w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
			fmt.Fprint(w, `{"name":"acme-billing","versions":["1.0.0","99.99.99"],"files":[]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	client := registry.New(registry.Options{Endpoints: registry.Endpoints{PyPI: srv.URL + "/simple"}, HTTP: srv.Client(), Retries: -1})
	lookup := Online{Client: client}

	v, err := lookup.Versions(context.Background(), PyPI, "Acme_Billing")
	if err != nil || len(v) != 2 {
		t.Fatalf("versions %v, %v", v, err)
	}
	c := NewChecker(Config{Internal: map[Ecosystem][]string{PyPI: {"acme-*"}}})
	r := c.CheckAll(context.Background(), lookup, PyPI, "acme-billing", "2.0.0")
	if r.Verdict != finding.Malicious || len(r.Findings) != 2 || r.Findings[1].Rule != RuleConfusionVer {
		t.Errorf("public internal name with a payload version: %+v", r)
	}
	if r := c.CheckAll(context.Background(), lookup, PyPI, "acme-private", ""); r.Verdict != finding.Clean || r.Error != "" {
		t.Errorf("internal name not on the public registry: %+v", r)
	}
}
