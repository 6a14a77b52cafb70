package inspect

import (
	"testing"

	"customs/internal/pkgmeta"
)

// TestDependencyHits: stdlib names and look-alike names among the
// requirements a PyPI package always installs are findings, pointing at
// their line; backports, extras, the package's own name and other
// ecosystems are not judged.
func TestDependencyHits(t *testing.T) {
	metaFile := []byte("Name: kit\nVersion: 1\nRequires-Dist: shutil\nRequires-Dist: asyncio\nRequires-Dist: reqeusts\n")
	m := pkgmeta.Meta{Ecosystem: pkgmeta.PyPI, Name: "kit", Source: "kit-1/PKG-INFO", Dependencies: []pkgmeta.Dependency{
		{Name: "shutil", Kind: "prod"}, {Name: "asyncio", Kind: "prod"}, {Name: "reqeusts", Kind: "prod"},
		{Name: "colorsama", Kind: "optional"}, {Name: "kit", Kind: "prod"}, {Name: "pytest", Kind: "dev"},
	}}
	got := map[string]int{}
	for _, h := range dependencyHits(m, metaFile) {
		got[h.Rule.ID+" "+h.Evidence] = h.Line
		if h.File != m.Source {
			t.Errorf("%s: file %q, want %q", h.Rule.ID, h.File, m.Source)
		}
	}
	want := map[string]int{"dependency-stdlib-module shutil": 3, "dependency-typosquat reqeusts looks like requests (transposition)": 5}
	if len(got) != len(want) {
		t.Fatalf("hits %v, want %v", got, want)
	}
	for k, line := range want {
		if got[k] != line {
			t.Errorf("hit %q at line %d, want %d (all: %v)", k, got[k], line, got)
		}
	}
	m.Ecosystem = pkgmeta.NPM
	if hits := dependencyHits(m, metaFile); len(hits) != 0 {
		t.Errorf("npm dependencies judged: %d hits", len(hits))
	}
}

// TestPlaceholderSummary: name reservations and dependency-confusion
// research packages are recognised by their own summary; libraries whose
// summary merely uses one of the words are not.
func TestPlaceholderSummary(t *testing.T) {
	for summary, want := range map[string]bool{
		"Dummy gatr package for PyPI":                                        true,
		"A package preventing Dependency Confusion attacks against Seznam.":  true,
		"RESEARCH PROJECT - DO NOT INSTALL - PoC: Dependency confusion demo": true,
		"Placeholder package (no functionality)":                             true,
		"Generate placeholder images for mock-ups":                           false,
		"A research package for protein folding":                             false,
		"Fast dummy-data generation for tests":                               false,
		"":                                                                   false,
	} {
		m := pkgmeta.Meta{Ecosystem: pkgmeta.NPM, Name: "x", Source: "package/package.json", Summary: summary}
		got := false
		for _, h := range metadataHits(m, []byte(`{"name": "x", "description": "`+summary+`"}`)) {
			got = got || h.Rule.ID == "placeholder-package"
		}
		if got != want {
			t.Errorf("%q: placeholder finding %v, want %v", summary, got, want)
		}
	}
}

// TestResearcherAlias: a package published from a bug-bounty researcher
// alias is a finding; an ordinary address is not.
func TestResearcherAlias(t *testing.T) {
	for authors, want := range map[string]bool{
		"cdh@wearehackerone.com":      true,
		"Kim <kim@bugcrowdninja.com>": true,
		"Jo <jo@example.org>":         false,
		"hackerone fan <x@gmail.com>": false,
	} {
		m := pkgmeta.Meta{Ecosystem: pkgmeta.PyPI, Name: "x", Source: "x-1/PKG-INFO", Authors: []string{"someone", authors}}
		got := false
		for _, h := range metadataHits(m, []byte("Author-email: "+authors+"\n")) {
			got = got || h.Rule.ID == "bug-bounty-author"
		}
		if got != want {
			t.Errorf("%q: researcher finding %v, want %v", authors, got, want)
		}
	}
}
