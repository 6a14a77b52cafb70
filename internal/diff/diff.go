// Package diff answers "what does this release add over the version people
// already trust, and is that explained?" — the check that catches a
// trojanised update of a real package (a maintainer account taken over, the
// next release working as before plus a payload).
//
// Compare walks both versions once each (internal/archive), matches files
// by path below the package root, works out which bytes of each changed text
// file are new (textdiff.go), runs the analyser (internal/analyze) on that
// new code only, compares install-time behaviour, dependencies and registry
// metadata, and weighs it all into a verdict with its reasons (verdict.go).
package diff

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"customs/internal/analyze"
	"customs/internal/finding"
	"customs/internal/names"
)

// File statuses.
const (
	Added   = "added"
	Removed = "removed"
	Changed = "changed"
)

// Version names one side of the comparison.
type Version struct {
	Target    string `json:"target"` // as the user gave it
	Ecosystem string `json:"ecosystem,omitempty"`
	Name      string `json:"name,omitempty"`
	Version   string `json:"version,omitempty"`
}

// FileChange is one file that differs between the versions.
type FileChange struct {
	Path       string `json:"path"`
	Status     string `json:"status"` // added, removed or changed
	OldSize    int64  `json:"old_size"`
	NewSize    int64  `json:"new_size"`
	AddedLines int    `json:"added_lines,omitempty"` // lines of new content (text files)
	AddedBytes int    `json:"added_bytes,omitempty"`
	// Appended is set when the old content is a prefix of the new one: a
	// block added at the end of an existing file.
	Appended bool `json:"appended,omitempty"`
	// RenamedFrom is the removed file an added one is compared with: build
	// output whose name carries a content hash (dist/chunks/run.CjdgFZiW.js
	// replacing dist/chunks/run.B1x9Qe2a.js).
	RenamedFrom string `json:"renamed_from,omitempty"`
	Binary      bool   `json:"binary,omitempty"`
	Native      bool   `json:"native,omitempty"` // an ELF, PE or Mach-O executable
	// NewlyMinified: the added content has minified-length lines and the old
	// file had none; NewlyObfuscated: the analyser finds obfuscation in the
	// added content that the old file did not have.
	NewlyMinified   bool   `json:"newly_minified,omitempty"`
	NewlyObfuscated bool   `json:"newly_obfuscated,omitempty"`
	Role            string `json:"role,omitempty"` // when the file runs: import-time, install-time, ...

	regions []Region
}

// DependencyChange is a dependency whose declared spec changed.
type DependencyChange struct {
	Name    string `json:"name"`
	Kind    string `json:"kind,omitempty"`
	OldSpec string `json:"old_spec"`
	NewSpec string `json:"new_spec"`
}

// Dependency is a declared dependency as the package states it.
type Dependency struct {
	Name string `json:"name"`
	Spec string `json:"spec"`           // version range, URL or git reference as written
	Kind string `json:"kind,omitempty"` // prod, dev, optional or peer
}

// Dependencies is how the declared dependencies changed.
type Dependencies struct {
	Added   []Dependency       `json:"added"`
	Removed []Dependency       `json:"removed"`
	Changed []DependencyChange `json:"changed"`
}

