package scan_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"customs/internal/advisory"
	"customs/internal/archivetest"
	"customs/internal/corpus"
	"customs/internal/finding"
	"customs/internal/names"
	"customs/internal/registry"
	"customs/internal/registry/registrytest"
	"customs/internal/scan"
)

// npmLock writes a package-lock.json v3 whose root depends directly on
// every entry; each entry is "name@version" optionally followed by
// " resolved integrity".
func npmLock(entries ...string) string {
	var deps, pkgs []string
	for _, e := range entries {
		fields := strings.Fields(e)
		at := strings.LastIndexByte(fields[0], '@')
		name, version := fields[0][:at], fields[0][at+1:]
		deps = append(deps, fmt.Sprintf("%q: %q", name, "^"+version))
		extra := ""
		if len(fields) == 3 {
			extra = fmt.Sprintf(", \"resolved\": %q, \"integrity\": %q", fields[1], fields[2])
		}
		pkgs = append(pkgs, fmt.Sprintf("    \"node_modules/%s\": {\"version\": %q%s}", name, version, extra))
	}
	return fmt.Sprintf(`{
  "name": "demo",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "demo", "version": "1.0.0", "dependencies": {%s}},
%s
  }
}
`, strings.Join(deps, ", "), strings.Join(pkgs, ",\n"))
}

