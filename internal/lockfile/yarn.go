package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// yarn.lock comes in two dialects: classic (v1, its own "key value" syntax)
// and berry (v2+, a YAML subset). No maintained Go parser exists for
// either, and both share the same shape (entries of descriptors, with
// indented fields and dependency blocks), so one line reader serves both.
// It keeps the line of every entry, which a YAML decoder would not.

// yarnEntry is one block of a yarn.lock: the descriptors it satisfies and
// its fields.
type yarnEntry struct {
	descriptors []string
	fields      map[string]string
	deps        map[string]string // the "dependencies" block
	line        int
}

// isYarnBerry reports whether a yarn.lock is berry's: it starts with a
// __metadata entry.
func isYarnBerry(data []byte) bool {
	s := lineScanner{data: data}
	for s.next() && s.n < 50 {
		if bytes.HasPrefix(s.line, []byte("__metadata:")) {
			return true
		}
	}
	return false
}

// maxYarnLineLength bounds one line; real lockfile lines are a few hundred bytes.
const maxYarnLineLength = 1 << 20

func readYarnEntries(data []byte) ([]yarnEntry, error) {
	var entries []yarnEntry
	var cur *yarnEntry
	block := "" // the indent-2 key whose indent-4 lines we are reading
	s := lineScanner{data: data}
	for s.next() {
		l := s.line
		if len(l) > maxYarnLineLength {
			return nil, fmt.Errorf("line %d: longer than %d bytes", s.n, maxYarnLineLength)
		}
		trimmed := bytes.TrimLeft(l, " ")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		if trimmed[0] == '\t' {
			return nil, fmt.Errorf("line %d: tab in indentation", s.n)
		}
		indent := len(l) - len(trimmed)
		switch {
		case indent == 0:
			if !bytes.HasSuffix(trimmed, []byte(":")) {
				return nil, fmt.Errorf("line %d: expected an entry header ending in ':', got %q", s.n, clip(trimmed))
			}
			descs, err := splitDescriptors(string(trimmed[:len(trimmed)-1]))
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", s.n, err)
			}
			entries = append(entries, yarnEntry{descriptors: descs, fields: map[string]string{}, line: s.n})
			cur, block = &entries[len(entries)-1], ""
		case cur == nil:
			return nil, fmt.Errorf("line %d: indented line before any entry", s.n)
		case indent == 2:
			key, value, err := yarnKeyValue(string(trimmed))
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", s.n, err)
			}
			block = ""
			if value == "" && bytes.HasSuffix(trimmed, []byte(":")) {
				block = key
				continue
			}
			cur.fields[key] = value
		case block == "dependencies" && indent == 4:
			key, value, err := yarnKeyValue(string(trimmed))
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", s.n, err)
			}
			if cur.deps == nil {
				cur.deps = map[string]string{}
			}
			cur.deps[key] = value
		}
		// Deeper lines (dependenciesMeta, peerDependenciesMeta) carry nothing needed here.
	}
	return entries, nil
}

// clip shortens a line quoted in an error message.
func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}

// splitDescriptors splits an entry header: `"a@^1", a@~1.2` into descriptors.
func splitDescriptors(header string) ([]string, error) {
	var out []string
	for rest := strings.TrimSpace(header); rest != ""; {
		var d string
		if rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, errors.New("unterminated quoted descriptor")
			}
			d, rest = rest[1:end+1], rest[end+2:]
		} else {
			d, rest, _ = strings.Cut(rest, ",")
			rest = "," + rest
		}
		// Berry quotes the whole list: "a@npm:1, a@npm:^1".
		for _, part := range strings.Split(d, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		rest = strings.TrimLeft(strings.TrimPrefix(strings.TrimSpace(rest), ","), " ")
	}
	if len(out) == 0 {
		return nil, errors.New("entry without descriptors")
	}
	return out, nil
}

