package advisory

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"customs/internal/atomicfile"
	"customs/internal/ecosystem"
)

// The index file is what a scan loads: a header, a sorted key table and, per
// key, the JSON of that package's advisories. Loading reads the file and
// builds a map of keys to byte spans; an advisory's JSON is decoded only
// when a dependency hits its key, which for a typical project is never.
//
//	magic | uvarint len + header JSON | uvarint nkeys |
//	nkeys × (uvarint len + key, uvarint len of blob) | blobs...
//
// A key is "<ecosystem>\x00<normalised name>". The magic is part of the
// cache key (load.go), so a new version rebuilds cached indexes: v2 keeps
// the leading and trailing separators of PyPI names, as PEP 503 does.
const indexMagic = "customs-osv-index v2\n"

// Meta describes an advisory database: where it came from and how fresh it is.
type Meta struct {
	// Built is when this index was built (for `db update`, the download time).
	Built time.Time `json:"built"`
	// Newest is the latest "modified" time among the records: the date of the data.
	Newest string `json:"newest_modified,omitempty"`
	// Sources names what the index was built from (files or URLs).
	Sources []string `json:"sources,omitempty"`
	// Records counts the advisories indexed per ecosystem; withdrawn ones are not indexed.
	Records map[Ecosystem]int `json:"records,omitempty"`
	// Withdrawn counts records skipped because their publisher withdrew them.
	Withdrawn int `json:"withdrawn,omitempty"`
	// Invalid counts entries that were not OSV records; InvalidExample names one.
	Invalid        int    `json:"invalid,omitempty"`
	InvalidExample string `json:"invalid_example,omitempty"`
}

// Date returns the date to show users: the newest record's modification
// date when known, else the day the index was built.
func (m Meta) Date() string {
	if len(m.Newest) >= 10 {
		return m.Newest[:10]
	}
	if !m.Built.IsZero() {
		return m.Built.UTC().Format("2006-01-02")
	}
	return ""
}

// builder gathers entries before they are written as an index.
type builder struct {
	meta    Meta
	entries map[string][]Advisory
}

func newBuilder() *builder {
	return &builder{meta: Meta{Records: map[Ecosystem]int{}}, entries: map[string][]Advisory{}}
}

func indexKey(eco Ecosystem, normName string) string { return string(eco) + "\x00" + normName }

// addRecord indexes one OSV JSON record; origin names it in error counts.
func (b *builder) addRecord(data []byte, origin string) {
	es, rec, err := decodeRecord(data)
	if err != nil {
		b.meta.Invalid++
		if b.meta.InvalidExample == "" {
			b.meta.InvalidExample = origin + ": " + err.Error()
		}
		return
	}
	if rec.Modified > b.meta.Newest && len(rec.Modified) <= 40 {
		b.meta.Newest = rec.Modified
	}
	if rec.Withdrawn != "" {
		b.meta.Withdrawn++
	}
	for _, e := range es {
		k := indexKey(e.eco, e.name)
		b.entries[k] = append(b.entries[k], e.adv)
		b.meta.Records[e.eco]++
	}
}

// write serialises the index.
func (b *builder) write(w io.Writer) error {
	keys := make([]string, 0, len(b.entries))
	for k := range b.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	blobs := make([][]byte, len(keys))
	for i, k := range keys {
		advs := b.entries[k]
		sort.Slice(advs, func(x, y int) bool { return advs[x].ID < advs[y].ID })
		blob, err := json.Marshal(advs)
		if err != nil {
			return err
		}
		blobs[i] = blob
	}
	header, err := json.Marshal(b.meta)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	var tmp [binary.MaxVarintLen64]byte
	putUvarint := func(n int) {
		bw.Write(tmp[:binary.PutUvarint(tmp[:], uint64(n))])
	}
	bw.WriteString(indexMagic)
	putUvarint(len(header))
	bw.Write(header)
	putUvarint(len(keys))
	for i, k := range keys {
		putUvarint(len(k))
		bw.WriteString(k)
		putUvarint(len(blobs[i]))
	}
	for _, blob := range blobs {
		bw.Write(blob)
	}
	return bw.Flush()
}