func project(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// osvCache holds the index built from the shared snapshot for this test run.
var osvCache = sync.OnceValue(func() string {
	d, err := os.MkdirTemp("", "customs-scan-test-")
	if err != nil {
		panic(err)
	}
	return d
})

func TestMain(m *testing.M) {
	code := m.Run()
	os.RemoveAll(osvCache())
	os.Exit(code)
}

func corpusDB(t testing.TB) *advisory.DB {
	t.Helper()
	db, err := advisory.Open(corpus.Path(t, "osv"), osvCache())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func find(t *testing.T, r *scan.Report, name, version string) scan.Package {
	t.Helper()
	for _, p := range r.Packages {
		if p.Name == name && p.Version == version {
			return p
		}
	}
	t.Fatalf("%s %s not in the report: %+v", name, version, r.Packages)
	return scan.Package{}
}

func rulesOf(p scan.Package) []string {
	var out []string
	for _, f := range p.Findings {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return out
}

func TestKnownMalwareFromOSV(t *testing.T) {
	dir := project(t, map[string]string{
		"web/package-lock.json": npmLock("chalk@5.6.1", "debug@4.4.1"),
		"api/requirements.txt":  "num2words==0.5.15\nlitellm==1.82.6\n",
		"tool/pyproject.toml":   "[project]\nname = \"tool\"\nversion = \"0.1\"\ndependencies = [\"fabrice>=1\", \"num2words\"]\n",
		"Gemfile.lock":          "GEM\n  remote: https://rubygems.org/\n  specs:\n    doctolib (99.0.4)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  doctolib\n",
	})
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, DB: corpusDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, version, id, file string }{
		{"chalk", "5.6.1", "MAL-2025-46969", "web/package-lock.json"},
		{"num2words", "0.5.15", "MAL-2025-6794", "api/requirements.txt"},
		{"doctolib", "99.0.4", "MAL-2026-1915", "Gemfile.lock"},
	} {
		p := find(t, r, c.name, c.version)
		if p.Verdict != finding.Malicious || p.File != c.file || p.Line == 0 || !p.Fails {
			t.Errorf("%s: verdict %s file %s line %d fails %v", c.name, p.Verdict, p.File, p.Line, p.Fails)
		}
		if len(p.Findings) == 0 || !slices.Contains(p.Findings[0].IDs, c.id) || p.Findings[0].Fix == "" {
			t.Errorf("%s: want %s with a fix, got %+v", c.name, c.id, p.Findings)
		}
	}
	// Declared without a version: only an all-versions advisory applies.
	if p := find(t, r, "fabrice", ""); p.Verdict != finding.Malicious || !slices.Contains(p.Findings[0].IDs, "MAL-2024-10573") {
		t.Errorf("fabrice (every version malicious) declared in pyproject.toml: %s %+v", p.Verdict, p.Findings)
	}
	for _, c := range [][2]string{{"debug", "4.4.1"}, {"litellm", "1.82.6"}, {"num2words", ""}} {
		if p := find(t, r, c[0], c[1]); p.Verdict != finding.Clean {
			t.Errorf("%s %s is not covered by any record, got %s %+v", c[0], c[1], p.Verdict, p.Findings)
		}
	}
	if !r.Database.Loaded || r.Database.Date == "" || !r.Summary.Failed || r.Summary.Malicious != 4 {
		t.Errorf("database %+v summary %+v", r.Database, r.Summary)
	}
}

func TestBrokenLockfileIsReportedAndOthersScanned(t *testing.T) {
	dir := project(t, map[string]string{
		"a/Pipfile.lock":      "{ this is not json",
		"b/package-lock.json": npmLock("chalk@5.6.1"),
	})
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, DB: corpusDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 1 || r.Errors[0].File != "a/Pipfile.lock" || !strings.Contains(r.Errors[0].Error, "JSON") {
		t.Errorf("errors: %+v", r.Errors)
	}
	if p := find(t, r, "chalk", "5.6.1"); p.Verdict != finding.Malicious {
		t.Errorf("the good lockfile was not scanned: %+v", p)
	}
}

func TestIncludedRequirementsCountForEachLockfile(t *testing.T) {
	dir := project(t, map[string]string{
		"requirements/all.txt":  "-r base.txt\nrequests==2.32.3\n",
		"requirements/base.txt": "# pinned\nnum2words==0.5.15\n",
	})
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, DB: corpusDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	var fromAll, fromBase *scan.Package
	for i, p := range r.Packages {
		if p.Name == "num2words" && p.File == "requirements/all.txt" {
			fromAll = &r.Packages[i]
		}
		if p.Name == "num2words" && p.File == "requirements/base.txt" {
			fromBase = &r.Packages[i]
		}
	}
	if fromAll == nil || fromBase == nil || len(r.Packages) != 3 {
		t.Fatalf("want num2words under each lockfile and requests once: %+v", r.Packages)
	}
	if fromAll.Origin != "requirements/base.txt" || fromAll.Line != 2 || fromAll.Findings[0].File != "requirements/base.txt" || fromAll.Findings[0].Line != 2 {
		t.Errorf("via all.txt: origin %q line %d finding at %s:%d", fromAll.Origin, fromAll.Line, fromAll.Findings[0].File, fromAll.Findings[0].Line)
	}
	if fromBase.Origin != "" || fromBase.Verdict != finding.Malicious {
		t.Errorf("base.txt: %+v", fromBase)
	}
}

func TestWithoutDatabaseTheScanSaysSoAndGoesOn(t *testing.T) {
	dir := project(t, map[string]string{"package-lock.json": npmLock("chalk@5.6.1")})
	_, dbErr := advisory.OpenDefault(t.TempDir())
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, DBError: dbErr})
	if err != nil {
		t.Fatal(err)
	}
	if r.Database.Loaded || !strings.Contains(strings.Join(r.Notes, "\n"), "customs db update") {
		t.Errorf("database %+v notes %q", r.Database, r.Notes)
	}
	if len(r.Packages) != 1 || r.Packages[0].Verdict != finding.Clean {
		t.Errorf("packages: %+v", r.Packages)
	}
	var text bytes.Buffer
	scan.WriteText(&text, r, scan.TextOptions{})
	if !strings.Contains(text.String(), "no advisory database: run `customs db update` or pass --db") {
		t.Errorf("text output does not say the database is missing:\n%s", text.String())
	}
}

