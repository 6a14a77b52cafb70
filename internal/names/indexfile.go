package names

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/blevesearch/vellum"
)

// index finds, for one ecosystem, the popular names a candidate could be
// imitating, without comparing it to each of them. It is built once (by
// the generator and `customs db update` with WritePopular, or by a Checker
// for extra lists) into flat arrays that are used in place, so loading one
// costs a read, a checksum and a few megabytes of decompression, not a
// rebuild of a million hash entries:
//
//   - the targets: their names and measured popularity;
//   - an FST of keys: a target's canonical name → its id, and its
//     skeleton, core (affixes stripped) and sorted words → the targets
//     filed under each (value id<<1|1 for a single one, else the list's
//     offset<<1 in lists);
//   - the deletion neighbourhood of every target (see near): postings
//     sorted by the top bits of their hash. dir gives each bucket's first
//     posting; within a bucket, a 16-bit fingerprint (the next bits of the
//     hash) picks the postings of one hash. A blocked Bloom filter over the
//     hashes answers most probes (which miss) from one cache line, and
//     lets through a hash that shares bucket and fingerprint with a stored
//     one about once in 200,000 probes (5% of misses pass the filter, 5 in
//     65,536 of those match a fingerprint); a target found that way still
//     has to pass the distance check.
type index struct {
	eco       Ecosystem
	n         int    // targets
	names     string // concatenated target names
	nameEnds  []byte // uint32 each: where each name ends in names
	downloads []byte // uint64 each
	ranks     []byte // uint32 each
	keys      *vellum.FST
	lists     []byte  // uint32: count, then that many target ids
	topMin    float64 // popularity from which a target is one of the most used
	bits      uint    // bucket bits of the deletion index
	dir       []byte  // uint32 each, 1<<bits + 1
	fps       []byte  // fpBytes each, a fingerprint per posting
	bloom     []byte  // uint64 words, two bits set per hash
	tgts      []byte  // a target id per posting, idWidth bytes each
	idWidth   int
}

// Kinds of key in the index's FST.
const (
	kindCanonical = 'c' // canonical name → target id
	kindSkeleton  = 's' // skeleton → list of targets
	kindCore      = 'o' // core (affixes stripped) → list
	kindTokens    = 't' // sorted words → list (word order carries no meaning)
)

// indexMagic starts an index file; the version changes with the layout.
const indexMagic = "customs names index v4\n"

