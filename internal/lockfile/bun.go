package lockfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
)

// bun.lock is JSON with trailing commas (JSONC without comments). The
// commas are dropped by stripTrailingCommas, a few lines that spare a
// dependency for one format, and the rest is encoding/json.
//
// "packages" maps an install path ("a", "a/b" for a nested copy) to an
// array whose first element is "name@version" ("name@workspace:dir",
// "name@github:user/repo#sha" for other sources).

func parseBun(c *collector, _ fs.FS, data []byte) error {
	var lock struct {
		LockfileVersion *int `json:"lockfileVersion"`
		Workspaces      map[string]struct {
			Dependencies         map[string]string `json:"dependencies"`
			DevDependencies      map[string]string `json:"devDependencies"`
			OptionalDependencies map[string]string `json:"optionalDependencies"`
			PeerDependencies     map[string]string `json:"peerDependencies"`
		} `json:"workspaces"`
		Packages map[string][]json.RawMessage `json:"packages"`
	}
	clean, err := stripTrailingCommas(data)
	if err != nil {
		return err
	}
	if err := decodeJSON(clean, &lock); err != nil {
		return err
	}
	if lock.LockfileVersion == nil {
		return errors.New("no lockfileVersion: not a bun.lock")
	}
	direct := map[string]bool{} // packages keys the workspaces depend on
	for dir, ws := range lock.Workspaces {
		for _, group := range []map[string]string{ws.Dependencies, ws.DevDependencies, ws.OptionalDependencies, ws.PeerDependencies} {
			for name := range group {
				// A workspace's own nested copy wins over the hoisted one.
				if _, ok := lock.Packages[dir+"/"+name]; dir != "" && ok {
					direct[dir+"/"+name] = true
				} else {
					direct[name] = true
				}
			}
		}
	}
	lines := jsonKeyLines(data, '[', func(string) bool { return true })
	for _, key := range slices.Sorted(maps.Keys(lock.Packages)) {
		entry := lock.Packages[key]
		if len(entry) == 0 {
			return fmt.Errorf("package %q: empty entry", key)
		}
		var ident string
		if err := json.Unmarshal(entry[0], &ident); err != nil {
			return fmt.Errorf("package %q: first element is not a \"name@version\" string", key)
		}
		name, version := splitDescriptor(ident)
		if name == "" || isLocalProtocol(version) || strings.HasPrefix(version, "root:") {
			continue
		}
		d := Dependency{Ecosystem: NPM, Name: name, Version: version, Line: lines[key],
			Direct: directFlag(direct[key]), Source: SourceRegistry}
		if strings.Contains(version, ":") || strings.Contains(version, "/") {
			d.Source, d.Resolved, d.Version = npmURLSource(version), version, ""
		} else if len(entry) >= 4 {
			// Registry entries: [ident, registry URL or "", metadata, integrity];
			// an integrity that is not a string is simply not recorded.
			if json.Unmarshal(entry[3], &d.Integrity) != nil {
				d.Integrity = ""
			}
		}
		c.add(d)
	}
	return nil
}

// stripTrailingCommas removes commas that directly precede (after
// whitespace) a closing brace or bracket, outside strings.
func stripTrailingCommas(data []byte) ([]byte, error) {
	out := make([]byte, 0, len(data))
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		b := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			out = append(out, b)
			continue
		}
		if b == '"' {
			inString = true
		}
		if b == ',' {
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\n' || data[j] == '\r' || data[j] == '\t') {
				j++
			}
			if j < len(data) && (data[j] == '}' || data[j] == ']') {
				continue
			}
		}
		out = append(out, b)
	}
	if inString {
		return nil, errors.New("invalid JSON: unterminated string")
	}
	return out, nil
}
