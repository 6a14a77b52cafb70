// Package ecosystem names the package registries customs knows (PyPI, npm,
// RubyGems), parses the ways users and files spell them, converts to and
// from the spelling OSV records use, and normalises package names so that
// lockfiles, advisories, package metadata and registries agree on which
// package a name means.
package ecosystem

import (
	"fmt"
	"strings"
)

// Ecosystem is a package registry family, in customs' lower-case spelling.
type Ecosystem string

// The ecosystems customs knows.
const (
	PyPI     Ecosystem = "pypi"
	NPM      Ecosystem = "npm"
	RubyGems Ecosystem = "rubygems"
)

// All lists every ecosystem in a stable order.
var All = []Ecosystem{PyPI, NPM, RubyGems}

// The OSV spellings of the ecosystems, as osv.dev writes them in records
// and in its download paths.
const (
	OSVPyPI     = "PyPI"
	OSVNPM      = "npm"
	OSVRubyGems = "RubyGems"
)

// Parse accepts an ecosystem name in any case, with surrounding space, and
// the common spellings "python", "pip", "node", "js", "gem", "gems", "ruby".
// The OSV spellings ("PyPI", "RubyGems") are accepted too.
func Parse(s string) (Ecosystem, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pypi", "python", "pip":
		return PyPI, nil
	case "npm", "node", "js":
		return NPM, nil
	case "rubygems", "gem", "gems", "ruby":
		return RubyGems, nil
	}
	return "", fmt.Errorf("unknown ecosystem %q (want pypi, npm or rubygems)", s)
}

// OSV returns the spelling OSV records use for e ("PyPI", "npm",
// "RubyGems"), or "" for an unknown ecosystem.
func (e Ecosystem) OSV() string {
	switch e {
	case PyPI:
		return OSVPyPI
	case NPM:
		return OSVNPM
	case RubyGems:
		return OSVRubyGems
	}
	return ""
}

// FromOSV is the inverse of OSV: it maps an OSV ecosystem spelling, exactly
// as written, to its Ecosystem; ok is false for any other ecosystem.
func FromOSV(s string) (e Ecosystem, ok bool) {
	switch s {
	case OSVPyPI:
		return PyPI, true
	case OSVNPM:
		return NPM, true
	case OSVRubyGems:
		return RubyGems, true
	}
	return "", false
}
