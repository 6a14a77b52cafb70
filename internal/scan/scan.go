// Package scan runs `customs scan`: it finds a project's lockfiles
// (internal/lockfile), and checks every dependency against known malware
// (internal/advisory), its name (internal/names and the project's internal
// namespaces), its registry history (internal/registry) and, with Deep, the
// code of the locked artifact itself (internal/inspect). Check is the seam
// other commands use to judge a list of dependencies they found themselves.
//
// The JSON output (WriteJSON) is a contract read by scripts:
//
//	{
//	  "root": "<the scanned path>",
//	  "base": "<git ref>",                               only with Base: packages are what changed since
//	  "files":    [{"file", "format", "packages"}],      lockfiles read
//	  "packages": [{                                     one per (file, ecosystem, name, version)
//	      "ecosystem": "npm" | "pypi" | "rubygems" | <SBOM purl type>,
//	      "name", "version",                             version "" when only declared
//	      "old_version": "<version at the base ref>",    only with base, when changed (not added)
//	      "file":   "<lockfile, relative to root>",
//	      "origin": "<included file that pins it>",      only when not file itself
//	      "line":   <line of the pin>,
//	      "direct": true | false | null,                 null: the format does not say
//	      "verdict": "clean" | "suspicious" | "malicious",
//	      "findings": [{"rule", "severity", "message", "fix", "ids": ["MAL-…", aliases], "file", "line"}],
//	      "ignored":  [{finding…, "reason", "expires"}], silenced by .customs.yaml
//	      "fails": true | false                          fails the run under fail_on
//	  }],
//	  "setup":    [finding…],                            installer settings that let public packages in
//	  "errors":   [{"file", "error"}],                   files that could not be read
//	  "database": {"loaded", "date", "built", "records", "sources", "note"},
//	  "notes":    ["…"],                                 what was skipped and why
//	  "summary":  {"files", "packages", "malicious", "suspicious", "clean", "ignored", "errors", "failed",
//	               "unchanged"}                          with base: dependencies left out as unchanged
//	}
package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"customs/internal/advisory"
	"customs/internal/ecosystem"
	"customs/internal/finding"
	"customs/internal/lockfile"
	"customs/internal/names"
	"customs/internal/registry"
)

// Options configure a scan. Only Root is required (for Run).
type Options struct {
	Root string // the project directory

	// DB is the advisory database; nil means none, and DBError says why.
	DB      *advisory.DB
	DBError error
	// Names judges package names; nil skips the typosquat checks.
	Names *names.Checker
	// Registry reads registry history; nil (offline) skips those checks.
	Registry *registry.Client
	// PublicRegistry asks the public registries whether an internal name
	// is published there; nil answers from the offline name lists.
	PublicRegistry *registry.Client
	// Deep downloads each locked artifact, verifies and inspects it.
	Deep bool
	// CacheDir keeps downloaded artifacts and --deep verdicts.
	CacheDir string
	Policy   Policy
	Now      time.Time // [time.Now()]
	Jobs     int       // dependencies checked at once [GOMAXPROCS, 16 when online]
	// Progress, if set, is called as dependencies are checked (concurrently).
	Progress func(done, total int)
	// Discover tunes which files are found under Root.
	Discover lockfile.DiscoverOptions
	// Installers, if set, audits the installer settings (pip indexes, .npmrc
	// scopes, Bundler sources) that let a public package shadow an internal
	// one; Run fills in Dir (the root) and Internal (from Policy).
	Installers *names.InstallerSetup
	// Base, a git ref, limits the scan to the dependencies the lockfiles
	// add or change since it; each changed one is also diffed against the
	// version it replaces (online only).
	Base string
}

// Report is the result of a scan; its JSON form is the documented contract.
type Report struct {
	Root     string     `json:"root"`
	Base     string     `json:"base,omitempty"` // Options.Base
	Files    []FileInfo `json:"files"`
	Packages []Package  `json:"packages"`
	// Setup holds findings on the project's installer configuration.
	Setup    []finding.Finding `json:"setup"`
	Errors   []FileError       `json:"errors"`
	Database Database          `json:"database"`
	Notes    []string          `json:"notes,omitempty"`
	Summary  Summary           `json:"summary"`
	base     string            // the directory File paths are relative to
	// unchanged counts the dependencies Base left out.
	unchanged int
}

// FileInfo is one lockfile or manifest that was read.
type FileInfo struct {
	File     string `json:"file"`
	Format   string `json:"format"`
	Packages int    `json:"packages"`
}

// Package is one dependency found, with the verdict on it.
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	// OldVersion is the version at Options.Base that Version replaces.
	OldVersion string `json:"old_version,omitempty"`
	File       string `json:"file"` // the lockfile, relative to the scanned path
	// Origin is the file that pins the package when it is not File itself
	// (a requirements file included with -r); Line is in Origin then.
	Origin   string            `json:"origin,omitempty"`
	Line     int               `json:"line,omitempty"`
	Direct   *bool             `json:"direct"` // null when the lockfile does not say
	Source   string            `json:"source,omitempty"`
	Verdict  finding.Verdict   `json:"verdict"`
	Findings []finding.Finding `json:"findings"`
	Ignored  []Ignored         `json:"ignored,omitempty"`
	// Fails is true when this package makes the run fail under the policy.
	Fails bool `json:"fails"`
}

