// Package pkgmeta reads what a package says about itself: its ecosystem,
// name, version, package root, install-time hooks, entry points and
// dependencies, from the metadata files found while walking it
// (internal/archive). All input is hostile: every parser is bounded, never
// panics and is fuzzed.
//
// Sources, by ecosystem:
//   - pypi: PKG-INFO (sdists, *.egg-info/PKG-INFO, Debian's single-file
//     *.egg-info), *.dist-info/METADATA (wheels, site-packages),
//     *.egg-info/requires.txt, pyproject.toml, setup.cfg, and as a last resort
//     literal name=/version= arguments in setup.py (read as text: it is
//     code and is never run);
//   - npm: package.json (and a root binding.gyp, which makes npm run
//     "node-gyp rebuild" at install);
//   - rubygems: the YAML specification of a .gem (".gem/metadata", see
//     internal/archive), and in a GEM_HOME such as Debian's the Ruby
//     specifications/*.gemspec, read by regular expressions (it is Ruby code).
//
// When no metadata names the package, the package root directory
// ("name-version/") or the target's own name ("name-version.tar.gz",
// Debian's "python3-name") is used, and Meta.Source says so.
package pkgmeta

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"customs/internal/archive"
	"customs/internal/ecosystem"
)

// Ecosystem is a package registry family.
type Ecosystem = ecosystem.Ecosystem

// Ecosystems.
const (
	PyPI     = ecosystem.PyPI
	NPM      = ecosystem.NPM
	RubyGems = ecosystem.RubyGems
)

// Dependency is one declared dependency.
type Dependency struct {
	Name string
	Spec string // version range as written ("" when none)
	Kind string // "prod", "dev", "optional" or "peer"
}

// Meta is what a package says about itself. Every string in it comes from
// the package: hostile text, to be made safe (finding.Snippet) before it
// reaches a terminal.
type Meta struct {
	Ecosystem Ecosystem
	Name      string
	Version   string
	// Root is the archive path prefix of the package root, with a trailing
	// slash ("pkg-1.0/" for an sdist, "package/" for npm), or "" when the
	// package sits at the top (wheels, gems, directories).
	Root string
	// Source is the metadata file the identity was read from, or
	// "root directory name" / "target name" when it was guessed from names.
	Source string
	// InstallScripts are the npm lifecycle scripts npm runs when installing
	// the package from a registry: preinstall, install, postinstall, and
	// "install (implicit)": "node-gyp rebuild" for a root binding.gyp.
	InstallScripts map[string]string
	Scripts        map[string]string // every npm script, as written
	Main           string            // npm main entry, as an archive path (Root + main, default index.js)
	Bin            map[string]string // npm executables: command name -> archive path
	Exports        []string          // npm "exports" targets, as archive paths
	Extensions     []string          // gem native extensions (extconf.rb / Rakefile paths)
	Executables    []string          // gem executables
	Dependencies   []Dependency
	Summary        string   // one-line description (PyPI Summary, npm description, gem summary)
	Authors        []string // author and maintainer names and e-mail addresses, as written
	Repository     string   // repository (or home page) URL if stated
	Warnings       []string // metadata files that could not be read, and why
}

// ErrUnidentified means nothing in the target names the package.
var ErrUnidentified = errors.New("no package metadata found")

// Bounds on what a Collector keeps: metadata files are small, and a hostile
// archive could hold thousands of them.
const (
	maxMetaFileBytes = 2 << 20
	maxMetaFiles     = 20_000
	maxMetaBytes     = 64 << 20
)

// Collector gathers the metadata files of one target during its walk.
// Feed it every entry with AddEntry (or Add), directories and non-metadata
// files included: it keeps only what IsMetadataPath accepts, but every path
// tells it the package root and the language, which it needs when no
// metadata names the package. Then call Meta. The zero value is ready to
// use.
type Collector struct {
	// Target is the archive file or directory name (its base name is enough).
	// It is used only when no metadata names the package.
	Target string

	files    map[string][]byte
	kept     int
	top      string // the one top-level directory every path shares
	topState int    // 0 nothing seen, 1 one top dir so far, 2 no common top dir
	hasGyp   map[string]bool
	nested   map[string]bool // members that are archives: what follows under them is not the package's
	langs    [3]int          // files seen of each ecosystem's language, for guessing
}

// IsMetadataPath reports whether Collector keeps the file at path: cheap
// enough to call for every entry of a walk.
func IsMetadataPath(p string) bool {
	base := p
	dir := ""
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		base, dir = p[i+1:], p[:i]
	}
	depth := strings.Count(p, "/") + 1
	switch base {
	case "package.json":
		return depth <= 3 || isNodeModule(dir)
	case "binding.gyp":
		return depth <= 3 || isNodeModule(dir)
	case "PKG-INFO":
		return depth <= 3 || strings.HasSuffix(dir, ".egg-info")
	case "METADATA":
		return strings.HasSuffix(dir, ".dist-info")
	case "requires.txt":
		return strings.HasSuffix(dir, ".egg-info")
	case "setup.py", "setup.cfg", "pyproject.toml":
		return depth <= 2
	case "metadata":
		return p == ".gem/metadata"
	}
	if strings.HasSuffix(base, ".egg-info") { // Debian installs PKG-INFO as a single file
		return true
	}
	if strings.HasSuffix(base, ".gemspec") {
		return depth <= 2
	}
	return false
}

