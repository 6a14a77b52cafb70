package registry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"customs/internal/advisory"
	"customs/internal/finding"
	"customs/internal/registry"
	"customs/internal/registry/registrytest"
)

func newClient(t *testing.T, srv *registrytest.Server, cache string) *registry.Client {
	t.Helper()
	return registry.New(registry.Options{
		Endpoints: srv.Endpoints(), CacheDir: cache, Backoff: time.Millisecond,
		Now: func() time.Time { return registrytest.Now },
	})
}

func rules(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return out
}

func signals(t *testing.T, c *registry.Client, eco advisory.Ecosystem, name, version string) []string {
	t.Helper()
	p, err := c.Package(context.Background(), eco, name)
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("%s %s: %v", eco, name, err)
	}
	return rules(registry.History{Now: registrytest.Now}.Signals(eco, name, p, version))
}

func TestNPMHijackedRelease(t *testing.T) {
	srv := registrytest.New(t)
	c := newClient(t, srv, t.TempDir())
	got := signals(t, c, advisory.NPM, "hijacked-lib", "1.2.0")
	// 1.2.0 also comes after two years of silence.
	want := []string{registry.RuleDormant, registry.RuleMaintainer, registry.RuleInstallScript, registry.RuleProvenanceLost, registry.RuleTooNew}
	if !slices.Equal(got, want) {
		t.Errorf("hijacked-lib 1.2.0: got %v, want %v", got, want)
	}
	if got := signals(t, c, advisory.NPM, "hijacked-lib", "1.1.0"); len(got) != 0 {
		t.Errorf("hijacked-lib 1.1.0 is an ordinary release, got %v", got)
	}
	if got := signals(t, c, advisory.NPM, "hijacked-lib", "1.3.0"); !slices.Equal(got, []string{registry.RuleRemoved}) {
		t.Errorf("a version the registry does not list: got %v", got)
	}
	p, _ := c.Package(context.Background(), advisory.NPM, "hijacked-lib")
	v, _ := p.Find("1.2.0")
	if len(v.Files) != 1 || !strings.HasPrefix(v.Files[0].URL, srv.URL) || !strings.HasPrefix(v.Files[0].Integrity, "sha512-") {
		t.Errorf("tarball of 1.2.0: %+v", v.Files)
	}
}

func TestNPMRemovedPackages(t *testing.T) {
	srv := registrytest.New(t)
	c := newClient(t, srv, "")
	for _, name := range []string{"gone-pkg", "evil-typo", "never-existed"} {
		if got := signals(t, c, advisory.NPM, name, "1.0.0"); !slices.Equal(got, []string{registry.RuleRemoved}) {
			t.Errorf("%s: got %v, want %s", name, got, registry.RuleRemoved)
		}
	}
}

func TestCooldownIsConfigurable(t *testing.T) {
	srv := registrytest.New(t)
	c := newClient(t, srv, "")
	p, _ := c.Package(context.Background(), advisory.NPM, "hijacked-lib")
	// 1.2.0 is six hours old at registrytest.Now.
	for cooldown, want := range map[time.Duration]bool{time.Hour: false, 7 * time.Hour: true, -1: false} {
		fs := registry.History{Now: registrytest.Now, Cooldown: cooldown}.Signals(advisory.NPM, "hijacked-lib", p, "1.2.0")
		if got := slices.Contains(rules(fs), registry.RuleTooNew); got != want {
			t.Errorf("cooldown %v: too-new = %v, want %v", cooldown, got, want)
		}
	}
}

func TestPyPISimpleAndJSONAPI(t *testing.T) {
	srv := registrytest.New(t)
	for _, htmlOnly := range []bool{false, true} {
		srv.HTMLOnly.Store(htmlOnly)
		c := newClient(t, srv, "")
		// Names are PEP 503-normalised before the request.
		if got := signals(t, c, advisory.PyPI, "Sample_Pkg", "1.1"); !slices.Equal(got, want(htmlOnly)) {
			t.Errorf("html-only=%v sample-pkg 1.1: got %v, want %v", htmlOnly, got, want(htmlOnly))
		}
		if got := signals(t, c, advisory.PyPI, "sample-pkg", "0.9"); !slices.Equal(got, []string{registry.RuleRemoved}) {
			t.Errorf("html-only=%v yanked 0.9: got %v", htmlOnly, got)
		}
		if got := signals(t, c, advisory.PyPI, "sample-pkg", "1.0.0"); len(got) != 0 {
			t.Errorf("html-only=%v 1.0.0 (== 1.0): got %v", htmlOnly, got)
		}
	}
}

// want: the JSON API has no PEP 740 provenance, so only the Simple API sees it dropped.
func want(htmlOnly bool) []string {
	if htmlOnly {
		return []string{registry.RuleTooNew}
	}
	return []string{registry.RuleProvenanceLost, registry.RuleTooNew}
}

