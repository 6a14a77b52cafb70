package pkgmeta

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"customs/internal/archive"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// file is one walked entry fed to a Collector; a nil body is a directory.
type file struct {
	path string
	body *string
}

func f(path, body string) file { return file{path, &body} }
func d(path string) file       { return file{path: path} }

func collectFiles(target string, files ...file) *Collector {
	c := &Collector{Target: target}
	for _, fl := range files {
		if fl.body == nil {
			c.Add(fl.path, nil)
		} else {
			c.Add(fl.path, []byte(*fl.body))
		}
	}
	return c
}

var ignoreWarnings = cmpopts.IgnoreFields(Meta{}, "Warnings")

const pkgInfo = `Metadata-Version: 2.1
Name: Evil_Pkg.Name
Version: 1.0.post1
Summary: does things
Author-email: Eve <eve@example.invalid>
Home-page: https://example.invalid/home
Project-URL: Source, https://git.example.invalid/evil
Requires-Dist: requests (>=2.0)
Requires-Dist: colorama[win] ; extra == 'color'
Description: first line
        Name: not-a-field
        |Version: 9.9

Name: body-is-not-headers
`

func TestPythonSdist(t *testing.T) {
	c := collectFiles("evil_pkg-1.0.post1.tar.gz",
		d("evil_pkg-1.0.post1"),
		f("evil_pkg-1.0.post1/PKG-INFO", pkgInfo),
		f("evil_pkg-1.0.post1/setup.py", "setup(name='decoy', version='6.6.6')"),
		f("evil_pkg-1.0.post1/evil/__init__.py", "import os"),
		f("evil_pkg-1.0.post1/tests/fixture/PKG-INFO", "Name: deep\nVersion: 0\n"),
	)
	got, err := c.Meta("")
	if err != nil {
		t.Fatal(err)
	}
	want := Meta{
		Ecosystem: PyPI, Name: "Evil_Pkg.Name", Version: "1.0.post1", Summary: "does things", Authors: []string{"Eve <eve@example.invalid>"},
		Root: "evil_pkg-1.0.post1/", Source: "evil_pkg-1.0.post1/PKG-INFO",
		Repository: "https://git.example.invalid/evil",
		Dependencies: []Dependency{
			{Name: "requests", Spec: ">=2.0", Kind: "prod"},
			{Name: "colorama", Spec: "", Kind: "optional"},
		},
	}
	if diff := cmp.Diff(want, got, ignoreWarnings); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
}

func TestPythonSetupPyOnly(t *testing.T) {
	c := collectFiles("x.tar.gz",
		f("tool-2.0/setup.py", "from setuptools import setup\nsetup(\n    name = \"tool\",\n    version='2.0',\n)\n"),
		f("tool-2.0/tool.py", "print(1)"),
	)
	got, err := c.Meta("")
	if err != nil || got.Name != "tool" || got.Version != "2.0" || got.Root != "tool-2.0/" || got.Source != "tool-2.0/setup.py" {
		t.Errorf("got %+v, %v", got, err)
	}
}

