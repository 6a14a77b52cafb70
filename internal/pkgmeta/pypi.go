package pkgmeta

import (
	"bufio"
	"bytes"
	"errors"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// maxHeaderLines bounds the header block of a PKG-INFO/METADATA file.
const maxHeaderLines = 10_000

// parseCoreMetadata reads the email-style header block of PKG-INFO or
// METADATA (core metadata). It is parsed by hand: net/mail and
// net/textproto reject header lines real uploads contain (keys with
// spaces, stray non-header lines), and only a few fields are needed.
func parseCoreMetadata(data []byte) (Meta, error) {
	m := Meta{Ecosystem: PyPI}
	var homePage, sourceURL string
	field := func(key, value string) {
		switch strings.ToLower(key) {
		case "name":
			m.Name = value
		case "version":
			m.Version = value
		case "requires-dist":
			if d, ok := parseRequirement(value, "prod"); ok {
				m.Dependencies = append(m.Dependencies, d)
			}
		case "summary":
			m.Summary = value
		case "author", "author-email", "maintainer", "maintainer-email":
			if len(m.Authors) < maxAuthors {
				m.Authors = append(m.Authors, value)
			}
		case "home-page":
			homePage = value
		case "project-url":
			label, url, ok := strings.Cut(value, ",")
			if ok && sourceURL == "" && isSourceLabel(label) {
				sourceURL = strings.TrimSpace(url)
			}
		}
	}
	var key, value string
	lines := 0
	for line := range bytes.Lines(data) {
		s := strings.TrimRight(string(line), "\r\n")
		if lines++; lines > maxHeaderLines || s == "" {
			break
		}
		if s[0] == ' ' || s[0] == '\t' { // continuation of the previous field
			continue
		}
		if key != "" {
			field(key, value)
		}
		k, v, ok := strings.Cut(s, ":")
		if !ok {
			key = ""
			continue
		}
		key, value = strings.TrimSpace(k), strings.TrimSpace(v)
	}
	if key != "" {
		field(key, value)
	}
	if m.Name == "" {
		return m, errors.New("no Name field")
	}
	m.Repository = sourceURL
	if m.Repository == "" && homePage != "UNKNOWN" {
		m.Repository = homePage
	}
	return m, nil
}

func isSourceLabel(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "source", "source code", "repository", "code", "github", "git", "homepage":
		return true
	}
	return false
}

