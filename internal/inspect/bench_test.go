package inspect

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"customs/internal/archive"
	"customs/internal/corpus"
)

// manifestTargets lists the targets of a corpus manifest, keeping those
// of one ecosystem when eco is set.
func manifestTargets(tb testing.TB, path, eco string) []string {
	var out []string
	for _, r := range readManifest(tb, path) {
		if eco == "" || r.Ecosystem == eco {
			out = append(out, r.Target)
		}
	}
	return out
}

// BenchmarkInspectCorpus inspects the dev malware corpus plus the npm
// benign corpus (as `customs inspect` does: all cores) and, in the same
// iteration, measures the floor: decompressing and reading the same
// archives single-threaded with nothing else done. It reports both times
// and their ratio (the goal is ratio <= 1.5). Run with -count to get
// medians: go test ./internal/inspect -run X -bench InspectCorpus -count 5
func BenchmarkInspectCorpus(b *testing.B) {
	targets := manifestTargets(b, corpus.Path(b, "malware", "manifest.tsv"), "")
	targets = append(targets, manifestTargets(b, filepath.Join(corpus.BenignDir(b), "manifest.tsv"), "npm")...)
	ctx := context.Background()
	var floor, inspect time.Duration
	for b.Loop() {
		start := time.Now()
		for _, t := range targets {
			_, _ = archive.Floor(ctx, t, archive.Limits{})
		}
		floor += time.Since(start)
		start = time.Now()
		Run(ctx, targets, Options{})
		inspect += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(floor.Seconds()/n, "floor-s/op")
	b.ReportMetric(inspect.Seconds()/n, "inspect-s/op")
	b.ReportMetric(inspect.Seconds()/floor.Seconds(), "ratio")
}