// TestSdistDependencyFallback: an sdist whose PKG-INFO lists no
// requirements takes them from its egg-info requires.txt, else from a
// literal install_requires list in setup.py.
func TestSdistDependencyFallback(t *testing.T) {
	c := collectFiles("kms-1.0.tar.gz",
		f("kms-1.0/PKG-INFO", "Metadata-Version: 1.1\nName: kms\nVersion: 1.0\n"),
		f("kms-1.0/kms.egg-info/PKG-INFO", "Metadata-Version: 1.1\nName: kms\nVersion: 1.0\n"),
		f("kms-1.0/kms.egg-info/requires.txt", "core-lib>=2.11\n\n[dev]\npytest\n"),
		f("kms-1.0/setup.py", "setup(name='kms', install_requires=['ignored'])"),
	)
	got, err := c.Meta("")
	want := []Dependency{{Name: "core-lib", Spec: ">=2.11", Kind: "prod"}, {Name: "pytest", Kind: "optional"}}
	if err != nil || !cmp.Equal(want, got.Dependencies) {
		t.Errorf("from requires.txt: %+v, %v; want %+v", got.Dependencies, err, want)
	}

	c = collectFiles("futurejson-0.1.0.tar.gz",
		f("futurejson-0.1.0/PKG-INFO", "Metadata-Version: 2.1\nName: futurejson\nVersion: 0.1.0\n"),
		f("futurejson-0.1.0/setup.py", "setup(\n    name='futurejson',\n    install_requires = [\n        'shutil',\n        \"httpx>=0.2\",\n    ],\n)\n"),
	)
	got, err = c.Meta("")
	want = []Dependency{{Name: "shutil", Kind: "prod"}, {Name: "httpx", Spec: ">=0.2", Kind: "prod"}}
	if err != nil || !cmp.Equal(want, got.Dependencies) {
		t.Errorf("from setup.py: %+v, %v; want %+v", got.Dependencies, err, want)
	}
}

func TestPythonPyProjectAndSetupCfg(t *testing.T) {
	c := collectFiles("x.tar.gz",
		f("p-1/pyproject.toml", "[project]\nname = \"pp\"\nversion = \"3.1\"\ndependencies = [\"httpx>=0.1\"]\n[project.urls]\nRepository = \"https://r.invalid\"\n"),
		f("p-1/setup.cfg", "[metadata]\nname = cfgname\nversion = attr: p.__version__\n"),
	)
	got, err := c.Meta("")
	if err != nil {
		t.Fatal(err)
	}
	want := Meta{Ecosystem: PyPI, Name: "pp", Version: "3.1", Root: "p-1/", Source: "p-1/pyproject.toml", Repository: "https://r.invalid",
		Dependencies: []Dependency{{Name: "httpx", Spec: ">=0.1", Kind: "prod"}}}
	if diff := cmp.Diff(want, got, ignoreWarnings); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
}

func TestWheelAndSitePackages(t *testing.T) {
	c := collectFiles("site-packages",
		f("alpha/__init__.py", ""),
		f("alpha-1.2.dist-info/METADATA", "Metadata-Version: 2.1\nName: alpha\nVersion: 1.2\n"),
		f("beta-0.3.egg-info/PKG-INFO", "Metadata-Version: 1.1\nName: beta\nVersion: 0.3\n"),
		f("beta-0.3.egg-info/requires.txt", "six>=1\n\n[test]\npytest\n"),
		f("gamma-2.0.egg-info", "Metadata-Version: 1.2\nName: gamma\nVersion: 2.0\n"), // Debian's single-file egg-info
	)
	all := c.All("")
	var got []string
	for _, m := range all {
		got = append(got, m.Name+" "+m.Version+" root="+m.Root)
	}
	want := []string{"alpha 1.2 root=", "beta 0.3 root=", "gamma 2.0 root="}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("All (-want +got):\n%s", diff)
	}
	if deps := all[1].Dependencies; len(deps) != 2 || deps[0] != (Dependency{"six", ">=1", "prod"}) || deps[1].Kind != "optional" {
		t.Errorf("beta dependencies from requires.txt: %+v", deps)
	}
	// A Debian tree is named after one of its distributions: that one wins.
	c.Target = "python3-gamma"
	if m, _ := c.Meta(""); m.Name != "gamma" {
		t.Errorf("Meta with target python3-gamma chose %q", m.Name)
	}
}

const packageJSON = `{
  "name": "@evil/pkg", "version": "1.0.0", "description": "does things",
  "author": "Eve <eve@example.invalid>", "maintainers": [{"name": "mallory", "email": "m@example.invalid"}, 7, [["deep"]]],
  "main": "./lib/../lib/index.js",
  "bin": {"evil": "bin/evil.js", "escape": "../../etc/passwd"},
  "exports": {".": {"require": "./lib/index.js", "import": "./esm/index.mjs"}, "./x": ["./x.js", "./x.js"]},
  "scripts": {"postinstall": "node steal.js", "test": "jest", "prepare": "husky", "install": 42},
  "dependencies": {"b": "^1", "a": "2.x"},
  "devDependencies": {"jest": "*"},
  "optionalDependencies": {"fsevents": "2"},
  "peerDependencies": {"react": ">=18"},
  "repository": {"type": "git", "url": "git+https://github.invalid/evil/pkg.git"}
}`

