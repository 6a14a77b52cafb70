// Package analyze is the rule engine of `customs inspect`: it matches the
// rules of internal/rules against the files of a package (one Aho–Corasick
// pass over each file gates every regular expression), decodes hidden
// payloads and rescans them, and judges the hits of a whole package by
// capability × threat × context (where code runs, how large the package
// is) into a verdict and a score.
package analyze

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"customs/internal/finding"
	"customs/internal/rules"
)

// Role is the context a file runs in; it weighs every hit in it.
type Role int

const (
	// RoleLow: tests, docs, examples, vendored or minified bundles.
	RoleLow Role = iota
	// RoleCode: any other code shipped in the package.
	RoleCode
	// RoleImport: runs when the package is imported or required.
	RoleImport
	// RoleInstall: runs when the package is installed.
	RoleInstall
)

var roleNames = [...]string{"test/docs/bundle", "code", "import-time", "install-time"}

func (r Role) String() string {
	if r < RoleLow || r > RoleInstall {
		return fmt.Sprintf("role(%d)", int(r))
	}
	return roleNames[r]
}

// FileContext is what the caller knows about a file when it is scanned.
type FileContext struct {
	Role Role
	// Language overrides the language guessed from the path (e.g. "shell"
	// for an npm install script taken out of package.json).
	Language string
}

// Hit is one rule matched at one place.
type Hit struct {
	Rule     *rules.Rule
	File     string
	Line     int
	Evidence string // already safe to print (finding.Snippet)
	Role     Role
	Decoded  bool // found inside a decoded payload, not in the file's own text
	// Small: ordinary code that Judge weighs as import-time code because
	// the package is tiny.
	Small bool
	// Parts are the rules a combination hit was made of (nil otherwise).
	Parts []*rules.Rule
}

// Limits of the work spent on one file, so that a hostile file cannot make
// a scan slow or large.
const (
	maxScanBytes   = 8 << 20 // text beyond this is not scanned, except its tail
	maxTailBytes   = 64 << 10
	window         = 320 // bytes around a keyword a pattern may look at
	maxHitsPerRule = 3   // per file; more add no evidence, only memory
	maxDecodeDepth = 2
	maxDecoded     = 4 << 20 // decoded payload bytes per file
)

type compiled struct {
	rule  *rules.Rule
	re    *regexp.Regexp
	langs uint16 // bit set over rules.Languages
	// literalURL: the rule matches hard-coded URLs (calls to them, or
	// links to downloads), which docstring examples and attributions are
	// full of; matches in docstrings are dropped.
	literalURL bool
}

// Engine holds the compiled rules and the prefilter automaton; it is safe
// for concurrent use.
type Engine struct {
	rules     []compiled
	byID      map[string]*compiled
	prefilter *matcher
	// keywordRules[k] lists the rules gated by keyword k.
	keywordRules [][]int
	// detectors by name for the built-in matchers.
	detectors map[string]*compiled
}

// New compiles rules into an Engine.
func New(rs []rules.Rule) (*Engine, error) {
	e := &Engine{byID: map[string]*compiled{}, detectors: map[string]*compiled{}}
	e.rules = make([]compiled, len(rs))
	kwIndex := map[string]int{}
	var keywords []string
	for i := range rs {
		r := &rs[i]
		c := compiled{rule: r, literalURL: slices.Contains(r.Tags, "hardcoded-endpoint") || slices.Contains(r.Tags, "download")}
		for _, l := range r.Languages {
			c.langs |= 1 << langBit(l)
		}
		if r.Pattern != "" {
			re, err := regexp.Compile(r.Pattern)
			if err != nil {
				return nil, fmt.Errorf("rule %s: %w", r.ID, err)
			}
			c.re = re
		}
		e.rules[i] = c
		for _, k := range r.Keywords {
			k = strings.ToLower(k)
			idx, ok := kwIndex[k]
			if !ok {
				idx = len(keywords)
				kwIndex[k] = idx
				keywords = append(keywords, k)
				e.keywordRules = append(e.keywordRules, nil)
			}
			e.keywordRules[idx] = append(e.keywordRules[idx], i)
		}
	}
	for i := range e.rules {
		c := &e.rules[i]
		e.byID[c.rule.ID] = c
		if c.rule.Detector != "" {
			if prev, dup := e.detectors[c.rule.Detector]; dup {
				return nil, fmt.Errorf("rules %s and %s both use detector %s", prev.rule.ID, c.rule.ID, c.rule.Detector)
			}
			e.detectors[c.rule.Detector] = c
		}
	}
	e.prefilter = newMatcher(keywords)
	return e, nil
}

var (
	defaultOnce   sync.Once
	defaultEngine *Engine
	defaultErr    error
)

// Default returns the engine over the built-in rules, compiled once.
func Default() (*Engine, error) {
	defaultOnce.Do(func() {
		rs, err := rules.Builtin()
		if err != nil {
			defaultErr = err
			return
		}
		defaultEngine, defaultErr = New(rs)
	})
	return defaultEngine, defaultErr
}

