package lockfile

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// DiscoverOptions tunes Discover.
type DiscoverOptions struct {
	// Skip lists further directory names to leave out, on top of the
	// defaults (dependency folders, virtualenvs, VCS metadata, tool caches).
	Skip []string
	// NoDefaultSkips descends into the default skipped folders too.
	NoDefaultSkips bool
}

// skippedDirs are folders that hold installed or cached dependencies, or
// VCS metadata, rather than the project's own lockfiles: a lockfile found
// there describes someone else's project. Other hidden folders (.github)
// are searched.
var skippedDirs = map[string]bool{
	"node_modules": true, "bower_components": true, "vendor": true,
	".venv": true, "venv": true, "__pycache__": true, "site-packages": true,
	".git": true, ".hg": true, ".svn": true,
	".tox": true, ".nox": true, ".cache": true, ".mypy_cache": true, ".pytest_cache": true,
	".ruff_cache": true, ".yarn": true, ".pnpm-store": true, ".npm": true, ".bundle": true,
	".direnv": true, ".idea": true, ".vscode": true,
}

// Discover finds lockfiles and manifests under root, recursively, and
// returns their paths relative to root (slash-separated, sorted). It skips
// dependency folders, virtualenvs (folders holding pyvenv.cfg), VCS metadata
// and tool caches unless opts say otherwise, and never follows symbolic
// links. Unreadable subfolders are skipped; only an unreadable root is an error.
func Discover(root string, opts DiscoverOptions) ([]string, error) {
	extra := map[string]bool{}
	for _, s := range opts.Skip {
		extra[s] = true
	}
	var found []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p == root {
				return nil
			}
			name := d.Name()
			if extra[name] {
				return fs.SkipDir
			}
			if !opts.NoDefaultSkips && (skippedDirs[name] || isVirtualenv(p)) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if isLockfileName(rel) {
			found = append(found, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(found)
	return found, nil
}

func isVirtualenv(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, "pyvenv.cfg"))
	return err == nil
}

// lockfileNames are the fixed file names Discover reports.
var lockfileNames = map[string]bool{
	"package-lock.json": true, "npm-shrinkwrap.json": true, "package.json": true,
	"yarn.lock": true, "pnpm-lock.yaml": true, "bun.lock": true,
	"Gemfile.lock": true, "gems.locked": true,
	"poetry.lock": true, "Pipfile.lock": true, "uv.lock": true, "pdm.lock": true, "pyproject.toml": true,
}

// isLockfileName recognises a lockfile, manifest or SBOM by its path alone.
// SBOMs are found by their conventional names (bom.json, *.cdx.json,
// *.spdx.json); Parse also accepts other JSON names when the content says so.
func isLockfileName(rel string) bool {
	base := path.Base(rel)
	switch {
	case lockfileNames[base], isPylockName(base), isRequirementsName(rel):
		return true
	case base == "bom.json", base == "sbom.json", strings.HasSuffix(base, ".cdx.json"),
		strings.HasSuffix(base, ".bom.json"), strings.HasSuffix(base, ".spdx.json"):
		return true
	}
	return false
}
