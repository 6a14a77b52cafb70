package names

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"customs/internal/ecosystem"
	"customs/internal/finding"
)

// shared is one checker over the embedded data for the tests of this file.
var shared = NewChecker(Config{Allow: map[Ecosystem][]string{PyPI: {"colourama-fork"}}})

func TestValidate(t *testing.T) {
	good := map[Ecosystem][]string{
		PyPI:     {"requests", "python-dateutil", "zope.interface", "A1"},
		NPM:      {"lodash", "@types/node", "JSONStream", "left-pad", "socket.io"},
		RubyGems: {"rest-client", "active_record", "Ascii85"},
	}
	bad := map[Ecosystem][]string{
		PyPI:     {"", "-requests", "requests-", "re quests", "@types/node", "reqüests"},
		NPM:      {"", ".hidden", "_under", "a/b", "@/x", "no spaces", "node_modules", "a\u200bb"},
		RubyGems: {"", "---", "a b", "gem/name"},
	}
	for eco, ns := range good {
		for _, n := range ns {
			if err := Validate(eco, n); err != nil {
				t.Errorf("%s %q: %v", eco, n, err)
			}
		}
	}
	for eco, ns := range bad {
		for _, n := range ns {
			if Validate(eco, n) == nil {
				t.Errorf("%s %q accepted", eco, n)
			}
		}
	}
}

func TestNormalise(t *testing.T) {
	cases := []struct {
		eco       Ecosystem
		a, b      string
		same      bool // same package in the registry
		confusing bool // same skeleton
	}{
		{PyPI, "Python_Dateutil", "python-dateutil", true, true},
		{PyPI, "zope..interface", "zope-interface", true, true},
		{PyPI, "pyjwt", "py-jwt", false, true},
		{NPM, "JSONStream", "jsonstream", false, true},
		{NPM, "1odash", "lodash", false, true},
		{NPM, "@typescript_eslint/eslint-plugin", "@typescript-eslint/eslint-plugin", false, true},
		{NPM, "@types/node", "types-node", false, false},
		{RubyGems, "active-rest_client", "active_rest_client", false, true},
		{RubyGems, "Molinillo", "molinillo", true, true},
		{NPM, "rnoment", "moment", false, true},
	}
	for _, c := range cases {
		if got := Canonical(c.eco, c.a) == Canonical(c.eco, c.b); got != c.same {
			t.Errorf("%s: Canonical(%q) == Canonical(%q) is %v", c.eco, c.a, c.b, got)
		}
		if got := Skeleton(c.eco, c.a) == Skeleton(c.eco, c.b); got != c.confusing {
			t.Errorf("%s: Skeleton(%q)=%q vs %q", c.eco, c.a, Skeleton(c.eco, c.a), Skeleton(c.eco, c.b))
		}
	}
}

func TestSpellingRoundTrip(t *testing.T) {
	for _, n := range []string{"a", "JSONStream", "python-dateutil", "a--b", "Foo_Bar.baz", "x-", "_x", "@types/node", "ABC", "a-B-c"} {
		p, s := encodeSpelling(n)
		if got := decodeSpelling(p, s); got != n {
			t.Errorf("%q -> (%q, %q) -> %q", n, p, s, got)
		}
	}
}

func FuzzSpelling(f *testing.F) {
	for _, s := range []string{"JSONStream", "py-thon_3.x", "A", "--"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n string) {
		for i := 0; i < len(n); i++ {
			if n[i] >= 0x80 {
				return // names are ASCII (Validate)
			}
		}
		p, s := encodeSpelling(n)
		if got := decodeSpelling(p, s); got != n {
			t.Fatalf("%q -> (%q, %q) -> %q", n, p, s, got)
		}
	})
}

