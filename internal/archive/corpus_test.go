package archive

import (
	"context"
	"customs/internal/manifest"
	"path/filepath"
	"testing"

	"customs/internal/corpus"
)

// malwareArchives lists the archives of the malware corpus manifest.
func malwareArchives(tb testing.TB) []string {
	tb.Helper()
	rows, err := manifest.Read(corpus.Path(tb, "malware", "manifest.tsv"))
	if err != nil {
		tb.Fatal(err)
	}
	var paths []string
	for _, r := range rows {
		paths = append(paths, r.Target)
	}
	return paths
}

// Every archive in the malware manifest opens (the corrupt ones were
// dropped from the corpus) and yields at least one file.
func TestWalkMalwareCorpus(t *testing.T) {
	paths := malwareArchives(t)
	formats := map[Format]int{}
	var failed, nested, warnings int
	for _, p := range paths {
		files := 0
		info, err := Walk(context.Background(), p, DefaultLimits(), func(e *Entry) error {
			if e.Kind == File {
				files++
			}
			if e.Container != "" {
				nested++
			}
			return nil
		})
		for _, w := range info.Warnings {
			t.Logf("%s: %s", p, w)
		}
		warnings += len(info.Warnings)
		if err != nil {
			failed++
			t.Errorf("%v", err)
			continue
		}
		if files == 0 {
			t.Errorf("%s: no files", p)
		}
		formats[info.Format]++
	}
	t.Logf("%d archives, %d failed, formats %v, %d entries of nested archives, %d warnings", len(paths), failed, formats, nested, warnings)
	if len(paths) < 1000 {
		t.Errorf("manifest lists only %d archives", len(paths))
	}
}

// Every target of the benign corpus (npm tarballs, Debian library trees)
// walks within the default limits, without a warning.
func TestWalkBenignCorpus(t *testing.T) {
	dir := corpus.BenignDir(t)
	rows, err := manifest.Read(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var targets, nested int
	var bytes int64
	for _, row := range rows {
		targets++
		info, err := Walk(context.Background(), row.Target, DefaultLimits(), func(e *Entry) error {
			if e.Container != "" {
				nested++
			}
			return nil
		})
		if err != nil {
			t.Errorf("%v", err)
		}
		for _, w := range info.Warnings {
			t.Errorf("%s: %s", row.Path, w)
		}
		bytes += info.Bytes
	}
	t.Logf("%d targets, %d MB read, %d entries from nested archives", targets, bytes>>20, nested)
}
