package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"customs/internal/ecosystem"
)

// The Python lockfiles are TOML (poetry.lock, uv.lock, pdm.lock,
// pylock.toml, pyproject.toml) or JSON (Pipfile.lock), decoded with
// BurntSushi/toml and encoding/json. The TOML decoder reports no positions,
// so lines come from tomlTableLines: the i-th [[package]] header in the text
// is the i-th element of the decoded array.

// decodeTOML decodes data into v, with the position of a syntax error.
func decodeTOML(data []byte, v any) error {
	if _, err := toml.Decode(string(data), v); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return fmt.Errorf("invalid TOML at line %d: %s", perr.Position.Line, perr.Message)
		}
		return fmt.Errorf("invalid TOML: %w", err)
	}
	return nil
}

// tomlTableLines returns, for each [[header]] array-of-tables element in
// document order, the line of its `name = ` key (or of the header).
func tomlTableLines(data []byte, header string) []int {
	var lines []int
	open := []byte("[[" + header + "]]")
	inTable := false
	s := lineScanner{data: data}
	for s.next() {
		l := bytes.TrimSpace(s.line)
		switch {
		case bytes.Equal(l, open):
			lines = append(lines, s.n)
			inTable = true
		case len(l) > 0 && l[0] == '[':
			inTable = false
		case inTable && bytes.HasPrefix(l, []byte("name")) && bytes.Contains(l, []byte("=")):
			lines[len(lines)-1] = s.n
			inTable = false
		}
	}
	return lines
}

func lineOf(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}

// --- poetry.lock ---

func parsePoetry(c *collector, _ fs.FS, data []byte) error {
	var lock struct {
		Package []struct {
			Name    string `toml:"name"`
			Version string `toml:"version"`
			Files   []struct {
				Hash string `toml:"hash"`
			} `toml:"files"`
			Source struct {
				Type string `toml:"type"`
				URL  string `toml:"url"`
			} `toml:"source"`
		} `toml:"package"`
	}
	if err := decodeTOML(data, &lock); err != nil {
		return err
	}
	lines := tomlTableLines(data, "package")
	for i, p := range lock.Package {
		d := Dependency{Ecosystem: PyPI, Name: ecosystem.NormalizeName(ecosystem.PyPI, p.Name), Version: p.Version, Line: lineOf(lines, i)}
		switch p.Source.Type {
		case "directory", "file":
			continue // a local project or archive
		case "git":
			d.Source, d.Resolved = SourceGit, p.Source.URL
		case "url":
			d.Source, d.Resolved = SourceURL, p.Source.URL
		}
		if len(p.Files) > 0 {
			d.Integrity = p.Files[0].Hash
		}
		if d.Name != "" {
			c.add(d)
		}
	}
	return nil
}

// --- pdm.lock ---

func parsePDM(c *collector, _ fs.FS, data []byte) error {
	var lock struct {
		Package []struct {
			Name     string `toml:"name"`
			Version  string `toml:"version"`
			Path     string `toml:"path"`
			Editable bool   `toml:"editable"`
			Git      string `toml:"git"`
			URL      string `toml:"url"`
			Files    []struct {
				Hash string `toml:"hash"`
			} `toml:"files"`
		} `toml:"package"`
	}
	if err := decodeTOML(data, &lock); err != nil {
		return err
	}
	lines := tomlTableLines(data, "package")
	for i, p := range lock.Package {
		if p.Path != "" || p.Editable || p.Name == "" {
			continue
		}
		d := Dependency{Ecosystem: PyPI, Name: ecosystem.NormalizeName(ecosystem.PyPI, p.Name), Version: p.Version, Line: lineOf(lines, i)}
		switch {
		case p.Git != "":
			d.Source, d.Resolved = SourceGit, p.Git
		case p.URL != "":
			d.Source, d.Resolved = SourceURL, p.URL
		}
		if len(p.Files) > 0 {
			d.Integrity = p.Files[0].Hash
		}
		c.add(d)
	}
	return nil
}

// --- pylock.toml (PEP 751) ---

func parsePylock(c *collector, _ fs.FS, data []byte) error {
	type hashed struct {
		URL    string            `toml:"url"`
		Hashes map[string]string `toml:"hashes"`
	}
	var lock struct {
		LockVersion string `toml:"lock-version"`
		Packages    []struct {
			Name      string         `toml:"name"`
			Version   string         `toml:"version"`
			Directory map[string]any `toml:"directory"`
			VCS       *struct {
				URL string `toml:"url"`
			} `toml:"vcs"`
			Archive *hashed  `toml:"archive"`
			Sdist   *hashed  `toml:"sdist"`
			Wheels  []hashed `toml:"wheels"`
		} `toml:"packages"`
	}
	if err := decodeTOML(data, &lock); err != nil {
		return err
	}
	if lock.LockVersion == "" {
		return errors.New("no lock-version: not a pylock.toml file")
	}
	lines := tomlTableLines(data, "packages")
	for i, p := range lock.Packages {
		if p.Directory != nil || p.Name == "" {
			continue
		}
		d := Dependency{Ecosystem: PyPI, Name: ecosystem.NormalizeName(ecosystem.PyPI, p.Name), Version: p.Version, Line: lineOf(lines, i)}
		var file *hashed
		switch {
		case p.VCS != nil:
			d.Source, d.Resolved = SourceGit, p.VCS.URL
		case p.Archive != nil:
			d.Source, d.Resolved, file = SourceURL, p.Archive.URL, p.Archive
		case p.Sdist != nil:
			file = p.Sdist
		case len(p.Wheels) > 0:
			file = &p.Wheels[0]
		}
		if file != nil {
			if d.Resolved == "" {
				d.Resolved = file.URL
			}
			if h, ok := file.Hashes["sha256"]; ok {
				d.Integrity = hexDigest("sha256", h)
			}
		}
		c.add(d)
	}
	return nil
}

