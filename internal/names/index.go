package names

import (
	"math"
	"slices"
	"strings"
)

// target is a popular package that squatters imitate.
type target struct {
	name  string
	plain string // plainOf(name): what edit distance is measured on
	pop   Popularity
}

// near visits the targets within edit distance maxDistance of plain,
// with the string of the target it was measured against: the target's
// plain name, or its core when the candidate is one edit from that
// ("openvc" for opencv-python's core opencv).
//
// Edit distance uses a deletion neighbourhood (as in SymSpell): each target
// skeleton is stored under its own hash and under the hash of every string
// made by deleting one character; a candidate probes with its own hash and
// its one- and (for long names) two-character deletions. Two strings meet
// this way whenever the candidate needs at most two deletions and the
// target at most one to reach a common string, which covers one
// substitution, transposition, omission or addition, and two additions or
// an addition with a substitution. Hits are checked with the real
// distance.
func (ix *index) near(plain string, visit func(id int32, dist int, against string)) {
	var seenBuf [16]int32
	seen := seenBuf[:0]
	probe := func(h uint64) {
		if !ix.mayHold(h) {
			return
		}
		lo, hi := ix.postings(h)
		for p := lo; p < hi; p++ {
			id, ok := ix.postingTarget(p)
			if !ok || slices.Contains(seen, id) {
				continue
			}
			seen = append(seen, id)
			tg := ix.target(id)
			t := tg.plain
			d := osaDistance(plain, t, 2)
			limit := maxDistance(len(plain), len(t))
			if ix.topTarget(tg) && len(plain) >= 6 && len(plain) <= len(t) {
				limit = 2
			}
			// Two edits that also change the first letter make another
			// word more often than a typo (lua-types, bun-types).
			if d > limit || affixOnly(plain, t, d) || (d == 2 && plain[0] != t[0]) {
				d = 3
			}
			if d > 1 {
				if core := coreOf(ix.eco, tg.name); core != "" && core != t && osaDistance(plain, core, 1) == 1 {
					visit(id, 1, core)
					continue
				}
			}
			if d <= 2 {
				visit(id, d, t)
			}
		}
	}
	probe(hashSkip(plain, -1, -1))
	for i := range len(plain) {
		probe(hashSkip(plain, i, -1))
	}
	if len(plain) >= 8 && len(plain) <= 24 {
		for i := range len(plain) {
			for j := i + 1; j < len(plain); j++ {
				probe(hashSkip(plain, i, j))
			}
		}
	}
}

// topTargets is how many of the most used packages of a registry are
// imitated with two edits even when short ("reqest").
const topTargets = 500

// topTarget is one of those packages (edits that do not lengthen the name:
// a longer name is more often a name of its own).
func (ix *index) topTarget(t target) bool { return isTopTarget(t, ix.topMin) }

func isTopTarget(t target, topMin float64) bool { return t.pop.Monthly >= topMin && len(t.plain) >= 6 }

// affixOnly reports two edits that are a block added in front ("ng-",
// "gl-": ng-cache-loader for cache-loader): a naming convention, not a typo.
func affixOnly(c, t string, d int) bool {
	return d == 2 && len(c) == len(t)+2 && strings.HasSuffix(c, t)
}

// maxDistance is how many edits still make a name of length a look like
// one of length b: one for short names, two for long ones.
func maxDistance(a, b int) int {
	if min(a, b) >= 6 && max(a, b) >= 9 || min(a, b) >= 8 {
		return 2
	}
	return 1
}

// hashSkip is FNV-1a over s without the bytes at i and j (-1: none), so
// deletion neighbours are hashed without building the strings.
func hashSkip(s string, i, j int) uint64 {
	h := uint64(14695981039346656037)
	for k := 0; k < len(s); k++ {
		if k == i || k == j {
			continue
		}
		h ^= uint64(s[k])
		h *= 1099511628211
	}
	return h
}

// osaDistance is the optimal string alignment distance (Levenshtein plus
// adjacent transposition), or limit+1 once it exceeds limit.
func osaDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	var rows [3][]int
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
	}
	prev2, prev, cur := rows[0], rows[1], rows[2]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}

