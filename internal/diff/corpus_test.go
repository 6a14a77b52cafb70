package diff

import (
	"context"
	"customs/internal/manifest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"customs/internal/archive"
	"customs/internal/archivetest"
	"customs/internal/corpus"
	"customs/internal/finding"
	"customs/internal/pkgmeta"
)

// injectIntoMain rewrites an npm tarball with payload put in front of its
// main entry file; it returns the new tarball and the entry's path below
// the package root ("" when the package has no JavaScript entry file).
func injectIntoMain(t *testing.T, tgz, payload string) ([]byte, string) {
	t.Helper()
	var files []archivetest.File
	col := pkgmeta.Collector{Target: tgz}
	_, err := archive.Walk(context.Background(), tgz, archive.DefaultLimits(), func(e *archive.Entry) error {
		if e.Kind == archive.File {
			col.Add(e.Path, e.Data)
			files = append(files, archivetest.File{Name: e.Path, Body: string(e.Data), Mode: int64(e.Mode.Perm()) | 0o400})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := col.Meta(pkgmeta.NPM)
	main := m.Main
	if main == "" && len(m.Exports) > 0 {
		main = m.Exports[0]
	}
	found := ""
	for i, f := range files {
		if f.Name == main && strings.HasSuffix(main, "js") {
			files[i].Body = payload + "\n" + f.Body
			found = strings.TrimPrefix(main, m.Root)
		}
	}
	return archivetest.TarGz(files...), found
}

// TestCorpusInjectedReleasesAreMalicious takes real npm packages from the
// benign corpus and, for each, builds the trojanised "next release" of the
// chalk/debug campaign: the same files with the obfuscated wallet hijacker
// put in front of the main entry. Every such update must be malicious and
// name the entry file; the unmodified package compared with itself must be
// clean.
func TestCorpusInjectedReleasesAreMalicious(t *testing.T) {
	dir := corpus.BenignDir(t)
	rows, err := manifest.Read(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Skipf("benign manifest: %v", err)
	}
	tmp := t.TempDir()
	tested := 0
	for _, row := range rows {
		if tested == 100 {
			break
		}
		if row.Ecosystem != "npm" {
			continue
		}
		tgz := row.Target
		trojan, main := injectIntoMain(t, tgz, walletHijacker())
		if main == "" {
			continue
		}
		tested++
		p := filepath.Join(tmp, path.Base(tgz))
		if err := os.WriteFile(p, trojan, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Paths(context.Background(), tgz, p, Options{})
		if err != nil {
			t.Errorf("%s: %v", row.Path, err)
			continue
		}
		if r.Verdict != finding.Malicious || len(r.Reasons) == 0 || !strings.Contains(r.Reasons[0], main+" (import-time file), line 1") {
			t.Errorf("%s: verdict %s, reasons %q; want malicious naming %s line 1", row.Path, r.Verdict, r.Reasons, main)
		}
		same, err := Paths(context.Background(), tgz, tgz, Options{})
		if err != nil || same.Verdict != finding.Clean || len(same.Files) != 0 {
			t.Errorf("%s against itself: %v, %+v", row.Path, err, same)
		}
	}
	if tested == 0 {
		t.Skip("no npm package with a JavaScript entry in the benign corpus")
	}
	t.Logf("%d real packages trojanised and caught", tested)
}