// Rule returns the rule with an id, or nil.
func (e *Engine) Rule(id string) *rules.Rule {
	if c, ok := e.byID[id]; ok {
		return c.rule
	}
	return nil
}

// Rules returns every rule of the engine.
func (e *Engine) Rules() []*rules.Rule {
	out := make([]*rules.Rule, len(e.rules))
	for i := range e.rules {
		out[i] = e.rules[i].rule
	}
	return out
}

func langBit(l string) int { return slices.Index(rules.Languages, l) }

// File scans one file and returns its hits, in file order. Files that
// cannot matter (images, fonts, source maps, data) return nothing without
// being read.
func (e *Engine) File(path string, data []byte, fc FileContext) []Hit {
	lang := fc.Language
	if lang == "" {
		lang = Language(path, data)
	}
	if lang == "" {
		return nil
	}
	s := scan{e: e, path: path, role: fc.Role}
	if lang == "binary" {
		s.binary(data)
		return s.hits
	}
	if len(data) > maxScanBytes {
		// A loader padded past the limit puts its exec after the padding:
		// scan the head and the last lines too, not the middle.
		tail := data[len(data)-maxTailBytes:]
		if i := bytes.IndexByte(tail, '\n'); i >= 0 {
			tail = tail[i+1:]
		}
		s.text(data[:maxScanBytes], lang, 0, 0)
		s.lineBase = bytes.Count(data[:len(data)-len(tail)], []byte{'\n'})
		s.text(tail, lang, 0, 0)
	} else {
		s.text(data, lang, 0, 0)
	}
	sort.SliceStable(s.hits, func(i, j int) bool { return s.hits[i].Line < s.hits[j].Line })
	return clearBenign(s.hits)
}

// clearBenign drops the hits of benign rules and the low-severity process
// hits within a line of them (a call's arguments may sit on the next
// line). Stronger hits on those lines stay: a benign idiom never hides a
// spawned downloader.
func clearBenign(hits []Hit) []Hit {
	var lines []int
	for _, h := range hits {
		if h.Rule.Class == rules.Benign {
			lines = append(lines, h.Line)
		}
	}
	if lines == nil {
		return hits
	}
	out := hits[:0]
	for _, h := range hits {
		if h.Rule.Class == rules.Benign {
			continue
		}
		if h.Rule.Severity <= finding.Low && slices.Contains(h.Rule.Tags, "process") &&
			slices.ContainsFunc(lines, func(l int) bool { return h.Line >= l-1 && h.Line <= l+1 }) {
			continue
		}
		out = append(out, h)
	}
	return out
}

// scan is the state of scanning one file (and the payloads decoded from it).
type scan struct {
	e       *Engine
	path    string
	role    Role
	hits    []Hit
	perRule map[*rules.Rule]int
	decoded int // payload bytes decoded so far
	// lineBase: lines before the text being scanned (the tail of a file
	// longer than maxScanBytes starts there).
	lineBase int
}

func (s *scan) add(c *compiled, line int, evidence []byte, decoded bool) {
	if s.perRule == nil {
		s.perRule = map[*rules.Rule]int{}
	}
	if s.perRule[c.rule] >= maxHitsPerRule {
		return
	}
	for _, h := range s.hits {
		if h.Rule == c.rule && h.Line == line {
			return
		}
	}
	s.perRule[c.rule]++
	s.hits = append(s.hits, Hit{Rule: c.rule, File: s.path, Line: line, Evidence: finding.Snippet(evidence), Role: s.role, Decoded: decoded})
}

// text scans text in a language. For a decoded payload, depth > 0 and
// atLine is the line of the literal it was decoded from: its hits are
// reported there.
func (s *scan) text(data []byte, lang string, depth, atLine int) {
	bit := uint16(1) << langBit(lang)
	anyBit := uint16(1) << langBit("any")
	applies := func(c *compiled) bool {
		return (c.langs&bit != 0 || c.langs&anyBit != 0) && c.rule.AppliesToPath(s.path)
	}
	lines := lineIndex{data: data}
	lineOf := func(off int) int {
		if depth > 0 {
			return atLine
		}
		return s.lineBase + lines.line(off)
	}
	decoded := depth > 0

	// scannedTo[i] is how far rule i's pattern has already looked, so that
	// keywords close together do not rerun it over the same bytes.
	var scannedTo map[int]int
	var scopes *pyScopes // built on the first module-scoped match
	gated := map[string]bool{}
	s.e.prefilter.scan(data, func(kw, start, end int) {
		for _, ri := range s.e.keywordRules[kw] {
			c := &s.e.rules[ri]
			if !applies(c) {
				continue
			}
			if c.re == nil {
				gated[c.rule.Detector] = true
				continue
			}
			if scannedTo == nil {
				scannedTo = map[int]int{}
			}
			if done, ok := scannedTo[ri]; ok && start < done {
				continue
			}
			if s.perRule[c.rule] >= maxHitsPerRule {
				continue // enough evidence of this rule in this file
			}
			from, to := around(data, start, end)
			scannedTo[ri] = to
			loc := c.re.FindIndex(data[from:to])
			if loc == nil {
				continue
			}
			ms, me := from+loc[0], from+loc[1]
			if inert(lang, lineAt(data, ms), c.rule) {
				continue
			}
			if c.rule.Scope == rules.ScopeModule || lang == "python" && c.literalURL {
				if scopes == nil {
					scopes = newPyScopes(data)
				}
				// Usage examples in docstrings call hard-coded URLs.
				if c.literalURL && scopes.inText(ms) || c.rule.Scope == rules.ScopeModule && !scopes.runsOnImport(ms) {
					continue
				}
			}
			s.add(c, lineOf(ms), evidence(data, ms, me), decoded)
		}
	})
	s.detect(data, lang, applies, gated, depth, lineOf)
}