func TestNameSet(t *testing.T) {
	b, err := BuildNameSet(NPM, []Entry{{Name: "JSONStream", Downloads: 44}, {Name: "lodash", Downloads: 450}, {Name: "l0dash"}, {Name: "bad name"}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadNameSet(NPM, b)
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d, want 3 (the invalid name dropped)", s.Len())
	}
	if e, ok := s.Lookup("JSONStream"); !ok || e.Downloads != 44 {
		t.Errorf("Lookup(JSONStream) = %+v %v", e, ok)
	}
	if _, ok := s.Lookup("jsonstream"); ok {
		t.Error("npm names are case-sensitive: jsonstream is another package")
	}
	// Look-alike digits are read as the letters they imitate, so
	// l0dash finds itself and lodash; 1odash finds lodash.
	var alike []string
	for _, e := range s.Alike("l0dash") {
		alike = append(alike, e.Name)
	}
	if strings.Join(alike, ",") != "l0dash,lodash" {
		t.Errorf("Alike(l0dash) = %v, want l0dash and lodash", alike)
	}
	if a := s.Alike("1odash"); len(a) != 1 || a[0].Name != "lodash" {
		t.Errorf("Alike(1odash) = %v, want lodash", a)
	}
}

func TestParseList(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("name\nalpha\nbeta\n"))
	zw.Close()
	cases := map[string]struct {
		in    []byte
		names string
		dl    int64 // downloads of the first entry
	}{
		"plain":          {[]byte("# comment\nalpha\n\nbeta\n"), "alpha,beta", 0},
		"plain header":   {gz.Bytes(), "alpha,beta", 0},
		"csv weekly":     {[]byte("package_name,weekly_downloads\nrspec,1200\nrake,12\n"), "rspec,rake", 5200},
		"tsv downloads":  {[]byte("name\tversion\tdownloads_a_month\nlodash\t4\t450\n"), "lodash", 450},
		"csv extra cols": {[]byte("rank,name,downloads\n1,a,10\n2,b\n"), "a,b", 10},
	}
	for name, c := range cases {
		l, err := ParseList(bytes.NewReader(c.in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var got []string
		for _, e := range l.Entries {
			got = append(got, e.Name)
		}
		if strings.Join(got, ",") != c.names || l.Entries[0].Downloads != c.dl {
			t.Errorf("%s: %v (first downloads %d), want %s (%d)", name, got, l.Entries[0].Downloads, c.names, c.dl)
		}
	}
	if _, err := ParseList(strings.NewReader("foo,bar\n1,2\n")); err == nil || !strings.Contains(err.Error(), "no name column") {
		t.Errorf("table without a name column: %v", err)
	}
}

func FuzzParseList(f *testing.F) {
	f.Add([]byte("package_name,weekly_downloads\nrspec,1200\n"))
	f.Add([]byte("name\tdownloads\nx\t\"1\n"))
	f.Add([]byte("alpha\nbeta\n"))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseList(bytes.NewReader(b))
		if err == nil && l == nil {
			t.Fatal("nil list without error")
		}
	})
}

// TestIssueExamples: the names of the issue, each with what a user expects.
func TestIssueExamples(t *testing.T) {
	flagged := []struct {
		eco                Ecosystem
		name, target, tech string
	}{
		{PyPI, "reqeusts", "requests", "transposition"},
		{PyPI, "colourama", "colorama", "addition"},
		{PyPI, "python-dateutils", "python-dateutil", ""},
		{PyPI, "dajngo", "django", "transposition"},
		{PyPI, "nmap-python", "python-nmap", "token reorder"},
		{NPM, "loadsh", "lodash", "transposition"},
		{NPM, "@typescript_eslint/eslint-plugin", "@typescript-eslint/eslint-plugin", "separator"},
		{NPM, "1odash", "lodash", "homoglyph"},
		{NPM, "jsonstream", "JSONStream", "case"},
		{NPM, "arm-appinsights", "@azure/arm-appinsights", "scope confusion"},
		{NPM, "node-sqlite", "sqlite", "prefix/suffix"},
		{PyPI, "requests-darwin-lite", "requests", "combosquat"},
		{RubyGems, "rest_client", "rest-client", "separator"},
	}
	for _, c := range flagged {
		r := shared.Check(c.eco, c.name)
		if r.Typosquat == nil || !r.Verdict.Flagged() {
			t.Errorf("%s %s: %s, want flagged as a squat of %s", c.eco, c.name, r.Verdict, c.target)
			continue
		}
		if r.Typosquat.Target != c.target || (c.tech != "" && r.Typosquat.Technique != c.tech) {
			t.Errorf("%s %s: target %s (%s), want %s (%s)", c.eco, c.name, r.Typosquat.Target, r.Typosquat.Technique, c.target, c.tech)
		}
		if len(r.Findings) != 1 || r.Findings[0].Target != c.target || r.Findings[0].Fix == "" {
			t.Errorf("%s %s: findings %+v", c.eco, c.name, r.Findings)
		}
	}
	clean := []struct {
		eco  Ecosystem
		name string
	}{
		{PyPI, "flask"}, {PyPI, "requests"}, {PyPI, "pytest-mock"}, {PyPI, "pytest-cov"},
		{NPM, "oxlint"}, {NPM, "eslint"}, {NPM, "request"}, {NPM, "@types/nodee"},
		{NPM, "react-dom"}, {RubyGems, "rails"}, {PyPI, "colourama-fork"},
	}
	for _, c := range clean {
		if r := shared.Check(c.eco, c.name); r.Verdict != finding.Clean {
			t.Errorf("%s %s: %s %+v, want clean", c.eco, c.name, r.Verdict, r.Typosquat)
		}
	}
	r := shared.Check(PyPI, "not a name")
	if r.Error == "" || len(r.Findings) != 1 || r.Findings[0].Rule != RuleInvalid {
		t.Errorf("invalid name: %+v", r)
	}
}

