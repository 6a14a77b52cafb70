package lockfile

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"customs/internal/corpus"
)

// row is one expected package of the corpus: the columns of expected/*.tsv.
type row struct{ Name, Version, Direct, Ecosystem, Source string }

func rowsOf(deps []Dependency) []row {
	rows := make([]row, 0, len(deps))
	for _, d := range deps {
		direct := "-"
		if d.Direct != nil {
			direct = "false"
			if *d.Direct {
				direct = "true"
			}
		}
		rows = append(rows, row{d.Name, d.Version, direct, d.Ecosystem, d.Source})
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Ecosystem < b.Ecosystem
	})
	return rows
}

// readTSV returns the data rows of a tab-separated file, skipping the
// header (first line) and blank lines.
func readTSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		if sc.Text() == "" {
			continue
		}
		rows = append(rows, strings.Split(sc.Text(), "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

type indexEntry struct {
	path, format string
}

func corpusIndex(t *testing.T) (root string, entries []indexEntry) {
	t.Helper()
	root = corpus.Path(t, "lockfiles")
	for _, r := range readTSV(t, filepath.Join(root, "INDEX.tsv")) {
		if len(r) < 2 {
			t.Fatalf("INDEX.tsv: short row %q", r)
		}
		entries = append(entries, indexEntry{path: r[0], format: r[1]})
	}
	if len(entries) == 0 {
		t.Fatal("INDEX.tsv lists no files")
	}
	return root, entries
}

// TestCorpusExact is the bar: every real lockfile and manifest of the
// corpus yields exactly its independently counted package list (name,
// version, direct, ecosystem, source): every package, no duplicates, none
// invented.
func TestCorpusExact(t *testing.T) {
	root, entries := corpusIndex(t)
	fsys := os.DirFS(root)
	for _, e := range entries {
		t.Run(e.path, func(t *testing.T) {
			f := ParseFS(fsys, e.path)
			if f.Err != nil {
				t.Fatal(f.Err)
			}
			if f.Format != e.format {
				t.Errorf("format %q, want %q", f.Format, e.format)
			}
			var want []row
			for _, r := range readTSV(t, filepath.Join(root, "expected", strings.ReplaceAll(e.path, "/", "__")+".tsv")) {
				if len(r) != 5 {
					t.Fatalf("expected file: row %q has %d columns", r, len(r))
				}
				want = append(want, row{r[0], r[1], r[2], r[3], r[4]})
			}
			got := rowsOf(f.Deps)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%d packages, want %d (-want +got):\n%s", len(got), len(want), diff)
			}
			for _, d := range f.Deps {
				if d.File != e.path && f.Format != "requirements.txt" { // includes name their own file
					t.Fatalf("%s: File = %q, want %q", d.Name, d.File, e.path)
				}
			}
		})
	}
}
