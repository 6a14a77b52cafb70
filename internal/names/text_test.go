package names

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"customs/internal/policy"
)

func TestWriteText(t *testing.T) {
	results := []Result{shared.Check(PyPI, "reqeusts"), shared.Check(PyPI, "flask"), shared.Check(NPM, "bad\x1b[31mname")}
	var plain, color bytes.Buffer
	if err := WriteText(&plain, results, nil, false); err != nil {
		t.Fatal(err)
	}
	out := plain.String()
	if strings.Contains(out, "\x1b") {
		t.Errorf("escape codes without colour (or from a hostile name):\n%q", out)
	}
	for _, want := range []string{`(?m)^reqeusts +pypi +MALICIOUS`, "looks like requests", "fix:", `(?m)^flask +pypi +CLEAN +rank \d+$`, `(?m)^3 checked, 2 flagged$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	WriteText(&color, results[:1], nil, true)
	if !strings.Contains(color.String(), "\x1b[") {
		t.Error("no colour when asked for")
	}
}

func TestConfigFromPolicy(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gems.csv"), []byte("name,downloads\nactive_rest_client,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse([]byte("names_data:\n  rubygems: gems.csv\nallow:\n  pypi: [colourama]\ninternal:\n  npm: ['@acme/*']\n"), filepath.Join(dir, ".customs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ConfigFromPolicy(pol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Extra[RubyGems]) != 1 || cfg.Allow[PyPI][0] != "colourama" || cfg.Internal[NPM][0] != "@acme/*" {
		t.Errorf("config %+v", cfg)
	}
	c := NewChecker(cfg)
	if r := c.Check(PyPI, "colourama"); r.Verdict.Flagged() {
		t.Error("allow-listed name flagged")
	}
	if r := c.Check(RubyGems, "active-rest_client"); r.Typosquat == nil || r.Typosquat.Target != "active_rest_client" {
		t.Errorf("names_data list not used: %+v", r.Typosquat)
	}
	for _, bad := range []string{"rubygems", "cobol=x.csv", "pypi=" + filepath.Join(dir, "missing.csv")} {
		if _, err := ConfigFromPolicy(nil, []string{bad}); err == nil {
			t.Errorf("--names-data %q accepted", bad)
		}
	}
}
