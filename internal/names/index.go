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

// index finds, for one ecosystem, the popular names a candidate could be
// imitating, without comparing it to each of them: every lookup is a
// handful of hash probes.
//
// Edit distance uses a deletion neighbourhood (as in SymSpell): each target
// skeleton is stored under its own hash and under the hash of every string
// made by deleting one character; a candidate probes with its own hash and
// its one- and (for long names) two-character deletions. Two strings meet
// this way whenever the candidate needs at most two deletions and the
// target at most one to reach a common string, which covers one
// substitution, transposition, omission or addition, and two additions or
// an addition with a substitution. Hits are checked with the real
// distance. The other maps catch what distance does not: the same words
// around a different affix, reordered words, and scoped npm names.
type index struct {
	eco     Ecosystem
	targets []target
	byCanon map[string]int32

	bloom  bloom     // which hashes head holds, answered from cache
	head   hashTable // hash → first posting
	hashes []uint64  // posting → hash, while the index is built
	next   []int32   // posting → next posting with the same hash, or -1
	tgt    []int32   // posting → target

	topMin float64 // popularity from which a target is one of the most used

	bySkel   map[string][]int32
	byCore   map[string][]int32 // affixes stripped
	byTokens map[string][]int32 // words sorted
}

func newIndex(eco Ecosystem, entries []Entry) *index {
	ix := &index{
		eco:      eco,
		byCanon:  make(map[string]int32, len(entries)),
		hashes:   make([]uint64, 0, postingsHint(entries)),
		tgt:      make([]int32, 0, postingsHint(entries)),
		bySkel:   make(map[string][]int32, len(entries)),
		byCore:   map[string][]int32{},
		byTokens: map[string][]int32{},
	}
	ix.topMin = topPopularity(eco, entries)
	for _, e := range entries {
		if !plausibleName(e.Name) {
			continue
		}
		c := Canonical(eco, e.Name)
		if old, ok := ix.byCanon[c]; ok {
			// The same package in two lists: a measured figure beats an
			// estimate, a higher one a lower one. Spelling follows the
			// measured list too.
			o := &ix.targets[old]
			p := popularityOf(eco, e)
			if (p.Downloads > 0 && o.pop.Downloads == 0) || p.Monthly > o.pop.Monthly {
				o.pop, o.name = p, e.Name
			}
			continue
		}
		id := int32(len(ix.targets))
		t := target{name: e.Name, plain: plainOf(e.Name), pop: popularityOf(eco, e)}
		ix.targets = append(ix.targets, t)
		ix.byCanon[c] = id
		skel := Skeleton(eco, e.Name)
		ix.bySkel[skel] = append(ix.bySkel[skel], id)
		if _, _, scoped := SplitScope(e.Name); scoped && eco == NPM {
			// A scope has one owner, so edits inside it are no squat;
			// only the better-known scoped packages are worth the
			// distance index (scope confusion has its own set).
			if t.pop.Monthly < scopedDistanceMin {
				continue
			}
		} else if k := tokenKey(e.Name); k != "" {
			ix.byTokens[k] = append(ix.byTokens[k], id)
		}
		ix.add(hashSkip(t.plain, -1, -1), id)
		for i := range len(t.plain) {
			ix.add(hashSkip(t.plain, i, -1), id)
		}
		if ix.topTarget(t) {
			// The most used names are imitated with two edits even when
			// short ("reqest"): their two-deletion neighbourhood too.
			for i := range len(t.plain) {
				for j := i + 1; j < len(t.plain); j++ {
					ix.add(hashSkip(t.plain, i, j), id)
				}
			}
		}
		if core := coreOf(eco, e.Name); core != "" && core != t.plain {
			ix.byCore[core] = append(ix.byCore[core], id)
			// Misspellings of the core ("openvc" for opencv-python)
			// are found through the same deletion index.
			ix.add(hashSkip(core, -1, -1), id)
			for i := range len(core) {
				ix.add(hashSkip(core, i, -1), id)
			}
		}
	}
	ix.finish()
	return ix
}

// plausibleName is the cheap guard for list entries: every list is
// validated where it enters (ParseList callers, the generator, Update), so
// here only what would break the index is refused.
func plausibleName(n string) bool { return n != "" && len(n) <= 214 }

// postingsHint estimates the deletion postings of entries, so that the
// table is sized once.
func postingsHint(entries []Entry) int {
	n := 0
	for _, e := range entries {
		n += len(e.Name) + 2
	}
	return n + n/4
}

// topPopularity is the popularity of the topTargets-th most used entry
// (infinite when there are fewer, or no counts).
func topPopularity(eco Ecosystem, entries []Entry) float64 {
	pops := make([]float64, 0, len(entries))
	for _, e := range entries {
		if e.Downloads > 0 || e.Rank > 0 {
			pops = append(pops, popularityOf(eco, e).Monthly)
		}
	}
	if len(pops) < topTargets {
		return math.Inf(1)
	}
	slices.Sort(pops)
	return pops[len(pops)-topTargets]
}

// scopedDistanceMin is the monthly downloads from which a scoped npm
// package also enters the edit-distance index.
const scopedDistanceMin = 10_000

func (ix *index) add(h uint64, id int32) {
	ix.tgt = append(ix.tgt, id)
	ix.hashes = append(ix.hashes, h)
}