// How a section of an index is stored.
const (
	codecRaw  byte = 0
	codecZstd byte = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// The size of a posting's fingerprint.
const (
	fpBits  = 16
	fpBytes = fpBits / 8
)

// postingKey spreads a deletion hash (Fibonacci hashing: FNV's low bits
// alone cluster) and keeps its top bits+fpBits bits: the bucket, then the
// fingerprint.
func postingKey(h uint64, bits uint) uint64 { return (h * 0x9E3779B97F4A7C15) >> (64 - fpBits - bits) }

// postings returns the range of postings filed under hash h.
func (ix *index) postings(h uint64) (lo, hi int) {
	k := postingKey(h, ix.bits)
	bucket, fp := int(k>>fpBits), uint32(k&(1<<fpBits-1))
	lo, hi = int(u32(ix.dir, bucket)), int(u32(ix.dir, bucket+1))
	for ; lo < hi; lo++ {
		if f := ix.fingerprint(lo); f >= fp {
			if f > fp {
				return 0, 0
			}
			break
		}
	}
	end := lo
	for end < hi && ix.fingerprint(end) == fp {
		end++
	}
	return lo, end
}

func (ix *index) fingerprint(p int) uint32 {
	return uint32(binary.LittleEndian.Uint16(ix.fps[fpBytes*p:]))
}

// bloomBits is the size of the Bloom filter per posting.
const bloomBits = 8

// bloomWord places hash h in a filter of words 64-bit words: which word,
// and the two bits set in it (from the spread hash; FNV's own low bits
// cluster).
func bloomWord(h uint64, words int) (int, uint64) {
	m := h * 0x9E3779B97F4A7C15
	return int((m >> 32) * uint64(words) >> 32), 1<<((m>>20)&63) | 1<<((m>>26)&63)
}

// mayHold reports whether postings may be filed under h.
func (ix *index) mayHold(h uint64) bool {
	w, mask := bloomWord(h, len(ix.bloom)/8)
	return binary.LittleEndian.Uint64(ix.bloom[8*w:])&mask == mask
}

// postingTarget is the target of posting p; false for an id out of range
// (a damaged file).
func (ix *index) postingTarget(p int) (int32, bool) {
	var id uint32
	if ix.idWidth == 2 {
		id = uint32(binary.LittleEndian.Uint16(ix.tgts[2*p:]))
	} else {
		id = u32(ix.tgts, p)
	}
	return int32(id), int(id) < ix.n
}

// target returns target id (which must be below ix.n).
func (ix *index) target(id int32) target {
	i := int(id)
	start := uint32(0)
	if i > 0 {
		start = u32(ix.nameEnds, i-1)
	}
	e := Entry{
		Name:      ix.names[start:u32(ix.nameEnds, i)],
		Downloads: int64(binary.LittleEndian.Uint64(ix.downloads[8*i:])),
		Rank:      int(u32(ix.ranks, i)),
	}
	// Names of one canonical form have one plain form, so the plain form
	// of the name kept is that of every name merged into the target.
	return target{name: e.Name, plain: plainOf(e.Name), pop: popularityOf(ix.eco, e)}
}

// numTargets is the number of targets.
func (ix *index) numTargets() int { return ix.n }

// canonical returns the target whose canonical name is c.
func (ix *index) canonical(c string) (int32, bool) {
	v, ok := ix.get(kindCanonical, c)
	if !ok || v >= uint64(ix.n) {
		return 0, false
	}
	return int32(v), true
}

// filed yields the targets filed under key in the map of kind.
func (ix *index) filed(kind byte, key string) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		v, ok := ix.get(kind, key)
		if !ok {
			return
		}
		if v&1 == 1 { // the only one
			if v>>1 < uint64(ix.n) {
				yield(int32(v >> 1))
			}
			return
		}
		if v>>1 >= uint64(len(ix.lists)/4) {
			return
		}
		off := int(v >> 1)
		count := int(u32(ix.lists, off))
		for i := off + 1; i <= off+count && i < len(ix.lists)/4; i++ {
			if id := u32(ix.lists, i); int(id) < ix.n && !yield(int32(id)) {
				return
			}
		}
	}
}

// get looks key up in the map of kind. vellum trusts its input and
// panics on a damaged FST, and a stored index is read from disk: a panic
// there is a miss.
func (ix *index) get(kind byte, key string) (v uint64, ok bool) {
	defer func() {
		if recover() != nil {
			v, ok = 0, false
		}
	}()
	v, ok, err := ix.keys.Get(append([]byte{kind}, key...))
	return v, ok && err == nil
}

func u32(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[4*i:]) }

