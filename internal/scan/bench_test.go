package scan_test

// Benchmarks of the speed bars, each on a lockfile of about 2,000
// packages and each reporting medians in milliseconds:
//
//	go test -run '^$' -bench . -benchtime 10x ./internal/scan
//
// BenchmarkOfflineScan/*      the offline scan of outline (yarn.lock with 2,096
//                             packages, and package.json): parse only (the
//                             floor); with the OSV index loaded from the cache
//                             and matched; and also with the name checks, their
//                             data loaded fresh (what one `customs scan
//                             --offline` process pays). The last two report
//                             "added-ms" over parse-only, measured pairwise.
// BenchmarkWarmOnline         the same scan with registry history from a warm
//                             disk cache; "added-ms" is the median of
//                             (online − offline) measured pairwise in the run.
// BenchmarkDeepWarm           --deep over 2,000 generated packages whose
//                             verdicts are cached; "added-ms" over the
//                             offline scan of the same lockfile.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"customs/internal/advisory"
	"customs/internal/corpus"
	"customs/internal/lockfile"
	"customs/internal/names"
	"customs/internal/registry"
	"customs/internal/registry/registrytest"
	"customs/internal/scan"
)

func mustRun(b *testing.B, opts scan.Options) *scan.Report {
	b.Helper()
	r, err := scan.Run(context.Background(), opts)
	if err != nil {
		b.Fatal(err)
	}
	if len(r.Errors) > 0 {
		b.Fatalf("errors: %+v", r.Errors)
	}
	return r
}

// openDB loads the OSV index the way a scan does after `customs db update`.
func openDB(b *testing.B, src, cache string) *advisory.DB {
	db, err := advisory.Open(src, cache)
	if err != nil {
		b.Fatal(err)
	}
	return db
}

func medianMS(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}

// pairwise runs floor and variant alternately b.N times and reports the
// medians of both and of their difference.
func pairwise(b *testing.B, floor, variant func()) {
	var fl, va, diff []time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		floor()
		t1 := time.Now()
		variant()
		t2 := time.Now()
		fl, va, diff = append(fl, t1.Sub(t0)), append(va, t2.Sub(t1)), append(diff, t2.Sub(t1)-t1.Sub(t0))
	}
	b.StopTimer()
	b.ReportMetric(medianMS(fl), "floor-ms")
	b.ReportMetric(medianMS(va), "ms")
	b.ReportMetric(medianMS(diff), "added-ms")
	b.ReportMetric(0, "ns/op") // the pair's total is not a figure anyone needs
}

func BenchmarkOfflineScan(b *testing.B) {
	dir := corpus.Path(b, "lockfiles", "outline")
	osvSrc := corpus.Path(b, "osv")
	cache := b.TempDir()
	openDB(b, osvSrc, cache) // built once, as `customs db update` would
	parseOnly := func() { mustRun(b, scan.Options{Root: dir}) }
	b.Run("parse-only", func(b *testing.B) {
		var ds []time.Duration
		for range b.N {
			t0 := time.Now()
			parseOnly()
			ds = append(ds, time.Since(t0))
		}
		b.ReportMetric(medianMS(ds), "ms")
		b.ReportMetric(float64(len(mustRun(b, scan.Options{Root: dir}).Packages)), "packages")
	})
	b.Run("osv", func(b *testing.B) {
		pairwise(b, parseOnly, func() { mustRun(b, scan.Options{Root: dir, DB: openDB(b, osvSrc, cache)}) })
	})
	b.Run("osv+names", func(b *testing.B) {
		pairwise(b, parseOnly, func() {
			mustRun(b, scan.Options{Root: dir, DB: openDB(b, osvSrc, cache), Names: names.NewChecker(names.Config{})})
		})
	})
}

func BenchmarkWarmOnline(b *testing.B) {
	dir := corpus.Path(b, "lockfiles", "outline")
	osvSrc := corpus.Path(b, "osv")
	cache := b.TempDir()
	openDB(b, osvSrc, cache)
	srv := registrytest.New(b)
	f := lockfile.ParseFS(os.DirFS(dir), "yarn.lock")
	if f.Err != nil {
		b.Fatal(f.Err)
	}
	serveHistories(srv, f.Deps)
	client := registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: cache})
	offline := scan.Options{Root: dir, DB: openDB(b, osvSrc, cache)}
	online := offline
	online.Registry = client
	mustRun(b, online) // warm the disk cache
	warm := srv.Requests.Load()
	pairwise(b,
		func() { offline.DB = openDB(b, osvSrc, cache); mustRun(b, offline) },
		func() {
			online.DB = openDB(b, osvSrc, cache)
			online.Registry = registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: cache})
			mustRun(b, online)
		})
	if srv.Requests.Load() != warm {
		b.Fatalf("a warm scan made %d requests", srv.Requests.Load()-warm)
	}
}

// serveHistories gives every npm dependency a year-old history on srv.
func serveHistories(srv *registrytest.Server, deps []lockfile.Dependency) {
	versions := map[string]map[string]time.Time{}
	old := registrytest.Now.AddDate(-1, 0, 0)
	for _, d := range deps {
		if d.Ecosystem != lockfile.NPM {
			continue
		}
		if versions[d.Name] == nil {
			versions[d.Name] = map[string]time.Time{}
		}
		versions[d.Name][d.Version] = old
	}
	for name, vs := range versions {
		srv.Set(registrytest.NPMPath(name), registrytest.NPMDocument(srv, name, vs))
	}
}

func BenchmarkDeepWarm(b *testing.B) {
	osvSrc := corpus.Path(b, "osv")
	cache := b.TempDir()
	openDB(b, osvSrc, cache)
	srv := registrytest.New(b)
	const n = 2000
	var entries []string
	for i := range n {
		name := fmt.Sprintf("pkg-%04d", i)
		tarball := tgz(map[string]string{
			"package/package.json": fmt.Sprintf(`{"name":%q,"version":"1.0.0","main":"index.js"}`, name),
			"package/index.js":     fmt.Sprintf("module.exports = function add%d(a, b) { return a + b + %d; };\n", i, i),
		})
		url := srv.URL + "/npm/" + name + "/-/" + name + "-1.0.0.tgz"
		srv.Set(strings.TrimPrefix(url, srv.URL), tarball)
		srv.Set(registrytest.NPMPath(name), registrytest.NPMDocument(srv, name, map[string]time.Time{"1.0.0": registrytest.Now.AddDate(-1, 0, 0)}))
		entries = append(entries, name+"@1.0.0 "+url+" "+sri(tarball))
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(npmLock(entries...)), 0o644); err != nil {
		b.Fatal(err)
	}
	offline := scan.Options{Root: dir}
	deep := scan.Options{Root: dir, Deep: true, CacheDir: cache,
		Registry: registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: cache})}
	r := mustRun(b, deep) // cold: download and inspect everything once
	for _, p := range r.Packages {
		if len(p.Findings) > 0 {
			b.Fatalf("%s: %+v", p.Name, p.Findings)
		}
	}
	warm := srv.Requests.Load()
	pairwise(b,
		func() { offline.DB = openDB(b, osvSrc, cache); mustRun(b, offline) },
		func() {
			deep.DB = openDB(b, osvSrc, cache)
			deep.Registry = registry.New(registry.Options{Endpoints: srv.Endpoints(), CacheDir: cache})
			mustRun(b, deep)
		})
	if srv.Requests.Load() != warm {
		b.Fatalf("a warm --deep scan made %d requests", srv.Requests.Load()-warm)
	}
}