func TestNpmPackage(t *testing.T) {
	c := collectFiles("pkg.tgz",
		f("package/package.json", packageJSON),
		f("package/lib/index.js", ""),
		f("package/node_modules/dep/package.json", `{"name":"dep","version":"9"}`),
	)
	got, err := c.Meta("")
	if err != nil {
		t.Fatal(err)
	}
	want := Meta{
		Ecosystem: NPM, Name: "@evil/pkg", Version: "1.0.0", Root: "package/", Source: "package/package.json",
		Summary: "does things", Authors: []string{"Eve <eve@example.invalid>", "mallory <m@example.invalid>"},
		InstallScripts: map[string]string{"postinstall": "node steal.js"},
		Scripts:        map[string]string{"postinstall": "node steal.js", "test": "jest", "prepare": "husky"},
		Main:           "package/lib/index.js",
		Bin:            map[string]string{"evil": "package/bin/evil.js", "escape": "package/etc/passwd"},
		Exports:        []string{"package/esm/index.mjs", "package/lib/index.js", "package/x.js"},
		Dependencies: []Dependency{
			{Name: "a", Spec: "2.x", Kind: "prod"}, {Name: "b", Spec: "^1", Kind: "prod"},
			{Name: "fsevents", Spec: "2", Kind: "optional"}, {Name: "react", Spec: ">=18", Kind: "peer"},
			{Name: "jest", Spec: "*", Kind: "dev"},
		},
		Repository: "git+https://github.invalid/evil/pkg.git",
	}
	if diff := cmp.Diff(want, got, ignoreWarnings); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
	if all := c.All(""); len(all) != 2 || all[1].Name != "dep" {
		t.Errorf("All: %+v", all)
	}
}

func TestNpmImplicitNodeGyp(t *testing.T) {
	tests := []struct {
		name string
		pkg  string
		gyp  bool
		want map[string]string
	}{
		{"binding.gyp alone", `{"name":"n","version":"1"}`, true, map[string]string{"install (implicit)": "node-gyp rebuild"}},
		{"own install script", `{"name":"n","version":"1","scripts":{"install":"node x"}}`, true, map[string]string{"install": "node x"}},
		{"preinstall suppresses it", `{"name":"n","version":"1","scripts":{"preinstall":"node x"}}`, true, map[string]string{"preinstall": "node x"}},
		{"gypfile false", `{"name":"n","version":"1","gypfile":false}`, true, nil},
		{"no binding.gyp", `{"name":"n","version":"1"}`, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := []file{f("package/package.json", tc.pkg)}
			if tc.gyp {
				files = append(files, f("package/binding.gyp", "{}"))
			}
			files = append(files, f("package/src/deep/binding.gyp", "{}"))
			got, err := collectFiles("n.tgz", files...).Meta("")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.InstallScripts); diff != "" {
				t.Errorf("install scripts (-want +got):\n%s", diff)
			}
		})
	}
}

// A manifest with fields of the wrong type still yields what it can.
func TestNpmHostileTypes(t *testing.T) {
	got, err := collectFiles("x", f("package.json", `{"name":"ok","version":1,"scripts":"rm -rf /","bin":7,"dependencies":["a"],"main":{"x":1},"repository":[1]}`)).Meta("")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "ok" || got.Version != "" || got.Scripts != nil || got.Bin != nil || got.Dependencies != nil || got.Main != "index.js" {
		t.Errorf("got %+v", got)
	}
	_, err = collectFiles("x", f("package.json", `{"name": "broken"`)).Meta("")
	if !errors.Is(err, ErrUnidentified) {
		t.Errorf("broken JSON: err %v", err)
	}
}

