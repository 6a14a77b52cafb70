package lockfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"customs/internal/corpus"
)

// benchFiles are the corpus's largest lockfiles of each family.
var benchFiles = []string{
	"outline/yarn.lock", // yarn berry, 2,096 packages, 778 KB
	"hono/bun.lock",     // 1,012 packages
	"lunes-app/_manifest/spdx_2.2/manifest.spdx.json", // 933 packages, 2.9 MB
	"npm-cli@a16f172/package-lock.json",               // v1, 810 packages
	"rails/yarn.lock",                                 // classic, 759 packages
	"vuejs-core@a389004/pnpm-lock.yaml",               // 742 packages
	"firebase-tools/standalone/package-lock.json",     // v2, 311 packages
	"rails/Gemfile.lock",                              // 218 packages
	"pydantic/uv.lock",                                // 174 packages, 709 KB
	"awx/requirements/requirements.txt",               // 160 packages
}

// BenchmarkParse reads and parses each file (ParseFS), reporting packages/s;
// the "floor" sub-benchmark of each file reads the same file and counts its
// lines, the least any parser must do. Compare the two as a ratio:
//
//	go test ./internal/lockfile -run '^$' -bench Parse -count 10 | tee bench.txt
//	benchstat bench.txt
func BenchmarkParse(b *testing.B) {
	root := corpus.Path(b, "lockfiles")
	fsys := os.DirFS(root)
	for _, name := range benchFiles {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			b.Fatal(err)
		}
		f := ParseFS(fsys, name)
		if f.Err != nil {
			b.Fatal(f.Err)
		}
		pkgs := len(f.Deps)
		b.Run(name+"/parse", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if f := ParseFS(fsys, name); f.Err != nil {
					b.Fatal(f.Err)
				}
			}
			b.ReportMetric(float64(pkgs)*float64(b.N)/b.Elapsed().Seconds(), "pkgs/s")
		})
		b.Run(name+"/floor", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				d, err := readBounded(fsys, name)
				if err != nil {
					b.Fatal(err)
				}
				if bytes.Count(d, []byte("\n")) == 0 {
					b.Fatal("no lines")
				}
			}
		})
	}
}
