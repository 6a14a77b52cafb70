package ecosystem

import "strings"

// NormalizeName returns the key under which customs matches a package name
// across sources (lockfiles, OSV advisories, package metadata, registry
// indexes). Surrounding white space is dropped and the name is lower-cased;
// for PyPI every run of "-", "_" and "." then becomes one "-" (PEP 503).
//
// Lower-casing npm and RubyGems names is safe for matching because both
// registries refuse a new name that differs from an existing one only by
// case. Separators are folded for PyPI only: "rails-admin" and "rails_admin"
// are two different gems. names.Canonical, which needs npm names exactly as
// written, builds on this.
func NormalizeName(eco Ecosystem, name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if eco != PyPI {
		return name
	}
	return foldSeparators(name)
}

// foldSeparators replaces every run of "-", "_" and "." by one "-". It is
// a byte loop rather than a regular expression because the names index
// normalises every name of a registry when it is built.
func foldSeparators(name string) string {
	if !strings.ContainsAny(name, "_.") && !strings.Contains(name, "--") {
		return name
	}
	var b strings.Builder
	b.Grow(len(name))
	inRun := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			if !inRun {
				b.WriteByte('-')
			}
			inRun = true
			continue
		}
		inRun = false
		b.WriteByte(c)
	}
	return b.String()
}