// isNodeModule reports whether dir is a module folder under node_modules.
func isNodeModule(dir string) bool {
	i := strings.LastIndex(dir, "node_modules/")
	if i < 0 || (i > 0 && dir[i-1] != '/') {
		return false
	}
	rest := dir[i+len("node_modules/"):]
	n := strings.Count(rest, "/")
	return n == 0 || (n == 1 && strings.HasPrefix(rest, "@"))
}

// AddEntry records one walked entry. Entries of archives nested in the
// package (e.Container != "") are not the package's own and are skipped.
func (c *Collector) AddEntry(e *archive.Entry) {
	if e.Container == "" {
		c.Add(e.Path, e.Data)
	}
}

// Add records one walked entry: path as yielded by internal/archive, data
// its content (nil for directories and links). data is copied if kept.
//
// Members of archives nested in the package (internal/archive walks them
// under the nested archive's path) are ignored: a vendored wheel's METADATA
// does not describe the package around it.
func (c *Collector) Add(p string, data []byte) {
	if c.inNested(p) {
		return
	}
	if data != nil && archive.IsArchive(data) {
		if c.nested == nil {
			c.nested = map[string]bool{}
		}
		c.nested[p] = true
	}
	c.trackTop(p, data != nil)
	if data != nil {
		c.trackLanguage(p)
	}
	if data == nil || !IsMetadataPath(p) {
		return
	}
	if path.Base(p) == "binding.gyp" {
		if c.hasGyp == nil {
			c.hasGyp = map[string]bool{}
		}
		c.hasGyp[dirOf(p)] = true
		return
	}
	if len(c.files) >= maxMetaFiles || c.kept >= maxMetaBytes {
		return
	}
	if len(data) > maxMetaFileBytes {
		data = data[:maxMetaFileBytes]
	}
	if c.files == nil {
		c.files = map[string][]byte{}
	}
	if _, dup := c.files[p]; !dup {
		c.files[p] = slices.Clone(data)
		c.kept += len(data)
	}
}

// File returns the kept text of metadata file p (nil when not kept).
func (c *Collector) File(p string) []byte { return c.files[p] }

func (c *Collector) inNested(p string) bool {
	if len(c.nested) == 0 {
		return false
	}
	for i := range len(p) {
		if p[i] == '/' && c.nested[p[:i]] {
			return true
		}
	}
	return false
}

func (c *Collector) trackTop(p string, isFile bool) {
	top, _, nested := strings.Cut(p, "/")
	if !nested && !isFile {
		return // a top-level directory (or link) entry says nothing yet
	}
	switch {
	case !nested:
		c.topState = 2 // a file at the top: no common root directory
	case c.topState == 0:
		c.top, c.topState = top, 1
	case c.topState == 1 && top != c.top:
		c.topState = 2
	}
}

func (c *Collector) trackLanguage(p string) {
	switch path.Ext(p) {
	case ".py", ".pyw", ".pth":
		c.langs[0]++
	case ".js", ".cjs", ".mjs", ".ts":
		c.langs[1]++
	case ".rb":
		c.langs[2]++
	}
}

// commonRoot is the top-level directory every entry shares ("pkg-1.0/"),
// or "".
func (c *Collector) commonRoot() string {
	if c.topState == 1 && c.top != ".gem" {
		return c.top + "/"
	}
	return ""
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return ""
}

// candidate is one reading of the package identity.
type candidate struct {
	meta  Meta
	rank  int // lower is more authoritative
	depth int // nesting below the common root
}

// Meta returns the identity of the package. forced restricts the reading
// to one ecosystem ("" detects it). It fails only when nothing identifies
// the package; Meta.Warnings lists metadata files that could not be read.
func (c *Collector) Meta(forced Ecosystem) (Meta, error) {
	all, warnings := c.candidates(forced)
	if len(all) == 0 {
		return Meta{Ecosystem: forced, Warnings: warnings}, ErrUnidentified
	}
	m := all[0].meta
	m.Warnings = append(m.Warnings, warnings...)
	if m.Ecosystem == PyPI && len(m.Dependencies) == 0 {
		m.Dependencies = c.sdistDependencies(m.Root)
	}
	return m, nil
}

