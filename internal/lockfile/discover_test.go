package lockfile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDiscoverCorpus: discovery over the corpus finds every indexed file,
// and nothing else besides the deliberately broken ones.
func TestDiscoverCorpus(t *testing.T) {
	root, entries := corpusIndex(t)
	found, err := Discover(root, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, e.path)
	}
	var got []string
	for _, p := range found {
		if !strings.HasPrefix(p, "broken/") {
			got = append(got, p)
		}
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("discovered files differ from INDEX.tsv (-want +got):\n%s", diff)
	}
	if !slices.IsSorted(found) {
		t.Error("paths not sorted")
	}
}

func TestDiscoverSkips(t *testing.T) {
	dir := t.TempDir()
	files := []string{
		"package.json",
		"yarn.lock",
		"web/pnpm-lock.yaml",
		"requirements/dev.txt",
		"requirements-test.txt",
		"notes.txt",
		".github/pyodide/pylock.314.toml",
		"sbom/app.cdx.json",
		"node_modules/left-pad/package.json",
		"web/node_modules/.pnpm/x/package.json",
		"vendor/bundle/ruby/Gemfile.lock",
		".venv/lib/requirements.txt",
		"env/pyvenv.cfg",
		"env/lib/site/pyproject.toml",
		".git/modules/x/package.json",
		".tox/py3/requirements.txt",
		"py/Pipfile.lock",
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A symlinked folder is not followed (it could point anywhere, or loop).
	if err := os.Symlink(filepath.Join(dir, "web"), filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	got, err := Discover(dir, DiscoverOptions{Skip: []string{"sbom"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		".github/pyodide/pylock.314.toml",
		"package.json",
		"py/Pipfile.lock",
		"requirements-test.txt",
		"requirements/dev.txt",
		"web/pnpm-lock.yaml",
		"yarn.lock",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	all, err := Discover(dir, DiscoverOptions{NoDefaultSkips: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(all, "node_modules/left-pad/package.json") || !slices.Contains(all, "sbom/app.cdx.json") {
		t.Errorf("NoDefaultSkips: %q lacks node_modules or sbom files", all)
	}
}

func TestDiscoverMissingRoot(t *testing.T) {
	if _, err := Discover(filepath.Join(t.TempDir(), "absent"), DiscoverOptions{}); err == nil {
		t.Fatal("no error for a missing root")
	}
}
