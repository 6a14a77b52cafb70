package archive

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"customs/internal/corpus"
)

// malwareArchives lists the archives of the malware corpus manifest.
func malwareArchives(tb testing.TB) []string {
	tb.Helper()
	manifest := corpus.Path(tb, "malware", "manifest.tsv")
	f, err := os.Open(manifest)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var paths []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rel, _, _ := strings.Cut(sc.Text(), "\t")
		if rel == "path" || rel == "" {
			continue
		}
		paths = append(paths, filepath.Join(filepath.Dir(manifest), filepath.FromSlash(rel)))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
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
	b, err := os.ReadFile(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var targets, nested int
	var bytes int64
	for line := range strings.SplitSeq(string(b), "\n") {
		rel, _, _ := strings.Cut(line, "\t")
		if rel == "path" || rel == "" {
			continue
		}
		targets++
		info, err := Walk(context.Background(), filepath.Join(dir, filepath.FromSlash(rel)), DefaultLimits(), func(e *Entry) error {
			if e.Container != "" {
				nested++
			}
			return nil
		})
		if err != nil {
			t.Errorf("%v", err)
		}
		for _, w := range info.Warnings {
			t.Errorf("%s: %s", rel, w)
		}
		bytes += info.Bytes
	}
	t.Logf("%d targets, %d MB read, %d entries from nested archives", targets, bytes>>20, nested)
}