func TestTyposquatAndInternalNames(t *testing.T) {
	t.Setenv(registry.PublicNPMEnv, "https://npm-registry.example")
	dir := project(t, map[string]string{
		"requirements.txt": "reqeusts==2.31.0\nrequests==2.32.3\n",
		"package-lock.json": npmLock(
			"@acme/billing@2.0.0 https://npm-registry.example/@acme/billing/-/billing-2.0.0.tgz sha512-AAAA",
			"@acme/ui@1.0.0 https://npm.acme.example/@acme/ui/-/ui-1.0.0.tgz sha512-BBBB",
		),
	})
	pol := scan.Policy{Internal: map[string][]string{"npm": {"@acme/*"}}}
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, Names: names.NewChecker(names.Config{}), Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	squat := find(t, r, "reqeusts", "2.31.0")
	if !squat.Verdict.Flagged() || len(squat.Findings) == 0 || squat.Findings[0].Target != "requests" || !strings.Contains(squat.Findings[0].Fix, "requests") {
		t.Errorf("reqeusts: %+v", squat)
	}
	if p := find(t, r, "requests", "2.32.3"); p.Verdict != finding.Clean {
		t.Errorf("requests itself flagged: %+v", p)
	}
	conf := find(t, r, "@acme/billing", "2.0.0")
	if conf.Verdict != finding.Malicious || !slices.Equal(rulesOf(conf), []string{scan.RuleConfusion}) || !strings.Contains(conf.Findings[0].Fix, "private registry") {
		t.Errorf("@acme/billing resolved from the public registry: %+v", conf)
	}
	if p := find(t, r, "@acme/ui", "1.0.0"); p.Verdict != finding.Clean {
		t.Errorf("@acme/ui resolved from the private registry: %+v", p)
	}
	// The policy's allow list (glob patterns) silences the name checks.
	pol.Allow = map[string][]string{"pypi": {"reqeus*"}}
	r, err = scan.Run(context.Background(), scan.Options{Root: dir, Names: names.NewChecker(names.Config{}), Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	if p := find(t, r, "reqeusts", "2.31.0"); p.Verdict != finding.Clean {
		t.Errorf("allowed reqeusts: %+v", p)
	}
}

func TestRegistryHistory(t *testing.T) {
	srv := registrytest.New(t)
	dir := project(t, map[string]string{
		"package-lock.json": npmLock("hijacked-lib@1.2.0", "gone-pkg@1.0.0", "@acme/private@1.0.0"),
		"requirements.txt":  "sample-pkg==1.0\n",
	})
	client := registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: t.TempDir()})
	opts := scan.Options{Root: dir, Registry: client, Now: registrytest.Now,
		Policy: scan.Policy{Internal: map[string][]string{"npm": {"@acme/*"}}}}
	r, err := scan.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	hj := find(t, r, "hijacked-lib", "1.2.0")
	if hj.Verdict != finding.Malicious || !slices.Contains(rulesOf(hj), registry.RuleInstallScript) || !slices.Contains(rulesOf(hj), registry.RuleTooNew) {
		t.Errorf("hijacked-lib 1.2.0 (new publisher, new postinstall, provenance dropped): %s %v", hj.Verdict, rulesOf(hj))
	}
	if p := find(t, r, "gone-pkg", "1.0.0"); p.Verdict != finding.Suspicious || !slices.Equal(rulesOf(p), []string{registry.RuleRemoved}) {
		t.Errorf("gone-pkg: %s %v", p.Verdict, rulesOf(p))
	}
	if p := find(t, r, "sample-pkg", "1.0"); p.Verdict != finding.Clean {
		t.Errorf("sample-pkg 1.0: %s %v", p.Verdict, rulesOf(p))
	}
	if p := find(t, r, "@acme/private", "1.0.0"); len(p.Findings) != 0 {
		t.Errorf("an internal package is not looked up on the registry: %v", rulesOf(p))
	}
	if p := find(t, r, "gone-pkg", "1.0.0"); !p.Fails {
		t.Error("by default a suspicious package fails the run")
	}
	// fail_on: malicious lets suspicious packages through.
	lenient := opts
	lenient.Policy.FailOn = finding.Malicious
	r2, _ := scan.Run(context.Background(), lenient)
	if p := find(t, r2, "gone-pkg", "1.0.0"); p.Fails || p.Verdict != finding.Suspicious {
		t.Errorf("fail_on malicious: gone-pkg fails=%v verdict=%s", p.Fails, p.Verdict)
	}
	if p := find(t, r2, "hijacked-lib", "1.2.0"); !p.Fails || !r2.Summary.Failed {
		t.Error("fail_on malicious: the hijacked release still fails the run")
	}
	// Policy: ignore the cooldown finding until tomorrow; an expired ignore
	// stops working and says so.
	opts.Policy.Ignores = []scan.Ignore{
		{ID: registry.RuleTooNew, Package: "hijacked-lib", Reason: "reviewed by security", Expires: registrytest.Now.AddDate(0, 0, 1)},
		{ID: registry.RuleRemoved, Package: "npm:gone-pkg@1.0.0", Reason: "vendored copy", Expires: registrytest.Now.AddDate(0, 0, -2)},
	}
	r, err = scan.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	hj = find(t, r, "hijacked-lib", "1.2.0")
	if slices.Contains(rulesOf(hj), registry.RuleTooNew) || len(hj.Ignored) != 1 || hj.Ignored[0].Reason != "reviewed by security" {
		t.Errorf("ignored too-new: findings %v ignored %+v", rulesOf(hj), hj.Ignored)
	}
	if p := find(t, r, "gone-pkg", "1.0.0"); len(p.Ignored) != 0 || !strings.Contains(strings.Join(r.Notes, "\n"), "expired") {
		t.Errorf("expired ignore: ignored %+v notes %q", p.Ignored, r.Notes)
	}
}

