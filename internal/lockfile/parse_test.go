package lockfile

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

// summary renders deps as "name version direct source" lines, sorted, for
// compact expectations.
func summary(deps []Dependency) []string {
	var out []string
	for _, r := range rowsOf(deps) {
		out = append(out, strings.Join([]string{r.Name, r.Version, r.Direct, r.Source}, " "))
	}
	return out
}

func TestParseSmall(t *testing.T) {
	cases := []struct {
		name, path, data string
		want             []string
	}{
		{
			name: "requirements: pins, ranges, extras, markers, hashes, URLs, local paths, options",
			path: "requirements.txt",
			data: `--index-url https://mirror.example/simple
-c constraints.txt
Django==4.2.1 ; python_version >= "3.8"  # web
Foo.Bar_baz[extra]===1.0
requests>=2
pkg @ https://files.example/pkg-1.0.tar.gz
-e .
./local/pkg
dist/thing.whl
-e git+https://github.com/o/r.git@v1#egg=Some_Tool&subdirectory=x
hashed==1.0 \
    --hash=sha256:abcdef
`,
			want: []string{
				"django 4.2.1 - registry",
				"foo-bar-baz 1.0 - registry",
				"hashed 1.0 - registry",
				"pkg  - url",
				"requests  - registry",
				"some-tool  - git",
			},
		},
		{
			name: "package-lock v1: alias, git, tarball URL as version, file",
			path: "package-lock.json",
			data: `{"lockfileVersion": 1, "dependencies": {
  "a": {"version": "1.0.0"},
  "b": {"version": "npm:real-b@2.0.0"},
  "c": {"version": "git+ssh://git@github.com/o/c.git#abc"},
  "d": {"version": "https://registry.example/d/-/d-3.1.0.tgz"},
  "e": {"version": "file:../e"},
  "f": {"version": "1.0.0", "dependencies": {"a": {"version": "0.9.0"}}}
}}`,
			want: []string{"a 0.9.0 - registry", "a 1.0.0 - registry", "c  - git", "d 3.1.0 - registry", "f 1.0.0 - registry", "real-b 2.0.0 - registry"},
		},
		{
			name: "package-lock v3: workspaces, nearest node_modules, links, file:, aliases",
			path: "package-lock.json",
			data: `{"lockfileVersion": 3, "packages": {
  "": {"workspaces": ["pkgs/w"], "devDependencies": {"top": "^1"}},
  "pkgs/w": {"dependencies": {"dep": "^2", "alias": "npm:real@^3"}},
  "node_modules/w": {"resolved": "pkgs/w", "link": true},
  "node_modules/top": {"version": "1.0.0", "dependencies": {"dep": "^1"}},
  "node_modules/dep": {"version": "1.5.0"},
  "pkgs/w/node_modules/dep": {"version": "2.0.0"},
  "node_modules/alias": {"name": "real", "version": "3.0.0"},
  "node_modules/local": {"version": "1.0.0", "resolved": "file:../local"},
  "node_modules/tar": {"version": "1.0.0", "resolved": "https://example.com/tar.tgz"}
}}`,
			want: []string{"dep 1.5.0 false registry", "dep 2.0.0 true registry", "real 3.0.0 true registry", "tar 1.0.0 false url", "top 1.0.0 true registry"},
		},
		{
			name: "package.json: exact pins, ranges, local specs, aliases, duplicates across groups",
			path: "package.json",
			data: `{"dependencies": {"a": "1.2.3", "b": "^1", "c": "file:../c", "d": "npm:real-d@4.0.0", "e": "user/repo"},
"devDependencies": {"b": "1.0.0", "w": "workspace:*"}}`,
			want: []string{"a 1.2.3 true registry", "b 1.0.0 true registry", "e  true git", "real-d 4.0.0 true registry"},
		},
		{
			name: "yarn v1: alias, git descriptor, local",
			path: "yarn.lock",
			data: `# yarn lockfile v1

a@^1, a@^1.1:
  version "1.2.0"
  resolved "https://registry.example/a/-/a-1.2.0.tgz#abc"

"b-alias@npm:b@^2":
  version "2.0.0"

"c@github:o/c#v1":
  version "1.0.0"
  resolved "https://codeload.github.com/o/c/tar.gz/abc"

"d@file:./d":
  version "0.0.1"
`,
			want: []string{"a 1.2.0 - registry", "b 2.0.0 - registry", "c 1.0.0 - git"},
		},
		{
			name: "pnpm v5 keys and top-level importer",
			path: "pnpm-lock.yaml",
			data: `lockfileVersion: 5.4
specifiers:
  a: ^1.0.0
dependencies:
  a: 1.0.0_b@2.0.0
packages:
  /a/1.0.0_b@2.0.0:
    resolution: {integrity: sha512-x}
  /b/2.0.0:
    resolution: {integrity: sha512-y}
  /loc/0.0.0:
    resolution: {directory: ../loc, type: directory}
`,
			want: []string{"a 1.0.0 true registry", "b 2.0.0 false registry"},
		},
		{
			name: "Gemfile.lock: platforms, PATH, GIT, DEPENDENCIES with !",
			path: "Gemfile.lock",
			data: `GIT
  remote: https://git.example/g.git
  revision: abc
  specs:
    gitgem (0.1.0)

PATH
  remote: .
  specs:
    mine (1.0.0)

GEM
  remote: https://gems.example/
  specs:
    nokogiri (1.19.1-x86_64-linux-gnu)
      racc (~> 1.4)
    nokogiri (1.19.1-arm64-darwin)
    racc (1.8.1)

PLATFORMS
  ruby

DEPENDENCIES
  gitgem!
  mine!
  nokogiri (~> 1.19)!

CHECKSUMS
  racc (1.8.1) sha256=0123
`,
			want: []string{"gitgem 0.1.0 true git", "nokogiri 1.19.1 true registry", "racc 1.8.1 false registry"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.path, []byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summary(f.Deps)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequirementsIncludes(t *testing.T) {
	fsys := fstest.MapFS{
		"requirements/all.txt":  {Data: []byte("-r base.txt\n--requirement=../other.txt\n-r all.txt\n")},
		"requirements/base.txt": {Data: []byte("a==1\n-rall.txt\n")}, // a cycle back to all.txt
		"other.txt":             {Data: []byte("b\n")},
	}
	f := ParseFS(fsys, "requirements/all.txt")
	if f.Err != nil {
		t.Fatal(f.Err)
	}
	if diff := cmp.Diff([]string{"a 1 - registry", "b  - registry"}, summary(f.Deps)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, d := range f.Deps {
		if want := map[string]string{"a": "requirements/base.txt", "b": "other.txt"}[d.Name]; d.File != want || d.Line != 1 {
			t.Errorf("%s at %s:%d, want %s:1", d.Name, d.File, d.Line, want)
		}
	}

	missing := ParseFS(fstest.MapFS{"requirements.txt": {Data: []byte("x\n-r gone.txt\n")}}, "requirements.txt")
	if missing.Err == nil || !strings.Contains(missing.Err.Error(), "line 2: -r gone.txt") {
		t.Errorf("missing include: err = %v", missing.Err)
	}
	if _, err := Parse("requirements.txt", []byte("-r other.txt\n")); err == nil || !strings.Contains(err.Error(), "filesystem") {
		t.Errorf("Parse with an include: err = %v, want one saying includes need a filesystem", err)
	}
}

func TestIntegrityAndResolved(t *testing.T) {
	f, err := Parse("package-lock.json", []byte(`{
  "lockfileVersion": 2,
  "packages": {
    "node_modules/a": {
      "version": "1.0.0", "resolved": "https://r.example/a/-/a-1.0.0.tgz", "integrity": "sha512-abc"
    }
  }
}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := f.Deps[0]; d.Integrity != "sha512-abc" || d.Resolved != "https://r.example/a/-/a-1.0.0.tgz" || d.Line != 4 {
		t.Errorf("got %+v", d)
	}
	f, err = Parse("requirements.txt", []byte("x==1 --hash=sha256:00ff --hash=sha256:11ee\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Deps[0].Integrity != "sha256:00ff" {
		t.Errorf("requirements hash = %q", f.Deps[0].Integrity)
	}
}

func TestDetect(t *testing.T) {
	cases := map[string]string{
		"a/requirements-dev.txt":  "requirements.txt",
		"requirements/prod.txt":   "requirements.txt",
		"dev-requirements.txt":    "requirements.txt",
		"pylock.toml":             "pylock.toml",
		"pylock.dev.toml":         "pylock.toml",
		"x/gems.locked":           "gems.locked",
		"notes.txt":               "",
		"config.json":             "",
		"npm-shrinkwrap.json":     "npm-shrinkwrap.json",
		`win\path\poetry.lock`:    "poetry.lock",
		"deep/dir/pnpm-lock.yaml": "pnpm-lock.yaml",
	}
	for name, want := range cases {
		if got, _ := detect(name, nil); got != want {
			t.Errorf("detect(%q) = %q, want %q", name, got, want)
		}
	}
	if _, err := Parse("notes.txt", nil); err == nil || !strings.Contains(err.Error(), "notes.txt: not a recognised") {
		t.Errorf("unknown file: err = %v", err)
	}
}

// TestIntegrityForms: every format's hash comes out in one of the two
// documented forms, ready to compare with a downloaded artifact.
func TestIntegrityForms(t *testing.T) {
	cases := []struct{ path, data, want string }{
		{"Gemfile.lock", "GEM\n  remote: https://g/\n  specs:\n    racc (1.8.1)\n\nDEPENDENCIES\n  racc\n\nCHECKSUMS\n  racc (1.8.1) sha256=AB12\n", "sha256:ab12"},
		{"bom.json", `{"bomFormat": "CycloneDX", "components": [{"purl": "pkg:npm/a@1.0.0", "hashes": [{"alg": "SHA-512", "content": "FF00"}]}]}`, "sha512:ff00"},
		{"x.spdx.json", `{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "p", "versionInfo": "1", "checksums": [{"algorithm": "SHA256", "checksumValue": "0A"}], "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:pypi/a@1"}]}]}`, "sha256:0a"},
		{"pylock.toml", "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nversion = \"1\"\nsdist = {url = \"https://f/a-1.tar.gz\", hashes = {sha256 = \"cd\"}}\n", "sha256:cd"},
		{"yarn.lock", "__metadata:\n  version: 8\n\n\"a@npm:^1\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n  checksum: 10c0/ff\n", ""},
	}
	for _, tc := range cases {
		f, err := Parse(tc.path, []byte(tc.data))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Deps) != 1 || f.Deps[0].Integrity != tc.want {
			t.Errorf("%s: deps %+v, want one with integrity %q", tc.path, f.Deps, tc.want)
		}
	}
}
