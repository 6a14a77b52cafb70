package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Gemfile.lock (and gems.locked) is Bundler's own indented text format; no
// Go library parses it, so it is read here line by line, with Bundler's
// rules: specs under GEM and GIT sources are packages, PATH specs are local,
// a platform suffix after the version is dropped, DEPENDENCIES names the
// direct gems, CHECKSUMS gives integrity hashes.

// gemSpecRe is Bundler's NAME_VERSION: name, then "(version[-platform])".
var gemSpecRe = regexp.MustCompile(`^([^ (!]+)(?: \(([^-)]*)(?:-([^)]*))?\))?(!)?$`)

var gemSections = map[string]bool{
	"GIT": true, "GEM": true, "PATH": true, "PLUGIN SOURCE": true, "PLATFORMS": true,
	"DEPENDENCIES": true, "RUBY VERSION": true, "BUNDLED WITH": true, "CHECKSUMS": true,
}

func parseGemfileLock(c *collector, _ fs.FS, data []byte) error {
	if !utf8.Valid(data) {
		return errors.New("not UTF-8 text")
	}
	type spec struct {
		name, version string
		source, url   string
		line          int
	}
	var specs []spec
	direct := map[string]bool{}
	checksums := map[[2]string]string{}
	section, remote := "", ""
	inSpecs := false
	s := lineScanner{data: data}
	for s.next() {
		l := string(s.line)
		if strings.TrimSpace(l) == "" {
			continue
		}
		for _, marker := range []string{"<<<<<<<", "=======", ">>>>>>>"} {
			if strings.HasPrefix(l, marker) {
				return fmt.Errorf("line %d: merge conflict marker %q", s.n, marker)
			}
		}
		trimmed := strings.TrimLeft(l, " ")
		indent := len(l) - len(trimmed)
		if strings.ContainsAny(trimmed, "\t\x00") {
			return fmt.Errorf("line %d: control character in %q", s.n, clip([]byte(trimmed)))
		}
		if indent == 0 {
			if !gemSections[trimmed] {
				return fmt.Errorf("line %d: unknown section %q", s.n, clip([]byte(trimmed)))
			}
			section, remote, inSpecs = trimmed, "", false
			continue
		}
		switch section {
		case "GIT", "GEM", "PATH", "PLUGIN SOURCE":
			switch {
			case indent == 2 && trimmed == "specs:":
				inSpecs = true
			case indent == 2 && strings.HasPrefix(trimmed, "remote: "):
				remote = strings.TrimPrefix(trimmed, "remote: ")
			case indent == 4 && inSpecs:
				m := gemSpecRe.FindStringSubmatch(trimmed)
				if m == nil || m[2] == "" {
					return fmt.Errorf("line %d: malformed spec %q", s.n, clip([]byte(trimmed)))
				}
				specs = append(specs, spec{name: m[1], version: m[2], source: section, url: remote, line: s.n})
			}
		case "DEPENDENCIES":
			if indent == 2 {
				name, _, _ := strings.Cut(trimmed, " ")
				direct[strings.TrimSuffix(name, "!")] = true
			}
		case "CHECKSUMS":
			if indent == 2 {
				nameVersion, sum, _ := strings.Cut(trimmed, ") ")
				first, _, _ := strings.Cut(strings.TrimSpace(sum), ",") // "sha256=ab12[,sha512=...]"
				alg, hex, _ := strings.Cut(first, "=")
				if m := gemSpecRe.FindStringSubmatch(nameVersion + ")"); m != nil && hexDigest(alg, hex) != "" {
					k := [2]string{m[1], m[2]}
					if _, seen := checksums[k]; !seen {
						checksums[k] = hexDigest(alg, hex)
					}
				}
			}
		}
	}
	if len(specs) == 0 && section == "" {
		return errors.New("no GEM, GIT or PATH section: not a Gemfile.lock")
	}
	for _, sp := range specs {
		d := Dependency{Ecosystem: RubyGems, Name: sp.name, Version: sp.version, Line: sp.line,
			Direct: directFlag(direct[sp.name]), Integrity: checksums[[2]string{sp.name, sp.version}]}
		switch sp.source {
		case "PATH":
			continue // a gem of this repository
		case "GIT":
			d.Source, d.Resolved = SourceGit, sp.url
		case "GEM":
			d.Source = SourceRegistry
		default:
			continue // PLUGIN SOURCE specs are Bundler plugins, not gems of the bundle
		}
		c.add(d)
	}
	return nil
}
