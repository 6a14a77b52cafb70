package advisory

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"customs/internal/corpus"
)

// sharedCache keeps the index built from the shared snapshot between tests
// of one run, as a user's cache would between scans.
var sharedCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "customs-advisory-test-")
	if err != nil {
		panic(err)
	}
	sharedCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func loadCorpus(t testing.TB) *DB {
	t.Helper()
	db, err := Open(corpus.Path(t, "osv"), sharedCache)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestCorpusExamplesMatch(t *testing.T) {
	db := loadCorpus(t)
	f, err := os.Open(corpus.Path(t, "osv", "examples.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 || cols[0] == "ecosystem" {
			continue
		}
		rows++
		eco, ok := ParseEcosystem(cols[0])
		if !ok {
			t.Fatalf("unknown ecosystem %q", cols[0])
		}
		advs, err := db.Match(eco, cols[1], cols[2])
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range advs {
			found = found || a.ID == cols[3]
		}
		if !found {
			t.Errorf("%s %s %s: want %s (%s), got %v", cols[0], cols[1], cols[2], cols[3], cols[4], advs)
		}
	}
	if rows < 30 {
		t.Fatalf("read only %d example rows", rows)
	}
}

func TestCorpusNegatives(t *testing.T) {
	db := loadCorpus(t)
	for _, c := range []struct {
		eco           Ecosystem
		name, version string
	}{
		{NPM, "chalk", "5.6.0"},
		{NPM, "chalk", "5.6.2"},
		{NPM, "debug", "4.4.1"},
		{NPM, "@solana/web3.js", "1.95.8"},
		{NPM, "fsevents", "1.2.11"},
		{NPM, "@ledgerhq/connect-kit", "1.1.8"},
		{PyPI, "num2words", "0.5.14"},
		{PyPI, "litellm", "1.82.6"},
		{RubyGems, "doctolib", "1.0.0"},
		{NPM, "shared", "1.0.0"}, // only a withdrawn record
		{NPM, "react", "18.2.0"},
	} {
		advs, err := db.Match(c.eco, c.name, c.version)
		if err != nil {
			t.Fatal(err)
		}
		if len(advs) != 0 {
			t.Errorf("%s %s %s: want no advisory, got %s", c.eco, c.name, c.version, advs[0].ID)
		}
	}
	if db.Meta.Withdrawn != 56 {
		t.Errorf("withdrawn = %d, want the 56 the snapshot's README counts", db.Meta.Withdrawn)
	}
	if got := db.Meta.Date(); got < "2025-06-04" {
		t.Errorf("database date %q older than the snapshot", got)
	}
}

func TestCorpusNormalisedPyPIName(t *testing.T) {
	db := loadCorpus(t)
	// PEP 503: the same project whatever the case and separators.
	for _, name := range []string{"Num2Words", "num2words", "guardrails_ai", "Guardrails.AI"} {
		advs, _ := db.Package(PyPI, name)
		if len(advs) == 0 {
			t.Errorf("%s: no advisory found under its normalised name", name)
		}
	}
}

func TestOpenReusesBuiltIndex(t *testing.T) {
	src := filepath.Join(t.TempDir(), "records.jsonl")
	writeFile(t, src, `{"id":"MAL-1","summary":"evil","modified":"2025-01-02T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"evil-pkg"},"versions":["1.0.0"]}]}
{"id":"MAL-2","modified":"2025-03-04T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"Bad_Pkg"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}
{"id":"MAL-3","withdrawn":"2025-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"fine"},"versions":["1.0.0"]}]}
not json
`)
	cache := t.TempDir()
	db, err := Open(src, cache)
	if err == nil {
		t.Fatalf("a JSON-lines file with a broken line should fail to load, got %d keys", db.Len())
	}
	writeFile(t, src, strings.Replace(readFile(t, src), "not json\n", "", 1))
	db, err = Open(src, cache)
	if err != nil {
		t.Fatal(err)
	}
	if advs, _ := db.Match(NPM, "evil-pkg", "1.0.0"); len(advs) != 1 || advs[0].Summary != "evil" {
		t.Errorf("evil-pkg 1.0.0: %v", advs)
	}
	if advs, _ := db.Match(PyPI, "bad-pkg", "anything-at-all"); len(advs) != 1 {
		t.Errorf("all-versions range must match even an unparsable version: %v", advs)
	}
	if advs, _ := db.Match(NPM, "fine", "1.0.0"); len(advs) != 0 {
		t.Errorf("withdrawn record matched: %v", advs)
	}
	if db.Meta.Date() != "2025-03-04" {
		t.Errorf("date = %q", db.Meta.Date())
	}
	built, _ := filepath.Glob(filepath.Join(cache, "osv", "db-*.bin"))
	if len(built) != 1 {
		t.Fatalf("want one cached index, got %v", built)
	}
	// The cached index is itself a valid --db source.
	db2, err := Open(built[0], "")
	if err != nil || db2.Len() != db.Len() {
		t.Fatalf("reopen cached index: %v (%d vs %d keys)", err, db2.Len(), db.Len())
	}
}

func TestCorruptIndexIsAnError(t *testing.T) {
	src := filepath.Join(t.TempDir(), "one.json")
	writeFile(t, src, `{"id":"MAL-1","affected":[{"package":{"ecosystem":"npm","name":"x"},"versions":["1.0.0"]}]}`)
	cache := t.TempDir()
	if _, err := Open(src, cache); err != nil {
		t.Fatal(err)
	}
	built, _ := filepath.Glob(filepath.Join(cache, "osv", "db-*.bin"))
	data := []byte(readFile(t, built[0]))
	for cut := len(indexMagic); cut < len(data); cut++ {
		if db, err := parseIndex(data[:cut]); err == nil {
			// A cut inside the last blob is only found on lookup.
			if _, err := db.Package(NPM, "x"); err == nil && cut < len(data) {
				t.Fatalf("index cut at %d/%d loaded and answered without error", cut, len(data))
			}
		}
	}
}

func TestUpdateFromServer(t *testing.T) {
	zipPath := corpus.Path(t, "osv", "RubyGems.zip")
	var mu sync.Mutex
	hits := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path != "/RubyGems/all.zip" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		http.ServeFile(w, r, zipPath)
	}))
	defer srv.Close()
	cache := t.TempDir()
	meta, results, err := Update(context.Background(), srv.Client(), srv.URL, cache)
	if err == nil || !strings.Contains(err.Error(), "npm") {
		t.Errorf("missing npm export should be reported, got %v", err)
	}
	if meta.Records[RubyGems] != 819 || len(results) != 1 || results[0].Bytes == 0 {
		t.Fatalf("meta %+v results %+v", meta, results)
	}
	db, err := OpenDefault(cache)
	if err != nil {
		t.Fatal(err)
	}
	if advs, _ := db.Match(RubyGems, "doctolib", "99.0.4"); len(advs) != 1 || advs[0].ID != "MAL-2026-1915" {
		t.Errorf("doctolib 99.0.4: %v", advs)
	}
	// Second run: the server answers 304 and the index is rebuilt from the kept zip.
	_, results, _ = Update(context.Background(), srv.Client(), srv.URL, cache)
	if len(results) != 1 || !results[0].NotModified {
		t.Errorf("second update should be a 304: %+v", results)
	}
	if _, err := OpenDefault(cache); err != nil {
		t.Fatal(err)
	}
}