// FileError is a file that could not be read, and why.
type FileError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// Database describes the advisory data the scan used.
type Database struct {
	Loaded  bool           `json:"loaded"`
	Date    string         `json:"date,omitempty"`  // newest record's modification date
	Built   string         `json:"built,omitempty"` // when the index was built (for db update: downloaded)
	Records map[string]int `json:"records,omitempty"`
	Sources []string       `json:"sources,omitempty"`
	Note    string         `json:"note,omitempty"`
}

// Summary counts the outcome.
type Summary struct {
	Files      int  `json:"files"`
	Packages   int  `json:"packages"`
	Malicious  int  `json:"malicious"`
	Suspicious int  `json:"suspicious"`
	Clean      int  `json:"clean"`
	Ignored    int  `json:"ignored"`
	Errors     int  `json:"errors"`
	Failed     bool `json:"failed"`              // the run fails under the policy (exit code 1)
	Unchanged  int  `json:"unchanged,omitempty"` // with Base: dependencies not checked
}

// Run scans every lockfile under opts.Root. An error is returned only when
// the root itself cannot be read, or Base is not a commit of the git
// repository holding it; a broken lockfile is reported in Report.Errors and
// the others are still scanned.
func Run(ctx context.Context, opts Options) (*Report, error) {
	st, err := os.Stat(opts.Root)
	if err != nil {
		return nil, err
	}
	root := opts.Root
	var paths []string
	if st.IsDir() {
		paths, err = lockfile.Discover(root, opts.Discover)
		if err != nil {
			return nil, err
		}
	} else {
		// A single lockfile named on the command line.
		root = filepath.Dir(opts.Root)
		paths = []string{filepath.Base(opts.Root)}
	}
	rep := &Report{Root: opts.Root, Files: []FileInfo{}, Errors: []FileError{}, Setup: []finding.Finding{}, base: root}
	if opts.Installers != nil {
		rep.Setup, rep.Errors = auditInstallers(*opts.Installers, root, opts.Policy, rep.Errors)
	}
	fsys := os.DirFS(root)
	var deps []input
	files := make([]lockfile.File, len(paths))
	parallel(len(paths), runtime.GOMAXPROCS(0), func(i int) { files[i] = lockfile.ParseFS(fsys, paths[i]) })
	for _, f := range files {
		if f.Err != nil {
			rep.Errors = append(rep.Errors, FileError{File: f.Path, Error: f.Err.Error()})
			continue
		}
		rep.Files = append(rep.Files, FileInfo{File: f.Path, Format: f.Format, Packages: len(f.Deps)})
		for _, d := range f.Deps {
			deps = append(deps, input{dep: d, lockfile: f.Path})
		}
	}
	if len(paths) == 0 {
		rep.Notes = append(rep.Notes, "no lockfile or manifest found under "+opts.Root)
	}
	if opts.Base != "" {
		if deps, err = rep.keepChanged(ctx, root, opts, deps); err != nil {
			return nil, err
		}
	}
	res := check(ctx, deps, opts)
	rep.Packages, rep.Database = res.Packages, res.Database
	rep.Notes = append(rep.Notes, res.Notes...)
	rep.Summary = summarize(rep)
	return rep, nil
}

// auditInstallers runs names.AuditInstallers over the project at root;
// paths inside the project are made relative to it, like lockfile paths.
func auditInstallers(setup names.InstallerSetup, root string, pol Policy, errs []FileError) ([]finding.Finding, []FileError) {
	setup.Dir = root
	setup.Internal = map[names.Ecosystem][]string{}
	for eco, pats := range pol.Internal {
		if e, err := ecosystem.Parse(eco); err == nil {
			setup.Internal[e] = pats
		}
	}
	fs, err := names.AuditInstallers(setup)
	if err != nil {
		errs = append(errs, FileError{File: "installer configuration", Error: err.Error()})
	}
	out := []finding.Finding{}
	for _, f := range fs {
		if rel, err := filepath.Rel(root, f.File); err == nil && filepath.IsAbs(f.File) == filepath.IsAbs(root) && !strings.HasPrefix(rel, "..") {
			f.File = filepath.ToSlash(rel)
		}
		out = append(out, f)
	}
	return out, errs
}

// Result is what Check returns.
type Result struct {
	Packages []Package
	Database Database
	Notes    []string
}

// Check judges a list of dependencies, one Package per distinct (file,
// ecosystem, name, version), in file, ecosystem and name order. It is what
// `scan` runs on the dependencies it found and what other commands (diff
// --base) call with the dependencies they selected.
func Check(ctx context.Context, deps []lockfile.Dependency, opts Options) Result {
	in := make([]input, len(deps))
	for i, d := range deps {
		in[i] = input{dep: d, lockfile: d.File}
	}
	return check(ctx, in, opts)
}

