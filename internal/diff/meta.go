package diff

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"customs/internal/analyze"
	"customs/internal/ecosystem"
	"customs/internal/finding"
	"customs/internal/names"
	"customs/internal/pkgmeta"
)

// roles says when each file of a version runs, from its metadata: the
// targets of install scripts and setup hooks run at install time, the main
// entry (and a Python package's __init__ or NAME.py module, a gem's
// lib/NAME.rb) at import.
// It keys files by their path below the package root, which is how diff
// matches them across versions; internal/inspect places archive paths the
// same way but does not export it — one should serve both once it does.
type roles struct {
	install map[string]bool
	imports map[string]bool
}

var scriptToken = regexp.MustCompile(`[\w./@-]+\.(?:c?js|mjs|ts|py|sh|rb|ps1|bat|cmd)\b`)

func newRoles(s *snapshot) roles {
	r := roles{install: map[string]bool{}, imports: map[string]bool{}}
	m := s.meta
	for _, cmd := range m.InstallScripts {
		for _, tok := range scriptToken.FindAllString(cmd, -1) {
			r.install[path.Clean(strings.TrimPrefix(tok, "./"))] = true
		}
	}
	for _, ext := range m.Extensions {
		r.install[s.rel(ext)] = true
	}
	for _, entry := range append([]string{m.Main}, m.Exports...) {
		if entry == "" {
			continue
		}
		main := path.Clean(s.rel(entry))
		r.imports[main] = true
		r.imports[main+".js"] = true
		r.imports[path.Join(main, "index.js")] = true
	}
	switch m.Ecosystem {
	case pkgmeta.RubyGems:
		r.imports["lib/"+m.Name+".rb"] = true
	case pkgmeta.PyPI:
		// A single-module distribution (py_modules) is imported by its name.
		module := strings.ReplaceAll(strings.ToLower(m.Name), "-", "_") + ".py"
		r.imports[module] = true
		r.imports["src/"+module] = true
	}
	return r
}

func (r roles) of(p string) analyze.Role {
	base := path.Base(p)
	switch {
	case r.install[p], base == "setup.py", strings.HasSuffix(base, ".pth"), base == "extconf.rb":
		return analyze.RoleInstall
	case r.imports[p], base == "__init__.py" && strings.Count(p, "/") <= 2:
		return analyze.RoleImport
	case isLowPath(p):
		return analyze.RoleLow
	}
	return analyze.RoleCode
}

var lowDirs = map[string]bool{
	"test": true, "tests": true, "__tests__": true, "spec": true, "docs": true, "doc": true,
	"example": true, "examples": true, "benchmark": true, "benchmarks": true, "fixtures": true,
}

func isLowPath(p string) bool {
	for _, part := range strings.Split(path.Dir(p), "/") {
		if lowDirs[strings.ToLower(part)] {
			return true
		}
	}
	return false
}