// writeFile writes the index atomically so a concurrent scan never reads a
// half-written file.
func (b *builder) writeFile(path string) error {
	return atomicfile.WriteFrom(path, b.write)
}

// span locates one key's advisories inside DB.data.
type span struct{ off, n uint32 }

// DB is a loaded advisory index. It is safe for concurrent use.
type DB struct {
	Meta Meta
	keys map[string]span
	data []byte
}

var errCorrupt = errors.New("corrupt advisory index")

// isIndex reports whether the start of a file is an index.
func isIndex(head []byte) bool { return bytes.HasPrefix(head, []byte(indexMagic)) }

// parseIndex reads an index from memory; every length is checked against
// the data, since the file sits in a cache a user or another process may damage.
func parseIndex(data []byte) (*DB, error) {
	if !isIndex(data) {
		return nil, fmt.Errorf("%w: bad magic", errCorrupt)
	}
	p := data[len(indexMagic):]
	next := func() (int, bool) {
		n, w := binary.Uvarint(p)
		if w <= 0 || n > uint64(len(data)) {
			return 0, false
		}
		p = p[w:]
		return int(n), true
	}
	hl, ok := next()
	if !ok || hl > len(p) {
		return nil, fmt.Errorf("%w: header", errCorrupt)
	}
	db := &DB{}
	if err := json.Unmarshal(p[:hl], &db.Meta); err != nil {
		return nil, fmt.Errorf("%w: header: %v", errCorrupt, err)
	}
	p = p[hl:]
	nkeys, ok := next()
	if !ok || nkeys > len(p) {
		return nil, fmt.Errorf("%w: key count", errCorrupt)
	}
	type pending struct {
		key string
		n   int
	}
	table := make([]pending, 0, nkeys)
	for range nkeys {
		kl, ok := next()
		if !ok || kl > len(p) {
			return nil, fmt.Errorf("%w: key table", errCorrupt)
		}
		k := string(p[:kl])
		p = p[kl:]
		bl, ok := next()
		if !ok {
			return nil, fmt.Errorf("%w: key table", errCorrupt)
		}
		table = append(table, pending{k, bl})
	}
	db.data = p
	db.keys = make(map[string]span, nkeys)
	off := 0
	for _, t := range table {
		if t.n > len(p)-off {
			return nil, fmt.Errorf("%w: data shorter than its table", errCorrupt)
		}
		db.keys[t.key] = span{uint32(off), uint32(t.n)}
		off += t.n
	}
	return db, nil
}

// Match returns the advisories that cover version of the named package, in
// id order. An error means the index entry for this package is damaged.
func (db *DB) Match(eco Ecosystem, name, version string) ([]Advisory, error) {
	advs, err := db.Package(eco, name)
	if err != nil {
		return nil, err
	}
	var out []Advisory
	for i := range advs {
		if advs[i].Affects(eco, version) {
			out = append(out, advs[i])
		}
	}
	return out, nil
}

// Package returns every advisory about a package, whatever the version.
func (db *DB) Package(eco Ecosystem, name string) ([]Advisory, error) {
	if db == nil {
		return nil, nil
	}
	s, ok := db.keys[indexKey(eco, ecosystem.NormalizeName(eco.Ecosystem(), name))]
	if !ok {
		return nil, nil
	}
	var advs []Advisory
	if err := json.Unmarshal(db.data[s.off:s.off+s.n], &advs); err != nil {
		return nil, fmt.Errorf("%w: entry for %s %s: %v", errCorrupt, eco, name, err)
	}
	return advs, nil
}

// Len is the number of packages with at least one advisory.
func (db *DB) Len() int { return len(db.keys) }

// Summary is a one-line description for output, e.g.
// "OSV 2025-06-04 (npm 22264, PyPI 9205, RubyGems 819 records)".
func (m Meta) Summary() string {
	var parts []string
	for _, e := range Ecosystems {
		if n := m.Records[e]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", e, n))
		}
	}
	return fmt.Sprintf("OSV data of %s (%s records)", m.Date(), strings.Join(parts, ", "))
}