// ScriptChange is an install-time hook that appeared, changed or went away.
type ScriptChange struct {
	Name   string `json:"name"` // e.g. "postinstall", "setup.py", "extension ext/foo/extconf.rb"
	Status string `json:"status"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
}

// Result is the judgement on one update.
type Result struct {
	Old     Version         `json:"old"`
	New     Version         `json:"new"`
	Verdict finding.Verdict `json:"verdict"`
	// Reasons says why, the weightiest first; empty when clean.
	Reasons []string `json:"reasons"`
	// AddedFindings are the analyser's findings in code the new version
	// added, with file and line in the new version.
	AddedFindings []finding.Finding `json:"added_findings"`
	// Signals are the diff's own observations (a new install script, code
	// obfuscated where it was plain, a dependency switched to git, ...).
	Signals        []Signal         `json:"signals"`
	Files          []FileChange     `json:"files"`
	Dependencies   Dependencies     `json:"dependencies"`
	InstallScripts []ScriptChange   `json:"install_scripts"`
	Metadata       []MetadataChange `json:"metadata,omitempty"`
	Unchanged      int              `json:"unchanged_files"`
}

// Options are the collaborators of Compare; the zero value uses the
// built-in analyser and skips name and registry checks.
type Options struct {
	Engine *analyze.Engine
	// Names judges newly added dependency names (typosquats); nil skips it.
	Names *names.Checker
	// OldRegistry and NewRegistry are what the registry says about each
	// version, when the versions came from one.
	OldRegistry, NewRegistry *RegistryInfo
}

// Paths compares two package versions given as archive files or directories.
func Paths(ctx context.Context, oldTarget, newTarget string, opt Options) (*Result, error) {
	return Targets(ctx, nil, oldTarget, newTarget, opt)
}

func compare(ctx context.Context, oldS, newS *snapshot, opt Options) (*Result, error) {
	if opt.Engine == nil {
		e, err := analyze.Default()
		if err != nil {
			return nil, err
		}
		opt.Engine = e
	}
	r := &Result{
		Old: versionOf(oldS), New: versionOf(newS),
		AddedFindings: []finding.Finding{}, Signals: []Signal{},
		Files: []FileChange{}, InstallScripts: []ScriptChange{},
	}
	roles := newRoles(newS)
	oldRoles := newRoles(oldS)
	oldHadNative := false
	for _, f := range oldS.files {
		oldHadNative = oldHadNative || f.native
	}
	// Renamed files: content the old version had under another path is not
	// new content.
	oldSums := oldS.sums()

	paths := make([]string, 0, len(newS.files))
	for p := range newS.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	a := analysis{engine: opt.Engine, result: r, signals: []Signal{}}
	// Pick the files that differ (cheap), then work out their added content
	// and analyse it on every core, then gather the results in path order.
	var work []*fileWork
	for _, p := range paths {
		nf := newS.files[p]
		of := oldS.files[p]
		switch {
		case of != nil && of.sum == nf.sum, of == nil && oldSums[nf.sum]:
			r.Unchanged++ // unchanged, or moved or copied with the same bytes
		default:
			work = append(work, &fileWork{path: p, old: of, new: nf, role: roles.of(p), oldRole: oldRoles.of(p)})
		}
	}
	pairRenamedBuildOutput(work, oldS, newS)
	if err := parallel(ctx, len(work), func(i int) { work[i].run(opt.Engine) }); err != nil {
		return nil, err
	}
	for _, w := range work {
		fc := w.change
		if w.new.native && !oldHadNative {
			a.newNative = append(a.newNative, w.path)
			a.signal(finding.Suspicious, finding.Finding{
				Rule: "diff-new-binary", Severity: finding.High, File: w.path,
				Message: "the new version ships a native executable; the old one had none",
				Fix:     "check where the binary comes from and whether the release notes explain it",
			})
		}
		if fc.NewlyMinified {
			a.signal(finding.Clean, finding.Finding{
				Rule: "diff-newly-minified", Severity: finding.Low, File: w.path,
				Message: fmt.Sprintf("minified code appeared in %s, a file that was plain", safe(w.path)),
			})
		}
		a.hits = append(a.hits, w.hits...)
		r.Files = append(r.Files, fc)
	}
	for p, of := range oldS.files {
		if _, ok := newS.files[p]; !ok {
			r.Files = append(r.Files, FileChange{Path: p, Status: Removed, OldSize: of.size, Binary: of.binary, Native: of.native})
		}
	}
	sort.SliceStable(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })

	compareInstall(r, &a, oldS, newS)
	compareDependencies(r, &a, oldS.meta, newS.meta, opt.Names)
	compareRegistry(r, &a, opt.OldRegistry, opt.NewRegistry)
	compareRepository(r, &a, oldS.meta.Repository, newS.meta.Repository)
	a.judge(string(newS.meta.Ecosystem))
	return r, nil
}

// fileWork is one file that differs between the versions, and what was
// found in it.
type fileWork struct {
	path          string
	old, new      *file // old is nil for an added file
	renamedFrom   string
	role, oldRole analyze.Role
	change        FileChange
	hits          []addedHit
}

// run works out the new content of the file and analyses it.
func (w *fileWork) run(engine *analyze.Engine) {
	nf, of := w.new, w.old
	fc := FileChange{Path: w.path, NewSize: nf.size, Binary: nf.binary, Native: nf.native}
	if w.role != analyze.RoleCode {
		fc.Role = w.role.String()
	}
	var oldData []byte
	switch {
	case of == nil:
		fc.Status = Added
		fc.regions = wholeFile(nf.data)
	default:
		fc.Status = Changed
		if w.renamedFrom != "" {
			fc.Status, fc.RenamedFrom = Added, w.renamedFrom
		}
		fc.OldSize = of.size
		oldData = of.data
		if nf.data != nil && of.data != nil {
			fc.regions = addedRegions(of.data, nf.data)
			fc.Appended = len(nf.data) > len(of.data) && commonPrefix(of.data, nf.data) == len(of.data)
		} else {
			// The old file was binary or too large to keep: all of it is new.
			fc.regions = wholeFile(nf.data)
		}
	}
	for _, reg := range fc.regions {
		fc.AddedLines += reg.Lines()
		fc.AddedBytes += reg.End - reg.Start
	}
	if len(fc.regions) > 0 {
		w.hits = addedHits(engine, w.path, oldData, nf.data, fc.regions, w.role, w.oldRole)
		if w.renamedFrom != "" {
			// A guessed counterpart is a base for what is new, not proof
			// that this file existed before.
			for i := range w.hits {
				w.hits[i].changed = false
			}
		}
		fc.NewlyObfuscated = obfuscates(w.hits)
		fc.NewlyMinified = oldData != nil && longestRegionLine(nf.data, fc.regions) >= minifiedLine && longestLine(oldData) < plainLine
	}
	w.change = fc
}

// pairRenamedBuildOutput gives an added file whose name differs from a
// removed one only by a content-hash segment (bundler chunks renamed on
// every build) that removed file as its old version, so that only what is
// really new in it is analysed. With several candidates in one folder the
// one closest in size is taken.
func pairRenamedBuildOutput(work []*fileWork, oldS, newS *snapshot) {
	removed := map[string][]*file{}
	for p, f := range oldS.files {
		if _, ok := newS.files[p]; !ok {
			if stem, ok := hashlessName(p); ok {
				removed[stem] = append(removed[stem], f)
			}
		}
	}
	for _, w := range work {
		stem, ok := hashlessName(w.path)
		if w.old != nil || !ok || len(removed[stem]) == 0 {
			continue
		}
		cands := removed[stem]
		best := 0
		for i, f := range cands {
			if absDiff(f.size, w.new.size) < absDiff(cands[best].size, w.new.size) {
				best = i
			}
		}
		w.old, w.renamedFrom = cands[best], cands[best].path
		removed[stem] = append(cands[:best:best], cands[best+1:]...)
	}
}

// hashlessName returns the path with its content-hash name segment cut out
// ("dist/run.CjdgFZiW.js" → "dist/run..js"), if it has one: 8 to 20
// letters, digits, "_" or "-", not all lower-case letters (a word).
func hashlessName(p string) (string, bool) {
	dir, base := path.Split(p)
	parts := strings.Split(base, ".")
	for i := 1; i < len(parts)-1; i++ {
		if isHashSegment(parts[i]) {
			parts[i] = ""
			return dir + strings.Join(parts, "."), true
		}
	}
	return "", false
}

func isHashSegment(s string) bool {
	if len(s) < 8 || len(s) > 20 {
		return false
	}
	word := true
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			word = false
		default:
			return false
		}
	}
	return !word
}

func absDiff(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

// parallel calls fn(0..n-1) on every core; it stops early when ctx ends.
func parallel(ctx context.Context, n int, fn func(i int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}

func versionOf(s *snapshot) Version {
	return Version{Target: s.target, Ecosystem: string(s.meta.Ecosystem), Name: s.meta.Name, Version: s.meta.Version}
}

// A file is plain when no line is longer than plainLine; added content is
// minified when a line reaches minifiedLine.
const (
	plainLine    = 500
	minifiedLine = 2000
)

func longestLine(b []byte) int {
	longest := 0
	forEachLine(b, func(_ int, line []byte) { longest = max(longest, len(line)) })
	return longest
}

func longestRegionLine(b []byte, regions []Region) int {
	longest := 0
	for _, r := range regions {
		longest = max(longest, longestLine(b[r.Start:r.End]))
	}
	return longest
}

// wholeFile is the region of a file that is new in full (none for a file
// whose content was not kept).
func wholeFile(data []byte) []Region {
	if len(data) == 0 {
		return nil
	}
	lines := bytes.Count(data, []byte{'\n'})
	if data[len(data)-1] != '\n' {
		lines++
	}
	return []Region{{Start: 0, End: len(data), StartLine: 1, EndLine: lines}}
}