// compareInstall reports install-time behaviour the new version adds: npm
// install scripts, Python setup hooks and .pth files, gem extensions, bin
// entries.
func compareInstall(r *Result, a *analysis, oldS, newS *snapshot) {
	om, nm := oldS.meta, newS.meta
	for _, name := range slices.Sorted(maps.Keys(nm.InstallScripts)) {
		cmd := nm.InstallScripts[name]
		old, had := om.InstallScripts[name]
		if had && old == cmd {
			continue
		}
		// npm runs install scripts as shell commands: scan a new one as such.
		for _, h := range a.engine.File("package.json", []byte(cmd), analyze.FileContext{Role: analyze.RoleInstall, Language: "shell"}) {
			h.Evidence = "scripts." + name + ": " + h.Evidence
			a.hits = append(a.hits, addedHit{hit: h})
		}
		switch {
		case !had:
			r.InstallScripts = append(r.InstallScripts, ScriptChange{Name: name, Status: Added, New: cmd})
			a.newHooks = append(a.newHooks, name)
			a.signal(finding.Suspicious, finding.Finding{
				Rule: "diff-new-install-script", Severity: finding.High, File: "package.json",
				Message:  fmt.Sprintf("new %s script runs at install: %s", name, finding.Snippet([]byte(cmd))),
				Evidence: finding.Snippet([]byte(cmd)),
				Fix:      "install with scripts disabled and find out why the release needs an install hook",
			})
		default:
			r.InstallScripts = append(r.InstallScripts, ScriptChange{Name: name, Status: Changed, Old: old, New: cmd})
			a.signal(finding.Clean, finding.Finding{
				Rule: "diff-changed-install-script", Severity: finding.Low, File: "package.json",
				Message: fmt.Sprintf("%s script changed: %s", name, finding.Snippet([]byte(cmd))),
			})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(om.InstallScripts)) {
		if _, ok := nm.InstallScripts[name]; !ok {
			r.InstallScripts = append(r.InstallScripts, ScriptChange{Name: name, Status: Removed, Old: om.InstallScripts[name]})
		}
	}
	for _, ext := range nm.Extensions {
		if !slices.Contains(om.Extensions, ext) {
			r.InstallScripts = append(r.InstallScripts, ScriptChange{Name: "extension", Status: Added, New: ext})
			a.signal(finding.Suspicious, finding.Finding{
				Rule: "diff-new-extension", Severity: finding.Medium, File: newS.rel(ext),
				Message: "new native extension is built at install: " + finding.Snippet([]byte(ext)),
			})
		}
	}
	for _, fc := range r.Files {
		base := path.Base(fc.Path)
		switch {
		case fc.Status == Added && strings.HasSuffix(base, ".pth"):
			r.InstallScripts = append(r.InstallScripts, ScriptChange{Name: ".pth file", Status: Added, New: fc.Path})
			a.signal(finding.Suspicious, finding.Finding{
				Rule: "diff-new-pth", Severity: finding.High, File: fc.Path,
				Message: "new .pth file: Python runs its import lines at every interpreter start",
			})
		case fc.Status == Added && base == "setup.py" && !strings.Contains(fc.Path, "/"):
			r.InstallScripts = append(r.InstallScripts, ScriptChange{Name: "setup.py", Status: Added, New: fc.Path})
			a.signal(finding.Clean, finding.Finding{
				Rule: "diff-new-setup-py", Severity: finding.Low, File: fc.Path,
				Message: "new setup.py: code that runs when the sdist is installed",
			})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(nm.Bin)) {
		if _, ok := om.Bin[name]; !ok {
			a.signal(finding.Clean, finding.Finding{
				Rule: "diff-new-bin", Severity: finding.Info, File: newS.rel(nm.Bin[name]),
				Message: fmt.Sprintf("new command %q installed on the PATH", finding.Snippet([]byte(name))),
			})
		}
	}
}

// compareDependencies lists dependencies added, removed and changed, runs
// the name checks on new ones and flags a switch to git or a URL.
func compareDependencies(r *Result, a *analysis, om, nm pkgmeta.Meta, checker *names.Checker) {
	key := func(d pkgmeta.Dependency) string {
		return d.Kind + "\x00" + ecosystem.NormalizeName(nm.Ecosystem, d.Name)
	}
	old := map[string]pkgmeta.Dependency{}
	for _, d := range om.Dependencies {
		old[key(d)] = d
	}
	seen := map[string]bool{}
	r.Dependencies = Dependencies{Added: []Dependency{}, Removed: []Dependency{}, Changed: []DependencyChange{}}
	for _, d := range nm.Dependencies {
		k := key(d)
		seen[k] = true
		od, had := old[k]
		switch {
		case !had:
			r.Dependencies.Added = append(r.Dependencies.Added, Dependency(d))
			if checker != nil && !isRemoteSpec(d.Spec) {
				res := checker.Check(names.Ecosystem(nm.Ecosystem), d.Name)
				// A dependency the maintainers chose is flagged only when the
				// name checks are sure (a malicious verdict); a merely
				// look-alike name (array.from next to array-from) is reported.
				v := finding.Clean
				if res.Verdict == finding.Malicious {
					v = finding.Suspicious
				}
				for _, f := range res.Findings {
					f.Message = fmt.Sprintf("new dependency %s: %s", finding.Snippet([]byte(d.Name)), f.Message)
					a.signal(v, f)
				}
			}
			if isRemoteSpec(d.Spec) {
				a.signal(finding.Suspicious, remoteSpecFinding(d, "new dependency"))
			}
		case od.Spec != d.Spec:
			r.Dependencies.Changed = append(r.Dependencies.Changed, DependencyChange{Name: d.Name, Kind: d.Kind, OldSpec: od.Spec, NewSpec: d.Spec})
			if isRemoteSpec(d.Spec) && !isRemoteSpec(od.Spec) {
				a.signal(finding.Suspicious, remoteSpecFinding(d, "dependency switched from the registry to"))
			}
		}
	}
	for _, d := range om.Dependencies {
		if !seen[key(d)] {
			r.Dependencies.Removed = append(r.Dependencies.Removed, Dependency(d))
		}
	}
}

func remoteSpecFinding(d pkgmeta.Dependency, what string) finding.Finding {
	return finding.Finding{
		Rule: "diff-dependency-remote", Severity: finding.Medium,
		Message: fmt.Sprintf("%s %s: %s (git or URL: no registry checks, can change at any time)",
			what, finding.Snippet([]byte(d.Name)), finding.Snippet([]byte(d.Spec))),
		Fix: "pin the dependency to a registry version",
	}
}

// isRemoteSpec reports whether a dependency spec points outside the registry:
// a URL, git, a GitHub shorthand ("user/repo") or a local file.
func isRemoteSpec(spec string) bool {
	s := strings.ToLower(strings.TrimSpace(spec))
	if strings.Contains(s, "://") || strings.Contains(s, "@ http") || strings.Contains(s, "@ git") {
		return true
	}
	for _, p := range []string{"git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:", "file:", "link:"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	// npm's GitHub shorthand: owner/repo, optionally #ref.
	return githubShorthand.MatchString(s)
}

var githubShorthand = regexp.MustCompile(`^[a-z0-9][\w.-]*/[\w.-]+(#.*)?$`)