// sdistDependencies finds the requirements of a source distribution whose
// PKG-INFO lists none (older setuptools wrote them only to the egg-info's
// requires.txt, and some uploads have nothing but setup.py's
// install_requires).
func (c *Collector) sdistDependencies(root string) []Dependency {
	for _, p := range slices.Sorted(maps.Keys(c.files)) {
		rest, ok := strings.CutPrefix(p, root)
		if ok && path.Base(rest) == "requires.txt" && strings.HasSuffix(path.Dir(rest), ".egg-info") && !strings.Contains(path.Dir(rest), "/") {
			return parseRequiresTxt(c.files[p])
		}
	}
	return setupInstallRequires(c.files[root+"setup.py"])
}

// All returns every package identified in the target, most authoritative
// first: an installed tree (site-packages, a GEM_HOME, node_modules) holds
// several. Guesses from names are included only when nothing else is found.
func (c *Collector) All(forced Ecosystem) []Meta {
	all, _ := c.candidates(forced)
	var out []Meta
	seen := map[string]bool{}
	for _, cd := range all {
		if cd.rank >= rankGuess && len(out) > 0 {
			break
		}
		key := string(cd.meta.Ecosystem) + "\x00" + ecosystem.NormalizeName(cd.meta.Ecosystem, cd.meta.Name) + "\x00" + cd.meta.Version
		if !seen[key] {
			seen[key] = true
			out = append(out, cd.meta)
		}
	}
	return out
}

// Ranks of the metadata sources, most authoritative first.
const (
	rankGemSpec     = iota // .gem/metadata
	rankCoreMeta           // PKG-INFO, METADATA, *.egg-info
	rankPackageJSON        // package.json
	rankPyProject          // pyproject.toml, setup.cfg
	rankGemspecRuby        // specifications/*.gemspec
	rankSetupPy            // setup.py literals
	rankGuess              // names of the root directory or target
)

func (c *Collector) candidates(forced Ecosystem) ([]candidate, []string) {
	root := c.commonRoot()
	var out []candidate
	var warnings []string
	paths := make([]string, 0, len(c.files))
	for p := range c.files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		m, rank, err := c.parse(p)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%q: %v", p, err))
			continue
		}
		if m.Name == "" || (forced != "" && m.Ecosystem != forced) {
			continue
		}
		m.Source = p
		rel := strings.TrimPrefix(m.Root, root)
		out = append(out, candidate{meta: m, rank: rank, depth: strings.Count(rel, "/")})
	}
	if len(out) == 0 {
		out = c.guesses(forced, root)
	}
	slices.SortStableFunc(out, func(a, b candidate) int {
		if a.depth != b.depth {
			return a.depth - b.depth
		}
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return c.hintMatch(b.meta) - c.hintMatch(a.meta)
	})
	return out, warnings
}

// hintMatch is 1 when m's name appears in the target name: in a Debian
// tree holding two distributions, the one the package is named after wins.
func (c *Collector) hintMatch(m Meta) int {
	hint := ecosystem.NormalizeName(m.Ecosystem, path.Base(strings.ReplaceAll(c.Target, `\`, "/")))
	if hint != "" && strings.Contains(hint, ecosystem.NormalizeName(m.Ecosystem, m.Name)) {
		return 1
	}
	return 0
}

// parse reads one kept metadata file.
func (c *Collector) parse(p string) (Meta, int, error) {
	data := c.files[p]
	base := path.Base(p)
	dir := dirOf(p)
	switch {
	case p == ".gem/metadata":
		m, err := parseGemYAML(data)
		return m, rankGemSpec, err
	case base == "package.json":
		m, err := parsePackageJSON(data, dir, c.hasGyp[dir])
		return m, rankPackageJSON, err
	case base == "METADATA" || base == "PKG-INFO" || strings.HasSuffix(base, ".egg-info"):
		m, err := parseCoreMetadata(data)
		m.Root = dir
		if strings.HasSuffix(dir, ".dist-info/") || strings.HasSuffix(dir, ".egg-info/") {
			m.Root = dirOf(strings.TrimSuffix(dir, "/"))
			m.Dependencies = append(m.Dependencies, parseRequiresTxt(c.files[dir+"requires.txt"])...)
		}
		return m, rankCoreMeta, err
	case base == "pyproject.toml":
		m, err := parsePyProject(data)
		m.Root = dir
		return m, rankPyProject, err
	case base == "setup.cfg":
		m, err := parseSetupCfg(data)
		m.Root = dir
		return m, rankPyProject, err
	case base == "setup.py":
		m := parseSetupPy(data)
		m.Root = dir
		return m, rankSetupPy, nil
	case strings.HasSuffix(base, ".gemspec"):
		m := parseGemspecRuby(data)
		if dir == "specifications/" && m.Name != "" {
			m.Root = "gems/" + strings.TrimSuffix(base, ".gemspec") + "/"
		} else {
			m.Root = dir
		}
		return m, rankGemspecRuby, nil
	}
	return Meta{}, 0, nil
}
