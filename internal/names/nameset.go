package names

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/vellum"
	"github.com/blevesearch/vellum/levenshtein"
)

// NameSet is every name a registry held on a given day, as a finite state
// transducer (vellum). The key is the name (in its Canonical form, so PyPI
// and RubyGems names are lower case) folded to lower case without
// separators, a zero byte, and a short script that restores the spelling
// ("6-" puts a "-" after the sixth letter, "0U" upper-cases the first):
// most names end in the same few scripts, which the FST shares, so
// PyPI's ~886,000 names take a few megabytes and load without parsing.
// One prefix walk answers both "does this name exist" and "which names
// differ from it only by case, separators or look-alike characters".
type NameSet struct {
	eco Ecosystem
	fst *vellum.FST
}

// The FST value packs both popularity measures: downloads in the high bits,
// rank (capped) in the low 16.
const rankBits = 16

func packValue(e Entry) uint64 {
	r := e.Rank
	if r < 0 || r >= 1<<rankBits {
		r = 0
	}
	d := e.Downloads
	if d < 0 {
		d = 0
	}
	return uint64(d)<<rankBits | uint64(r)
}

func unpackValue(name string, v uint64) Entry {
	return Entry{Name: name, Downloads: int64(v >> rankBits), Rank: int(v & (1<<rankBits - 1))}
}

// BuildNameSet encodes entries as the bytes LoadNameSet reads. Invalid
// names are skipped; for duplicates the first entry wins.
func BuildNameSet(eco Ecosystem, entries []Entry) ([]byte, error) {
	type kv struct {
		key string
		val uint64
	}
	kvs := make([]kv, 0, len(entries))
	for _, e := range entries {
		if Validate(eco, e.Name) != nil {
			continue
		}
		kvs = append(kvs, kv{nameKey(eco, e.Name), packValue(e)})
	}
	slices.SortStableFunc(kvs, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, err
	}
	last := ""
	for _, e := range kvs {
		if e.key == last {
			continue
		}
		if err := b.Insert([]byte(e.key), e.val); err != nil {
			return nil, err
		}
		last = e.key
	}
	if err := b.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// LoadNameSet opens bytes written by BuildNameSet without copying them.
func LoadNameSet(eco Ecosystem, data []byte) (*NameSet, error) {
	f, err := vellum.Load(data)
	if err != nil {
		return nil, fmt.Errorf("%s name set: %w", eco, err)
	}
	return &NameSet{eco: eco, fst: f}, nil
}

// Len is the number of names in the set.
func (s *NameSet) Len() int {
	if s == nil {
		return 0
	}
	return s.fst.Len()
}

// Alike returns the names whose Skeleton equals that of name (name itself
// included when present).
func (s *NameSet) Alike(name string) []Entry {
	if s == nil {
		return nil
	}
	want := Skeleton(s.eco, name)
	var out []Entry
	for _, plain := range confusableVariants(plainOf(name)) {
		prefix := plain + "\x00"
		it, err := s.fst.Iterator([]byte(prefix), []byte(plain+"\x01"))
		for err == nil {
			k, v := it.Current()
			n := decodeSpelling(plain, string(k[len(prefix):]))
			if Skeleton(s.eco, n) == want {
				out = append(out, unpackValue(n, v))
			}
			err = it.Next()
		}
	}
	return out
}

// nameKey is the FST key of a name: the set stores names in their
// canonical form, so a look-up is one exact Get.
func nameKey(eco Ecosystem, name string) string {
	plain, script := encodeSpelling(Canonical(eco, name))
	return plain + "\x00" + script
}

// Lookup returns the entry of name as the registry identifies it
// (Canonical), if the set holds it.
func (s *NameSet) Lookup(name string) (Entry, bool) {
	if s == nil {
		return Entry{}, false
	}
	v, ok, err := s.fst.Get([]byte(nameKey(s.eco, name)))
	if err != nil || !ok {
		return Entry{}, false
	}
	return unpackValue(Canonical(s.eco, name), v), true
}

// Each calls fn for every name of the set, in key order.
func (s *NameSet) Each(fn func(Entry)) error {
	it, err := s.fst.Iterator(nil, nil)
	for err == nil {
		k, v := it.Current()
		i := bytes.IndexByte(k, 0)
		fn(unpackValue(decodeSpelling(string(k[:i]), string(k[i+1:])), v))
		err = it.Next()
	}
	if err == vellum.ErrIteratorDone {
		return nil
	}
	return err
}

// plainOf folds an ASCII name to lower case without separators.
func plainOf(name string) string {
	if !strings.ContainsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' || ('A' <= r && r <= 'Z') }) {
		return name // already plain: no copy
	}
	b := make([]byte, 0, len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return string(b)
}

// encodeSpelling splits a name into its plain form and the script that
// restores separators and upper case: a run of tokens "<plain index><op>",
// op being the separator inserted before that index or U for an upper-case
// letter at it.
func encodeSpelling(name string) (plain, script string) {
	var p, sc []byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			sc = strconv.AppendInt(sc, int64(len(p)), 10)
			sc = append(sc, c)
			continue
		case 'A' <= c && c <= 'Z':
			sc = strconv.AppendInt(sc, int64(len(p)), 10)
			sc = append(sc, 'U')
			c += 'a' - 'A'
		}
		p = append(p, c)
	}
	return string(p), string(sc)
}

