// Package inspect runs `customs inspect`: for each target it walks the
// archive or directory (internal/archive), gathers the package's own
// metadata (internal/pkgmeta), scans every file with the rule engine
// (internal/analyze), places each file in its context (install time,
// import time, other code, tests/docs) and judges the package. Many
// targets run concurrently on all cores; results keep the input order.
package inspect

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"runtime"
	"slices"
	"sync"

	"customs/internal/analyze"
	"customs/internal/archive"
	"customs/internal/finding"
	"customs/internal/pkgmeta"
)

// Options of a run.
type Options struct {
	Limits    archive.Limits
	Ecosystem pkgmeta.Ecosystem // "" = detect from the package's metadata
	Jobs      int               // targets inspected at once; 0 = GOMAXPROCS, at most 6
}

// Result is the judgement of one target.
type Result struct {
	Target    string            `json:"target"` // the argument as given
	Ecosystem string            `json:"ecosystem"`
	Name      string            `json:"name"`
	Version   string            `json:"version"`
	Verdict   finding.Verdict   `json:"verdict"`
	Score     float64           `json:"score"`
	Findings  []finding.Finding `json:"findings"`
	Error     string            `json:"error,omitempty"` // present only when the target could not be read (fully)
	Format    string            `json:"format,omitempty"`
	Files     int               `json:"files"`
	Bytes     int64             `json:"bytes"`
}

// maxDefaultJobs bounds the targets inspected at once when Options.Jobs is 0.
const maxDefaultJobs = 6

// Run inspects every target, Jobs at a time, and returns the results in
// the order of targets.
func Run(ctx context.Context, targets []string, opts Options) []Result {
	jobs := opts.Jobs
	if jobs <= 0 {
		// Each job may hold one file of up to Limits.MaxFileBytes (32 MiB
		// by default) in memory: capping the default keeps a run under
		// 300 MB whatever the archives and however many cores.
		jobs = min(runtime.GOMAXPROCS(0), maxDefaultJobs)
	}
	results := make([]Result, len(targets))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(jobs, len(targets)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = Target(ctx, targets[i], opts)
			}
		}()
	}
	for i := range targets {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// Target inspects one archive or directory. A target that cannot be read
// at all has Error set and a clean verdict; one that breaks a bound or is
// corrupt part-way is judged on what was read, with Error saying why the
// rest was not.
func Target(ctx context.Context, target string, opts Options) Result {
	res := Result{Target: target, Verdict: finding.Clean, Findings: []finding.Finding{}}
	engine, err := analyze.Default()
	if err != nil {
		res.Error = "rules: " + err.Error()
		return res
	}
	meta := pkgmeta.Collector{Target: target}
	var hits []analyze.Hit
	var size codeSize
	var tests testImports
	// Tests, docs, examples and bundled copies (by path) weigh almost
	// nothing, so they are not scanned at all unless the metadata, known
	// only after the walk, names one as an entry point or install script.
	var skipped map[string]bool
	info, walkErr := archive.Walk(ctx, target, opts.Limits, func(e *archive.Entry) error {
		// Every entry, directories included, tells the collector where the
		// package root is; it keeps only metadata and skips nested archives.
		meta.AddEntry(e)
		if e.Kind != archive.File {
			return nil
		}
		res.Files++
		if isLow(e.Path) {
			if skipped == nil {
				skipped = map[string]bool{}
			}
			skipped[e.Path] = true
			return nil
		}
		size.add(e.Path, e.Data)
		tests.add(e.Path, e.Data)
		hits = append(hits, engine.File(e.Path, e.Data, analyze.FileContext{Role: analyze.RoleCode})...)
		return nil
	})
	res.Format, res.Bytes = string(info.Format), info.Bytes
	if walkErr != nil {
		res.Error = walkErr.Error()
		var ae *archive.Error
		if !errors.As(walkErr, &ae) || res.Files == 0 {
			return res // nothing read
		}
	}
	m, _ := meta.Meta(opts.Ecosystem)
	res.Ecosystem, res.Name, res.Version = string(m.Ecosystem), m.Name, m.Version

	ctxOf := newContexts(m, info.Format, meta.File(m.Root+"setup.py"), &tests)
	if walkErr == nil {
		hits = append(hits, rescan(ctx, engine, target, opts.Limits, skipped, ctxOf)...)
	}
	for i := range hits {
		hits[i].Role = ctxOf.role(hits[i].File)
	}
	// npm runs install scripts as shell commands: scan them as such.
	for _, name := range slices.Sorted(maps.Keys(m.InstallScripts)) {
		file := m.Root + "package.json"
		for _, h := range engine.File(file, []byte(m.InstallScripts[name]), analyze.FileContext{Role: analyze.RoleInstall, Language: "shell"}) {
			h.Evidence = "scripts." + name + ": " + h.Evidence
			hits = append(hits, h)
		}
	}
	hits = append(hits, metadataHits(m, meta.File(m.Source))...)
	pkg := analyze.Package{Ecosystem: string(m.Ecosystem), Built: ctxOf.built}
	pkg.CodeFiles, pkg.CodeBytes = size.files, size.bytes
	res.Verdict, res.Score, res.Findings = analyze.Judge(hits, pkg)
	if res.Findings == nil {
		res.Findings = []finding.Finding{}
	}
	return res
}

// rescan walks the target again for the skipped files that the metadata
// makes run on install or import (a minified main, an install script under
// scripts/test): rare, so a second walk is cheaper than scanning every
// test and bundle up front.
func rescan(ctx context.Context, engine *analyze.Engine, target string, lim archive.Limits, skipped map[string]bool, c *contexts) []analyze.Hit {
	want := map[string]bool{}
	for p := range skipped {
		if c.role(p) != analyze.RoleLow {
			want[p] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	var hits []analyze.Hit
	_, _ = archive.Walk(ctx, target, lim, func(e *archive.Entry) error {
		if e.Kind == archive.File && want[e.Path] {
			hits = append(hits, engine.File(e.Path, e.Data, analyze.FileContext{Role: analyze.RoleCode})...)
		}
		return nil
	})
	return hits
}

// codeSize counts a package's own code files (tests, docs and bundles are
// not passed to it) and their bytes, for the judge's size prior.
type codeSize struct {
	files int
	bytes int64
}

func (c *codeSize) add(path string, data []byte) {
	if len(bytes.TrimSpace(data)) == 0 {
		return // an empty __init__.py only marks a package directory
	}
	switch analyze.Language(path, data) {
	case "python", "javascript", "ruby":
		c.files++
		c.bytes += int64(len(data))
	}
}
