package names

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"customs/internal/ecosystem"
)

// TestEmbeddedIndexIsCurrent: each embedded index holds what buildIndex
// makes from the embedded popular list now, so a change to how targets
// are indexed cannot ship with stale data.
func TestEmbeddedIndexIsCurrent(t *testing.T) {
	sub := dataFS("")[0]
	for _, eco := range ecosystem.All {
		list, err := fs.ReadFile(sub, popularFile(eco))
		if err != nil {
			t.Fatal(err)
		}
		stored, err := fs.ReadFile(sub, indexFile(eco))
		if err != nil {
			t.Fatal(err)
		}
		l, err := parsePopular(list)
		if err != nil {
			t.Fatal(err)
		}
		a, sumA, errA := openIndex(eco, stored)
		b, sumB, errB := openIndex(eco, buildIndex(eco, l.Entries, list, false))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", eco, errA, errB)
		}
		if sumA != sumB || !sameIndex(t, a, b) {
			t.Errorf("%s: the embedded index differs from one built from the embedded list; run go generate ./internal/names", eco)
		}
	}
}

// sameIndex compares two indexes section by section (the stored one is
// compressed, so its bytes differ), and their keys one by one.
func sameIndex(t *testing.T, a, b *index) bool {
	if a.n != b.n || a.bits != b.bits || a.idWidth != b.idWidth || a.topMin != b.topMin || a.names != b.names {
		return false
	}
	for i, s := range [][2][]byte{{a.nameEnds, b.nameEnds}, {a.downloads, b.downloads}, {a.ranks, b.ranks}, {a.lists, b.lists},
		{a.dir, b.dir}, {a.fps, b.fps}, {a.tgts, b.tgts}, {a.bloom, b.bloom}} {
		if !bytes.Equal(s[0], s[1]) {
			t.Logf("section %d differs", i)
			return false
		}
	}
	if a.keys.Len() != b.keys.Len() {
		return false
	}
	ia, errA := a.keys.Iterator(nil, nil)
	for errA == nil {
		k, v := ia.Current()
		if w, ok, err := b.keys.Get(k); err != nil || !ok || w != v {
			t.Logf("key %q differs", k)
			return false
		}
		errA = ia.Next()
	}
	return true
}

// TestStoredIndexOnlyForItsList: an index is used only next to the very
// list it was built from; otherwise (a stale or damaged one) the checker
// indexes the list itself.
func TestStoredIndexOnlyForItsList(t *testing.T) {
	dir := t.TempDir()
	if err := WritePopular(dir, NPM, []Entry{{Name: "qqzzx-widget", Downloads: 50_000_000}}); err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile(filepath.Join(dir, popularFile(NPM)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openStoredIndex(os.DirFS(dir), NPM, list); err != nil {
		t.Fatalf("fresh index: %v", err)
	}
	squatsWidget := func(name string) {
		t.Helper()
		r := NewChecker(Config{CacheDir: dir}).Check(NPM, "qqzzx-widgte")
		if r.Typosquat == nil || r.Typosquat.Target != "qqzzx-widget" {
			t.Errorf("%s: qqzzx-widgte judged %+v, want a squat of the cached list's qqzzx-widget", name, r)
		}
	}
	squatsWidget("stored index")

	// A newer list whose index was not written: the old index is stale.
	index, err := os.ReadFile(filepath.Join(dir, indexFile(NPM)))
	if err != nil {
		t.Fatal(err)
	}
	if err := WritePopular(dir, NPM, []Entry{{Name: "qqzzx-widget", Downloads: 60_000_000}, {Name: "other-thing", Downloads: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, indexFile(NPM)), index, 0o644); err != nil {
		t.Fatal(err)
	}
	list, _ = os.ReadFile(filepath.Join(dir, popularFile(NPM)))
	if _, err := openStoredIndex(os.DirFS(dir), NPM, list); err != errStaleIndex {
		t.Errorf("stale index opened: %v", err)
	}
	squatsWidget("stale index")
	if r := NewChecker(Config{CacheDir: dir}).Check(NPM, "qqzzx-widget"); r.Popularity.Downloads != 60_000_000 {
		t.Errorf("popularity %+v, want the newer list's", r.Popularity)
	}

	// A damaged index.
	damaged := bytes.Clone(index)
	damaged[len(damaged)-1] ^= 0xff
	if err := os.WriteFile(filepath.Join(dir, indexFile(NPM)), damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := openStoredIndex(os.DirFS(dir), NPM, list); err == nil {
		t.Error("damaged index opened")
	}
	squatsWidget("damaged index")
}

// FuzzOpenIndex: whatever an index file holds (past its checksum, which
// the fuzzer would rarely match), opening it and querying it never
// panics.
func FuzzOpenIndex(f *testing.F) {
	small := buildIndex(NPM, []Entry{
		{Name: "lodash", Downloads: 50_000_000}, {Name: "node-fetch", Downloads: 40_000_000},
		{Name: "@types/node", Downloads: 90_000_000}, {Name: "left-pad", Downloads: 1_000_000},
		{Name: "react-dom", Downloads: 80_000_000}, {Name: "lodash", Downloads: 10},
	}, []byte("list"), true)
	f.Add(small)
	f.Add(small[:len(small)/2])
	f.Add([]byte(indexMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		if rest, ok := bytes.CutPrefix(data, []byte(indexMagic)); ok && len(rest) >= 4 {
			binary.LittleEndian.PutUint32(rest, crc32.Checksum(rest[4:], castagnoli))
		}
		ix, _, err := openIndex(NPM, data)
		if err != nil {
			return
		}
		for i := range min(ix.numTargets(), 100) {
			_ = ix.target(int32(i))
		}
		for _, q := range []string{"lodahs", "nodefetch", "reactdom", "l", ""} {
			ix.near(q, func(id int32, _ int, _ string) { _ = ix.target(id) })
			ix.canonical(q)
			for _, kind := range []byte{kindSkeleton, kindCore, kindTokens} {
				for id := range ix.filed(kind, q) {
					_ = ix.target(id)
				}
			}
		}
	})
}