func TestOpenDefaultWithoutDatabase(t *testing.T) {
	if _, err := OpenDefault(t.TempDir()); err != ErrNoDatabase {
		t.Fatalf("got %v, want ErrNoDatabase", err)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUpdateAllEcosystems(t *testing.T) {
	dir := corpus.Path(t, "osv")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		eco, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/osv/"), "/all.zip")
		if !ok || strings.Contains(eco, "/") {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, eco+".zip"))
	}))
	defer srv.Close()
	cache := t.TempDir()
	meta, _, err := Update(context.Background(), srv.Client(), srv.URL+"/osv/", cache)
	if err != nil {
		t.Fatal(err)
	}
	// The README's counts less the withdrawn records.
	want := map[Ecosystem]int{NPM: 22319 - 55, PyPI: 9206 - 1, RubyGems: 819}
	for eco, n := range want {
		if meta.Records[eco] != n {
			t.Errorf("%s: %d records, want %d", eco, meta.Records[eco], n)
		}
	}
	db, err := OpenDefault(cache)
	if err != nil {
		t.Fatal(err)
	}
	if advs, _ := db.Match(NPM, "chalk", "5.6.1"); len(advs) != 1 || advs[0].ID != "MAL-2025-46969" {
		t.Errorf("chalk 5.6.1 after update: %v", advs)
	}
	if !strings.Contains(db.Meta.Summary(), db.Meta.Date()) {
		t.Errorf("summary %q lacks the date", db.Meta.Summary())
	}
}

func TestOpenDirectoryOfRecords(t *testing.T) {
	// The malicious-packages repository layout: one file per record.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "osv", "malicious", "npm", "evil"), 0o755)
	os.MkdirAll(filepath.Join(dir, "osv", "withdrawn", "pypi", "fine"), 0o755)
	writeFile(t, filepath.Join(dir, "osv", "malicious", "npm", "evil", "MAL-1.json"),
		`{"id":"MAL-1","summary":"evil","affected":[{"package":{"ecosystem":"npm","name":"evil"},"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.2.0"}]}]}]}`)
	writeFile(t, filepath.Join(dir, "osv", "withdrawn", "pypi", "fine", "MAL-2.json"),
		`{"id":"MAL-2","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"fine"},"versions":["1.0"]}]}`)
	writeFile(t, filepath.Join(dir, "README.md"), "not a record")
	db, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]bool{"0.9.0": false, "1.1.5": true, "1.2.0": false} {
		if advs, _ := db.Match(NPM, "evil", v); (len(advs) == 1) != want {
			t.Errorf("evil %s: %v", v, advs)
		}
	}
	if advs, _ := db.Match(PyPI, "fine", "1.0"); len(advs) != 0 || db.Meta.Withdrawn != 1 {
		t.Errorf("withdrawn record: %v (withdrawn count %d)", advs, db.Meta.Withdrawn)
	}
}
