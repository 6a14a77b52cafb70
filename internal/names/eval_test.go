package names

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"customs/internal/corpus"
	"customs/internal/ecosystem"
)

// TestEvaluation measures the bars of the names check on the shared corpus
// and prints the figures:
//
//	go test ./internal/names -run TestEvaluation -v
//
// Recall: labelled typosquat pairs flagged with the right target, per
// ecosystem (RubyGems with the TypoGard list given as extra data, as a user
// would with --names-data). Quiet: no finding on the dependency names of
// the real lockfiles nor on each ecosystem's 5,000 most popular names.
// Alert rate: 5,000 random registry names per ecosystem (fixed seed) that
// no OSV malicious-package record or labelled pair names.
func TestEvaluation(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus-wide evaluation skipped in -short mode")
	}
	pairsPath := corpus.Path(t, "names", "typosquat-pairs-dev.tsv")
	gemsPath := corpus.Path(t, "names", "rubygems-popularity-typogard.csv")
	c := NewChecker(Config{Extra: map[Ecosystem][]*List{RubyGems: {readListFile(t, gemsPath)}}})

	t.Run("recall", func(t *testing.T) {
		hit, total := map[Ecosystem]int{}, map[Ecosystem]int{}
		var missed []string
		for _, p := range readTSV(t, pairsPath) {
			eco := Ecosystem(p[0])
			total[eco]++
			r := c.Check(eco, p[1])
			if r.Typosquat != nil && Canonical(eco, r.Typosquat.Target) == Canonical(eco, p[2]) {
				hit[eco]++
			} else {
				got := "clean"
				if r.Typosquat != nil {
					got = r.Typosquat.Target
				}
				missed = append(missed, string(eco)+":"+p[1]+"→"+p[2]+" (got "+got+")")
			}
		}
		for _, eco := range ecosystem.All {
			rate := float64(hit[eco]) / float64(total[eco])
			t.Logf("recall %-8s %3d/%3d = %.1f%%", eco, hit[eco], total[eco], 100*rate)
			if rate < 0.85 {
				t.Errorf("recall for %s is %.1f%%, below 85%%", eco, 100*rate)
			}
		}
		t.Logf("missed (%d): %s", len(missed), strings.Join(missed, ", "))
	})

	t.Run("quiet on lockfiles", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(corpus.Path(t, "lockfiles", "expected"), "*.tsv"))
		// With the extra RubyGems list and with the embedded data alone.
		for _, checker := range []*Checker{c, NewChecker(Config{})} {
			n := 0
			for _, f := range files {
				for _, row := range readTSV(t, f) {
					if len(row) < 4 {
						continue
					}
					eco, err := ecosystem.Parse(row[3])
					if err != nil {
						continue
					}
					n++
					if r := checker.Check(eco, row[0]); len(r.Findings) > 0 {
						t.Errorf("%s: %s %s flagged: %s", filepath.Base(f), eco, row[0], r.Findings[0].Message)
					}
				}
			}
			t.Logf("lockfile dependency names checked: %d", n)
		}
	})

	t.Run("quiet on top 5000", func(t *testing.T) {
		for _, eco := range ecosystem.All {
			top := topNames(t, c, eco, 5000)
			flagged := 0
			for _, n := range top {
				if r := c.Check(eco, n); len(r.Findings) > 0 {
					flagged++
					if flagged <= 10 {
						t.Errorf("%s top name %s flagged: %s", eco, n, r.Findings[0].Message)
					}
				}
			}
			t.Logf("top %-8s %d names, %d flagged", eco, len(top), flagged)
		}
	})

	t.Run("alert rate on random names", func(t *testing.T) {
		known := knownMalicious(t, pairsPath)
		for _, eco := range []Ecosystem{PyPI, NPM} {
			file := map[Ecosystem]string{PyPI: "pypi.tsv.gz", NPM: "npm.tsv.gz"}[eco]
			all := registryNames(t, corpus.Path(t, "registries", file))
			rng := rand.New(rand.NewPCG(2026, 11))
			var sample []string
			for _, i := range rng.Perm(len(all)) {
				if len(sample) == 5000 {
					break
				}
				if !known[string(eco)+"\x00"+Canonical(eco, all[i])] {
					sample = append(sample, all[i])
				}
			}
			var alerts []string
			start := time.Now()
			for _, n := range sample {
				if r := c.Check(eco, n); r.Verdict.Flagged() && r.Typosquat != nil {
					alerts = append(alerts, n+"→"+r.Typosquat.Target+" ("+r.Typosquat.Technique+")")
				} else if r.Verdict.Flagged() {
					alerts = append(alerts, n+": "+r.Findings[0].Message)
				}
			}
			took := time.Since(start)
			rate := float64(len(alerts)) / float64(len(sample))
			t.Logf("alert rate %-5s %d/%d = %.2f%% (%.0f names/s)", eco, len(alerts), len(sample), 100*rate, float64(len(sample))/took.Seconds())
			t.Logf("alerts %s: %s", eco, strings.Join(alerts, ", "))
			if rate > 0.02 {
				t.Errorf("alert rate for %s is %.2f%%, above 2%%", eco, 100*rate)
			}
		}
	})
}

// topNames returns the n most popular names the checker knows for eco.
func topNames(t *testing.T, c *Checker, eco Ecosystem, n int) []string {
	st, err := c.state(eco)
	if err != nil {
		t.Fatal(err)
	}
	ts := make([]target, st.ix.numTargets())
	for i := range ts {
		ts[i] = st.ix.target(int32(i))
	}
	slices.SortStableFunc(ts, func(a, b target) int {
		switch {
		case a.pop.Monthly > b.pop.Monthly:
			return -1
		case a.pop.Monthly < b.pop.Monthly:
			return 1
		}
		return 0
	})
	var out []string
	for _, x := range ts[:min(n, len(ts))] {
		out = append(out, x.name)
	}
	return out
}

func readListFile(t testing.TB, path string) *List {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := ParseList(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return l
}

// readTSV returns the rows of a TSV file without its header.
func readTSV(t testing.TB, path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		if row := strings.Split(sc.Text(), "\t"); len(row) >= 3 {
			out = append(out, row)
		}
	}
	return out
}

// registryNames reads the first column of a gzip'd registry list.
func registryNames(t testing.TB, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		if !first {
			out = append(out, strings.SplitN(sc.Text(), "\t", 2)[0])
		}
	}
	return out
}

// knownMalicious holds "eco\x00canonical name" of every package an OSV
// malicious-package record or a labelled pair names.
func knownMalicious(t testing.TB, pairsPath string) map[string]bool {
	known := map[string]bool{}
	for _, p := range readTSV(t, pairsPath) {
		eco := Ecosystem(p[0])
		known[string(eco)+"\x00"+Canonical(eco, p[1])] = true
	}
	for eco, file := range map[Ecosystem]string{PyPI: "PyPI.zip", NPM: "npm.zip", RubyGems: "RubyGems.zip"} {
		zr, err := zip.OpenReader(corpus.Path(t, "osv", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, zf := range zr.File {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				Affected []struct {
					Package struct{ Name string } `json:"package"`
				} `json:"affected"`
			}
			err = json.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(&rec)
			rc.Close()
			if err != nil {
				t.Fatalf("%s %s: %v", file, zf.Name, err)
			}
			for _, a := range rec.Affected {
				known[string(eco)+"\x00"+Canonical(eco, a.Package.Name)] = true
			}
		}
		zr.Close()
	}
	return known
}