// A real-shaped gem specification (Psych's dump, with Ruby tags and an
// anchor/alias pair as rubygems writes them).
const gemYAML = `--- !ruby/object:Gem::Specification
name: nokogiri-evil
version: !ruby/object:Gem::Version
  version: 1.10.0
platform: ruby
authors:
- Someone
bindir: exe
cert_chain: []
date: 2024-01-01 00:00:00.000000000 Z
dependencies:
- !ruby/object:Gem::Dependency
  name: mini_portile2
  requirement: &1 !ruby/object:Gem::Requirement
    requirements:
    - - "~>"
      - !ruby/object:Gem::Version
        version: 2.8.2
  type: :runtime
  prerelease: false
  version_requirements: *1
- !ruby/object:Gem::Dependency
  name: rake
  requirement: !ruby/object:Gem::Requirement
    requirements:
    - - ">="
      - !ruby/object:Gem::Version
        version: '0'
    - - "<"
      - !ruby/object:Gem::Version
        version: '14'
  type: :development
  prerelease: false
  version_requirements: !ruby/object:Gem::Requirement
    requirements:
    - - ">="
      - !ruby/object:Gem::Version
        version: '0'
description: An HTML, XML, SAX, and Reader parser.
email:
executables:
- nokogiri
extensions:
- ext/nokogiri/extconf.rb
extra_rdoc_files: []
files:
- lib/nokogiri.rb
homepage: https://nokogiri.invalid
licenses:
- MIT
metadata:
  source_code_uri: https://github.invalid/sparklemotion/nokogiri
post_install_message:
rdoc_options: []
require_paths:
- lib
required_ruby_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: 3.0.0
rubygems_version: 3.4.10
signing_key:
specification_version: 4
summary: parser
test_files: []
`

func TestGemSpecification(t *testing.T) {
	got, err := collectFiles("x.gem", f(".gem/metadata", gemYAML), f("lib/nokogiri.rb", "")).Meta("")
	if err != nil {
		t.Fatal(err)
	}
	want := Meta{
		Ecosystem: RubyGems, Name: "nokogiri-evil", Version: "1.10.0", Source: ".gem/metadata", Summary: "parser",
		Extensions: []string{"ext/nokogiri/extconf.rb"}, Executables: []string{"nokogiri"},
		Dependencies: []Dependency{
			{Name: "mini_portile2", Spec: "~> 2.8.2", Kind: "prod"},
			{Name: "rake", Spec: ">= 0, < 14", Kind: "dev"},
		},
		Repository: "https://github.invalid/sparklemotion/nokogiri",
	}
	if diff := cmp.Diff(want, got, ignoreWarnings); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
}

