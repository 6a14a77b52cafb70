package lockfile

import (
	"bytes"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"

	"customs/internal/ecosystem"
)

// pyproject.toml declares direct dependencies in several places depending
// on the tool: PEP 621 [project], PEP 735 [dependency-groups], uv, PDM and
// Poetry tables. Every declared name is one direct dependency; the version
// is kept only for an exact pin.
type pyproject struct {
	Project struct {
		Name                 string              `toml:"name"`
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
	} `toml:"project"`
	DependencyGroups map[string][]any `toml:"dependency-groups"` // strings, or {include-group = ...} tables
	Tool             struct {
		UV struct {
			DevDependencies []string                  `toml:"dev-dependencies"`
			Sources         map[string]map[string]any `toml:"sources"`
		} `toml:"uv"`
		PDM struct {
			DevDependencies map[string][]string `toml:"dev-dependencies"`
		} `toml:"pdm"`
		Poetry struct {
			Name            string         `toml:"name"`
			Dependencies    map[string]any `toml:"dependencies"`
			DevDependencies map[string]any `toml:"dev-dependencies"`
			Group           map[string]struct {
				Dependencies map[string]any `toml:"dependencies"`
			} `toml:"group"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

func parsePyproject(c *collector, _ fs.FS, data []byte) error {
	var p pyproject
	if err := decodeTOML(data, &p); err != nil {
		return err
	}
	self := ecosystem.NormalizeName(ecosystem.PyPI, p.Project.Name)
	if self == "" {
		self = ecosystem.NormalizeName(ecosystem.PyPI, p.Tool.Poetry.Name)
	}
	local, sourceOf := uvSources(p.Tool.UV.Sources)
	declared := map[string]Dependency{}
	var order []string
	declare := func(d Dependency) {
		if d.Name == "" || d.Name == self || local[d.Name] {
			return // the project itself (pydantic[email]) or a workspace/path member
		}
		if src, ok := sourceOf[d.Name]; ok {
			d.Source = src
		}
		if have, seen := declared[d.Name]; seen {
			if have.Version == "" && d.Version != "" {
				have.Version = d.Version
				declared[d.Name] = have
			}
			return
		}
		declared[d.Name] = d
		order = append(order, d.Name)
	}

	// PEP 508 strings.
	specs := append([]string{}, p.Project.Dependencies...)
	for _, group := range slices.Sorted(maps.Keys(p.Project.OptionalDependencies)) {
		specs = append(specs, p.Project.OptionalDependencies[group]...)
	}
	for _, group := range slices.Sorted(maps.Keys(p.DependencyGroups)) {
		for _, entry := range p.DependencyGroups[group] {
			if s, ok := entry.(string); ok { // {include-group = "x"} repeats another group
				specs = append(specs, s)
			}
		}
	}
	specs = append(specs, p.Tool.UV.DevDependencies...)
	for _, group := range slices.Sorted(maps.Keys(p.Tool.PDM.DevDependencies)) {
		specs = append(specs, p.Tool.PDM.DevDependencies[group]...)
	}
	for _, spec := range specs {
		if d, ok := pep508Dependency(spec); ok {
			// The declared string as written; failing that (TOML escapes
			// inside it), the name at the start of a string.
			raw := pep508NameRe.FindString(strings.TrimSpace(spec))
			d.Line = lineOfText(data, `"`+spec+`"`, `'`+spec+`'`, `"`+raw, `'`+raw)
			declare(d)
		}
	}

	// Poetry tables: name = "constraint" or name = { version/git/url/path = ... }.
	tables := []map[string]any{p.Tool.Poetry.Dependencies, p.Tool.Poetry.DevDependencies}
	for _, g := range slices.Sorted(maps.Keys(p.Tool.Poetry.Group)) {
		tables = append(tables, p.Tool.Poetry.Group[g].Dependencies)
	}
	for _, table := range tables {
		for _, name := range slices.Sorted(maps.Keys(table)) {
			if name == "python" {
				continue // the interpreter constraint, not a package
			}
			if d, ok := poetryDependency(name, table[name]); ok {
				d.Line = lineOfKey(data, name)
				declare(d)
			}
		}
	}
	for _, name := range order {
		c.add(declared[name])
	}
	return nil
}

