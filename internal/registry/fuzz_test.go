package registry

import (
	"os"
	"testing"
	"time"

	"customs/internal/advisory"
)

// FuzzParsers feeds hostile registry responses to every parser and the
// history checks: nothing may panic, and a parsed history must be judged.
func FuzzParsers(f *testing.F) {
	for _, name := range []string{"npm-hijacked.json", "npm-unpublished.json", "pypi-simple.json", "pypi-json.json", "gems-versions.json"} {
		b, err := os.ReadFile("registrytest/fixtures/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"versions":{"1.0.0":{"dist":{"attestations":null}}},"time":{"1.0.0":7}}`))
	f.Add([]byte(`[{"number":"1.0","created_at":"x","platform":"java"}]`))
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		parsers := map[advisory.Ecosystem][]parseFunc{
			advisory.NPM: {parseNPM("x")},
			advisory.PyPI: {func(b []byte) (*Package, error) {
				return parsePyPISimple("sample-pkg", "https://h/simple/sample-pkg/", b)
			}, func(b []byte) (*Package, error) { return parsePyPIJSON("sample-pkg", b) }},
			advisory.RubyGems: {func(b []byte) (*Package, error) { return parseGems("x", "https://h", b) }},
		}
		for eco, ps := range parsers {
			for _, parse := range ps {
				p, err := parse(body)
				if err != nil {
					continue
				}
				for _, v := range p.Versions {
					History{Now: now}.Signals(eco, "x", p, v.Version)
				}
				History{Now: now}.Signals(eco, "x", p, "0.0.0")
			}
		}
	})
}

func TestVersionFromFilename(t *testing.T) {
	for file, want := range map[string]string{
		"sample_pkg-1.0-py3-none-any.whl": "1.0",
		"sample_pkg-1.0.tar.gz":           "1.0",
		"Sample.Pkg-2.0rc1.zip":           "2.0rc1",
		"sample-pkg-extra-1.0.tar.gz":     "",
		"sample_pkg.tar.gz":               "",
	} {
		if got := versionFromFilename("sample-pkg", file); got != want {
			t.Errorf("%s: got %q want %q", file, got, want)
		}
	}
}

// FuzzConfigFiles: hostile .npmrc, pip.conf, Gemfile and .gemrc contents
// never panic, and whatever they say, every endpoint is an http(s) URL.
func FuzzConfigFiles(f *testing.F) {
	f.Add("registry=https://r.example/\n@a:registry=https://a.example\n", "[global]\nindex-url = https://p.example/simple\n", "source 'https://g.example'\n", ":sources:\n- https://s.example/\n")
	f.Add("registry=javascript:alert(1)", "[install]\nindex_url=ftp://x", "source(\"\")", "- [")
	f.Fuzz(func(t *testing.T, npmrc, pipconf, gemfile, gemrc string) {
		home, dir := t.TempDir(), t.TempDir()
		os.MkdirAll(home+"/.config/pip", 0o755)
		os.WriteFile(dir+"/.npmrc", []byte(npmrc), 0o644)
		os.WriteFile(home+"/.config/pip/pip.conf", []byte(pipconf), 0o644)
		os.WriteFile(dir+"/Gemfile", []byte(gemfile), 0o644)
		os.WriteFile(home+"/.gemrc", []byte(gemrc), 0o644)
		e := DiscoverEndpoints(dir, home, func(string) string { return "" })
		for _, u := range []string{e.NPM, e.PyPI, e.RubyGems} {
			if !isHTTPURL(u) {
				t.Fatalf("endpoint %q is not an http(s) URL", u)
			}
		}
	})
}
