package pkgmeta

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"customs/internal/archive"
	"customs/internal/corpus"
	"customs/internal/ecosystem"
	"customs/internal/manifest"
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

// readManifest returns the rows of a corpus manifest.
func readManifest(tb testing.TB, path string) []manifest.Row {
	tb.Helper()
	rows, err := manifest.Read(path)
	if err != nil {
		tb.Fatal(err)
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
		parts := strings.Split(row.Path, "/")
		if len(parts) != 4 {
			t.Fatalf("unexpected manifest path %q", row.Path)
		}
		wantName, wantVersion := parts[1], parts[2]
		// Some version folders of the source dataset are "name-version"
		// (e.g. support_dev-7.8): the version is what follows the name.
		if n, v := splitNameVersion(wantVersion); v != "" && ecosystem.NormalizeName(PyPI, n) == ecosystem.NormalizeName(PyPI, wantName) {
			wantVersion = v
		}
		m, err := collect(t, row.Target, "")
		switch {
		case err != nil:
			t.Logf("miss %s: %v", row.Path, err)
		case m.Ecosystem != PyPI || ecosystem.NormalizeName(PyPI, m.Name) != ecosystem.NormalizeName(PyPI, wantName) || m.Version != wantVersion:
			t.Logf("miss %s: got %s %q %q from %s", row.Path, m.Ecosystem, m.Name, m.Version, m.Source)
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
// version too. npm tarballs carry their exact name (the manifest cluster),
// and exactly the tarballs listed in install-scripts.txt have install
// hooks, the ones listed there. The targets without a version are logged:
// Debian trees with no metadata at all, named after the Debian package.
func TestBenignCorpusIdentity(t *testing.T) {
	dir := corpus.BenignDir(t)
	rows := readManifest(t, filepath.Join(dir, "manifest.tsv"))
	hooks := readInstallScripts(t, filepath.Join(dir, "install-scripts.txt"))
	var noVersion []string
	for _, row := range rows {
		target := row.Target
		m, err := collect(t, target, "")
		if err != nil {
			t.Errorf("%s: %v", row.Path, err)
			continue
		}
		if string(m.Ecosystem) != row.Ecosystem || m.Name == "" {
			t.Errorf("%s: got %s %q %q from %s, want ecosystem %s", row.Path, m.Ecosystem, m.Name, m.Version, m.Source, row.Ecosystem)
		}
		if m.Version == "" {
			noVersion = append(noVersion, path.Base(row.Path)+" ("+m.Source+")")
		}
		if strings.HasPrefix(row.Path, "npm/") {
			// The root is "package/" except for @types/* ("name/").
			if m.Name != row.Cluster || strings.Count(m.Root, "/") != 1 || m.Source != m.Root+"package.json" {
				t.Errorf("%s: name %q root %q from %s, want %q from the top directory's package.json", row.Path, m.Name, m.Root, m.Source, row.Cluster)
			}
			if got := formatHooks(m.InstallScripts); got != hooks[row.Path] {
				t.Errorf("%s: install hooks %q, want %q", row.Path, got, hooks[row.Path])
			}
		}
	}
	t.Logf("%d targets, %d without a version: %s", len(rows), len(noVersion), strings.Join(noVersion, ", "))
}

// readInstallScripts reads the fetch script's list of npm tarballs with
// install hooks: path -> "postinstall: cmd; ..." (binding.gyp noted too).
func readInstallScripts(tb testing.TB, p string) map[string]string {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for line := range strings.SplitSeq(string(b), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) == 3 && !strings.HasPrefix(line, "#") {
			out[cols[0]] = cols[2]
		}
	}
	return out
}

// formatHooks writes install hooks the way install-scripts.txt does.
func formatHooks(h map[string]string) string {
	var parts []string
	for _, name := range installLifecycle {
		if cmd, ok := h[name]; ok {
			parts = append(parts, name+": "+cmd)
		}
	}
	if _, ok := h["install (implicit)"]; ok {
		parts = append(parts, "binding.gyp")
	}
	return strings.Join(parts, "; ")
}
