package pkgmeta

import (
	"bufio"
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"customs/internal/archive"
	"customs/internal/corpus"
)

// collect walks target and returns what the package says about itself.
func collect(tb testing.TB, target string, forced Ecosystem) (Meta, error) {
	tb.Helper()
	c := &Collector{Target: filepath.Base(target)}
	_, err := archive.Walk(context.Background(), target, archive.DefaultLimits(), func(e *archive.Entry) error {
		c.Add(e.Path, e.Data)
		return nil
	})
	if err != nil {
		tb.Fatalf("%s: %v", target, err)
	}
	return c.Meta(forced)
}

// readManifest returns the rows (path, ecosystem) of a corpus manifest.
func readManifest(tb testing.TB, manifest string) [][2]string {
	tb.Helper()
	f, err := os.Open(manifest)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 || cols[0] == "path" {
			continue
		}
		rows = append(rows, [2]string{cols[0], cols[2]})
	}
	return rows
}

// The malware manifest path is pypi/NAME/VERSION/FILE: name and version
// must be read from at least 99% of the archives.
func TestMalwareCorpusIdentity(t *testing.T) {
	manifest := corpus.Path(t, "malware", "manifest.tsv")
	rows := readManifest(t, manifest)
	var ok, misses int
	for _, row := range rows {
		parts := strings.Split(row[0], "/")
		if len(parts) != 4 {
			t.Fatalf("unexpected manifest path %q", row[0])
		}
		wantName, wantVersion := parts[1], parts[2]
		// Some version folders of the source dataset are "name-version"
		// (e.g. support_dev-7.8): the version is what follows the name.
		if n, v := splitNameVersion(wantVersion); v != "" && NormalizeName(PyPI, n) == NormalizeName(PyPI, wantName) {
			wantVersion = v
		}
		m, err := collect(t, filepath.Join(filepath.Dir(manifest), filepath.FromSlash(row[0])), "")
		switch {
		case err != nil:
			t.Logf("miss %s: %v", row[0], err)
		case m.Ecosystem != PyPI || NormalizeName(PyPI, m.Name) != NormalizeName(PyPI, wantName) || m.Version != wantVersion:
			t.Logf("miss %s: got %s %q %q from %s", row[0], m.Ecosystem, m.Name, m.Version, m.Source)
		default:
			ok++
			continue
		}
		misses++
	}
	rate := float64(ok) / float64(len(rows))
	t.Logf("identified %d of %d (%.2f%%), %d misses", ok, len(rows), 100*rate, misses)
	if rate < 0.99 {
		t.Errorf("identified %.2f%% of the malware corpus, want >= 99%%", 100*rate)
	}
}

// Every benign target (npm tarballs, Debian python3-*, ruby-* and node-*
// trees) gets its manifest ecosystem and a name; the ones with metadata a
// version too.
func TestBenignCorpusIdentity(t *testing.T) {
	dir := corpus.BenignDir(t)
	rows := readManifest(t, filepath.Join(dir, "manifest.tsv"))
	var noVersion []string
	for _, row := range rows {
		target := filepath.Join(dir, filepath.FromSlash(row[0]))
		m, err := collect(t, target, "")
		if err != nil {
			t.Errorf("%s: %v", row[0], err)
			continue
		}
		if string(m.Ecosystem) != row[1] || m.Name == "" {
			t.Errorf("%s: got %s %q %q from %s, want ecosystem %s", row[0], m.Ecosystem, m.Name, m.Version, m.Source, row[1])
		}
		if m.Version == "" {
			noVersion = append(noVersion, path.Base(row[0])+" ("+m.Source+")")
		}
	}
	t.Logf("%d targets, %d without a version: %s", len(rows), len(noVersion), strings.Join(noVersion, ", "))
}