// --- uv.lock ---

type uvDep struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
}

func parseUV(c *collector, _ fs.FS, data []byte) error {
	var lock struct {
		Version int `toml:"version"`
		Package []struct {
			Name                 string             `toml:"name"`
			Version              string             `toml:"version"`
			Source               map[string]any     `toml:"source"`
			Dependencies         []uvDep            `toml:"dependencies"`
			OptionalDependencies map[string][]uvDep `toml:"optional-dependencies"`
			DevDependencies      map[string][]uvDep `toml:"dev-dependencies"`
			Sdist                *struct {
				URL  string `toml:"url"`
				Hash string `toml:"hash"`
			} `toml:"sdist"`
			Wheels []struct {
				URL  string `toml:"url"`
				Hash string `toml:"hash"`
			} `toml:"wheels"`
		} `toml:"package"`
	}
	if err := decodeTOML(data, &lock); err != nil {
		return err
	}
	// Local members (the root and workspace members) are not packages; what
	// they depend on is direct.
	isLocal := func(src map[string]any) bool {
		for _, k := range []string{"editable", "virtual", "directory", "path"} {
			if _, ok := src[k]; ok {
				return true
			}
		}
		return false
	}
	directAny := map[string]bool{}      // name, any version
	directExact := map[[2]string]bool{} // name, version
	for _, p := range lock.Package {
		if !isLocal(p.Source) {
			continue
		}
		groups := [][]uvDep{p.Dependencies}
		for _, g := range p.OptionalDependencies {
			groups = append(groups, g)
		}
		for _, g := range p.DevDependencies {
			groups = append(groups, g)
		}
		for _, g := range groups {
			for _, dep := range g {
				name := ecosystem.NormalizeName(ecosystem.PyPI, dep.Name)
				if dep.Version != "" {
					directExact[[2]string{name, dep.Version}] = true
				} else {
					directAny[name] = true
				}
			}
		}
	}
	lines := tomlTableLines(data, "package")
	for i, p := range lock.Package {
		if isLocal(p.Source) || p.Name == "" {
			continue
		}
		name := ecosystem.NormalizeName(ecosystem.PyPI, p.Name)
		d := Dependency{
			Ecosystem: PyPI, Name: name, Version: p.Version, Line: lineOf(lines, i),
			Direct: directFlag(directAny[name] || directExact[[2]string{name, p.Version}]),
		}
		if u, ok := p.Source["git"].(string); ok {
			d.Source, d.Resolved = SourceGit, u
		} else if u, ok := p.Source["url"].(string); ok {
			d.Source, d.Resolved = SourceURL, u
		}
		switch {
		case p.Sdist != nil:
			d.Integrity = p.Sdist.Hash
			if d.Resolved == "" {
				d.Resolved = p.Sdist.URL
			}
		case len(p.Wheels) > 0:
			d.Integrity = p.Wheels[0].Hash
			if d.Resolved == "" {
				d.Resolved = p.Wheels[0].URL
			}
		}
		c.add(d)
	}
	return nil
}

// --- Pipfile.lock ---

func parsePipfileLock(c *collector, _ fs.FS, data []byte) error {
	type entry struct {
		Version string   `json:"version"`
		Hashes  []string `json:"hashes"`
		Path    string   `json:"path"`
		Git     string   `json:"git"`
		File    string   `json:"file"`
	}
	var lock struct {
		Meta    map[string]any   `json:"_meta"`
		Default map[string]entry `json:"default"`
		Develop map[string]entry `json:"develop"`
	}
	if err := decodeJSON(data, &lock); err != nil {
		return err
	}
	if lock.Meta == nil && lock.Default == nil && lock.Develop == nil {
		return errors.New(`no "_meta", "default" or "develop": not a Pipfile.lock`)
	}
	lines := jsonKeyLines(data, '{', func(string) bool { return true })
	for _, group := range []map[string]entry{lock.Default, lock.Develop} {
		for _, key := range slices.Sorted(maps.Keys(group)) {
			e := group[key]
			if e.Path != "" {
				continue
			}
			d := Dependency{Ecosystem: PyPI, Name: ecosystem.NormalizeName(ecosystem.PyPI, key), Line: lines[key]}
			d.Version = strings.TrimPrefix(strings.TrimPrefix(e.Version, "=="), "=")
			switch {
			case e.Git != "":
				d.Source, d.Resolved = SourceGit, e.Git
			case e.File != "":
				d.Source, d.Resolved = SourceURL, e.File
			}
			if len(e.Hashes) > 0 {
				d.Integrity = e.Hashes[0]
			}
			c.add(d)
		}
	}
	return nil
}