// Aliases are never expanded: a "billion laughs" specification is read
// in no time and memory.
func TestGemBillionLaughs(t *testing.T) {
	var b strings.Builder
	b.WriteString("--- !ruby/object:Gem::Specification\nname: lol\nversion: !ruby/object:Gem::Version\n  version: '1'\n")
	b.WriteString("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [", i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	b.WriteString("dependencies: *a11\nexecutables: *a0\n")
	got, err := parseGemYAML([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "lol" || got.Version != "1" || len(got.Executables) != 9 {
		t.Errorf("got %s %s with %d executables", got.Name, got.Version, len(got.Executables))
	}
}

func TestGemspecRuby(t *testing.T) {
	spec := `# -*- encoding: utf-8 -*-
# stub: json 2.6.3 ruby lib
# stub: ext/json/extconf.rb

Gem::Specification.new do |s|
  s.name = "json".freeze
  s.version = "2.6.3"
  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "homepage_uri" => "https://home.invalid/", "source_code_uri" => "https://github.invalid/flori/json" } if s.respond_to? :metadata=
  s.executables = ["jsonx".freeze]
  s.extensions = ["ext/json/ext/generator/extconf.rb".freeze, "ext/json/extconf.rb".freeze]
  s.rubygems_version = "3.3.15".freeze
  s.add_runtime_dependency(%q<activesupport>.freeze, ["= 6.1.7.10"])
  s.add_development_dependency(%q<rake>.freeze, [">= 0", "< 14"])
  s.add_dependency "mail", "~> 2.5"
end
`
	got, err := collectFiles("ruby-json", d("gems"), f("specifications/json-2.6.3.gemspec", spec), f("gems/json-2.6.3/lib/json.rb", "")).Meta("")
	if err != nil {
		t.Fatal(err)
	}
	want := Meta{
		Ecosystem: RubyGems, Name: "json", Version: "2.6.3", Root: "gems/json-2.6.3/", Source: "specifications/json-2.6.3.gemspec",
		Extensions: []string{"ext/json/ext/generator/extconf.rb", "ext/json/extconf.rb"}, Executables: []string{"jsonx"},
		Dependencies: []Dependency{
			{Name: "activesupport", Spec: "= 6.1.7.10", Kind: "prod"},
			{Name: "rake", Spec: ">= 0, < 14", Kind: "dev"},
			{Name: "mail", Spec: "~> 2.5", Kind: "prod"},
		},
		Repository: "https://github.invalid/flori/json",
	}
	if diff := cmp.Diff(want, got, ignoreWarnings); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
}

func TestGuessesFromNames(t *testing.T) {
	tests := []struct {
		target string
		files  []file
		want   string // ecosystem name version source
	}{
		{"evil-0.1.tar.gz", []file{f("evil-0.1/evil.py", "")}, "pypi evil 0.1 root directory name"},
		{"evil-0.1.tar.gz", []file{f("evil.py", "")}, "pypi evil 0.1 target name"},
		{"odd_name-2.0-py3-none-any.whl", []file{f("odd/x.py", "")}, "pypi odd_name 2.0 target name"},
		{"ruby-filesystem", []file{f("vendor_ruby/x.rb", "")}, "rubygems filesystem  target name"},
		{"python3-gi-cairo", []file{f("gi/_gi_cairo.so", "")}, "pypi gi-cairo  target name"},
		{"node-fetch-2.6.1.tgz", []file{f("package/index.js", "")}, "npm node-fetch 2.6.1 target name"},
	}
	for _, tc := range tests {
		got, err := collectFiles(tc.target, tc.files...).Meta("")
		if err != nil {
			t.Errorf("%s: %v", tc.target, err)
			continue
		}
		if s := string(got.Ecosystem) + " " + got.Name + " " + got.Version + " " + got.Source; s != tc.want {
			t.Errorf("%s: got %q, want %q", tc.target, s, tc.want)
		}
	}
	if _, err := collectFiles("", f("README", "hi")).Meta(""); !errors.Is(err, ErrUnidentified) {
		t.Errorf("nothing to go on: err %v", err)
	}
}

// forced restricts the reading to one ecosystem: a Python package that
// ships a package.json (a Jupyter extension) is read as npm only on demand.
func TestForcedEcosystem(t *testing.T) {
	c := collectFiles("ext-1.0.tar.gz",
		f("ext-1.0/PKG-INFO", "Name: ext\nVersion: 1.0\n"),
		f("ext-1.0/package.json", `{"name":"ext-js","version":"0.5.0"}`),
	)
	for forced, want := range map[Ecosystem]string{"": "pypi ext", PyPI: "pypi ext", NPM: "npm ext-js"} {
		m, err := c.Meta(forced)
		if got := string(m.Ecosystem) + " " + m.Name; err != nil || got != want {
			t.Errorf("forced %q: got %q, %v; want %q", forced, got, err, want)
		}
	}
	// Told it is a gem, it has only names to go on.
	if m, err := c.Meta(RubyGems); err != nil || m.Name != "ext" || m.Source != "root directory name" {
		t.Errorf("forced rubygems: %+v, %v", m, err)
	}
}

func TestIsMetadataPath(t *testing.T) {
	yes := []string{"PKG-INFO", "p-1/PKG-INFO", "p-1/p.egg-info/PKG-INFO", "x.dist-info/METADATA", "package/package.json",
		"package.json", "package/binding.gyp", ".gem/metadata", "specifications/a-1.gemspec", "six-1.0.egg-info",
		"p-1/setup.py", "a/b/c/node_modules/@s/n/package.json", "p/x.egg-info/requires.txt"}
	no := []string{"package/test/fixtures/app/package.json", "p-1/src/pkg/setup.py", "lib/metadata", "METADATA",
		"p/a/b/c/PKG-INFO", "p-1/x/requires.txt", "package/lib/index.js", "a/b/c/d.gemspec"}
	for _, p := range yes {
		if !IsMetadataPath(p) {
			t.Errorf("IsMetadataPath(%q) = false", p)
		}
	}
	for _, p := range no {
		if IsMetadataPath(p) {
			t.Errorf("IsMetadataPath(%q) = true", p)
		}
	}
}

// A Collector keeps only metadata, and only a bounded amount of it.
func TestCollectorBounds(t *testing.T) {
	c := &Collector{}
	big := make([]byte, 3*maxMetaFileBytes)
	c.Add("package/lib/huge.js", big)
	c.Add("package/package.json", big)
	if len(c.files) != 1 || len(c.files["package/package.json"]) != maxMetaFileBytes {
		t.Errorf("kept %d files", len(c.files))
	}
	if _, err := c.Meta(""); !errors.Is(err, ErrUnidentified) {
		t.Errorf("truncated package.json: %v", err)
	}
}

// The metadata of an archive vendored inside the package (walked by
// internal/archive under the archive's path) does not describe the package.
func TestNestedArchiveMetadataIgnored(t *testing.T) {
	wheel := "PK\x03\x04 rest of a zip"
	c := collectFiles("mystery.tar.gz",
		f("mystery/vendor/dep.whl", wheel),
		f("mystery/vendor/dep.whl/dep-1.0.dist-info/METADATA", "Name: dep\nVersion: 1.0\n"),
		f("mystery/run.py", "import os"),
	)
	m, err := c.Meta("")
	if err != nil || m.Name != "mystery" || m.Source != "target name" {
		t.Errorf("got %+v, %v; want the name guessed from the target", m, err)
	}
}

func TestSetupLiteral(t *testing.T) {
	tests := []struct{ src, key, want string }{
		{`setup(name="pkg", version='1.0')`, "name", "pkg"},
		{`setup(name="pkg", version='1.0')`, "version", "1.0"},
		{"if name == 'x':\n  pass\nsetup(\n  name = 'real',\n)", "name", "real"},
		{`package_name = "no"; filename = "no"; name = "yes"`, "name", "yes"},
		{`name = get_name()`, "name", ""},
		{"name = \"unterminated\nversion='2'", "name", ""},
		{`name="` + strings.Repeat("x", 300) + `"`, "name", ""},
	}
	for _, tc := range tests {
		if got := setupLiteral([]byte(tc.src), tc.key); got != tc.want {
			t.Errorf("setupLiteral(%q, %s) = %q, want %q", tc.src, tc.key, got, tc.want)
		}
	}
}

// AddEntry skips entries of nested archives even when the caller feeds
// only metadata files (and so never the nested archive itself).
func TestAddEntrySkipsNestedArchives(t *testing.T) {
	c := &Collector{Target: "pkg-1.0.tar.gz"}
	c.AddEntry(&archive.Entry{Path: "pkg-1.0/vendor/dep.whl/dep-1.0.dist-info/METADATA", Kind: archive.File,
		Data: []byte("Name: dep\nVersion: 1.0\n"), Container: "pkg-1.0/vendor/dep.whl"})
	c.AddEntry(&archive.Entry{Path: "pkg-1.0/PKG-INFO", Kind: archive.File, Data: []byte("Name: pkg\nVersion: 1.0\n")})
	if all := c.All(""); len(all) != 1 || all[0].Name != "pkg" {
		t.Errorf("All: %+v", all)
	}
}