// uvSources reads [tool.uv.sources]: workspace and path entries are local
// members; git and url entries change where a dependency comes from.
func uvSources(sources map[string]map[string]any) (local map[string]bool, source map[string]string) {
	local, source = map[string]bool{}, map[string]string{}
	for name, s := range sources {
		n := ecosystem.NormalizeName(ecosystem.PyPI, name)
		switch {
		case s["workspace"] == true, s["path"] != nil:
			local[n] = true
		case s["git"] != nil:
			source[n] = SourceGit
		case s["url"] != nil:
			source[n] = SourceURL
		}
	}
	return local, source
}

// pep508Dependency reads a PEP 508 requirement string: name, extras,
// specifiers or "@ url", markers.
func pep508Dependency(spec string) (Dependency, bool) {
	m := pep508NameRe.FindStringSubmatch(strings.TrimSpace(spec))
	if m == nil {
		return Dependency{}, false
	}
	d := Dependency{Ecosystem: PyPI, Name: ecosystem.NormalizeName(ecosystem.PyPI, m[1]), Direct: directFlag(true), Source: SourceRegistry}
	rest, _, _ := strings.Cut(strings.TrimSpace(spec)[len(m[0]):], ";")
	rest = strings.TrimSpace(rest)
	if url, ok := strings.CutPrefix(rest, "@"); ok {
		d.Resolved = strings.TrimSpace(url)
		d.Source = urlSource(d.Resolved)
		return d, true
	}
	if p := exactPinRe.FindStringSubmatch(strings.Trim(rest, "()")); p != nil {
		d.Version = p[1]
	}
	return d, true
}

var bareVersionRe = regexp.MustCompile(`^\d[A-Za-z0-9.+!-]*$`)

// poetryDependency reads one Poetry dependency: a constraint string, a
// table, or a list of tables (multiple constraints); path entries are local.
func poetryDependency(name string, v any) (Dependency, bool) {
	d := Dependency{Ecosystem: PyPI, Name: ecosystem.NormalizeName(ecosystem.PyPI, name), Direct: directFlag(true), Source: SourceRegistry}
	constraint := ""
	switch v := v.(type) {
	case string:
		constraint = v
	case map[string]any:
		if v["path"] != nil {
			return Dependency{}, false
		}
		if u, ok := v["git"].(string); ok {
			d.Source, d.Resolved = SourceGit, u
		} else if u, ok := v["url"].(string); ok {
			d.Source, d.Resolved = SourceURL, u
		}
		constraint, _ = v["version"].(string)
	}
	constraint = strings.TrimSpace(constraint)
	if p := exactPinRe.FindStringSubmatch(constraint); p != nil {
		d.Version = p[1]
	} else if bareVersionRe.MatchString(constraint) {
		d.Version = constraint // Poetry reads a bare version as an exact pin
	}
	return d, true
}

// lineOfText returns the line of the first occurrence of any needle, or 0.
// pyproject files are small, so a plain search per dependency is enough.
func lineOfText(data []byte, needles ...string) int {
	for _, n := range needles {
		if i := bytes.Index(data, []byte(n)); i >= 0 {
			return 1 + bytes.Count(data[:i], []byte("\n"))
		}
	}
	return 0
}

// lineOfKey returns the line of the first TOML line that assigns key.
func lineOfKey(data []byte, key string) int {
	s := lineScanner{data: data}
	for s.next() {
		l := bytes.TrimSpace(s.line)
		l = bytes.Trim(l[:min(len(l), len(key)+2)], `"'`)
		if bytes.HasPrefix(l, []byte(key)) {
			rest := bytes.TrimLeft(bytes.Trim(bytes.TrimSpace(s.line), `"'`)[len(key):], `"' `)
			if bytes.HasPrefix(rest, []byte("=")) {
				return s.n
			}
		}
	}
	return 0
}
