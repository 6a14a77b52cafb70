package names

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mtibben/confusables"

	"customs/internal/ecosystem"
)

// Ecosystem is a package registry whose naming rules customs knows.
type Ecosystem = ecosystem.Ecosystem

const (
	PyPI     = ecosystem.PyPI
	NPM      = ecosystem.NPM
	RubyGems = ecosystem.RubyGems
)

var (
	// PEP 508 project names.
	pypiName = regexp.MustCompile(`^(?i:[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)
	// RubyGems' own check (Gem::Specification#validate_name).
	gemName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	// The URL-safe characters npm accepts in a name part (validate-npm-package-name);
	// upper case is accepted because old packages (JSONStream) still carry it.
	npmPart = regexp.MustCompile(`^[A-Za-z0-9~!*'()._-]+$`)
)

// Validate reports why name is not a legal package name in eco, or nil.
func Validate(eco Ecosystem, name string) error {
	if name == "" {
		return fmt.Errorf("empty name")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("name is not valid UTF-8")
	}
	for _, r := range name {
		if r > 0x7e || r < 0x21 {
			return fmt.Errorf("%s names are ASCII without spaces; %q has %U", eco, name, r)
		}
	}
	switch eco {
	case PyPI:
		if !pypiName.MatchString(name) {
			return fmt.Errorf("not a PEP 508 project name: letters, digits, '.', '_' and '-' only, starting and ending with a letter or digit")
		}
	case RubyGems:
		if !gemName.MatchString(name) {
			return fmt.Errorf("not a gem name: letters, digits, '.', '_' and '-' only")
		}
		if strings.Trim(name, "._-") == "" {
			return fmt.Errorf("not a gem name: needs a letter or digit")
		}
	case NPM:
		if len(name) > 214 {
			return fmt.Errorf("npm names are at most 214 characters")
		}
		scope, part, scoped := SplitScope(name)
		if scoped {
			if scope == "" || !npmPart.MatchString(scope) {
				return fmt.Errorf("bad npm scope in %q: want @scope/name with URL-safe characters", name)
			}
		} else if strings.ContainsRune(name, '/') {
			return fmt.Errorf("npm names contain '/' only after an @scope")
		}
		if !npmPart.MatchString(part) {
			return fmt.Errorf("npm names use URL-safe characters only (letters, digits, - . _ ~ ! * ' ( ))")
		}
		if part[0] == '.' || part[0] == '_' {
			return fmt.Errorf("npm names cannot start with '.' or '_'")
		}
		if l := strings.ToLower(part); !scoped && (l == "node_modules" || l == "favicon.ico") {
			return fmt.Errorf("%q is a blacklisted npm name", part)
		}
	default:
		return fmt.Errorf("unknown ecosystem %q", eco)
	}
	return nil
}

// SplitScope splits "@scope/name" into its parts; scoped is false for a
// plain name, which is returned whole as part.
func SplitScope(name string) (scope, part string, scoped bool) {
	if strings.HasPrefix(name, "@") {
		if i := strings.IndexByte(name, '/'); i > 0 {
			return name[1:i], name[i+1:], true
		}
		return name[1:], "", true
	}
	return "", name, false
}

// Canonical is the identity of a name in its registry: two names with the
// same canonical form are the same package. PyPI folds case and runs of
// "-_." (PEP 503); RubyGems folds case (rubygems.org refuses a name that
// differs from an existing gem only by case) but not separators; npm takes
// names as written (old packages such as JSONStream keep upper case), which
// is where it differs from ecosystem.NormalizeName.
func Canonical(eco Ecosystem, name string) string {
	if eco == NPM {
		return name
	}
	return ecosystem.NormalizeName(eco, name)
}

// Skeleton is the key under which names that a reader cannot tell apart
// collide: lower case, the Unicode TS #39 confusable skeleton (so "1" meets
// "l" and "rn" meets "m"), and no separators at all. An npm scope keeps its
// own part: "@scope/name" becomes "@scope/name" with both parts folded.
func Skeleton(eco Ecosystem, name string) string {
	if eco == NPM {
		if scope, part, scoped := SplitScope(name); scoped {
			return "@" + foldPart(scope) + "/" + foldPart(part)
		}
	}
	return foldPart(name)
}

func foldPart(s string) string {
	s = strings.ToLower(s)
	if needsConfusableMap(s) {
		s = strings.ToLower(confusables.Skeleton(s))
	}
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' {
			return -1
		}
		return r
	}, s)
}

// needsConfusableMap is a fast path: among lower-case ASCII only 0, 1, m
// (as "rn") and a few punctuation marks have skeleton mappings, so most
// names skip the allocating Unicode normalisation.
func needsConfusableMap(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == '0' || c == '1' || c == 'm' || c == '|' || c == '`' || c == '"' || c == '%' {
			return true
		}
	}
	return false
}
