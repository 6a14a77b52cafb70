package scan

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"customs/internal/finding"
	"customs/internal/policy"
)

// Policy is what a scan needs of the project's .customs.yaml. The file is
// decoded by internal/policy; the command converts it to this, so that scan
// does not depend on the file's layout and diff can pass its own.
type Policy struct {
	// Internal holds glob patterns ("@acme/*", "acme-*") of the project's
	// private package names per ecosystem ("npm", "pypi", "rubygems").
	Internal map[string][]string
	// Allow lists names the name checks must not flag, per ecosystem.
	Allow map[string][]string
	// Cooldown is how old a release must be; 0 means the default (72h),
	// a negative value turns the check off.
	Cooldown time.Duration
	// FailOn is the least verdict that fails the run [suspicious].
	FailOn finding.Verdict
	// Ignores silence findings until they expire.
	Ignores []Ignore
}

// Ignore silences the findings of one rule or advisory id, optionally for
// one package, until Expires; Reason is shown with every silenced finding.
type Ignore struct {
	ID      string    // a rule id ("registry-too-new") or advisory id ("MAL-2025-1"); "" = any
	Package string    // "" (all), "name", "name@version", optionally "ecosystem:" first
	Reason  string    // required by policy: why this is acceptable
	Expires time.Time // the last day it applies; zero: never
}

// Ignored is a finding an ignore entry silenced.
type Ignored struct {
	finding.Finding
	Reason  string `json:"reason"`
	Expires string `json:"expires,omitempty"`
}

// internalPattern returns the first internal pattern name matches.
func (p *Policy) internalPattern(eco, name string) (string, bool) {
	return policy.Match(p.Internal[eco], name)
}

// allowed reports whether the name checks must leave name alone.
func (p *Policy) allowed(eco, name string) bool {
	_, ok := policy.Match(p.Allow[eco], name)
	return ok
}

// applyIgnores drops silenced signals, recording them in pkg.Ignored. An
// ignore past its expiry silences nothing and adds a note saying so, once
// per entry (expired is shared by the whole scan, under its lock).
func (p *Policy) applyIgnores(pkg *Package, sigs []signal, now time.Time, expired func(i int) bool) ([]signal, []string) {
	var notes []string
	var kept []signal
	for _, s := range sigs {
		f := s.Finding
		silenced := false
		for i, ig := range p.Ignores {
			if !ig.matches(pkg, f) {
				continue
			}
			if !ig.Expires.IsZero() && !now.Before(ig.Expires.AddDate(0, 0, 1)) {
				if expired(i) {
					notes = append(notes, fmt.Sprintf("the ignore of %s%s expired on %s and no longer applies (reason given: %s)",
						cmp.Or(ig.ID, "every finding"), forPackage(ig.Package), ig.Expires.Format("2006-01-02"), finding.Snippet([]byte(ig.Reason))))
				}
				continue
			}
			ex := ""
			if !ig.Expires.IsZero() {
				ex = ig.Expires.Format("2006-01-02")
			}
			pkg.Ignored = append(pkg.Ignored, Ignored{Finding: f, Reason: ig.Reason, Expires: ex})
			silenced = true
			break
		}
		if !silenced {
			kept = append(kept, s)
		}
	}
	return kept, notes
}

func forPackage(p string) string {
	if p == "" {
		return ""
	}
	return " for " + p
}

func (ig Ignore) matches(pkg *Package, f finding.Finding) bool {
	idOK := ig.ID == "" || strings.EqualFold(ig.ID, f.Rule)
	for _, id := range f.IDs {
		idOK = idOK || strings.EqualFold(ig.ID, id)
	}
	if !idOK {
		return false
	}
	if ig.Package == "" {
		return true
	}
	spec := ig.Package
	if eco, rest, ok := strings.Cut(spec, ":"); ok && !strings.Contains(eco, "@") {
		if !strings.EqualFold(eco, pkg.Ecosystem) {
			return false
		}
		spec = rest
	}
	name, version := spec, ""
	if i := strings.LastIndexByte(spec, '@'); i > 0 {
		name, version = spec[:i], spec[i+1:]
	}
	return strings.EqualFold(name, pkg.Name) && (version == "" || version == pkg.Version)
}

// fails reports whether a package makes the run fail under this policy.
func (p *Policy) fails(pkg *Package) bool {
	failOn := p.FailOn
	if failOn == "" {
		failOn = finding.Suspicious
	}
	return pkg.Verdict.Flagged() && pkg.Verdict.Rank() >= failOn.Rank()
}