// encode lays the index out as openIndex reads it: the magic, a CRC-32C
// of the rest, the SHA-256 of the source list, the counts, then each
// section: its codec, its length and its bytes. With compress, the
// sections that zstd shrinks much are stored compressed (names, keys,
// offsets); the fingerprints and target ids, which it does not, stay as
// they are, so opening an index decompresses a few megabytes, not all.
func (b *indexBuilder) encode(source []byte, compress bool) []byte {
	n := len(b.targets)
	bits := uint(8)
	for 1<<bits*8 < len(b.postings) {
		bits++
	}
	bloom := make([]byte, 8*max(1, len(b.postings)*bloomBits/64))
	for _, p := range b.postings {
		w, mask := bloomWord(p.key, len(bloom)/8)
		binary.LittleEndian.PutUint64(bloom[8*w:], binary.LittleEndian.Uint64(bloom[8*w:])|mask)
	}
	b.postings = sortPostings(b.postings, bits)

	var names strings.Builder
	nameEnds := make([]byte, 0, 4*n)
	downloads, ranks := make([]byte, 0, 8*n), make([]byte, 0, 4*n)
	for i, t := range b.targets {
		names.WriteString(t.name)
		nameEnds = binary.LittleEndian.AppendUint32(nameEnds, uint32(names.Len()))
		downloads = binary.LittleEndian.AppendUint64(downloads, uint64(max(b.entries[i].Downloads, 0)))
		ranks = binary.LittleEndian.AppendUint32(ranks, uint32(max(b.entries[i].Rank, 0)))
	}

	type kv struct {
		key string
		val uint64
	}
	kvs := make([]kv, 0, len(b.byCanon)+len(b.lists))
	for c, id := range b.byCanon {
		kvs = append(kvs, kv{string(rune(kindCanonical)) + c, uint64(id)})
	}
	var lists []byte
	for _, k := range slices.Sorted(maps.Keys(b.lists)) {
		ids := b.lists[k]
		if len(ids) == 1 {
			kvs = append(kvs, kv{k, uint64(ids[0])<<1 | 1})
			continue
		}
		kvs = append(kvs, kv{k, uint64(len(lists)/4) << 1})
		lists = binary.LittleEndian.AppendUint32(lists, uint32(len(ids)))
		for _, id := range ids {
			lists = binary.LittleEndian.AppendUint32(lists, uint32(id))
		}
	}
	slices.SortFunc(kvs, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	var fst bytes.Buffer
	fb, err := vellum.New(&fst, nil)
	if err == nil {
		for _, e := range kvs {
			if err = fb.Insert([]byte(e.key), e.val); err != nil {
				break
			}
		}
	}
	if err == nil {
		err = fb.Close()
	}
	if err != nil {
		// Keys are distinct and sorted, and the writer is memory.
		panic(fmt.Sprintf("names: building the index FST: %v", err))
	}

	idWidth := 4
	if n <= 1<<16 {
		idWidth = 2
	}
	dir := make([]byte, 4*(1<<bits+1))
	fps := make([]byte, 0, fpBytes*len(b.postings))
	tgts := make([]byte, 0, idWidth*len(b.postings))
	next := 0 // the bucket whose start comes next
	for i, p := range b.postings {
		for bucket := int(p.key >> fpBits); next <= bucket; next++ {
			binary.LittleEndian.PutUint32(dir[4*next:], uint32(i))
		}
		fps = binary.LittleEndian.AppendUint16(fps, uint16(p.key))
		if idWidth == 2 {
			tgts = binary.LittleEndian.AppendUint16(tgts, uint16(p.tgt))
		} else {
			tgts = binary.LittleEndian.AppendUint32(tgts, uint32(p.tgt))
		}
	}
	for ; next <= 1<<bits; next++ {
		binary.LittleEndian.PutUint32(dir[4*next:], uint32(len(b.postings)))
	}

	var sum [sha256.Size]byte
	if source != nil {
		sum = sha256.Sum256(source)
	}
	body := make([]byte, 0, len(fps)+len(tgts)+len(dir)+fst.Len()+len(lists)+16*n+names.Len()+1024)
	body = append(body, sum[:]...)
	body = binary.LittleEndian.AppendUint64(body, math.Float64bits(b.topMin))
	for _, v := range []int{n, int(bits), len(b.postings), idWidth} {
		body = binary.LittleEndian.AppendUint32(body, uint32(v))
	}
	for _, s := range [][]byte{[]byte(names.String()), nameEnds, downloads, ranks, fst.Bytes(), lists, dir, fps, tgts, bloom} {
		codec := codecRaw
		if compress {
			if z, err := CompressNameSet(s); err == nil && len(z) < len(s)*9/10 {
				codec, s = codecZstd, z
			}
		}
		body = append(body, codec)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(s)))
		body = append(body, s...)
	}
	out := append([]byte(indexMagic), binary.LittleEndian.AppendUint32(nil, crc32.Checksum(body, castagnoli))...)
	return append(out, body...)
}