func TestInternalNamePublishedPublicly(t *testing.T) {
	srv := registrytest.New(t)
	old := registrytest.Now.AddDate(0, -3, 0)
	srv.Set(registrytest.NPMPath("@acme/payments"), registrytest.NPMDocument(srv, "@acme/payments",
		map[string]time.Time{"1.0.0": old, "99.99.99": old.AddDate(0, 0, 1)}))
	dir := project(t, map[string]string{"package-lock.json": npmLock(
		"@acme/payments@1.2.0 https://npm.acme.example/@acme/payments/-/payments-1.2.0.tgz sha512-AAAA",
		"@acme/ledger@3.0.0 https://npm.acme.example/@acme/ledger/-/ledger-3.0.0.tgz sha512-BBBB",
	)})
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, Names: names.NewChecker(names.Config{}),
		PublicRegistry: registry.New(registry.Options{Endpoints: srv.Endpoints()}),
		Policy:         scan.Policy{Internal: map[string][]string{"npm": {"@acme/*"}}}})
	if err != nil {
		t.Fatal(err)
	}
	p := find(t, r, "@acme/payments", "1.2.0")
	if p.Verdict != finding.Malicious || !slices.Contains(rulesOf(p), names.RuleConfusion) || !slices.Contains(rulesOf(p), names.RuleConfusionVer) {
		t.Errorf("@acme/payments is public at 99.99.99: %s %v", p.Verdict, rulesOf(p))
	}
	if p.Findings[0].Fix == "" {
		t.Error("no fix given")
	}
	if p := find(t, r, "@acme/ledger", "3.0.0"); p.Verdict != finding.Clean {
		t.Errorf("@acme/ledger is not public: %s %v", p.Verdict, rulesOf(p))
	}
}