func TestRubyGemsHistory(t *testing.T) {
	srv := registrytest.New(t)
	c := newClient(t, srv, "")
	if got := signals(t, c, advisory.RubyGems, "old-gem", "99.0.0"); !slices.Equal(got, []string{registry.RuleDormant, registry.RuleVersionJump}) {
		t.Errorf("old-gem 99.0.0: got %v", got)
	}
	if got := signals(t, c, advisory.RubyGems, "old-gem", "1.0.1"); len(got) != 0 {
		t.Errorf("old-gem 1.0.1: got %v", got)
	}
	p, _ := c.Package(context.Background(), advisory.RubyGems, "old-gem")
	if v, _ := p.Find("1.0.1"); len(v.Files) != 2 {
		t.Errorf("1.0.1 has a ruby and a java gem: %+v", v.Files)
	}
}

func TestDiskCacheRevalidates(t *testing.T) {
	srv := registrytest.New(t)
	cache := t.TempDir()
	now := registrytest.Now
	c := registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: cache, Now: func() time.Time { return now }})
	ctx := context.Background()
	if _, err := c.Package(ctx, advisory.NPM, "hijacked-lib"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Package(ctx, advisory.NPM, "hijacked-lib"); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests.Load(); n != 1 {
		t.Fatalf("a fresh cache entry should answer without a request; %d requests", n)
	}
	now = now.Add(2 * time.Hour) // past FreshFor: revalidate with the ETag
	p, err := c.Package(ctx, advisory.NPM, "hijacked-lib")
	if err != nil || len(p.Versions) != 3 {
		t.Fatalf("after revalidation: %v %+v", err, p)
	}
	if srv.Requests.Load() != 2 || srv.NotModified.Load() != 1 {
		t.Fatalf("want one 304 revalidation, got %d requests, %d not-modified", srv.Requests.Load(), srv.NotModified.Load())
	}
	// Not-found answers are cached too.
	c.Package(ctx, advisory.NPM, "never-existed")
	c.Package(ctx, advisory.NPM, "never-existed")
	if srv.Requests.Load() != 3 {
		t.Fatalf("a 404 should be cached; %d requests", srv.Requests.Load())
	}
	// A damaged cache entry is ignored, not trusted.
	entries, _ := filepath.Glob(filepath.Join(cache, "registry", "*.json"))
	for _, e := range entries {
		os.WriteFile(e, []byte("{garbage"), 0o644)
	}
	if _, err := c.Package(ctx, advisory.NPM, "hijacked-lib"); err != nil {
		t.Fatal(err)
	}
}

func TestRetriesAndLimits(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/flaky"):
			if calls.Add(1) < 3 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte(`{"versions":{"1.0.0":{}},"time":{"1.0.0":"2020-01-01T00:00:00Z"}}`))
		case strings.HasSuffix(r.URL.Path, "/huge"):
			w.Write([]byte(`{"versions":{"1.0.0":{"x":"` + strings.Repeat("a", 4096) + `"}}}`))
		case strings.HasSuffix(r.URL.Path, "/slow"):
			time.Sleep(300 * time.Millisecond)
		case strings.HasSuffix(r.URL.Path, "/bad"):
			w.Write([]byte(`<html>not json</html>`))
		}
	}))
	defer srv.Close()
	c := registry.New(registry.Options{Endpoints: registry.Endpoints{NPM: srv.URL}, Backoff: time.Millisecond, Retries: 3,
		MaxBytes: 1024, Timeout: 50 * time.Millisecond})
	ctx := context.Background()
	if p, err := c.Package(ctx, advisory.NPM, "flaky"); err != nil || len(p.Versions) != 1 {
		t.Errorf("flaky: %v after %d calls", err, calls.Load())
	}
	if _, err := c.Package(ctx, advisory.NPM, "huge"); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("huge: want a size error, got %v", err)
	}
	if _, err := c.Package(ctx, advisory.NPM, "slow"); err == nil {
		t.Error("slow: want a timeout")
	}
	if _, err := c.Package(ctx, advisory.NPM, "bad"); err == nil || !strings.Contains(err.Error(), "not an npm package document") {
		t.Errorf("bad: got %v", err)
	}
}

func TestDiscoverEndpoints(t *testing.T) {
	home, dir := t.TempDir(), t.TempDir()
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	e := registry.DiscoverEndpoints(dir, home, get)
	if !strings.HasPrefix(e.NPM, "https://") || !strings.HasPrefix(e.PyPI, "https://") || !strings.HasPrefix(e.RubyGems, "https://") {
		t.Fatalf("public fallbacks missing: %+v", e)
	}
	write(filepath.Join(home, ".npmrc"), "registry=https://home.example/npm/\n")
	write(filepath.Join(dir, ".npmrc"), "; project\nregistry = https://project.example/npm\n@acme:registry=https://npm.acme.example/\n//project.example/:_authToken=secret\n")
	write(filepath.Join(home, ".config", "pip", "pip.conf"), "[global]\nindex-url = https://pip.example/simple\n")
	write(filepath.Join(dir, "Gemfile"), "# frozen_string_literal: true\nsource \"https://gems.example\"\ngem \"rails\"\n")
	e = registry.DiscoverEndpoints(dir, home, get)
	if e.NPM != "https://project.example/npm" || e.NPMScopes["@acme"] != "https://npm.acme.example" ||
		e.PyPI != "https://pip.example/simple" || e.RubyGems != "https://gems.example" {
		t.Errorf("from files: %+v", e)
	}
	env["NPM_CONFIG_REGISTRY"] = "https://env.example/npm"
	env["PIP_INDEX_URL"] = "https://env.example/simple"
	env["GEM_HOST"] = "https://env.example/gems"
	e = registry.DiscoverEndpoints(dir, home, get)
	if e.NPM != "https://env.example/npm" || e.PyPI != "https://env.example/simple" || e.RubyGems != "https://env.example/gems" {
		t.Errorf("from environment: %+v", e)
	}
	os.Remove(filepath.Join(dir, "Gemfile"))
	delete(env, "GEM_HOST")
	write(filepath.Join(home, ".gemrc"), "---\n:sources:\n- https://gemrc.example/\n")
	if e = registry.DiscoverEndpoints(dir, home, get); e.RubyGems != "https://gemrc.example" {
		t.Errorf("from .gemrc: %q", e.RubyGems)
	}
}

