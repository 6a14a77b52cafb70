package eval

import (
	"context"
	"customs/internal/manifest"
	"os"
	"path/filepath"
	"testing"

	"customs/internal/corpus"
	"customs/internal/inspect"
)

// BenchmarkCorpus inspects the malware corpus (and the npm tarballs of the
// benign corpus when CUSTOMS_BENIGN names it) single-threaded and measures
// the decompress-only floor over the same archives in the same iteration.
// The figure is the inspect/floor ratio; compare runs with benchstat:
//
//	go test ./internal/eval -run '^$' -bench Corpus -benchtime 1x -count 5
func BenchmarkCorpus(b *testing.B) {
	rows, _, err := manifest.ReadAll([]string{corpus.Path(b, "malware", "manifest.tsv")})
	if err != nil {
		b.Fatal(err)
	}
	if dir := benignDir(); dir != "" {
		benign, _, err := manifest.ReadAll([]string{filepath.Join(dir, "manifest.tsv")})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range benign {
			if r.Ecosystem == "npm" && filepath.Ext(r.Target) == ".tgz" {
				rows = append(rows, r)
			}
		}
	}
	b.ResetTimer()
	for b.Loop() {
		res := Run(context.Background(), rows, Options{Inspect: inspect.Options{Jobs: 1}, Floor: true})
		all := res.Speed[len(res.Speed)-1]
		b.ReportMetric(all.Ratio, "inspect/floor")
		b.ReportMetric(float64(all.Bytes)/1e6/all.Inspect.Seconds(), "inspect-MB/s")
		b.ReportMetric(float64(all.Bytes)/1e6/all.Floor.Seconds(), "floor-MB/s")
		b.ReportMetric(float64(res.PeakRSS)/1e6, "peak-RSS-MB")
	}
}

// benignDir is $CUSTOMS_BENIGN when it names a folder, else "" (the
// benchmark then runs on the malware corpus only).
func benignDir() string {
	d := os.Getenv("CUSTOMS_BENIGN")
	if st, err := os.Stat(d); d == "" || err != nil || !st.IsDir() {
		return ""
	}
	return d
}
