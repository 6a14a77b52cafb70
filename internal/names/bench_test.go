package names

import (
	"testing"

	"customs/internal/ecosystem"
)

// Run: go test ./internal/names -run XXX -bench . -count 5
// BenchmarkNormaliseAllPyPINames is the floor of BenchmarkCheckAllPyPINames.

// allPyPINames reads every name of the embedded PyPI set (~886,000).
func allPyPINames(b *testing.B) []string {
	st, err := shared.state(PyPI)
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	if err := st.set.Each(func(e Entry) { out = append(out, e.Name) }); err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkNormaliseAllPyPINames is the floor for the next benchmark:
// only the per-name normalisation (canonical form and skeleton).
func BenchmarkNormaliseAllPyPINames(b *testing.B) {
	all := allPyPINames(b)
	b.ResetTimer()
	for b.Loop() {
		for _, n := range all {
			_ = Canonical(PyPI, n)
			_ = Skeleton(PyPI, n)
		}
	}
	b.ReportMetric(float64(len(all)), "names/op")
}

// BenchmarkCheckAllPyPINames checks every PyPI name against the popular
// list on one goroutine.
func BenchmarkCheckAllPyPINames(b *testing.B) {
	all := allPyPINames(b)
	b.ResetTimer()
	flagged := 0
	for b.Loop() {
		flagged = 0
		for _, n := range all {
			if shared.Check(PyPI, n).Verdict.Flagged() {
				flagged++
			}
		}
	}
	b.ReportMetric(float64(len(all)), "names/op")
	b.ReportMetric(float64(flagged), "flagged/op")
}

// BenchmarkCheckOne is one name, data already loaded.
func BenchmarkCheckOne(b *testing.B) {
	for _, c := range []struct {
		eco  Ecosystem
		name string
	}{{PyPI, "reqeusts"}, {NPM, "loadsh"}, {RubyGems, "rest_client"}} {
		b.Run(string(c.eco), func(b *testing.B) {
			shared.Check(c.eco, c.name)
			for b.Loop() {
				shared.Check(c.eco, c.name)
			}
		})
	}
}

// BenchmarkLoad is the first use of an ecosystem: decompressing the name
// sets and opening the stored index of the popular list.
func BenchmarkLoad(b *testing.B) {
	for _, eco := range ecosystem.All {
		b.Run(string(eco), func(b *testing.B) {
			for b.Loop() {
				c := NewChecker(Config{})
				if _, err := c.state(eco); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
