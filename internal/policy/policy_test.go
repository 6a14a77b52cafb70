package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadFull(t *testing.T) {
	p, err := Load(filepath.Join("testdata", "full.customs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if pat, ok := p.IsInternal("npm", "@acme/billing"); !ok || pat != "@acme/*" {
		t.Errorf("@acme/billing internal = %q %v", pat, ok)
	}
	if _, ok := p.IsInternal("pypi", "acme-Billing"); !ok {
		t.Error("acme-Billing should match acme-* (case folded)")
	}
	if _, ok := p.IsInternal("npm", "lodash"); ok {
		t.Error("lodash is not internal")
	}
	if !p.IsAllowed("npm", "loadsh-helpers") || p.IsAllowed("pypi", "loadsh-helpers") {
		t.Error("allow-list is per ecosystem")
	}
	if p.Cooldown.Duration != 72*time.Hour || p.FailOn != "suspicious" {
		t.Errorf("cooldown %v fail_on %q", p.Cooldown, p.FailOn)
	}
	if got, want := p.NamesDataPath("rubygems"), filepath.Join("testdata", "data", "rubygems-popularity.csv"); got != want {
		t.Errorf("names_data path %q, want %q", got, want)
	}
}

func TestIgnoreExpires(t *testing.T) {
	p, err := Parse([]byte("ignore:\n  - rule: names/typosquat\n    package: colourama\n    reason: fork\n    expires: 2026-12-31\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := p.Ignored("names/typosquat", "colourama", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)); !ok {
		t.Error("ignore should hold on its last day")
	}
	ok, note := p.Ignored("names/typosquat", "colourama", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if ok || !strings.Contains(note, "expired") {
		t.Errorf("expired ignore: ok=%v note=%q", ok, note)
	}
	if ok, _ := p.Ignored("names/typosquat", "requests", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); ok {
		t.Error("ignore applies to its package only")
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	cases := map[string]struct{ yaml, want string }{
		"unknown key":        {"internal:\n  npm: [a]\nfailon: malicious\n", "policy.yaml:3:"},
		"unknown nested key": {"ignore:\n  - rule: x\n    reason: y\n    expires: 2026-01-01\n    until: z\n", "policy.yaml:5:"},
		"unknown ecosystem":  {"internal:\n  maven: [a]\n", "unknown ecosystem \"maven\""},
		"bad fail_on":        {"fail_on: sometimes\n", "fail_on"},
		"ignore no reason":   {"ignore:\n  - rule: x\n    expires: 2026-01-01\n", "reason is required"},
		"ignore no expiry":   {"ignore:\n  - rule: x\n    reason: y\n", "expires"},
		"bad date":           {"ignore:\n  - rule: x\n    reason: y\n    expires: next year\n", "YYYY-MM-DD"},
		"bad duration":       {"cooldown: soon\n", "bad duration"},
		"wrong type":         {"internal: [a, b]\n", "policy.yaml:1:"},
		"bad glob":           {"internal:\n  npm: ['[a']\n", "bad pattern"},
		"syntax":             {"internal:\n  npm: [a\n", "policy.yaml:"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(c.yaml), "policy.yaml")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "policy.yaml") {
				t.Errorf("error %v, want it to name the file and contain %q", err, c.want)
			}
		})
	}
}

func TestFindWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, _ := Find(deep); got != "" {
		t.Fatalf("found %q in an empty tree", got)
	}
	want := filepath.Join(root, "a", FileName)
	if err := os.WriteFile(want, []byte("fail_on: malicious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Find(deep); err != nil || got != want {
		t.Fatalf("Find = %q, %v; want %q", got, err, want)
	}
}

func TestDaysDuration(t *testing.T) {
	p, err := Parse([]byte("cooldown: 3d\n"), "p.yaml")
	if err != nil || p.Cooldown.Duration != 72*time.Hour {
		t.Fatalf("3d = %v, %v", p.Cooldown, err)
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile(filepath.Join("testdata", "full.customs.yaml"))
	f.Add(seed)
	f.Add([]byte("internal:\n  npm: [a\n"))
	f.Add([]byte("cooldown: 3d\nfail_on: malicious\n"))
	f.Add([]byte("ignore: [{rule: x, reason: y, expires: 2026-01-01}]"))
	f.Add([]byte("&a [*a, *a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		// A policy that parsed obeys its own rules.
		for _, ig := range p.Ignore {
			if ig.Reason == "" || ig.Expires.IsZero() {
				t.Fatalf("accepted ignore without reason or expiry: %+v", ig)
			}
		}
		p.IsInternal("npm", "x")
		p.Ignored("r", "x", time.Now())
	})
}