func TestNPMOldDocumentShapes(t *testing.T) {
	srv := registrytest.New(t)
	// Maintainers as "name <email>" strings, a scripts array and a version
	// whose dist is a string: every version still counts as listed.
	srv.Set("/npm/oldie", []byte(`{"name":"oldie","versions":{
		"0.1.0":{"maintainers":["alice <a@example.com>"],"_npmUser":"alice <a@example.com>","dist":{"tarball":"x"}},
		"0.2.0":{"maintainers":[{"name":"alice"}],"scripts":["postinstall"],"dist":"broken"}},
		"time":{"0.1.0":"2012-01-01T00:00:00.000Z","0.2.0":"2012-02-01T00:00:00.000Z"}}`))
	c := newClient(t, srv, "")
	p, err := c.Package(context.Background(), advisory.NPM, "oldie")
	if err != nil {
		t.Fatal(err)
	}
	v, ok := p.Find("0.1.0")
	if !ok || v.Publisher != "alice" || !slices.Equal(v.Maintainers, []string{"alice"}) {
		t.Errorf("0.1.0: %+v", v)
	}
	if got := signals(t, c, advisory.NPM, "oldie", "0.2.0"); len(got) != 0 {
		t.Errorf("0.2.0: %v", got)
	}
}

func TestUnreachableRegistryIsGivenUpOn(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // connections are now refused
	c := registry.New(registry.Options{Endpoints: registry.Endpoints{RubyGems: addr}, Backoff: time.Millisecond})
	var last error
	for i := range 6 {
		_, last = c.Package(context.Background(), advisory.RubyGems, fmt.Sprintf("gem-%d", i))
		if last == nil {
			t.Fatal("a closed server answered")
		}
	}
	if !strings.Contains(last.Error(), "unreachable") {
		t.Errorf("after repeated failures the host should be skipped: %v", last)
	}
}

func TestVersionJumpSparesCalendarVersions(t *testing.T) {
	old := registrytest.Now.AddDate(0, -6, 0)
	pkg := func(versions ...string) *registry.Package {
		p := &registry.Package{Ecosystem: advisory.PyPI, Name: "x"}
		for i, v := range versions {
			p.Versions = append(p.Versions, registry.Version{Version: v, Published: old.AddDate(0, 0, i)})
		}
		return p
	}
	h := registry.History{Now: registrytest.Now}
	if got := rules(h.Signals(advisory.PyPI, "x", pkg("1.2", "2024.1"), "2024.1")); len(got) != 0 {
		t.Errorf("1.2 → 2024.1: %v", got)
	}
	if got := rules(h.Signals(advisory.PyPI, "x", pkg("1.2", "99.0"), "99.0")); !slices.Equal(got, []string{registry.RuleVersionJump}) {
		t.Errorf("1.2 → 99.0: %v", got)
	}
}

func TestTrustedPublishingIsNoMaintainerChange(t *testing.T) {
	old := registrytest.Now.AddDate(0, -6, 0)
	p := &registry.Package{Ecosystem: advisory.NPM, Name: "x", Versions: []registry.Version{
		{Version: "1.0.0", Published: old, Publisher: "alice", Maintainers: []string{"alice"}},
		{Version: "1.1.0", Published: old.AddDate(0, 1, 0), Publisher: "GitHub Actions", Maintainers: []string{"alice"}, Provenance: true},
		{Version: "1.2.0", Published: old.AddDate(0, 2, 0), Publisher: "mallory", Maintainers: []string{"alice"}},
	}}
	h := registry.History{Now: registrytest.Now}
	if got := rules(h.Signals(advisory.NPM, "x", p, "1.1.0")); len(got) != 0 {
		t.Errorf("1.1.0 published by CI with provenance: %v", got)
	}
	if got := rules(h.Signals(advisory.NPM, "x", p, "1.2.0")); !slices.Equal(got, []string{registry.RuleMaintainer, registry.RuleProvenanceLost}) {
		t.Errorf("1.2.0 by a stranger without provenance: %v", got)
	}
}
