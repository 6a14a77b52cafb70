package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
)

// npmLockFormat names a package-lock.json or npm-shrinkwrap.json by its
// lockfileVersion, read from the file's first bytes (it is always near the top).
func npmLockFormat(base string, data []byte) string {
	if base == "npm-shrinkwrap.json" {
		return "npm-shrinkwrap.json"
	}
	head := data[:min(len(data), 4096)]
	if m := lockfileVersionRe.FindSubmatch(head); m != nil && string(m[1]) != "1" {
		return "package-lock.json v" + string(m[1])
	}
	return "package-lock.json v1"
}

var lockfileVersionRe = regexp.MustCompile(`"lockfileVersion"\s*:\s*(\d+)`)

// npmLock is the part of package-lock.json / npm-shrinkwrap.json read here.
// v2 and v3 describe the tree in "packages" (flat, keyed by install path);
// v1 only has the nested "dependencies" tree, which v2 keeps for old npm.
type npmLock struct {
	LockfileVersion int                       `json:"lockfileVersion"`
	Packages        map[string]npmLockPackage `json:"packages"`
	Dependencies    map[string]npmV1Dep       `json:"dependencies"`
}

type npmLockPackage struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Resolved             string            `json:"resolved"`
	Integrity            string            `json:"integrity"`
	Link                 bool              `json:"link"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PeerDependencies     map[string]string `json:"peerDependencies"`
}

type npmV1Dep struct {
	Version      string              `json:"version"`
	Resolved     string              `json:"resolved"`
	Integrity    string              `json:"integrity"`
	Dependencies map[string]npmV1Dep `json:"dependencies"`
}

func parseNPMLock(c *collector, _ fs.FS, data []byte) error {
	var lock npmLock
	if err := decodeJSON(data, &lock); err != nil {
		return err
	}
	if lock.Packages != nil {
		return npmPackages(c, data, lock.Packages)
	}
	if lock.Dependencies == nil && lock.LockfileVersion == 0 {
		return errors.New(`neither "packages" nor "dependencies": not an npm lockfile`)
	}
	lines := jsonKeyLines(data, '{', func(string) bool { return true })
	return npmV1Tree(c, lines, lock.Dependencies, 0)
}

// maxNesting bounds recursion through nested trees (npm v1 dependencies,
// CycloneDX components); real ones are a few dozen levels deep at most.
const maxNesting = 200

// npmV1Tree walks the nested v1 "dependencies" tree. v1 does not list the
// root's own dependencies, so Direct stays unknown.
func npmV1Tree(c *collector, lines map[string]int, deps map[string]npmV1Dep, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("dependencies nested deeper than %d", maxNesting)
	}
	for _, key := range slices.Sorted(maps.Keys(deps)) {
		d := deps[key]
		if err := npmV1Tree(c, lines, d.Dependencies, depth+1); err != nil {
			return err
		}
		name, version, source := key, d.Version, SourceRegistry
		switch {
		case version == "" || strings.HasPrefix(version, "file:"):
			continue // local folder, or not installed
		case strings.HasPrefix(version, "npm:"):
			name, version = splitNameVersion(strings.TrimPrefix(version, "npm:"))
		case strings.Contains(version, ":"):
			// npm 5 wrote registry tarball URLs as versions; any other
			// URL (git, GitHub shorthand, tarball elsewhere) is a source.
			if v, ok := registryTarballVersion(version); ok {
				version = v
			} else {
				source, version = npmURLSource(version), ""
			}
		}
		c.add(Dependency{Ecosystem: NPM, Name: name, Version: version, Source: source, Line: lines[key], Integrity: d.Integrity, Resolved: d.Resolved})
	}
	return nil
}

// npmPackages reads the flat v2/v3 "packages" map.
func npmPackages(c *collector, data []byte, pkgs map[string]npmLockPackage) error {
	direct := npmDirectKeys(pkgs)
	lines := jsonKeyLines(data, '{', func(k string) bool { return strings.Contains(k, "node_modules/") })
	for _, key := range slices.Sorted(maps.Keys(pkgs)) {
		i := strings.LastIndex(key, "node_modules/")
		if i < 0 {
			continue // the root project or a workspace folder
		}
		p := pkgs[key]
		if p.Link || p.Version == "" || strings.HasPrefix(p.Resolved, "file:") {
			continue
		}
		name := p.Name
		if name == "" {
			name = key[i+len("node_modules/"):]
		}
		version := p.Version
		if strings.HasPrefix(version, "npm:") { // alias written into version by some npm releases
			name, version = splitNameVersion(strings.TrimPrefix(version, "npm:"))
		}
		source := SourceRegistry
		if p.Resolved != "" {
			if _, ok := registryTarballVersion(p.Resolved); !ok {
				source = npmURLSource(p.Resolved)
			}
		}
		c.add(Dependency{
			Ecosystem: NPM, Name: name, Version: version, Source: source,
			Direct: directFlag(direct[key]), Line: lines[key],
			Integrity: p.Integrity, Resolved: p.Resolved,
		})
	}
	return nil
}

// npmDirectKeys returns the "packages" keys that the root's and workspace
// members' declared dependencies resolve to: the nearest node_modules folder
// walking up from the member, as Node's resolution does.
func npmDirectKeys(pkgs map[string]npmLockPackage) map[string]bool {
	direct := map[string]bool{}
	for member, p := range pkgs {
		if strings.Contains(member, "node_modules/") {
			continue
		}
		for _, group := range []map[string]string{p.Dependencies, p.DevDependencies, p.OptionalDependencies, p.PeerDependencies} {
			for dep := range group {
				if k, ok := resolveNodeModules(pkgs, member, dep); ok {
					direct[k] = true
				}
			}
		}
	}
	return direct
}

func resolveNodeModules(pkgs map[string]npmLockPackage, from, name string) (string, bool) {
	dir := from
	for {
		k := "node_modules/" + name
		if dir != "" && dir != "." {
			k = dir + "/" + k
		}
		if _, ok := pkgs[k]; ok {
			return k, true
		}
		if dir == "" || dir == "." {
			return "", false
		}
		dir = path.Dir(dir)
	}
}

// splitNameVersion splits "name@version" and "@scope/name@version".
func splitNameVersion(s string) (name, version string) {
	i := strings.LastIndex(s, "@")
	if i <= 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// registryTarballVersion recognises a registry tarball URL
// (".../name/-/name-1.2.3.tgz", any registry host) and returns its version.
func registryTarballVersion(u string) (string, bool) {
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return "", false
	}
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	i := strings.LastIndex(u, "/-/")
	if i < 0 || !strings.HasSuffix(u, ".tgz") {
		return "", false
	}
	pkgPath := u[:i]
	base := path.Base(pkgPath) // unscoped name, or the name part of a scoped one
	file := strings.TrimSuffix(u[i+3:], ".tgz")
	if !strings.HasPrefix(file, base+"-") {
		return "", false
	}
	return strings.TrimPrefix(file, base+"-"), true
}

// npmURLSource classifies a non-registry npm source: git (git URLs, hosted
// git shorthands, GitHub tarballs) or url (any other tarball URL).
func npmURLSource(u string) string {
	u, _, _ = strings.Cut(u, "#")
	switch {
	case !strings.Contains(u, ":"): // "user/repo"
		return SourceGit
	case strings.HasPrefix(u, "git"), strings.HasPrefix(u, "github:"), strings.HasPrefix(u, "gitlab:"),
		strings.HasPrefix(u, "bitbucket:"), strings.Contains(u, "codeload.github.com"), strings.HasSuffix(u, ".git"):
		return SourceGit
	}
	return SourceURL
}

// parsePackageJSON reads the four dependency maps of a package.json. Every
// declared name is direct; the version is kept only when the spec pins one
// exact version.
func parsePackageJSON(c *collector, _ fs.FS, data []byte) error {
	var manifest struct {
		Dependencies         map[string]string `json:"dependencies"`
		DevDependencies      map[string]string `json:"devDependencies"`
		OptionalDependencies map[string]string `json:"optionalDependencies"`
		PeerDependencies     map[string]string `json:"peerDependencies"`
	}
	if err := decodeJSON(data, &manifest); err != nil {
		return err
	}
	lines := jsonKeyLines(data, '"', func(string) bool { return true })
	declared := map[string]Dependency{}
	var order []string
	for _, group := range []map[string]string{manifest.Dependencies, manifest.DevDependencies, manifest.OptionalDependencies, manifest.PeerDependencies} {
		for _, key := range slices.Sorted(maps.Keys(group)) {
			d, ok := npmSpecDependency(key, group[key])
			if !ok {
				continue
			}
			d.Line = lines[key]
			if have, seen := declared[d.Name]; seen {
				if have.Version == "" && d.Version != "" {
					have.Version = d.Version
					declared[d.Name] = have
				}
				continue
			}
			declared[d.Name] = d
			order = append(order, d.Name)
		}
	}
	for _, name := range order {
		c.add(declared[name])
	}
	return nil
}

// npmSpecDependency turns one manifest entry (name, spec) into a direct
// dependency; local specs (file:, link:, workspace:, portal:) are not one.
func npmSpecDependency(name, spec string) (Dependency, bool) {
	spec = strings.TrimSpace(spec)
	for _, local := range []string{"file:", "link:", "workspace:", "portal:"} {
		if strings.HasPrefix(spec, local) {
			return Dependency{}, false
		}
	}
	d := Dependency{Ecosystem: NPM, Name: name, Direct: directFlag(true), Source: SourceRegistry}
	if real, ok := strings.CutPrefix(spec, "npm:"); ok {
		d.Name, spec = splitNameVersion(real)
		if d.Name == "" {
			d.Name = name
		}
	}
	switch {
	case exactSemverRe.MatchString(spec):
		d.Version = spec
	case isURLRange(spec):
		d.Source = npmURLSource(spec)
	}
	return d, true
}

// isURLRange recognises a dependency spec that is not a registry range:
// a URL, a git or hosted-git spec, or the GitHub shorthand "user/repo".
// Other protocols (npm:, pnpm's catalog:) still resolve from the registry.
func isURLRange(rng string) bool {
	if strings.Contains(rng, "://") {
		return true
	}
	for _, p := range []string{"git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:"} {
		if strings.HasPrefix(rng, p) {
			return true
		}
	}
	return !strings.Contains(rng, ":") && strings.Contains(rng, "/") && !strings.HasPrefix(rng, "@")
}

var exactSemverRe = regexp.MustCompile(`^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$`)
