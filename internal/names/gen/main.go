// Command gen rebuilds the name data that internal/names embeds.
//
// Run from internal/names (this is what `go generate` does there):
//
//	apt-get install apt-file && apt-file update
//	apt-file search -x 'specifications/[^/]+\.gemspec$' > /tmp/debian-gemspecs.txt
//	go run ./gen -pypi ../../../shared/corpus/registries/pypi.tsv.gz \
//	    -npm ../../../shared/corpus/registries/npm.tsv.gz \
//	    -debian /tmp/debian-gemspecs.txt -date 2026-11-25 -out data
//
// Inputs:
//   - -pypi: the PyPI name list (TSV: name, version, month,
//     rank_among_15000_most_downloaded); every name goes into the name set,
//     the ranked ones into the popular list.
//   - -npm: the npm name list (TSV: name, version, downloads_a_month); every
//     name goes into the name set, names with at least -npm-min downloads a
//     month (scoped ones: -npm-min-scoped) into the popular list, and every
//     scoped name, keyed by its name part, into npm-scoped.fst.zst for
//     scope confusion (organisation SDKs are rarely that popular).
//   - -debian: the gemspec files Debian's packages install, from Debian's
//     Contents index (apt-file). No ranked RubyGems list is reachable here,
//     so the widely used gems are the ones Debian packages as ruby-*; the
//     gemspec's file name spells the gem exactly ("-" vs "_" matters:
//     a wrong spelling would itself look like a separator squat).
//
// Outputs in -out: <eco>-popular.tsv.gz (the popular list, the format
// ParseList reads, so `customs db update` can replace it) and
// <eco>-popular.index (its typosquatting index, see WritePopular), <eco>-names.fst
// (every name, see NameSet, zstd-compressed), npm-scoped.fst.zst (see
// ScopedSet) and meta.json (dates and counts).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"

	"customs/internal/names"
)

func main() {
	pypi := flag.String("pypi", "", "PyPI name list (pypi.tsv or .tsv.gz)")
	npm := flag.String("npm", "", "npm name list (npm.tsv or .tsv.gz)")
	debian := flag.String("debian", "", "gemspecs of Debian packages: output of apt-file search -x 'specifications/(default/)?[^/]+\\.gemspec$'")
	npmMin := flag.Int64("npm-min", 100_000, "monthly downloads for an unscoped npm package to count as popular")
	npmMinScoped := flag.Int64("npm-min-scoped", 10_000, "monthly downloads for a scoped npm package to count as popular")
	date := flag.String("date", "", "date of the source lists (YYYY-MM-DD)")
	out := flag.String("out", "data", "output directory")
	flag.Parse()
	if *pypi == "" || *npm == "" || *debian == "" || *date == "" {
		flag.Usage()
		os.Exit(2)
	}
	meta := names.Meta{Lists: map[names.Ecosystem]names.ListMeta{}}

	all, err := readRegistryTSV(*pypi, "rank_among_15000_most_downloaded")
	check(err)
	var popular []names.Entry
	for _, e := range all {
		if e.Rank > 0 {
			popular = append(popular, e)
		}
	}
	slices.SortFunc(popular, func(a, b names.Entry) int { return a.Rank - b.Rank })
	write(*out, names.PyPI, all, popular)
	meta.Lists[names.PyPI] = names.ListMeta{Date: *date, Source: "PyPI name list with download ranks (pypi.tsv)", Names: len(all), Popular: len(popular), Measure: "rank"}

	all, err = readRegistryTSV(*npm, "downloads_a_month")
	check(err)
	popular = nil
	for _, e := range all {
		_, _, scoped := names.SplitScope(e.Name)
		if e.Downloads >= *npmMin || (scoped && e.Downloads >= *npmMinScoped) {
			popular = append(popular, e)
		}
	}
	slices.SortFunc(popular, func(a, b names.Entry) int { return int(b.Downloads - a.Downloads) })
	write(*out, names.NPM, all, popular)
	scoped, err := names.BuildScopedSet(all)
	check(err)
	zst, err := names.CompressNameSet(scoped)
	check(err)
	check(os.WriteFile(filepath.Join(*out, "npm-scoped.fst.zst"), zst, 0o644))
	log.Printf("npm scoped names by part: %d bytes compressed", len(zst))
	meta.Lists[names.NPM] = names.ListMeta{Date: *date, Source: fmt.Sprintf("npm name list with monthly downloads (npm.tsv); popular: >= %d a month, scoped >= %d", *npmMin, *npmMinScoped), Names: len(all), Popular: len(popular), Measure: "downloads a month"}

	gems, err := debianGems(*debian)
	check(err)
	write(*out, names.RubyGems, gems, gems)
	meta.Lists[names.RubyGems] = names.ListMeta{Date: *date, Source: "gems packaged by Debian as ruby-*, named by their gemspecs (no ranked RubyGems list is reachable offline)", Names: len(gems), Popular: len(gems), Measure: "none"}

	b, err := json.MarshalIndent(meta, "", "  ")
	check(err)
	check(os.WriteFile(filepath.Join(*out, "meta.json"), append(b, '\n'), 0o644))
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func write(dir string, eco names.Ecosystem, all, popular []names.Entry) {
	fst, err := names.BuildNameSet(eco, all)
	check(err)
	zst, err := names.CompressNameSet(fst)
	check(err)
	check(os.WriteFile(filepath.Join(dir, string(eco)+"-names.fst.zst"), zst, 0o644))
	check(names.WritePopular(dir, eco, popular))
	log.Printf("%s: %d names (%d bytes as FST, %d compressed), %d popular", eco, len(all), len(fst), len(zst), len(popular))
}

// readRegistryTSV reads a registry list whose first column is the name and
// whose column called measure holds a rank or a download count.
func readRegistryTSV(path, measure string) ([]names.Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	if !sc.Scan() {
		return nil, fmt.Errorf("%s: empty", path)
	}
	col := slices.Index(strings.Split(sc.Text(), "\t"), measure)
	if col < 0 {
		return nil, fmt.Errorf("%s: no column %q in header", path, measure)
	}
	var out []names.Entry
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		if len(fs) <= col {
			continue
		}
		n, _ := strconv.ParseInt(fs[col], 10, 64)
		e := names.Entry{Name: fs[0]}
		if strings.HasPrefix(measure, "rank") {
			e.Rank = int(n)
		} else {
			e.Downloads = n
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// gemspecPath matches a gemspec installed by a Debian package, as listed by
// apt-file: "ruby-foo: /usr/share/.../specifications/foo_bar-1.2.3.gemspec"
// (libruby's specifications/default/ name Ruby's default gems).
var gemspecPath = regexp.MustCompile(`^(ruby-[^:]+|libruby[0-9.]*): \S*/specifications/(?:default/)?([A-Za-z0-9._-]+?)-[0-9][^/-]*\.gemspec$`)

// debianGems reads the gem names of Debian's ruby-* packages from the
// names of the gemspecs they install, so "-" and "_" are spelled as the
// gem spells them.
func debianGems(contents string) ([]names.Entry, error) {
	f, err := os.Open(contents)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []names.Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := gemspecPath.FindStringSubmatch(sc.Text())
		if m == nil || seen[m[2]] {
			continue
		}
		seen[m[2]] = true
		out = append(out, names.Entry{Name: m[2]})
	}
	slices.SortFunc(out, func(a, b names.Entry) int { return strings.Compare(a.Name, b.Name) })
	return out, sc.Err()
}