// requirementName matches the distribution name at the start of a PEP 508
// requirement.
var requirementName = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$`)

// parseRequirement splits a PEP 508 requirement ("requests[socks] (>=2.0) ;
// extra == 'x'") into name and the rest. A requirement that only applies
// with an extra is optional.
func parseRequirement(s, kind string) (Dependency, bool) {
	g := requirementName.FindStringSubmatch(s)
	if g == nil {
		return Dependency{}, false
	}
	spec, marker, _ := strings.Cut(g[3], ";")
	if strings.Contains(marker, "extra") {
		kind = "optional"
	}
	spec = strings.TrimSpace(strings.Trim(strings.TrimSpace(spec), "()"))
	return Dependency{Name: g[1], Spec: spec, Kind: kind}, true
}

// parseRequiresTxt reads an egg-info requires.txt: requirements, then
// "[extra]" sections whose requirements are optional.
func parseRequiresTxt(data []byte) []Dependency {
	var deps []Dependency
	kind := "prod"
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			kind = "optional"
		default:
			if d, ok := parseRequirement(line, kind); ok {
				deps = append(deps, d)
			}
		}
	}
	return deps
}

// parsePyProject reads the PEP 621 [project] table, or Poetry's
// [tool.poetry].
func parsePyProject(data []byte) (Meta, error) {
	var doc struct {
		Project struct {
			Name         string
			Version      string
			Dependencies []string
			URLs         map[string]string `toml:"urls"`
		}
		Tool struct {
			Poetry struct {
				Name       string
				Version    string
				Repository string
			}
		}
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return Meta{Ecosystem: PyPI}, err
	}
	m := Meta{Ecosystem: PyPI, Name: doc.Project.Name, Version: doc.Project.Version}
	for _, r := range doc.Project.Dependencies {
		if d, ok := parseRequirement(r, "prod"); ok {
			m.Dependencies = append(m.Dependencies, d)
		}
	}
	for label, url := range doc.Project.URLs {
		if isSourceLabel(label) {
			m.Repository = url
		}
	}
	if m.Name == "" {
		m.Name, m.Version, m.Repository = doc.Tool.Poetry.Name, doc.Tool.Poetry.Version, doc.Tool.Poetry.Repository
	}
	return m, nil
}

// parseSetupCfg reads name and version from the [metadata] section of a
// setup.cfg (a plain INI file; values that point elsewhere, such as
// "attr: pkg.__version__", are not followed).
func parseSetupCfg(data []byte) (Meta, error) {
	m := Meta{Ecosystem: PyPI}
	section := ""
	for line := range bytes.Lines(data) {
		s := strings.TrimSpace(string(line))
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			section = strings.ToLower(strings.TrimSpace(s[1 : len(s)-1]))
			continue
		}
		if section != "metadata" {
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if strings.Contains(v, ":") { // attr:, file: directives
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "name":
			m.Name = v
		case "version":
			m.Version = v
		}
	}
	return m, nil
}

// parseSetupPy takes the first literal name= and version= keyword
// arguments from setup.py. setup.py is code and is never run, so a name
// computed at run time is missed; that is why it is the last resort.
func parseSetupPy(data []byte) Meta {
	return Meta{Ecosystem: PyPI, Name: setupLiteral(data, "name"), Version: setupLiteral(data, "version")}
}

// setupLiteral finds the first `key = "literal"` (or single-quoted) in
// data. It is a scan rather than a regular expression: malware setup.py
// files run to megabytes of encoded payload, and a literal search is
// orders of magnitude faster there than regexp's automaton.
func setupLiteral(data []byte, key string) string {
	for rest, seen := data, 0; seen < 1000; seen++ {
		i := bytes.Index(rest, []byte(key))
		if i < 0 {
			return ""
		}
		before := rest[:i]
		rest = rest[i+len(key):]
		if len(before) > 0 && isWordByte(before[len(before)-1]) {
			continue
		}
		v := bytes.TrimLeft(rest, " \t")
		if len(v) == 0 || v[0] != '=' || (len(v) > 1 && v[1] == '=') {
			continue
		}
		v = bytes.TrimLeft(v[1:], " \t")
		if len(v) < 2 || (v[0] != '"' && v[0] != '\'') {
			continue
		}
		end := bytes.IndexByte(v[1:], v[0])
		if end <= 0 || end > 200 || bytes.IndexByte(v[1:1+end], '\n') >= 0 {
			continue
		}
		return string(v[1 : 1+end])
	}
	return ""
}

// setupInstallRequires reads a literal install_requires=[...] list of
// setup.py as text (it is code and is never run); a list built at run
// time is not seen.
func setupInstallRequires(data []byte) []Dependency {
	i := bytes.Index(data, []byte("install_requires"))
	if i < 0 {
		return nil
	}
	v := bytes.TrimLeft(data[i+len("install_requires"):], " \t")
	if len(v) == 0 || v[0] != '=' {
		return nil
	}
	v = bytes.TrimLeft(v[1:], " \t")
	if len(v) == 0 || v[0] != '[' {
		return nil
	}
	end := bytes.IndexByte(v, ']')
	if end < 0 || end > 16<<10 {
		return nil
	}
	var deps []Dependency
	for _, g := range quotedString.FindAllSubmatch(v[1:end], maxDependencies) {
		if d, ok := parseRequirement(string(g[1]), "prod"); ok {
			deps = append(deps, d)
		}
	}
	return deps
}

var quotedString = regexp.MustCompile(`["']([^"'\n]{1,200})["']`)

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
