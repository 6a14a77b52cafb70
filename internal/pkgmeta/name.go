package pkgmeta

import (
	"regexp"
	"strings"
)

var pep503Separators = regexp.MustCompile(`[-_.]+`)

// NormalizeName returns the form under which a registry considers two names
// the same package:
//   - pypi: PEP 503, lower case with every run of "-", "_" and "." made one "-";
//   - npm: as written, lower case (new npm names must be lower case already);
//   - rubygems and anything else: lower case.
//
// Surrounding white space is dropped in every case.
func NormalizeName(eco Ecosystem, name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if eco == PyPI {
		return pep503Separators.ReplaceAllString(name, "-")
	}
	return name
}