// openIndex reads bytes written by encode, using them in place. It
// returns the SHA-256 of the list the index was built from.
func openIndex(eco Ecosystem, data []byte) (*index, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	fail := func(why string) (*index, [sha256.Size]byte, error) {
		return nil, sum, fmt.Errorf("%s index: %s", eco, why)
	}
	rest, ok := bytes.CutPrefix(data, []byte(indexMagic))
	if !ok || len(rest) < 4+len(sum)+8+16 {
		return fail("not an index of this version")
	}
	if crc32.Checksum(rest[4:], castagnoli) != binary.LittleEndian.Uint32(rest) {
		return fail("checksum mismatch (damaged file)")
	}
	rest = rest[4:]
	copy(sum[:], rest)
	rest = rest[len(sum):]
	ix := &index{eco: eco, topMin: math.Float64frombits(binary.LittleEndian.Uint64(rest))}
	rest = rest[8:]
	n, bits, postings, idWidth := int(u32(rest, 0)), uint(u32(rest, 1)), int(u32(rest, 2)), int(u32(rest, 3))
	rest = rest[16:]
	if bits > 64-fpBits || (idWidth != 2 && idWidth != 4) || n > math.MaxInt32 {
		return fail("bad header")
	}
	ix.n, ix.bits, ix.idWidth = n, bits, idWidth
	var sections [10][]byte
	for i := range sections {
		if len(rest) < 5 || int(binary.LittleEndian.Uint32(rest[1:])) > len(rest)-5 {
			return fail("truncated")
		}
		codec, l := rest[0], int(binary.LittleEndian.Uint32(rest[1:]))
		sections[i], rest = rest[5:5+l], rest[5+l:]
		switch codec {
		case codecRaw:
		case codecZstd:
			var err error
			if sections[i], err = zstdDecoder.DecodeAll(sections[i], nil); err != nil {
				return fail(err.Error())
			}
		default:
			return fail("unknown section codec")
		}
	}
	var fst []byte
	ix.names, ix.nameEnds, ix.downloads, ix.ranks = string(sections[0]), sections[1], sections[2], sections[3]
	fst, ix.lists, ix.dir, ix.fps, ix.tgts, ix.bloom = sections[4], sections[5], sections[6], sections[7], sections[8], sections[9]
	if len(ix.nameEnds) != 4*n || len(ix.downloads) != 8*n || len(ix.ranks) != 4*n || len(ix.dir) != 4*(1<<bits+1) ||
		len(ix.fps) != fpBytes*postings || len(ix.tgts) != idWidth*postings || len(ix.lists)%4 != 0 ||
		len(ix.bloom) == 0 || len(ix.bloom)%8 != 0 {
		return fail("section sizes do not match the counts")
	}
	if !ascending(ix.nameEnds, n, len(ix.names)) || !ascending(ix.dir, 1<<bits+1, postings) {
		return fail("offsets out of order")
	}
	if ix.keys = loadFST(fst); ix.keys == nil {
		return fail("damaged key FST")
	}
	return ix, sum, nil
}

// loadFST opens an FST, or returns nil for a damaged one (vellum panics on
// some).
func loadFST(b []byte) (f *vellum.FST) {
	defer func() {
		if recover() != nil {
			f = nil
		}
	}()
	f, err := vellum.Load(b)
	if err != nil {
		return nil
	}
	return f
}

// ascending reports whether the n uint32 offsets in b never decrease and
// stay within limit.
func ascending(b []byte, n, limit int) bool {
	prev := uint32(0)
	for i := range n {
		v := u32(b, i)
		if v < prev || int(v) > limit {
			return false
		}
		prev = v
	}
	return true
}