// yarnKeyValue reads `key value` (classic) or `key: value` (berry), either
// side possibly double-quoted.
func yarnKeyValue(l string) (key, value string, err error) {
	if l[0] == '"' {
		end := strings.IndexByte(l[1:], '"')
		if end < 0 {
			return "", "", errors.New("unterminated quoted key")
		}
		key, l = l[1:end+1], l[end+2:]
	} else {
		i := strings.IndexAny(l, ": ")
		if i < 0 {
			return l, "", nil
		}
		key, l = l[:i], l[i:]
	}
	l = strings.TrimSpace(strings.TrimPrefix(l, ":"))
	if len(l) >= 2 && l[0] == '"' && l[len(l)-1] == '"' {
		l = l[1 : len(l)-1]
	}
	return key, l, nil
}

// splitDescriptor splits "name@range" where name may be scoped ("@s/n@^1").
func splitDescriptor(d string) (name, rng string) {
	i := strings.IndexByte(d[min(1, len(d)):], '@')
	if i < 0 {
		return d, ""
	}
	i++
	return d[:i], d[i+1:]
}

func isLocalProtocol(rng string) bool {
	for _, p := range []string{"file:", "link:", "workspace:", "portal:"} {
		if strings.HasPrefix(rng, p) {
			return true
		}
	}
	return false
}

// parseYarnV1 reads a classic yarn.lock: one package per entry, named by
// its first descriptor. Classic lockfiles do not record the project's own
// dependencies, so Direct stays unknown.
func parseYarnV1(c *collector, _ fs.FS, data []byte) error {
	entries, err := readYarnEntries(data)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name, rng := splitDescriptor(e.descriptors[0])
		if isLocalProtocol(rng) {
			continue
		}
		version := e.fields["version"]
		if version == "" {
			return fmt.Errorf("line %d: entry %q has no version", e.line, e.descriptors[0])
		}
		if real, ok := strings.CutPrefix(rng, "npm:"); ok {
			name, rng = splitDescriptor(real)
		}
		d := Dependency{Ecosystem: NPM, Name: name, Version: version, Line: e.line,
			Integrity: e.fields["integrity"], Resolved: e.fields["resolved"], Source: SourceRegistry}
		if isURLRange(rng) {
			d.Source = npmURLSource(rng)
		} else if d.Resolved != "" {
			if _, ok := registryTarballVersion(d.Resolved); !ok {
				d.Source = npmURLSource(d.Resolved)
			}
		}
		c.add(d)
	}
	return nil
}

// parseYarnBerry reads a berry yarn.lock: one package per entry, named by
// its resolution. patch: entries collapse onto the package they patch;
// workspace entries are the project's own, and what their dependencies
// resolve to is direct.
func parseYarnBerry(c *collector, _ fs.FS, data []byte) error {
	entries, err := readYarnEntries(data)
	if err != nil {
		return err
	}
	byDescriptor := map[string]int{}
	for i, e := range entries {
		for _, d := range e.descriptors {
			byDescriptor[d] = i
		}
	}
	direct := map[int]bool{}
	for _, e := range entries {
		if _, proto := splitDescriptor(e.fields["resolution"]); !strings.HasPrefix(proto, "workspace:") {
			continue
		}
		for name, rng := range e.deps {
			// Matched as written: a range without protocol is looked up as is.
			if i, ok := byDescriptor[name+"@"+rng]; ok {
				direct[i] = true
			}
		}
	}
	for i, e := range entries {
		if e.descriptors[0] == "__metadata" {
			continue
		}
		name, proto := splitDescriptor(e.fields["resolution"])
		if name == "" || isLocalProtocol(proto) {
			continue
		}
		version := e.fields["version"]
		if version == "" {
			return fmt.Errorf("line %d: entry %q has no version", e.line, e.descriptors[0])
		}
		d := Dependency{Ecosystem: NPM, Name: name, Version: version, Line: e.line,
			Direct: directFlag(direct[i]), Source: SourceRegistry}
		// berry's "checksum" hashes the zip in yarn's own cache, not the
		// registry tarball, so it is no Integrity for the package.
		if !strings.HasPrefix(proto, "npm:") && !strings.HasPrefix(proto, "patch:") {
			d.Source, d.Resolved = npmURLSource(proto), proto
		}
		c.add(d)
	}
	return nil
}
