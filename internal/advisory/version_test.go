package advisory

import (
	"testing"
)

// Each list is in strictly ascending order by its ecosystem's rules.
var ascending = map[Ecosystem][]string{
	NPM: {
		"0.0.0", "0.9.9", "1.0.0-0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
		"1.2.3", "1.10.0", "2.0.0", "10.0.0", "99999999999999999999.0.0",
	},
	// PEP 440's own example ordering plus normalised spellings.
	PyPI: {
		"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
		"1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345",
		"1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34",
		"1.0.post456", "1.0.15", "1.1.dev1", "2!0.1",
	},
	RubyGems: {
		"0.0.1", "1.0.0.a", "1.0.0.a1", "1.0.0.b", "1.0.0.pre", "1.0.0.rc1", "1.0.0",
		"1.0.1", "1.1", "1.9", "1.10", "2.0.0-rc1", "2.0.0",
	},
}

func TestOrderingAscending(t *testing.T) {
	for eco, list := range ascending {
		for i := range list {
			for j := range list {
				c, ok := Compare(eco, list[i], list[j])
				if !ok {
					t.Fatalf("%s: cannot compare %q and %q", eco, list[i], list[j])
				}
				if want := cmpInt(i, j); c != want {
					t.Errorf("%s: compare(%q, %q) = %d, want %d", eco, list[i], list[j], c, want)
				}
			}
		}
	}
}

func TestEquivalentSpellings(t *testing.T) {
	for _, c := range []struct {
		eco  Ecosystem
		a, b string
	}{
		{PyPI, "1.0", "1.0.0"},
		{PyPI, "1.0alpha1", "1.0a1"},
		{PyPI, "1.0-c1", "1.0rc1"},
		{PyPI, "1.0-1", "1.0.post1"},
		{PyPI, "1.0.rev2", "1.0.post2"},
		{PyPI, "v1.0", "1.0"},
		{PyPI, "1.0.DEV", "1.0.dev0"},
		{PyPI, "01.002", "1.2"},
		{PyPI, "1.0b", "1.0b0"},
		{NPM, "v1.2.3", "1.2.3"},
		{NPM, "1.2.3+build.5", "1.2.3"},
		{RubyGems, "1.0", "1.0.0"},
		{RubyGems, "1.0.a", "1.a"},
	} {
		if got, ok := Compare(c.eco, c.a, c.b); !ok || got != 0 {
			t.Errorf("%s: %q vs %q = %d, %v; want equal", c.eco, c.a, c.b, got, ok)
		}
	}
}

func TestUnparsable(t *testing.T) {
	for _, c := range []struct {
		eco Ecosystem
		v   string
	}{
		{NPM, "1.2"}, {NPM, "01.2.3"}, {NPM, "1.2.3-"}, {NPM, "github:user/repo#abc"}, {NPM, "1.2.3-01"},
		{PyPI, "1.0-foo"}, {PyPI, ""}, {PyPI, "1..0"}, {PyPI, "1.0+"},
		{RubyGems, "abc"}, {RubyGems, "1..2"}, {RubyGems, ""},
	} {
		if _, ok := Compare(c.eco, c.v, c.v); ok {
			t.Errorf("%s: %q parsed, want rejected", c.eco, c.v)
		}
	}
}

func TestRanges(t *testing.T) {
	two := Range{Type: "SEMVER", Events: []Event{
		{Introduced: "1.0.0"}, {Fixed: "1.5.0"}, {Introduced: "2.0.0"}, {LastAffected: "2.5.0"},
	}}
	for v, want := range map[string]bool{
		"0.9.0": false, "1.0.0": true, "1.4.9": true, "1.5.0": false, "1.9.0": false,
		"2.0.0": true, "2.5.0": true, "2.5.1": false, "not-a-version": false,
	} {
		if got := inRange(two, v, compareSemver); got != want {
			t.Errorf("two intervals, %s: got %v want %v", v, got, want)
		}
	}
	limited := Range{Type: "ECOSYSTEM", Events: []Event{{Introduced: "0"}, {Limit: "2.0"}}}
	for v, want := range map[string]bool{"0.1": true, "1.9.9": true, "2.0": false, "3": false} {
		if got := inRange(limited, v, comparePEP440); got != want {
			t.Errorf("limited, %s: got %v want %v", v, got, want)
		}
	}
}

// FuzzCompare checks that every ordering is a consistent total order on the
// versions it accepts: reflexive, antisymmetric, and that parsing never panics.
func FuzzCompare(f *testing.F) {
	for _, list := range ascending {
		for i := 1; i < len(list); i++ {
			f.Add(list[i-1], list[i], list[0])
		}
	}
	f.Add("1.0.0-rc.1+build", "1.0.0-rc.1", "1!2.0.post1.dev3+local.7")
	f.Add("1.0-1", "v1.0.0", "1.0.0-ALPHA")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, eco := range Ecosystems {
			ab, ok1 := Compare(eco, a, b)
			ba, ok2 := Compare(eco, b, a)
			if ok1 != ok2 {
				t.Fatalf("%s: parse of %q/%q not symmetric", eco, a, b)
			}
			if !ok1 {
				continue
			}
			if ab != -ba {
				t.Fatalf("%s: compare(%q,%q)=%d but compare(%q,%q)=%d", eco, a, b, ab, b, a, ba)
			}
			if aa, _ := Compare(eco, a, a); aa != 0 {
				t.Fatalf("%s: %q not equal to itself", eco, a)
			}
			bc, ok := Compare(eco, b, c)
			if !ok {
				continue
			}
			ac, _ := Compare(eco, a, c)
			if ab <= 0 && bc <= 0 && ac > 0 {
				t.Fatalf("%s: not transitive: %q <= %q <= %q but %q > %q", eco, a, b, c, a, c)
			}
		}
	})
}

// FuzzRecord feeds arbitrary bytes to the record decoder and the index
// round trip: nothing may panic, and what was indexed must be found again.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"id":"MAL-1","affected":[{"package":{"ecosystem":"npm","name":"x"},"versions":["1.0.0"],"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]}`))
	f.Add([]byte(`{"id":"MAL-2","withdrawn":"2024","affected":[]}`))
	f.Add([]byte(`{"id":"MAL-3","affected":[{"package":{"ecosystem":"PyPI","name":"A_b"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"last_affected":"1.0"},{"limit":"x"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := newBuilder()
		b.addRecord(data, "fuzz")
		var buf bytesBuffer
		if err := b.write(&buf); err != nil {
			t.Fatal(err)
		}
		db, err := parseIndex(buf.b)
		if err != nil {
			t.Fatalf("index of one record does not load: %v", err)
		}
		es, _, err := decodeRecord(data)
		if err != nil {
			return
		}
		for _, e := range es {
			advs, err := db.Package(e.eco, e.name)
			if err != nil || len(advs) == 0 {
				t.Fatalf("%s %q indexed but not found: %v", e.eco, e.name, err)
			}
			for _, v := range append(e.adv.Versions, "1.0.0") {
				advs[0].Affects(e.eco, v)
			}
		}
	})
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
