// Package advisory loads OSV malicious-package advisories (MAL- records) for
// npm, PyPI and RubyGems and answers "is this exact version of this package
// known malware?". Records are read from osv.dev's per-ecosystem all.zip,
// a directory, a JSON file or a JSON-lines file, and kept in a compact index
// (index.go) so that a scan loads them in milliseconds.
package advisory

import (
	"encoding/json"
	"fmt"
	"strings"

	"customs/internal/ecosystem"
)

// Ecosystem is an OSV ecosystem name as it appears in records, in osv.dev's
// download paths and in the index ("PyPI", "npm", "RubyGems"); it converts
// to and from customs' own spelling, ecosystem.Ecosystem.
type Ecosystem string

const (
	NPM      Ecosystem = ecosystem.OSVNPM
	PyPI     Ecosystem = ecosystem.OSVPyPI
	RubyGems Ecosystem = ecosystem.OSVRubyGems
)

// Ecosystems are the ecosystems customs knows, in the order `db update`
// downloads them.
var Ecosystems = []Ecosystem{NPM, PyPI, RubyGems}

// ParseEcosystem maps any spelling ecosystem.Parse accepts (those of
// lockfiles, users and OSV records alike) to an OSV ecosystem.
func ParseEcosystem(s string) (Ecosystem, bool) {
	e, err := ecosystem.Parse(s)
	if err != nil {
		return "", false
	}
	return OSV(e), true
}

// OSV returns the OSV ecosystem of e.
func OSV(e ecosystem.Ecosystem) Ecosystem { return Ecosystem(e.OSV()) }

// Ecosystem returns e in customs' own spelling, or "" for an ecosystem
// customs does not know.
func (e Ecosystem) Ecosystem() ecosystem.Ecosystem {
	c, _ := ecosystem.FromOSV(string(e))
	return c
}

// Advisory is what customs keeps of one OSV record for one package: enough
// to decide whether a version is affected and to tell the user why.
type Advisory struct {
	ID       string   `json:"id"`
	Summary  string   `json:"summary,omitempty"`
	Aliases  []string `json:"aliases,omitempty"`
	Modified string   `json:"modified,omitempty"`
	Versions []string `json:"versions,omitempty"`
	Ranges   []Range  `json:"ranges,omitempty"`
}

// Range is an OSV SEMVER or ECOSYSTEM range.
type Range struct {
	Type   string  `json:"type"`
	Events []Event `json:"events"`
}

// Event is one OSV range event; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// osvRecord is the subset of the OSV schema that customs reads.
type osvRecord struct {
	ID        string   `json:"id"`
	Summary   string   `json:"summary"`
	Details   string   `json:"details"`
	Aliases   []string `json:"aliases"`
	Modified  string   `json:"modified"`
	Withdrawn string   `json:"withdrawn"`
	Affected  []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
		Versions []string `json:"versions"`
		Ranges   []Range  `json:"ranges"`
	} `json:"affected"`
}

// maxSummary bounds the text kept per advisory; records are third-party data.
const maxSummary = 300

// entry is one (ecosystem, package) pair of a record, ready to index.
type entry struct {
	eco  Ecosystem
	name string // normalised
	adv  Advisory
}

// decodeRecord parses one OSV JSON record and returns an entry per affected
// package of a known ecosystem. Withdrawn records yield nothing: their
// publisher has taken them back.
func decodeRecord(b []byte) (es []entry, r osvRecord, err error) {
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, r, fmt.Errorf("not an OSV record: %w", err)
	}
	if r.ID == "" {
		return nil, r, fmt.Errorf("OSV record without an id")
	}
	if r.Withdrawn != "" {
		return nil, r, nil
	}
	summary := r.Summary
	if summary == "" {
		summary = firstLine(r.Details)
	}
	if len(summary) > maxSummary {
		summary = summary[:maxSummary] + "…"
	}
	for _, a := range r.Affected {
		eco, ok := ParseEcosystem(a.Package.Ecosystem)
		if !ok || a.Package.Name == "" {
			continue
		}
		var ranges []Range
		for _, rg := range a.Ranges {
			// GIT ranges name commits, not versions of a published package.
			if rg.Type == "SEMVER" || rg.Type == "ECOSYSTEM" {
				ranges = append(ranges, rg)
			}
		}
		if len(a.Versions) == 0 && len(ranges) == 0 {
			continue
		}
		es = append(es, entry{eco: eco, name: ecosystem.NormalizeName(eco.Ecosystem(), a.Package.Name), adv: Advisory{
			ID: r.ID, Summary: summary, Aliases: r.Aliases, Modified: r.Modified,
			Versions: a.Versions, Ranges: ranges,
		}})
	}
	return es, r, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// Affects reports whether version of a package in eco is covered by the
