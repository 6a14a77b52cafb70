package advisory

// Version ordering for the three ecosystems. These are written here rather
// than taken from a library: golang.org/x/mod/semver wants a "v" prefix and
// accepts Go-only shorthands ("v1.2") that npm rejects, and no small, pure-Go,
// maintained PEP 440 or Gem::Version comparator is among the project's
// dependencies. Each parser accepts the common, documented forms and reports
// anything else as unparsable, so a range is never matched on a guess.

import (
	"math/big"
	"strconv"
	"strings"
)

// compareFunc orders two versions of one ecosystem; ok is false when either
// of them cannot be parsed by that ecosystem's rules.
type compareFunc func(a, b string) (cmp int, ok bool)

// Compare orders two versions by the rules of eco; ok is false when the
// ecosystem is unknown or either version cannot be parsed.
func Compare(eco Ecosystem, a, b string) (int, bool) {
	if f := compareFor(eco); f != nil {
		return f(a, b)
	}
	return 0, false
}

// compareFor returns the ordering used by OSV ranges in the given
// ecosystem, or nil when the ecosystem is unknown.
func compareFor(eco Ecosystem) compareFunc {
	switch eco {
	case NPM:
		return compareSemver
	case PyPI:
		return comparePEP440
	case RubyGems:
		return compareGem
	}
	return nil
}

// ---- npm: Semantic Versioning 2.0.0 (node-semver's accepted form) ----

type semver struct {
	core [3]string // numeric identifiers, without leading zeros
	pre  []string  // dot-separated pre-release identifiers
}

// parseSemver reads MAJOR.MINOR.PATCH[-PRE][+BUILD] with an optional leading
// "v" or "=" as npm allows; build metadata is ignored for ordering.
func parseSemver(s string) (semver, bool) {
	var v semver
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "=")
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !validIdents(s[i+1:], false) {
			return v, false
		}
		s = s[:i]
	}
	if i := strings.IndexByte(s, '-'); i >= 0 {
		if !validIdents(s[i+1:], true) {
			return v, false
		}
		v.pre = strings.Split(s[i+1:], ".")
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		if !isNumeric(p) || (len(p) > 1 && p[0] == '0') {
			return v, false
		}
		v.core[i] = p
	}
	return v, true
}

// validIdents checks dot-separated identifiers of [0-9A-Za-z-]; numeric
// pre-release identifiers may not carry leading zeros.
func validIdents(s string, pre bool) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return false
			}
		}
		if pre && isNumeric(id) && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

func isNumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareNumeric orders two digit strings without leading zeros of any length.
func compareNumeric(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func compareSemver(a, b string) (int, bool) {
	va, ok1 := parseSemver(a)
	vb, ok2 := parseSemver(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return va.compare(vb), true
}

func (v semver) compare(o semver) int {
	for i := range v.core {
		if c := compareNumeric(v.core[i], o.core[i]); c != 0 {
			return c
		}
	}
	// A version without pre-release is greater than one with.
	switch {
	case len(v.pre) == 0 && len(o.pre) == 0:
		return 0
	case len(v.pre) == 0:
		return 1
	case len(o.pre) == 0:
		return -1
	}
	for i := 0; i < len(v.pre) && i < len(o.pre); i++ {
		x, y := v.pre[i], o.pre[i]
		xn, yn := isNumeric(x), isNumeric(y)
		var c int
		switch {
		case xn && yn:
			c = compareNumeric(x, y)
		case xn:
			c = -1 // numeric identifiers sort before alphanumeric ones
		case yn:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(v.pre), len(o.pre))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ---- PyPI: PEP 440 ----

// pep440 is a parsed, normalised PEP 440 version. Numbers are kept as
// digit strings without leading zeros so that huge components compare right.
type pep440 struct {
	epoch   string
	release []string // trailing zeros removed: 1.0 == 1.0.0
	preKind int      // 0 none, 1 a, 2 b, 3 rc
	pre     string
	post    string // "" = no post-release
	dev     string // "" = no dev-release
	hasPost bool
	hasDev  bool
	local   []string
}

// parsePEP440 follows the normalisation rules of PEP 440 ("Normalization"):
// case-insensitive, optional "v", "-", "_" or "." separators, alternative
// spellings (alpha, beta, c, pre, preview, rev, r), implicit numbers and the
// "1.0-1" post-release form.
func parsePEP440(s string) (pep440, bool) {
	var v pep440
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexByte(s, '+'); i >= 0 {
		local := s[i+1:]
		s = s[:i]
		if local == "" {
			return v, false
		}
		for _, p := range strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
			if !isAlnum(p) {
				return v, false
			}
			v.local = append(v.local, trimZeros(p))
		}
		if len(v.local) == 0 {
			return v, false
		}
	}
	if i := strings.IndexByte(s, '!'); i >= 0 {
		if !isNumeric(s[:i]) {
			return v, false
		}
		v.epoch = trimZeros(s[:i])
		s = s[i+1:]
	} else {
		v.epoch = "0"
	}
	// Release: digits separated by dots.
	n := 0
	for {
		j := n
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == n {
			return v, false
		}
		v.release = append(v.release, trimZeros(s[n:j]))
		n = j
		if n+1 < len(s) && s[n] == '.' && s[n+1] >= '0' && s[n+1] <= '9' {
			n++
			continue
		}
		break
	}
	for len(v.release) > 1 && v.release[len(v.release)-1] == "0" {
		v.release = v.release[:len(v.release)-1]
	}
	rest := s[n:]
	// Pre-release.
	if kind, num, r, ok := pepSegment(rest, preSpellings); ok {
		v.preKind, v.pre, rest = kind, num, r
	}
	// Post-release, including the implicit "-N" form.
	if kind, num, r, ok := pepSegment(rest, postSpellings); ok && kind > 0 {
		v.hasPost, v.post, rest = true, num, r
	} else if len(rest) > 1 && rest[0] == '-' && isDigit(rest[1]) {
		j := 1
		for j < len(rest) && isDigit(rest[j]) {
			j++
		}
		v.hasPost, v.post, rest = true, trimZeros(rest[1:j]), rest[j:]
	}
	if kind, num, r, ok := pepSegment(rest, devSpellings); ok && kind > 0 {
		v.hasDev, v.dev, rest = true, num, r
	}
	return v, rest == ""
}

var (
	preSpellings  = map[string]int{"a": 1, "alpha": 1, "b": 2, "beta": 2, "rc": 3, "c": 3, "pre": 3, "preview": 3}
	postSpellings = map[string]int{"post": 1, "rev": 1, "r": 1}
	devSpellings  = map[string]int{"dev": 1}
)

// pepSegment reads an optional separator, a spelling from words and an
// optional separator plus number (implicitly 0) from the start of s.
func pepSegment(s string, words map[string]int) (kind int, num, rest string, ok bool) {
	t := s
	if t != "" && (t[0] == '.' || t[0] == '-' || t[0] == '_') {
		t = t[1:]
	}
	j := 0
	for j < len(t) && t[j] >= 'a' && t[j] <= 'z' {
		j++
	}
	kind, known := words[t[:j]]
	if j == 0 || !known {
		return 0, "", s, false
	}
	t = t[j:]
	k := 0
	if t != "" && (t[0] == '.' || t[0] == '-' || t[0] == '_') && len(t) > 1 && isDigit(t[1]) {
		k = 1
	}
	e := k
	for e < len(t) && isDigit(t[e]) {
		e++
	}
	if e == k {
		return kind, "0", t, true
	}
	return kind, trimZeros(t[k:e]), t[e:], true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func trimZeros(s string) string {
	t := strings.TrimLeft(s, "0")
	if t == "" && s != "" && isNumeric(s) {
		return "0"
	}
	if !isNumeric(s) {
		return s
	}
	return t
}

func comparePEP440(a, b string) (int, bool) {
	va, ok1 := parsePEP440(a)
	vb, ok2 := parsePEP440(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return va.compare(vb), true
}

// compare implements PEP 440's ordering: epoch, release, then
// dev < pre < (final) < post, with a dev-release of a pre or post sorting
// before it, and local versions after the public one they extend.
func (v pep440) compare(o pep440) int {
	if c := compareNumeric(v.epoch, o.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(v.release) || i < len(o.release); i++ {
		x, y := "0", "0"
		if i < len(v.release) {
			x = v.release[i]
		}
		if i < len(o.release) {
			y = o.release[i]
		}
		if c := compareNumeric(x, y); c != 0 {
			return c
		}
	}
	if c := cmpInt(v.phase(), o.phase()); c != 0 {
		return c
	}
	if v.preKind != 0 {
		if c := compareNumeric(v.pre, o.pre); c != 0 {
			return c
		}
	}
	if c := compareOptional(v.hasPost, v.post, o.hasPost, o.post, -1); c != 0 {
		return c
	}
	if c := compareOptional(v.hasDev, v.dev, o.hasDev, o.dev, 1); c != 0 {
		return c
	}
	return compareLocal(v.local, o.local)
}

// phase orders what follows the release: a bare dev release (1.0.dev1)
// sorts before any pre-release, which sorts before the final release.
func (v pep440) phase() int {
	switch {
	case v.preKind == 0 && !v.hasPost && v.hasDev:
		return -1
	case v.preKind != 0:
		return v.preKind
	}
	return 10
}

// compareOptional orders an optional numeric segment; absent sorts as
// absentSign relative to present (post: absent is lower; dev: absent is higher).
func compareOptional(hasA bool, a string, hasB bool, b string, absentSign int) int {
	switch {
	case hasA && hasB:
		return compareNumeric(a, b)
	case hasA:
		return -absentSign
	case hasB:
		return absentSign
	}
	return 0
}

// compareLocal: numeric segments compare numerically and sort after
// alphanumeric ones; a longer local version with an equal prefix is greater.
func compareLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		xn, yn := isNumeric(x), isNumeric(y)
		var c int
		switch {
		case xn && yn:
			c = compareNumeric(x, y)
		case xn:
			c = 1
		case yn:
			c = -1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(a), len(b))
}

// ---- RubyGems: Gem::Version ----

// parseGem splits a version into Gem::Version's segments: runs of digits
// (numbers) and runs of letters (strings, which mark a pre-release). The
// accepted syntax is Gem::Version's: [0-9]+(.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(.[0-9A-Za-z-]+)*)?
// where "-" is read as ".pre.".
func parseGem(s string) ([]any, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	if !isDigit(s[0]) {
		return nil, false
	}
	s = strings.ReplaceAll(s, "-", ".pre.")
	var segs []any
	for _, part := range strings.Split(s, ".") {
		if part == "" || !isAlnumMixed(part) {
			return nil, false
		}
		for part != "" {
			j := 0
			if isDigit(part[0]) {
				for j < len(part) && isDigit(part[j]) {
					j++
				}
				n, ok := new(big.Int).SetString(part[:j], 10)
				if !ok {
					return nil, false
				}
				segs = append(segs, n)
			} else {
				for j < len(part) && !isDigit(part[j]) {
					j++
				}
				segs = append(segs, part[:j])
			}
			part = part[j:]
		}
	}
	return canonicalGem(segs), true
}

func isAlnumMixed(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// canonicalGem drops zero segments before the first string and at the end,
// as Gem::Version#canonical_segments does, so 1.0 == 1 and 1.0.a == 1.a.
func canonicalGem(segs []any) []any {
	firstStr := len(segs)
	for i, s := range segs {
		if _, ok := s.(string); ok {
			firstStr = i
			break
		}
	}
	head, tail := segs[:firstStr], segs[firstStr:]
	for len(head) > 0 && isZero(head[len(head)-1]) {
		head = head[:len(head)-1]
	}
	for len(tail) > 0 && isZero(tail[len(tail)-1]) {
		tail = tail[:len(tail)-1]
	}
	return append(append([]any{}, head...), tail...)
}

func isZero(s any) bool {
	n, ok := s.(*big.Int)
	return ok && n.Sign() == 0
}

func compareGem(a, b string) (int, bool) {
	sa, ok1 := parseGem(a)
	sb, ok2 := parseGem(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	for i := 0; i < len(sa) || i < len(sb); i++ {
		var x, y any = big.NewInt(0), big.NewInt(0)
		if i < len(sa) {
			x = sa[i]
		}
		if i < len(sb) {
			y = sb[i]
		}
		xs, xIsStr := x.(string)
		ys, yIsStr := y.(string)
		switch {
		case xIsStr && yIsStr:
			if c := strings.Compare(xs, ys); c != 0 {
				return c, true
			}
		case xIsStr:
			return -1, true // a string segment (pre-release) sorts before a number
		case yIsStr:
			return 1, true
		default:
			if c := x.(*big.Int).Cmp(y.(*big.Int)); c != 0 {
				return c, true
			}
		}
	}
	return 0, true
}

// Major returns a version's leading number, e.g. to spot unusual jumps; ok
// is false when the version does not start with one.
func Major(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "="), "v")
	j := 0
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == 0 || j > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:j], 10, 64)
	return n, err == nil
}
