package ecosystem

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Ecosystem{
		"pypi": PyPI, "PyPI": PyPI, " python ": PyPI, "pip": PyPI,
		"npm": NPM, "NPM": NPM, "node": NPM, "js": NPM,
		"rubygems": RubyGems, "RubyGems": RubyGems, "gem": RubyGems, "gems": RubyGems, "Ruby": RubyGems,
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "maven", "cobol", "py pi", "npmregistry"} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", in, got)
		} else if !strings.Contains(err.Error(), "want pypi, npm or rubygems") {
			t.Errorf("Parse(%q): error %q does not say what is accepted", in, err)
		}
	}
}

func TestOSVRoundTrip(t *testing.T) {
	want := map[Ecosystem]string{PyPI: "PyPI", NPM: "npm", RubyGems: "RubyGems"}
	for _, e := range All {
		if e.OSV() != want[e] {
			t.Errorf("%s.OSV() = %q, want %q", e, e.OSV(), want[e])
		}
		if back, ok := FromOSV(e.OSV()); !ok || back != e {
			t.Errorf("FromOSV(%q) = %q, %v; want %q", e.OSV(), back, ok, e)
		}
	}
	// OSV spellings are exact: customs' lower-case ones are not OSV names.
	for _, s := range []string{"pypi", "rubygems", "NPM", "Maven", ""} {
		if e, ok := FromOSV(s); ok {
			t.Errorf("FromOSV(%q) = %q, want not ok", s, e)
		}
	}
	if got := Ecosystem("maven").OSV(); got != "" {
		t.Errorf("unknown ecosystem OSV() = %q, want empty", got)
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		eco        Ecosystem
		name, want string
	}{
		{PyPI, "Django", "django"},
		{PyPI, "zope.interface", "zope-interface"},
		{PyPI, "Foo__Bar-._baz", "foo-bar-baz"},
		{PyPI, "Foo.Bar_baz", "foo-bar-baz"},
		{PyPI, "a--b__c", "a-b-c"},
		{PyPI, "x-", "x-"}, // PEP 503 keeps a trailing separator
		{PyPI, " requests ", "requests"},
		{NPM, "@Babel/Core", "@babel/core"},
		{NPM, "lodash.merge", "lodash.merge"},
		{NPM, "left_pad", "left_pad"},
		{RubyGems, "Rails_Admin", "rails_admin"},
		{RubyGems, "active-rest_client", "active-rest_client"}, // "-" and "_" are different gems
	}
	for _, tc := range tests {
		if got := NormalizeName(tc.eco, tc.name); got != tc.want {
			t.Errorf("NormalizeName(%s, %q) = %q, want %q", tc.eco, tc.name, got, tc.want)
		}
	}
}

// FuzzNormalizeName checks the properties callers rely on: normalising is
// idempotent, lower case, changes only case outside PyPI, and for
// PyPI leaves no "_", "." or doubled "-".
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Django", "Foo__Bar-._baz", "@Babel/Core", " x- ", "-_.", "İstanbul", "\xff_A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, eco := range All {
			n := NormalizeName(eco, name)
			if again := NormalizeName(eco, n); again != n {
				t.Fatalf("%s: not idempotent: %q -> %q -> %q", eco, name, n, again)
			}
			if utf8.ValidString(name) && n != strings.ToLower(n) {
				t.Fatalf("%s: %q -> %q is not lower case", eco, name, n)
			}
			if eco == PyPI && (strings.ContainsAny(n, "_.") || strings.Contains(n, "--")) {
				t.Fatalf("pypi: %q -> %q keeps a separator run", name, n)
			}
			if eco != PyPI && len(n) == len(strings.TrimSpace(name)) && !strings.EqualFold(n, strings.TrimSpace(name)) {
				t.Fatalf("%s: %q -> %q changed more than case", eco, name, n)
			}
		}
	})
}