// Affixes that name a package's language or packaging rather than what it
// does: "python-nmap", "pyopenssl", "node-sqlite", "uglify-js", "urllib3".
var (
	corePrefixes = map[Ecosystem][]string{
		PyPI:     {"python3", "python", "py3", "py", "lib"},
		NPM:      {"nodejs", "node", "lib"},
		RubyGems: {"ruby", "rb", "lib"},
	}
	coreSuffixes = map[Ecosystem][]string{
		PyPI:     {"python3", "python", "py3", "py", "lib", "dev"},
		NPM:      {"nodejs", "node", "js", "lib", "npm", "dev"},
		RubyGems: {"ruby", "rb", "lib", "dev"},
	}
)

// coreOf strips those affixes (and trailing digits) from the plain name;
// "" when what is left is too short to mean anything.
func coreOf(eco Ecosystem, name string) string {
	if eco == NPM {
		if _, _, scoped := SplitScope(name); scoped {
			return ""
		}
	}
	p := plainOf(name)
	for changed := true; changed; {
		changed = false
		for _, a := range coreSuffixes[eco] {
			if rest, ok := strings.CutSuffix(p, a); ok && len(rest) >= 4 {
				p, changed = rest, true
			}
		}
		if t := strings.TrimRight(p, "0123456789"); t != p && len(t) >= 4 {
			p, changed = t, true
		}
		for _, a := range corePrefixes[eco] {
			if rest, ok := strings.CutPrefix(p, a); ok && len(rest) >= 4 {
				p, changed = rest, true
			}
		}
	}
	if len(p) < 4 {
		return ""
	}
	return p
}

// words splits a lower-cased name at separators.
func words(name string) []string {
	return strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == '/' || r == '@' })
}

// tokenKey is the sorted set of words of a name with two or more words;
// "" for names whose word order carries meaning ("css-to-xpath").
func tokenKey(name string) string {
	w := words(name)
	if len(w) < 2 || slices.ContainsFunc(w, func(x string) bool { return x == "to" || x == "2" || x == "from" || x == "for" }) {
		return ""
	}
	slices.Sort(w)
	return strings.Join(w, " ")
}

// Popularity says how much a package is used, as its list measured it, and
// Monthly, the estimate in downloads a month used to compare two packages.
type Popularity struct {
	Rank      int     `json:"rank,omitempty"`
	Downloads int64   `json:"downloads_a_month,omitempty"`
	Listed    bool    `json:"listed"`         // the name is in a registry list
	Note      string  `json:"note,omitempty"` // how Monthly was estimated
	Monthly   float64 `json:"-"`
}

// Estimates for lists that carry no download count: PyPI's ranks follow
// Zipf's law closely enough (rank 1 ≈ 1.5 billion downloads a month, rank
// 15,000 ≈ 100,000), and a gem Debian packages is taken as used about as
// much as npm's popular threshold.
const (
	pypiTopMonthly  = 1.5e9
	unrankedMonthly = 1e6
	// A PyPI project outside the ranked 15,000 (under ~100,000 a month)
	// is taken at 5,000: more than most have, so the benefit of the doubt
	// goes to a project that exists.
	pypiUnrankedMonthly = 5_000
)

func popularityOf(eco Ecosystem, e Entry) Popularity {
	p := Popularity{Rank: e.Rank, Downloads: e.Downloads, Listed: true}
	switch {
	case e.Downloads > 0:
		p.Monthly = float64(e.Downloads)
	case e.Rank > 0:
		p.Monthly = pypiTopMonthly / float64(e.Rank)
	case eco == RubyGems:
		p.Monthly, p.Note = unrankedMonthly, "packaged by Debian"
	case eco == PyPI:
		p.Monthly, p.Note = pypiUnrankedMonthly, "outside the 15,000 most downloaded"
	}
	return p
}

// magnitude maps a monthly estimate to 0 (3,000 or fewer) … 1 (10
// million or more).
func magnitude(monthly float64) float64 {
	if monthly <= 0 {
		return 0
	}
	return math.Min(1, math.Max(0, (math.Log10(monthly)-3.5)/3.5))
}