// finish builds the hash table and the Bloom filter once every posting is
// in. Postings are inserted in the order of their table slots (a radix
// sort), so that a million inserts walk memory forward instead of missing
// the cache each time.
func (ix *index) finish() {
	ix.head = newHashTable(len(ix.hashes))
	ix.bloom = newBloom(len(ix.hashes))
	ix.next = make([]int32, len(ix.hashes))
	order := ix.head.slotOrder(ix.hashes)
	for _, p := range order {
		h := ix.hashes[p]
		ix.next[p] = ix.head.swap(h, p)
		ix.bloom.add(h)
	}
	ix.hashes = nil
}

// near visits the targets within edit distance maxDistance of plain,
// with the string of the target it was measured against: the target's
// plain name, or its core when the candidate is one edit from that
// ("openvc" for opencv-python's core opencv).
func (ix *index) near(plain string, visit func(id int32, dist int, against string)) {
	var seenBuf [16]int32
	seen := seenBuf[:0]
	probe := func(h uint64) {
		if !ix.bloom.has(h) {
			return
		}
		for p := ix.head.get(h); p >= 0; p = ix.next[p] {
			id := ix.tgt[p]
			if slices.Contains(seen, id) {
				continue
			}
			seen = append(seen, id)
			t := ix.targets[id].plain
			d := osaDistance(plain, t, 2)
			limit := maxDistance(len(plain), len(t))
			if ix.topTarget(ix.targets[id]) && len(plain) >= 6 && len(plain) <= len(t) {
				limit = 2
			}
			// Two edits that also change the first letter make another
			// word more often than a typo (lua-types, bun-types).
			if d > limit || affixOnly(plain, t, d) || (d == 2 && plain[0] != t[0]) {
				d = 3
			}
			if d > 1 {
				if core := coreOf(ix.eco, ix.targets[id].name); core != "" && core != t && osaDistance(plain, core, 1) == 1 {
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
func (ix *index) topTarget(t target) bool { return t.pop.Monthly >= ix.topMin && len(t.plain) >= 6 }

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

// hashTable maps a 64-bit hash to a posting with open addressing: the
// deletion index holds millions of entries, which a Go map keeps slower and
// larger. Hash 0 is stored as 1; a collision only costs a posting that the
// distance check then rejects.
type hashTable struct {
	keys  []uint64
	vals  []int32
	mask  uint64
	shift uint
	n     int
}

// slot spreads a hash over the table (Fibonacci hashing): FNV's low bits
// alone cluster.
func (t *hashTable) slot(h uint64) uint64 { return (h * 0x9E3779B97F4A7C15) >> t.shift }

func newHashTable(hint int) hashTable {
	size, bits := 1024, uint(10)
	for size*3 < hint*4 {
		size, bits = size*2, bits+1
	}
	return hashTable{keys: make([]uint64, size), vals: make([]int32, size), mask: uint64(size - 1), shift: 64 - bits}
}

// get returns the posting stored under h, or -1.
func (t *hashTable) get(h uint64) int32 {
	if h == 0 {
		h = 1
	}
	for i := t.slot(h); ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case h:
			return t.vals[i]
		case 0:
			return -1
		}
	}
}

// swap stores p under h and returns the posting it replaces, or -1.
func (t *hashTable) swap(h uint64, p int32) int32 {
	if h == 0 {
		h = 1
	}
	if t.n*4 >= len(t.keys)*3 {
		t.grow()
	}
	for i := t.slot(h); ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case h:
			old := t.vals[i]
			t.vals[i] = p
			return old
		case 0:
			t.keys[i], t.vals[i] = h, p
			t.n++
			return -1
		}
	}
}

// slotOrder returns the postings 0..len(hashes)-1 ordered by the slot
// their hash takes (LSD radix sort, 11 bits a pass).
func (t *hashTable) slotOrder(hashes []uint64) []int32 {
	const radix = 11
	bits := 64 - t.shift
	order := make([]int32, len(hashes))
	for i := range order {
		order[i] = int32(i)
	}
	tmp := make([]int32, len(hashes))
	for shift := uint(0); shift < bits; shift += radix {
		var count [1<<radix + 1]int
		for _, p := range order {
			count[(t.slot(hashes[p])>>shift)&(1<<radix-1)+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, p := range order {
			d := (t.slot(hashes[p]) >> shift) & (1<<radix - 1)
			tmp[count[d]] = p
			count[d]++
		}
		order, tmp = tmp, order
	}
	return order
}

func (t *hashTable) grow() {
	old := *t
	*t = newHashTable(len(old.keys) * 2)
	for i, k := range old.keys {
		if k != 0 {
			t.swap(k, old.vals[i])
		}
	}
}

// bloom is a Bloom filter over the deletion hashes: most probes of a
// candidate miss, and ten bits a key keep the filter in cache where the
// table is not.
type bloom struct {
	bits []uint64
	mask uint64
}

func newBloom(n int) bloom {
	size := uint64(1 << 12)
	for size < uint64(n)*10 {
		size *= 2
	}
	return bloom{bits: make([]uint64, size/64), mask: size - 1}
}

func (b *bloom) add(h uint64) {
	if h == 0 {
		h = 1 // as hashTable stores it
	}
	for _, x := range [2]uint64{h, h>>32 | h<<32} {
		i := x & b.mask
		b.bits[i/64] |= 1 << (i % 64)
	}
}

func (b *bloom) has(h uint64) bool {
	if h == 0 {
		h = 1
	}
	for _, x := range [2]uint64{h, h>>32 | h<<32} {
		i := x & b.mask
		if b.bits[i/64]&(1<<(i%64)) == 0 {
			return false
		}
	}
	return true
}