func TestInstallerSetupThatLetsPublicPackagesIn(t *testing.T) {
	dir := project(t, map[string]string{
		"requirements.txt": "--extra-index-url https://pypi.acme.example/simple\nacme-billing==1.0\n",
	})
	pol := scan.Policy{Internal: map[string][]string{"pypi": {"acme-*"}}}
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, Policy: pol, Installers: &names.InstallerSetup{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Setup) != 1 || r.Setup[0].File != "requirements.txt" || r.Setup[0].Line != 1 || r.Setup[0].Severity < finding.High || !r.Summary.Failed {
		t.Errorf("setup %+v, failed %v", r.Setup, r.Summary.Failed)
	}
	var text bytes.Buffer
	scan.WriteText(&text, r, scan.TextOptions{})
	if !strings.HasPrefix(text.String(), "SETUP") || !strings.Contains(text.String(), "requirements.txt:1") {
		t.Errorf("the setup problem should lead the text output:\n%s", text.String())
	}
}

// tgz builds a small npm tarball in memory, in name order.
func tgz(files map[string]string) []byte {
	return archivetest.TarGz(archivetest.Files("", files)...)
}

func sri(b []byte) string {
	sum := sha512.Sum512(b)
	return "sha512-" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestDeepVerifiesInspectsAndCaches(t *testing.T) {
	srv := registrytest.New(t)
	good := tgz(map[string]string{
		"package/package.json": `{"name":"tiny","version":"1.0.0","main":"index.js"}`,
		"package/index.js":     "module.exports = (a, b) => a + b;\n",
	})
	srv.Set("/npm/tiny/-/tiny-1.0.0.tgz", good)
	srv.Set("/npm/swapped/-/swapped-1.0.0.tgz", good)
	old := map[string]time.Time{"1.0.0": registrytest.Now.AddDate(0, -1, 0)}
	srv.Set("/npm/tiny", registrytest.NPMDocument(srv, "tiny", old))
	srv.Set("/npm/swapped", registrytest.NPMDocument(srv, "swapped", old))
	dir := project(t, map[string]string{"package-lock.json": npmLock(
		"tiny@1.0.0 "+srv.URL+"/npm/tiny/-/tiny-1.0.0.tgz "+sri(good),
		"swapped@1.0.0 "+srv.URL+"/npm/swapped/-/swapped-1.0.0.tgz "+sri([]byte("what was locked")),
	)})
	cache := t.TempDir()
	client := registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: cache})
	opts := scan.Options{Root: dir, Registry: client, Deep: true, CacheDir: cache, Now: registrytest.Now}
	r, err := scan.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	tiny := find(t, r, "tiny", "1.0.0")
	if tiny.Verdict != finding.Clean || len(tiny.Findings) != 0 || strings.Contains(strings.Join(r.Notes, "\n"), "could not inspect") {
		t.Errorf("tiny: %s %+v, notes %q", tiny.Verdict, tiny.Findings, r.Notes)
	}
	sw := find(t, r, "swapped", "1.0.0")
	if !slices.Contains(rulesOf(sw), scan.RuleIntegrityMismatch) || !sw.Verdict.Flagged() {
		t.Errorf("swapped: %s %v", sw.Verdict, rulesOf(sw))
	}
	// Warm: tiny's verdict is found by its locked integrity without a download.
	before := srv.Requests.Load()
	r, err = scan.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	downloads := srv.Requests.Load() - before
	if downloads != 1 { // only swapped, whose integrity never verified, is fetched again
		t.Errorf("warm --deep made %d requests, want 1", downloads)
	}
	if p := find(t, r, "tiny", "1.0.0"); p.Verdict != finding.Clean || len(p.Findings) != 0 {
		t.Errorf("cached tiny: %+v", p)
	}
	// Offline with an empty cache nothing can be inspected: one note says so.
	r, err = scan.Run(context.Background(), scan.Options{Root: dir, Deep: true, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(r.Notes, "\n"); !strings.Contains(notes, "--deep could not inspect 2 packages") {
		t.Errorf("notes: %q", notes)
	}
}

func TestJSONContract(t *testing.T) {
	dir := project(t, map[string]string{
		"package-lock.json": npmLock("chalk@5.6.1", "debug@4.4.1"),
		"x/Pipfile.lock":    "{",
	})
	r, err := scan.Run(context.Background(), scan.Options{Root: dir, DB: corpusDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := scan.WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Packages []map[string]json.RawMessage   `json:"packages"`
		Errors   []struct{ File, Error string } `json:"errors"`
		Database struct {
			Date string `json:"date"`
		} `json:"database"`
		Summary map[string]any `json:"summary"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Packages) != 2 || len(doc.Errors) != 1 || doc.Errors[0].File != "x/Pipfile.lock" || doc.Database.Date == "" {
		t.Fatalf("document: %s", buf.String())
	}
	for _, p := range doc.Packages {
		for _, k := range []string{"ecosystem", "name", "version", "file", "direct", "verdict", "findings"} {
			if _, ok := p[k]; !ok {
				t.Errorf("package without %q: %v", k, p)
			}
		}
		var fs []map[string]any
		json.Unmarshal(p["findings"], &fs)
		for _, f := range fs {
			for _, k := range []string{"rule", "severity", "message", "ids"} {
				if _, ok := f[k]; !ok {
					t.Errorf("advisory finding without %q: %v", k, f)
				}
			}
		}
	}
}

func TestSARIFPointsAtTheLockfileLine(t *testing.T) {
	dir := project(t, map[string]string{"app/package-lock.json": npmLock("debug@4.4.1", "chalk@5.6.1"), "app/Pipfile.lock": "{"})
	db := corpusDB(t)
	t.Chdir(dir) // scanned as "." from inside the project: locations stay relative
	r, err := scan.Run(context.Background(), scan.Options{Root: ".", DB: db})
	if err != nil {
		t.Fatal(err)
	}
	chalk := find(t, r, "chalk", "5.6.1")
	var buf bytes.Buffer
	if err := scan.WriteSARIF(&buf, r, nil); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 {
		t.Fatalf("SARIF: %s", buf.String())
	}
	loc := log.Runs[0].Results[0].Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "app/package-lock.json" || loc.Region.StartLine != chalk.Line {
		t.Errorf("location %+v, want app/package-lock.json:%d", loc, chalk.Line)
	}
	if !strings.Contains(buf.String(), "cannot read app/Pipfile.lock") {
		t.Errorf("the unreadable lockfile is not a notification:\n%s", buf.String())
	}
	// Valid against the official schema, independently of the writer.
	schema, err := jsonschema.NewCompiler().Compile(corpus.Path(t, "..", "schemas", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("scan SARIF is not valid 2.1.0: %v", err)
	}
}

func TestHostileNamesNeverReachARegistryURL(t *testing.T) {
	srv := registrytest.New(t)
	deps := []lockfileDep{
		{Ecosystem: "npm", Name: "../../admin", Version: "1.0.0", File: "package-lock.json", Source: "registry"},
		{Ecosystem: "pypi", Name: "a/../../b", Version: "1.0", File: "requirements.txt", Source: "registry"},
	}
	res := scan.Check(context.Background(), deps, scan.Options{Registry: registry.New(registry.Options{Endpoints: srv.Endpoints()}), Deep: true, CacheDir: t.TempDir()})
	if n := srv.Requests.Load(); n != 0 {
		t.Errorf("%d requests made for invalid names", n)
	}
	for _, p := range res.Packages {
		if len(p.Findings) != 0 {
			t.Errorf("%s: %+v", p.Name, p.Findings)
		}
	}
}

func TestCheckIsUsableWithoutDiscovery(t *testing.T) {
	// The seam for diff --base: judge dependencies someone else selected.
	db := corpusDB(t)
	yes := true
	res := scan.Check(context.Background(), []lockfileDep{{Ecosystem: "npm", Name: "chalk", Version: "5.6.1", File: "package-lock.json", Line: 3, Direct: &yes}}, scan.Options{DB: db, Now: time.Now()})
	if len(res.Packages) != 1 || res.Packages[0].Verdict != finding.Malicious {
		t.Errorf("%+v", res.Packages)
	}
}

// TestCorpusLockfilesYieldTheirCounts scans the whole lockfile corpus and
// checks the packages reported per file against the corpus's independent
// counts, and that every broken file is an error naming it.
func TestCorpusLockfilesYieldTheirCounts(t *testing.T) {
	dir := corpus.Path(t, "lockfiles")
	index, err := os.ReadFile(filepath.Join(dir, "INDEX.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := scan.Run(context.Background(), scan.Options{Root: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, p := range r.Packages {
		got[p.File]++
	}
	rows := 0
	for _, line := range strings.Split(strings.TrimSpace(string(index)), "\n")[1:] {
		cols := strings.Split(line, "\t")
		var want int
		fmt.Sscan(cols[3], &want)
		rows++
		if got[cols[0]] != want {
			t.Errorf("%s: %d packages, want %d", cols[0], got[cols[0]], want)
		}
	}
	if rows < 40 {
		t.Fatalf("only %d rows in INDEX.tsv", rows)
	}
	for _, e := range r.Errors {
		if !strings.HasPrefix(e.File, "broken/") || !strings.Contains(e.Error, filepath.Base(e.File)) {
			t.Errorf("unexpected error: %+v", e)
		}
	}
	broken, _ := filepath.Glob(filepath.Join(dir, "broken", "*", "*"))
	if len(r.Errors) != len(broken) {
		t.Errorf("want the %d broken corpus files as errors, got %+v", len(broken), r.Errors)
	}
}

func TestDeepPyPIFromTheIndex(t *testing.T) {
	srv := registrytest.New(t)
	sdist := tgz(map[string]string{
		"mini_pkg-1.0/PKG-INFO":             "Metadata-Version: 2.1\nName: mini-pkg\nVersion: 1.0\n",
		"mini_pkg-1.0/mini_pkg/__init__.py": "def add(a, b):\n    return a + b\n",
	})
	sum := sha256.Sum256(sdist)
	digest := hex.EncodeToString(sum[:])
	srv.Set("/simple/mini-pkg/", []byte(`{"meta":{"api-version":"1.1"},"name":"mini-pkg","versions":["1.0"],"files":[
		{"filename":"mini_pkg-1.0.tar.gz","url":"../../files/mini_pkg-1.0.tar.gz","hashes":{"sha256":"`+digest+`"},"upload-time":"2025-01-01T00:00:00Z","yanked":false}]}`))
	srv.Set("/files/mini_pkg-1.0.tar.gz", sdist)
	cache := t.TempDir()
	run := func(requirements string) *scan.Report {
		dir := project(t, map[string]string{"requirements.txt": requirements})
		r, err := scan.Run(context.Background(), scan.Options{Root: dir, Deep: true, CacheDir: cache, Now: registrytest.Now,
			Registry: registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: cache})})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := run("mini-pkg==1.0 --hash=sha256:" + digest + "\n")
	if p := find(t, r, "mini-pkg", "1.0"); p.Verdict != finding.Clean || len(p.Findings) != 0 || len(r.Notes) > 1 {
		t.Errorf("mini-pkg: %s %+v notes %q", p.Verdict, p.Findings, r.Notes)
	}
	before := srv.Requests.Load()
	run("mini-pkg==1.0 --hash=sha256:" + digest + "\n")
	if n := srv.Requests.Load() - before; n != 0 {
		t.Errorf("warm --deep made %d requests", n)
	}
	r = run("mini-pkg==1.0 --hash=sha256:" + strings.Repeat("0", 64) + "\n")
	if p := find(t, r, "mini-pkg", "1.0"); !slices.Contains(rulesOf(p), scan.RuleIntegrityMismatch) {
		t.Errorf("a hash the index's file does not have: %v", rulesOf(p))
	}
}
