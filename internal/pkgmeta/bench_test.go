package pkgmeta

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"customs/internal/archive"
	"customs/internal/corpus"
)

// BenchmarkIdentify measures reading the identity of every malware corpus
// archive in its walk (AddEntry on every entry, then Meta) against the
// floor (the walk alone, archive.Floor). The two alternate target by
// target so that a noisy machine slows both alike; the figure is the
// x-floor metric, identify time over floor time.
func BenchmarkIdentify(b *testing.B) {
	manifest := corpus.Path(b, "malware", "manifest.tsv")
	var targets []string
	for _, row := range readManifest(b, manifest) {
		targets = append(targets, row.Target)
	}
	lim := archive.DefaultLimits()
	var floor, identify time.Duration
	for b.Loop() {
		for _, p := range targets {
			start := time.Now()
			if _, err := archive.Floor(context.Background(), p, lim); err != nil {
				b.Fatal(err)
			}
			mid := time.Now()
			c := &Collector{Target: filepath.Base(p)}
			if _, err := archive.Walk(context.Background(), p, lim, func(e *archive.Entry) error {
				c.AddEntry(e)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			_, _ = c.Meta("")
			floor += mid.Sub(start)
			identify += time.Since(mid)
		}
	}
	b.ReportMetric(float64(identify)/float64(floor), "x-floor")
}
