package archive

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"customs/internal/corpus"
)

// benchFloor reads every target once per iteration and reports the
// uncompressed throughput (MB/s is bytes read out of the archives).
func benchFloor(b *testing.B, targets []string) {
	var total int64
	for _, p := range targets {
		n, err := Floor(context.Background(), p, DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	b.SetBytes(total)
	b.ReportMetric(float64(len(targets)), "targets/op")
	b.ResetTimer()
	for b.Loop() {
		for _, p := range targets {
			if _, err := Floor(context.Background(), p, DefaultLimits()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFloor is the floor of the malware corpus: decompress and read
// every byte of every archive, nothing else.
func BenchmarkFloor(b *testing.B) {
	benchFloor(b, malwareArchives(b))
}

// BenchmarkFloorBenignNpm is the floor of the benign npm tarballs
// ($CUSTOMS_BENIGN/npm/*.tgz).
func BenchmarkFloorBenignNpm(b *testing.B) {
	dir := corpus.BenignDir(b)
	targets, err := filepath.Glob(filepath.Join(dir, "npm", "*.tgz"))
	if err != nil || len(targets) == 0 {
		b.Skipf("no npm tarballs under %s: %v", dir, err)
	}
	if _, err := os.Stat(targets[0]); err != nil {
		b.Skip(err)
	}
	benchFloor(b, targets)
}