// advisory: listed in its versions, or inside one of its ranges.
func (a *Advisory) Affects(eco Ecosystem, version string) bool {
	version = strings.TrimSpace(version)
	for _, v := range a.Versions {
		if v == version {
			return true
		}
	}
	cmp := compareFor(eco)
	for _, r := range a.Ranges {
		if inRange(r, version, cmp) {
			return true
		}
	}
	// Listed versions may be spelled differently from the lockfile's
	// (PEP 440 "1.0" vs "1.0.0"); compare them as versions as well.
	if cmp != nil {
		for _, v := range a.Versions {
			if c, ok := cmp(v, version); ok && c == 0 {
				return true
			}
		}
	}
	return false
}

// AllVersions reports whether the advisory covers every version of the
// package (a range whose only event is introduced "0"), so that a
// dependency declared without a version is affected whatever resolves.
func (a *Advisory) AllVersions() bool {
	for _, r := range a.Ranges {
		if coversAll(r) {
			return true
		}
	}
	return false
}

// coversAll reports whether a range is just {introduced: "0"}.
func coversAll(r Range) bool {
	open := false
	for _, e := range r.Events {
		switch {
		case e.Introduced == "0":
			open = true
		case e.Introduced != "" || e.Fixed != "" || e.LastAffected != "" || e.Limit != "":
			return false
		}
	}
	return open
}

// inRange applies OSV's range semantics: "introduced" opens an affected
// interval, "fixed" closes it (exclusive), "last_affected" closes it
// (inclusive) and "limit" caps the whole range (exclusive). An introduced
// event of "0" means "from the first version", so a range with only that
// event covers every version — even ones this ecosystem's parser rejects.
func inRange(r Range, version string, cmp compareFunc) bool {
	if coversAll(r) {
		return true
	}
	if cmp == nil {
		return false
	}
	// ge reports version >= x; unparsable bounds make the range unusable.
	ge := func(x string) (bool, bool) {
		if x == "0" {
			return true, true
		}
		c, ok := cmp(version, x)
		return c >= 0, ok
	}
	for _, e := range r.Events {
		if e.Limit == "" {
			continue
		}
		if past, ok := ge(e.Limit); !ok || past {
			return false
		}
	}
	// Walk the intervals: for every introduced bound at or below the
	// version, the version is affected unless a closing bound lies between.
	affected := false
	for _, e := range r.Events {
		if e.Introduced == "" {
			continue
		}
		in, ok := ge(e.Introduced)
		if !ok || !in {
			continue
		}
		closed := false
		for _, f := range r.Events {
			var bound string
			inclusive := false
			switch {
			case f.Fixed != "":
				bound = f.Fixed
			case f.LastAffected != "":
				bound, inclusive = f.LastAffected, true
			default:
				continue
			}
			// Only bounds above this interval's start close it.
			if c, ok := cmp(bound, e.Introduced); e.Introduced != "0" && (!ok || c <= 0) {
				continue
			}
			c, ok := cmp(version, bound)
			if !ok {
				closed = true // cannot tell: do not claim a match
				break
			}
			if c > 0 || (c == 0 && !inclusive) {
				// The version is past this bound; the bound closes the
				// interval only if no later introduced reopens it, which
				// the outer loop checks with that event.
				closed = true
				break
			}
		}
		if !closed {
			affected = true
			break
		}
	}
	return affected
}