// TestSeparatorSquatOfUnpopularName: the 2020 RubyGems campaign copied
// little-used gems with "-" and "_" swapped; popularity does not matter.
func TestSeparatorSquatOfUnpopularName(t *testing.T) {
	c := NewChecker(Config{Extra: map[Ecosystem][]*List{RubyGems: {{Entries: []Entry{{Name: "active_rest_client", Downloads: 40}, {Name: "rails", Downloads: 9e6}}}}}})
	r := c.Check(RubyGems, "active-rest_client")
	if r.Typosquat == nil || r.Typosquat.Target != "active_rest_client" || r.Typosquat.Technique != "separator" {
		t.Fatalf("active-rest_client: %+v", r.Typosquat)
	}
	if r := c.Check(RubyGems, "active_rest_client"); r.Verdict != finding.Clean {
		t.Errorf("the original itself is flagged: %+v", r.Typosquat)
	}
}

type fakeLookup map[string][]string

func (f fakeLookup) Versions(_ context.Context, _ Ecosystem, name string) ([]string, error) {
	if v, ok := f[name]; ok {
		return v, nil
	}
	return nil, ErrNotFound
}

func TestConfusion(t *testing.T) {
	lk := fakeLookup{"acme-billing": {"0.1.0", "1.2.0"}, "acme-auth": {"1.0.0", "99.99.99"}}
	fs, v, err := Confusion(context.Background(), lk, PyPI, "acme-billing", "acme-*", "2.0.0", "test")
	if err != nil || v != finding.Suspicious || len(fs) != 1 || fs[0].Rule != RuleConfusion {
		t.Errorf("public lower than internal: %v %v %+v", v, err, fs)
	}
	fs, v, _ = Confusion(context.Background(), lk, PyPI, "acme-billing", "acme-*", "1.0.0", "test")
	if v != finding.Malicious || fs[0].Severity != finding.Critical {
		t.Errorf("public higher than internal: %v %+v", v, fs)
	}
	fs, v, _ = Confusion(context.Background(), lk, PyPI, "acme-auth", "acme-*", "", "test")
	if v != finding.Malicious || len(fs) != 2 || fs[1].Rule != RuleConfusionVer {
		t.Errorf("payload version: %v %+v", v, fs)
	}
	if fs, v, _ := Confusion(context.Background(), lk, PyPI, "acme-secret", "acme-*", "", "test"); len(fs) != 0 || v != finding.Clean {
		t.Errorf("name not public: %v %+v", v, fs)
	}
	// Offline: the embedded PyPI names hold acme-tiny.
	c := NewChecker(Config{Internal: map[Ecosystem][]string{PyPI: {"acme-*"}}})
	if r := c.CheckAll(context.Background(), nil, PyPI, "acme-tiny", ""); r.Verdict != finding.Suspicious || r.Findings[0].Rule != RuleConfusion {
		t.Errorf("offline internal name: %+v", r)
	}
	if _, err := c.Offline().Versions(context.Background(), PyPI, "acme-unpublished-thing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("offline unknown name: %v", err)
	}
}

func TestConfusionVersion(t *testing.T) {
	cases := map[string]bool{
		"1.0.0,1.2.0":     false,
		"1.0.0,99.99.99":  true,
		"1000.0.0":        true,
		"1.4.0,9999.0.0":  true,
		"2023.1.0":        false, // calendar versioning
		"2022.1,2023.1.0": false,
		"1.2.0,2024.0.0":  true, // but not a jump to it from 1.x
	}
	for in, want := range cases {
		if _, got := ConfusionVersion(strings.Split(in, ",")); got != want {
			t.Errorf("%s: %v, want %v", in, got, want)
		}
	}
}

// FuzzCheck: any string from a hostile lockfile gets a result, never a
// panic, and a flagged name always says what it imitates.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"reqeusts", "@types/nodee", "1odash", "rn", "a", "@/", "x\x00y", "arm-appinsights", "ÿ", "-_.-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, eco := range ecosystem.All {
			r := shared.Check(eco, name)
			if r.Typosquat != nil && (r.Typosquat.Target == "" || !r.Verdict.Flagged()) {
				t.Fatalf("%s %q: %+v", eco, name, r)
			}
			if r.Error == "" && Validate(eco, name) != nil {
				t.Fatalf("%s %q: invalid name without an error", eco, name)
			}
		}
	})
}
