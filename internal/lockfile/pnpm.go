package lockfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
)

// pnpm-lock.yaml is YAML, decoded with goccy/go-yaml. Packages are the keys
// of "packages" (v5: "/name/version", v6: "/name@version(peers)", v9:
// "name@version"); importers are the root and workspace projects, and the
// versions they point to are the direct dependencies.

type pnpmLock struct {
	LockfileVersion any                     `yaml:"lockfileVersion"`
	Importers       map[string]pnpmImporter `yaml:"importers"`
	// Before workspaces (v5), the root's dependencies sat at the top level.
	Root     pnpmImporter           `yaml:",inline"`
	Packages map[string]pnpmPackage `yaml:"packages"`
}

type pnpmImporter struct {
	Dependencies         map[string]any `yaml:"dependencies"`
	DevDependencies      map[string]any `yaml:"devDependencies"`
	OptionalDependencies map[string]any `yaml:"optionalDependencies"`
}

type pnpmPackage struct {
	Name       string `yaml:"name"`
	Version    string `yaml:"version"`
	Resolution struct {
		Integrity string `yaml:"integrity"`
		Tarball   string `yaml:"tarball"`
		Directory string `yaml:"directory"`
		Repo      string `yaml:"repo"`
		Type      string `yaml:"type"`
	} `yaml:"resolution"`
}

// pnpmFormat names the lockfile by the major of its lockfileVersion.
func pnpmFormat(data []byte) string {
	s := lineScanner{data: data}
	for s.next() && s.n < 20 {
		if v, ok := bytes.CutPrefix(s.line, []byte("lockfileVersion:")); ok {
			v = bytes.Trim(bytes.TrimSpace(v), `'"`)
			major, _, _ := bytes.Cut(v, []byte("."))
			return "pnpm-lock.yaml v" + string(major)
		}
	}
	return "pnpm-lock.yaml"
}

func parsePNPM(c *collector, _ fs.FS, data []byte) error {
	var lock pnpmLock
	if err := yaml.Unmarshal(data, &lock); err != nil {
		return fmt.Errorf("invalid YAML: %s", strings.ReplaceAll(yaml.FormatError(err, false, false), "\n", " "))
	}
	if lock.LockfileVersion == nil {
		return errors.New("no lockfileVersion: not a pnpm lockfile")
	}
	importers := lock.Importers
	if importers == nil {
		importers = map[string]pnpmImporter{".": lock.Root}
	}
	direct := map[[2]string]bool{}
	for _, imp := range importers {
		for _, group := range []map[string]any{imp.Dependencies, imp.DevDependencies, imp.OptionalDependencies} {
			for name, v := range group {
				if name, version, ok := pnpmImporterTarget(name, v); ok {
					direct[[2]string{name, version}] = true
				}
			}
		}
	}
	lines := pnpmPackageLines(data)
	for _, key := range slices.Sorted(maps.Keys(lock.Packages)) {
		p := lock.Packages[key]
		name, version := pnpmKey(key)
		if p.Name != "" {
			name = p.Name
		}
		if p.Version != "" {
			version = p.Version
		}
		if p.Resolution.Directory != "" || strings.HasPrefix(version, "file:") || strings.HasPrefix(version, "link:") ||
			strings.Contains(key, "@file:") || strings.Contains(key, "@link:") {
			continue // a local folder or archive
		}
		d := Dependency{Ecosystem: NPM, Name: name, Version: version, Line: lines[key],
			Direct: directFlag(direct[[2]string{name, version}]), Integrity: p.Resolution.Integrity, Source: SourceRegistry}
		switch {
		case p.Resolution.Repo != "" || p.Resolution.Type == "git":
			d.Source, d.Resolved = SourceGit, p.Resolution.Repo
		case p.Resolution.Tarball != "":
			d.Resolved = p.Resolution.Tarball
			if _, ok := registryTarballVersion(p.Resolution.Tarball); !ok {
				d.Source = npmURLSource(p.Resolution.Tarball)
			}
		}
		if name == "" {
			return fmt.Errorf("package key %q names no package", key)
		}
		c.add(d)
	}
	return nil
}

// pnpmKey splits a packages key into name and version, dropping the
// leading "/" and the peer-dependency suffix: "/a@1.0.0(b@2.0.0)" (v6),
// "a@1.0.0(b@2.0.0)" (v9), "/a/1.0.0_b@2.0.0" (v5).
func pnpmKey(key string) (name, version string) {
	key = strings.TrimPrefix(key, "/")
	if i := strings.IndexByte(key, '('); i > 0 {
		key = key[:i]
	}
	name, version = splitDescriptor(key)
	scoped := strings.HasPrefix(name, "@")
	if version != "" && (strings.Count(name, "/") == 0 || scoped && strings.Count(name, "/") == 1) {
		return name, version
	}
	// v5: "name/version" with an optional "_peer@1.0.0" suffix.
	key, _, _ = strings.Cut(key, "_")
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return key, ""
	}
	return key[:i], key[i+1:]
}

// pnpmImporterTarget resolves one importer dependency to the (name,
// version) of its packages entry; links to local folders are not packages.
func pnpmImporterTarget(name string, v any) (string, string, bool) {
	var version string
	switch v := v.(type) {
	case string: // lockfile v5
		version = v
	case map[string]any:
		version, _ = v["version"].(string)
	}
	if version == "" || strings.HasPrefix(version, "link:") || strings.HasPrefix(version, "file:") {
		return "", "", false
	}
	if c := version[0]; c < '0' || c > '9' {
		// An alias or a non-registry package: the version is itself a key
		// ("/real@1.0.0", "real@1.0.0", "/real/1.0.0").
		n, ver := pnpmKey(version)
		return n, ver, true
	}
	// Drop the peer suffix: "1.0.0(b@2.0.0)" (v6+), "1.0.0_b@2.0.0" (v5).
	version, _, _ = strings.Cut(version, "(")
	version, _, _ = strings.Cut(version, "_")
	return name, version, true
}

// pnpmPackageLines maps each key of the top-level "packages" mapping to its
// line; pnpm writes them unindented by two spaces, quoted when needed.
func pnpmPackageLines(data []byte) map[string]int {
	lines := map[string]int{}
	in := false
	s := lineScanner{data: data}
	for s.next() {
		l := s.line
		if len(l) > 0 && l[0] != ' ' && l[0] != '#' {
			in = bytes.Equal(bytes.TrimSpace(l), []byte("packages:"))
			continue
		}
		if !in || len(l) < 4 || l[0] != ' ' || l[1] != ' ' || l[2] == ' ' {
			continue
		}
		k := bytes.TrimSuffix(bytes.TrimSpace(l), []byte(":"))
		k = bytes.Trim(k, `'"`)
		lines[string(k)] = s.n
	}
	return lines
}