// lineAt returns the line holding off, without its leading blanks.
func lineAt(data []byte, off int) []byte {
	lo := bytes.LastIndexByte(data[:off], '\n') + 1
	hi := len(data)
	if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
		hi = off + i
	}
	return bytes.TrimLeft(data[lo:hi], " \t")
}

// inert reports a match on a line that runs nothing: a comment, a doctest
// example (Python's ">>> " and "... " lines, which docstrings are full
// of), or, for network, process and dynamic-execution capabilities, a
// Python def or class signature line (class HTTPConnection(...), def
// create_connection(...) and def exec(self, ...) define, they do not
// connect or run; a body on the same line does run).
func inert(lang string, line []byte, r *rules.Rule) bool {
	switch lang {
	case "python":
		if bytes.HasPrefix(line, []byte(">>>")) || bytes.HasPrefix(line, []byte("... ")) {
			return true
		}
		definition := bytes.HasPrefix(line, []byte("def ")) || bytes.HasPrefix(line, []byte("async def ")) || bytes.HasPrefix(line, []byte("class "))
		if definition && signatureOnly(line) && (slices.Contains(r.Tags, "network") || slices.Contains(r.Tags, "process") || slices.Contains(r.Tags, "dynamic-exec")) {
			return true
		}
	case "javascript":
		return jsComment(line)
	case "ruby", "shell":
	default:
		return false
	}
	return len(line) > 0 && line[0] == '#' && !bytes.HasPrefix(line, []byte("#!"))
}

// jsComment reports a JavaScript line that is only a comment: "// ...", a
// JSDoc continuation (" * ...") or a block comment that closes, if at all,
// at the end of the line. A minified bundle's single line that opens with
// a licence comment and goes on with code is not one.
func jsComment(line []byte) bool {
	switch {
	case bytes.HasPrefix(line, []byte("//")):
		return true
	case bytes.HasPrefix(line, []byte("/*")):
		end := bytes.Index(line[2:], []byte("*/"))
		return end < 0 || len(bytes.TrimSpace(line[2+end+2:])) == 0
	case bytes.HasPrefix(line, []byte("*/")):
		return len(bytes.TrimSpace(line[2:])) == 0
	case bytes.HasPrefix(line, []byte("* ")) || bytes.Equal(bytes.TrimSpace(line), []byte("*")):
		return !bytes.Contains(line, []byte("*/")) || len(bytes.TrimSpace(line[bytes.Index(line, []byte("*/"))+2:])) == 0
	}
	return false
}

// signatureOnly reports whether a def or class line holds only the
// signature (it ends in ':' or continues on the next line), not a body
// on the same line like "def f(): subprocess.Popen(...)".
func signatureOnly(line []byte) bool {
	if i := bytes.Index(line, []byte(" #")); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimRight(line, " \t\r")
	return len(line) == 0 || strings.IndexByte(":,(\\[", line[len(line)-1]) >= 0
}

// around returns the window a pattern sees for a keyword at [start,end):
// the keyword's line and the next one, cut to window bytes either side so
// that a minified megabyte-long line costs no more than a short one.
func around(data []byte, start, end int) (int, int) {
	lo := max(0, start-window)
	if i := bytes.LastIndexByte(data[lo:start], '\n'); i >= 0 {
		lo += i + 1
	}
	hi := min(len(data), end+window)
	if i := bytes.IndexByte(data[end:hi], '\n'); i >= 0 {
		next := end + i + 1
		if j := bytes.IndexByte(data[next:hi], '\n'); j >= 0 {
			hi = next + j
		}
	}
	return lo, hi
}

// evidence is the matched text with a little of its line around it.
func evidence(data []byte, ms, me int) []byte {
	lo := max(0, ms-40)
	if i := bytes.LastIndexByte(data[lo:ms], '\n'); i >= 0 {
		lo += i + 1
	}
	hi := min(len(data), me+60)
	if i := bytes.IndexByte(data[me:hi], '\n'); i >= 0 {
		hi = me + i
	}
	return data[lo:hi]
}

// lineIndex turns offsets into 1-based line numbers, counting newlines
// incrementally (offsets mostly arrive in increasing order).
type lineIndex struct {
	data []byte
	off  int
	n    int
}

func (l *lineIndex) line(off int) int {
	if off < l.off {
		l.off, l.n = 0, 0
	}
	l.n += bytes.Count(l.data[l.off:off], []byte{'\n'})
	l.off = off
	return l.n + 1
}
