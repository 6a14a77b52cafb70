package names

import (
	"cmp"
	"math"
	"slices"
)

// buildIndex builds the typosquatting index of a popular list (entries in
// list order) as the bytes openIndex uses in place; compress stores it
// smaller, for a file. source is the list file the entries were read
// from: the index records its SHA-256 so that a reader can tell whether
// the index still belongs to the list next to it (nil for an index built
// in memory).
//
// The generator and `customs db update` store the index next to the list
// (WritePopular), so that a process only reads it; a Checker builds one
// itself only when extra lists are given or the stored index is missing
// or stale.
func buildIndex(eco Ecosystem, entries []Entry, source []byte, compress bool) []byte {
	b := indexBuilder{
		eco:     eco,
		byCanon: make(map[string]int32, len(entries)),
		lists:   map[string][]int32{},
		topMin:  topPopularity(eco, entries),
	}
	for _, e := range entries {
		b.addEntry(e)
	}
	return b.encode(source, compress)
}

// indexBuilder collects the targets and their keys before encoding.
type indexBuilder struct {
	eco     Ecosystem
	targets []target
	entries []Entry // each target's measured popularity, as listed
	byCanon map[string]int32
	// lists maps a kind byte and a key (see the kind constants) to the
	// targets filed under it, in target order.
	lists    map[string][]int32
	postings []posting
	topMin   float64
}

// posting files a target under the hash of one of its deletion
// neighbours.
type posting struct {
	key uint64 // postingKey of the hash
	seq int32  // insertion order: targets under one hash are visited newest first
	tgt int32
}

func (b *indexBuilder) addEntry(e Entry) {
	if !plausibleName(e.Name) {
		return
	}
	eco := b.eco
	c := Canonical(eco, e.Name)
	if old, ok := b.byCanon[c]; ok {
		// The same package in two lists: a measured figure beats an
		// estimate, a higher one a lower one. Spelling follows the
		// measured list too.
		o := &b.targets[old]
		p := popularityOf(eco, e)
		if (p.Downloads > 0 && o.pop.Downloads == 0) || p.Monthly > o.pop.Monthly {
			o.pop, o.name = p, e.Name
			b.entries[old] = Entry{Name: e.Name, Downloads: e.Downloads, Rank: e.Rank}
		}
		return
	}
	id := int32(len(b.targets))
	t := target{name: e.Name, plain: plainOf(e.Name), pop: popularityOf(eco, e)}
	b.targets = append(b.targets, t)
	b.entries = append(b.entries, e)
	b.byCanon[c] = id
	b.file(kindSkeleton, Skeleton(eco, e.Name), id)
	if _, _, scoped := SplitScope(e.Name); scoped && eco == NPM {
		// A scope has one owner, so edits inside it are no squat;
		// only the better-known scoped packages are worth the
		// distance index (scope confusion has its own set).
		if t.pop.Monthly < scopedDistanceMin {
			return
		}
	} else if k := tokenKey(e.Name); k != "" {
		b.file(kindTokens, k, id)
	}
	b.addDeletions(t.plain, id)
	if isTopTarget(t, b.topMin) {
		// The most used names are imitated with two edits even when
		// short ("reqest"): their two-deletion neighbourhood too.
		for i := range len(t.plain) {
			for j := i + 1; j < len(t.plain); j++ {
				b.add(hashSkip(t.plain, i, j), id)
			}
		}
	}
	if core := coreOf(eco, e.Name); core != "" && core != t.plain {
		b.file(kindCore, core, id)
		// Misspellings of the core ("openvc" for opencv-python)
		// are found through the same deletion index.
		b.addDeletions(core, id)
	}
}

// addDeletions files id under s and every one-deletion neighbour of s.
func (b *indexBuilder) addDeletions(s string, id int32) {
	b.add(hashSkip(s, -1, -1), id)
	for i := range len(s) {
		b.add(hashSkip(s, i, -1), id)
	}
}

func (b *indexBuilder) add(h uint64, id int32) {
	b.postings = append(b.postings, posting{key: h, seq: int32(len(b.postings)), tgt: id})
}

func (b *indexBuilder) file(kind byte, key string, id int32) {
	k := string(kind) + key
	b.lists[k] = append(b.lists[k], id)
}

// plausibleName is the cheap guard for list entries: every list is
// validated where it enters (ParseList callers, the generator, Update), so
// here only what would break the index is refused.
func plausibleName(n string) bool { return n != "" && len(n) <= 214 }

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

// sortPostings orders the postings by bucket and fingerprint, and the
// targets under one hash newest first (the order the lookup visits them),
// and drops the repeats of a target under one hash ("ll" in "hello" makes
// one deletion twice): the lookup visits a target once.
func sortPostings(ps []posting, bits uint) []posting {
	for i := range ps {
		ps[i].key = postingKey(ps[i].key, bits)
	}
	slices.SortFunc(ps, func(a, b posting) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(b.seq, a.seq)
	})
	out := ps[:0]
	run := 0 // where the postings of the current key start in out
	for _, p := range ps {
		if len(out) > 0 && out[len(out)-1].key != p.key {
			run = len(out)
		}
		if !slices.ContainsFunc(out[run:], func(q posting) bool { return q.tgt == p.tgt }) {
			out = append(out, p)
		}
	}
	return out
}
