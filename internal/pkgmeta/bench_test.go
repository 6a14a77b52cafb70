package pkgmeta

import (
	"context"
	"path/filepath"
	"testing"

	"customs/internal/archive"
	"customs/internal/corpus"
)

// BenchmarkIdentify measures reading the identity of every malware corpus
// archive in the same walk (Collector.Add on every entry, then Meta),
// beside the floor (the walk alone) measured in the same run: compare the
// two with benchstat or by their ratio.
func BenchmarkIdentify(b *testing.B) {
	manifest := corpus.Path(b, "malware", "manifest.tsv")
	var targets []string
	for _, row := range readManifest(b, manifest) {
		targets = append(targets, filepath.Join(filepath.Dir(manifest), filepath.FromSlash(row[0])))
	}
	lim := archive.DefaultLimits()
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			for _, p := range targets {
				if _, err := archive.Floor(context.Background(), p, lim); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("identify", func(b *testing.B) {
		for b.Loop() {
			for _, p := range targets {
				c := &Collector{Target: filepath.Base(p)}
				if _, err := archive.Walk(context.Background(), p, lim, func(e *archive.Entry) error {
					c.Add(e.Path, e.Data)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				_, _ = c.Meta("")
			}
		}
	})
}