// input is a dependency and the lockfile it was found by (which differs
// from dep.File for a requirements file's -r includes).
type input struct {
	dep      lockfile.Dependency
	lockfile string
	old      string // the version at Options.Base it replaces
}

func check(ctx context.Context, deps []input, opts Options) Result {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	c := &checker{opts: opts, histories: map[string]*historyCall{}, expired: map[int]bool{}}
	var res Result
	res.Database = describeDB(opts.DB, opts.DBError)
	if !res.Database.Loaded {
		res.Notes = append(res.Notes, res.Database.Note)
	}
	if opts.Registry == nil {
		res.Notes = append(res.Notes, "offline: registry history (release age, removed versions, maintainers, provenance) was not checked")
	}
	pkgs := dedupe(deps)
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
		if opts.Registry != nil || opts.Deep {
			jobs = max(jobs, 16) // mostly waiting on the network
		}
	}
	var done int
	var mu sync.Mutex
	parallel(len(pkgs), jobs, func(i int) {
		c.check(ctx, &pkgs[i])
		if opts.Progress != nil {
			mu.Lock()
			done++
			n := done
			mu.Unlock()
			opts.Progress(n, len(pkgs))
		}
	})
	res.Packages = make([]Package, len(pkgs))
	for i := range pkgs {
		res.Packages[i] = pkgs[i].Package
	}
	res.Notes = append(res.Notes, c.notes...)
	if c.deepSkipped > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("--deep could not inspect %d packages (first: %s)", c.deepSkipped, c.firstDeepSkip))
	}
	if c.registryErrors > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("registry history unavailable for %d packages (first: %s)", c.registryErrors, c.firstRegistryError))
	}
	return res
}

// pending is a Package being checked, with the dependency it came from.
type pending struct {
	Package
	dep lockfile.Dependency
}

// dedupe keeps one entry per (lockfile, ecosystem, name, version), direct
// if any occurrence is, at its first line.
func dedupe(deps []input) []pending {
	type key struct{ file, eco, name, version string }
	index := map[key]int{}
	var out []pending
	for _, in := range deps {
		d := in.dep
		k := key{in.lockfile, d.Ecosystem, d.Name, d.Version}
		if i, ok := index[k]; ok {
			if d.Direct != nil && *d.Direct {
				out[i].Direct = d.Direct
			}
			continue
		}
		index[k] = len(out)
		origin := ""
		if d.File != in.lockfile {
			origin = d.File
		}
		out = append(out, pending{dep: d, Package: Package{
			Ecosystem: d.Ecosystem, Name: d.Name, Version: d.Version, OldVersion: in.old, File: in.lockfile, Origin: origin, Line: d.Line,
			Direct: d.Direct, Source: d.Source, Verdict: finding.Clean, Findings: []finding.Finding{},
		}})
	}
	slices.SortStableFunc(out, func(a, b pending) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Ecosystem, b.Ecosystem),
			cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return out
}

func describeDB(db *advisory.DB, err error) Database {
	if db == nil {
		note := advisory.ErrNoDatabase.Error()
		if err != nil && !errors.Is(err, advisory.ErrNoDatabase) {
			note = "advisory database unusable: " + err.Error()
		}
		return Database{Note: note + "; known-malware checks were skipped"}
	}
	d := Database{Loaded: true, Date: db.Meta.Date(), Sources: db.Meta.Sources, Records: map[string]int{}}
	if !db.Meta.Built.IsZero() {
		d.Built = db.Meta.Built.UTC().Format(time.RFC3339)
	}
	for eco, n := range db.Meta.Records {
		d.Records[string(eco)] = n
	}
	return d
}

func summarize(r *Report) Summary {
	s := Summary{Files: len(r.Files), Packages: len(r.Packages), Errors: len(r.Errors), Unchanged: r.unchanged}
	for _, p := range r.Packages {
		switch p.Verdict {
		case finding.Malicious:
			s.Malicious++
		case finding.Suspicious:
			s.Suspicious++
		default:
			s.Clean++
		}
		s.Ignored += len(p.Ignored)
		s.Failed = s.Failed || p.Fails
	}
	for _, f := range r.Setup {
		s.Failed = s.Failed || f.Severity >= finding.High
	}
	return s
}

// parallel calls fn(0..n-1) on up to jobs goroutines.
func parallel(n, jobs int, fn func(i int)) {
	if n == 0 {
		return
	}
	jobs = max(1, min(jobs, n))
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// ecosystemOf maps a lockfile ecosystem to the advisory one; SBOM
// dependencies of other ecosystems are listed but not checked.
func ecosystemOf(d lockfile.Dependency) (advisory.Ecosystem, bool) {
	return advisory.ParseEcosystem(d.Ecosystem)
}