func decodeSpelling(plain, script string) string {
	var b []byte
	next := 0 // index into plain of the next letter to copy
	upper := false
	for len(script) > 0 {
		j := 0
		for j < len(script) && script[j] >= '0' && script[j] <= '9' {
			j++
		}
		if j == len(script) {
			break
		}
		at, _ := strconv.Atoi(script[:j])
		op := script[j]
		script = script[j+1:]
		at = min(at, len(plain))
		if upper && next < at {
			b = append(b, plain[next]-('a'-'A'))
			next++
			upper = false
		}
		b = append(b, plain[next:at]...)
		next = at
		if op == 'U' {
			upper = true
			continue
		}
		upper = false
		b = append(b, op)
	}
	if upper && next < len(plain) {
		b = append(b, plain[next]-('a'-'A'))
		next++
	}
	return string(append(b, plain[next:]...))
}

// confusableVariants lists the plain forms of the names that p may be
// imitating: among lower-case ASCII letters and digits UTS #39 joins only
// 0 with o, 1 with l, and rn with m, so each 0, 1 or rn in p may stand for
// the letter. (The other way round, p would be the original.) The list is
// capped; the caller checks each hit against the real skeleton.
func confusableVariants(p string) []string {
	out := []string{""}
	for i := 0; i < len(p); i++ {
		var alts []string
		switch {
		case p[i] == '0':
			alts = []string{"0", "o"}
		case p[i] == '1':
			alts = []string{"1", "l"}
		case p[i] == 'r' && i+1 < len(p) && p[i+1] == 'n':
			alts = []string{"rn", "m"}
		default:
			for k := range out {
				out[k] += p[i : i+1]
			}
			continue
		}
		if len(alts[0]) == 2 {
			i++
		}
		if len(out)*len(alts) > 64 {
			alts = alts[:1]
		}
		next := make([]string, 0, len(out)*len(alts))
		for _, o := range out {
			for _, a := range alts {
				next = append(next, o+a)
			}
		}
		out = next
	}
	return out
}

// Near returns the names whose plain form is within maxDist edits
// (Damerau–Levenshtein, 1 or 2) of name's: a Levenshtein automaton walks the
// FST, so the cost does not grow with the size of the set.
func (s *NameSet) Near(name string, maxDist uint8) ([]Entry, error) {
	if s == nil {
		return nil, nil
	}
	lb, err := levBuilder(maxDist)
	if err != nil {
		return nil, err
	}
	plain := plainOf(Canonical(s.eco, name))
	dfa, err := lb.BuildDfa(plain, maxDist)
	if err != nil {
		return nil, err
	}
	it, err := s.fst.Search(plainKeys{dfa}, nil, nil)
	var out []Entry
	for err == nil {
		k, v := it.Current()
		i := bytes.IndexByte(k, 0)
		out = append(out, unpackValue(decodeSpelling(string(k[:i]), string(k[i+1:])), v))
		err = it.Next()
	}
	if err != vellum.ErrIteratorDone {
		return out, err
	}
	return out, nil
}

var (
	levOnce     [3]sync.Once
	levBuilders [3]*levenshtein.LevenshteinAutomatonBuilder
	levErrs     [3]error
)

// levBuilder returns the (costly to build, then shared) automaton builder
// for a distance.
func levBuilder(d uint8) (*levenshtein.LevenshteinAutomatonBuilder, error) {
	if d < 1 || d > 2 {
		return nil, fmt.Errorf("distance %d not supported", d)
	}
	levOnce[d].Do(func() { levBuilders[d], levErrs[d] = levenshtein.NewLevenshteinAutomatonBuilder(d, true) })
	return levBuilders[d], levErrs[d]
}

// plainKeys runs a Levenshtein automaton over the plain part of a NameSet
// key and accepts whatever spelling script follows the zero byte.
type plainKeys struct{ dfa *levenshtein.DFA }

const pastPlain = 1 << 30 // the state after the zero byte of a matching key

func (a plainKeys) Start() int                 { return a.dfa.Start() }
func (a plainKeys) IsMatch(s int) bool         { return s == pastPlain }
func (a plainKeys) CanMatch(s int) bool        { return s == pastPlain || a.dfa.CanMatch(s) }
func (a plainKeys) WillAlwaysMatch(s int) bool { return s == pastPlain }
func (a plainKeys) Accept(s int, b byte) int {
	switch {
	case s == pastPlain:
		return pastPlain
	case b == 0 && a.dfa.IsMatch(s):
		return pastPlain
	case b == 0:
		return 0 // dead
	}
	return a.dfa.Accept(s, b)
}

// ScopedSet holds npm's scoped package names by their name part, for
// scope confusion ("arm-appinsights" copying @azure/arm-appinsights): the
// key is foldPart(part) + "\x00" + the full name, the value the monthly
// downloads.
type ScopedSet struct{ fst *vellum.FST }

// BuildScopedSet encodes the scoped names among entries.
func BuildScopedSet(entries []Entry) ([]byte, error) {
	var scoped []Entry
	for _, e := range entries {
		if _, part, ok := SplitScope(e.Name); ok && part != "" && Validate(NPM, e.Name) == nil {
			scoped = append(scoped, Entry{Name: foldPart(part) + "\x00" + e.Name, Downloads: e.Downloads})
		}
	}
	slices.SortFunc(scoped, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, err
	}
	last := ""
	for _, e := range scoped {
		if e.Name == last {
			continue
		}
		if err := b.Insert([]byte(e.Name), uint64(max(e.Downloads, 0))); err != nil {
			return nil, err
		}
		last = e.Name
	}
	if err := b.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WithPart returns the scoped packages whose name part folds to that of
// name.
func (s *ScopedSet) WithPart(name string) []Entry {
	if s == nil {
		return nil
	}
	prefix := foldPart(name) + "\x00"
	it, err := s.fst.Iterator([]byte(prefix), []byte(foldPart(name)+"\x01"))
	var out []Entry
	for err == nil {
		k, v := it.Current()
		out = append(out, Entry{Name: string(k[len(prefix):]), Downloads: int64(v)})
		err = it.Next()
	}
	return out
}
