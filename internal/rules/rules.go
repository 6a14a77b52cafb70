// Package rules holds the detection rules of `customs inspect` as data:
// YAML files embedded in the binary, each rule with a stable id, a version,
// what it means, how severe it is, where it applies, the literal keywords
// that gate it (the Aho–Corasick prefilter), the regular expression that
// confirms it and its own positive and negative test cases.
//
// This package only loads and validates rules; internal/analyze compiles
// and runs them.
package rules

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"customs/internal/finding"
)

//go:embed *.yaml
var builtin embed.FS

// Class says how a rule counts in the score: a capability is something code
// can do (open a socket, run a process, decode base64) and is harmless alone;
// a threat is something benign code rarely does (post to a Discord webhook,
// exec a decoded payload, read browser password stores). Obfuscation hides
// intent and aggravates both. A benign rule recognises an idiom that only
// looks like a capability (setup.py asking git for its version, probing
// pkg-config, uploading itself with twine): its hits are never reported,
// and they clear the low-severity process hits on the same lines.
type Class string

const (
	Capability  Class = "capability"
	Threat      Class = "threat"
	Obfuscation Class = "obfuscation"
	Benign      Class = "benign"
)

// Languages a rule can apply to. A file's language comes from its name
// (and, for extensionless scripts, its shebang); "any" matches every text
// file, "binary" is for detectors that look at executable headers.
var Languages = []string{"python", "javascript", "ruby", "shell", "powershell", "manifest", "any", "binary"}

// Ecosystems a rule can be limited to (empty means all).
var Ecosystems = []string{"pypi", "npm", "rubygems"}

// Detectors are the built-in matchers implemented in Go by internal/analyze
// for what a regular expression cannot express well (byte statistics,
// decoding, binary headers). A rule names one instead of a pattern.
var Detectors = []string{
	"embedded-binary",   // ELF, PE or Mach-O executable header
	"long-line",         // a code line far longer than any hand-written one
	"js-obfuscator",     // many _0x… identifiers, javascript-obfuscator output
	"bidi-unicode",      // bidirectional override characters in code
	"invisible-unicode", // zero-width and filler characters in code
	"decoded-payload",   // a base64/hex/zlib literal that decodes to code
	"math-letters",      // identifiers spelt in Unicode mathematical letters
	"exec-decoded-name", // exec(x) of a name assigned decoded or decrypted data a few lines before
}

// ScopeModule is the only Scope: module-level Python code.
const ScopeModule = "module"

// Cases are a rule's own examples: every Match snippet must produce a hit
// of the rule, no NoMatch snippet may.
type Cases struct {
	Match   []string `yaml:"match"`
	NoMatch []string `yaml:"nomatch"`
}

// Rule is one detection rule as written in a YAML file.
type Rule struct {
	ID          string           `yaml:"id"`
	Version     int              `yaml:"version"`
	Description string           `yaml:"description"` // what the rule looks for and why it matters
	Message     string           `yaml:"message"`     // one sentence shown to the developer with each finding
	Severity    finding.Severity `yaml:"severity"`
	Class       Class            `yaml:"class"`
	Tags        []string         `yaml:"tags"` // behaviour category, e.g. network, exfil, credentials
	Ecosystems  []string         `yaml:"ecosystems,omitempty"`
	Languages   []string         `yaml:"languages"`
	Paths       []string         `yaml:"paths,omitempty"`    // base-name globs limiting the files, e.g. "*.pth"
	Keywords    []string         `yaml:"keywords,omitempty"` // any one must occur (ASCII case-insensitive)
	Pattern     string           `yaml:"pattern,omitempty"`  // Go RE2, run near keyword hits
	Detector    string           `yaml:"detector,omitempty"`
	// Scope "module" keeps only Python matches that run when the module is
	// imported (not inside a function the module never calls).
	Scope string `yaml:"scope,omitempty"`
	Tests Cases  `yaml:"tests"`

	// Source is the file the rule was loaded from (not part of the YAML).
	Source string `yaml:"-"`
}

var idRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Load reads every *.yaml file of fsys (each a list of rules), strictly:
// an unknown key, a missing field, a bad regexp or a duplicate id is an
// error naming the file and the rule.
func Load(fsys fs.FS) ([]Rule, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var all []Rule
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		rs, err := decode(data)
		if err != nil {
			return nil, fmt.Errorf("rules file %s: %w", name, err)
		}
		for i := range rs {
			r := &rs[i]
			r.Source = path.Base(name)
			if err := r.validate(); err != nil {
				return nil, fmt.Errorf("rules file %s: rule %d (%q): %w", name, i+1, r.ID, err)
			}
			if k, ok := coercedKeyword(r, data); ok {
				return nil, fmt.Errorf("rules file %s: rule %d (%q): keyword %q is a number or a boolean as YAML reads it: quote it", name, i+1, r.ID, k)
			}
			if prev, ok := seen[r.ID]; ok {
				return nil, fmt.Errorf("rules file %s: rule id %q already defined in %s", name, r.ID, prev)
			}
			seen[r.ID] = name
			all = append(all, *r)
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no rules found")
	}
	return all, nil
}

// decode reads one rules file strictly. The YAML library can panic on
// some malformed documents (found by FuzzLoad); that is reported as an
// error like any other syntax problem.
func decode(data []byte) (rs []Rule, err error) {
	defer func() {
		if p := recover(); p != nil {
			rs, err = nil, fmt.Errorf("malformed YAML: %v", p)
		}
	}()
	err = yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField()).Decode(&rs)
	return rs, err
}

// Builtin returns the rules embedded in the binary.
func Builtin() ([]Rule, error) { return Load(builtin) }

func (r *Rule) validate() error {
	switch {
	case !idRE.MatchString(r.ID):
		return fmt.Errorf("id must be lower-case words joined by '-', like py-exec-base64")
	case r.Version < 1:
		return fmt.Errorf("version must be 1 or more")
	case strings.TrimSpace(r.Description) == "":
		return fmt.Errorf("description is required")
	case strings.TrimSpace(r.Message) == "":
		return fmt.Errorf("message is required")
	case r.Class != Capability && r.Class != Threat && r.Class != Obfuscation && r.Class != Benign:
		return fmt.Errorf("class %q must be capability, threat, obfuscation or benign", r.Class)
	case len(r.Tags) == 0:
		return fmt.Errorf("at least one tag is required")
	case len(r.Languages) == 0:
		return fmt.Errorf("at least one language is required")
	case (r.Pattern == "") == (r.Detector == ""):
		return fmt.Errorf("exactly one of pattern and detector is required")
	case len(r.Tests.Match) == 0:
		return fmt.Errorf("tests.match needs at least one positive case")
	}
	for _, l := range r.Languages {
		if !slices.Contains(Languages, l) {
			return fmt.Errorf("unknown language %q (want one of %s)", l, strings.Join(Languages, ", "))
		}
	}
	for _, p := range r.Paths {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("paths: bad glob %q: %w", p, err)
		}
	}
	for _, e := range r.Ecosystems {
		if !slices.Contains(Ecosystems, e) {
			return fmt.Errorf("unknown ecosystem %q (want one of %s)", e, strings.Join(Ecosystems, ", "))
		}
	}
	if r.Scope != "" && (r.Scope != ScopeModule || len(r.Languages) != 1 || r.Languages[0] != "python") {
		return fmt.Errorf("scope %q: only \"module\" for python rules", r.Scope)
	}
	if r.Detector != "" {
		if !slices.Contains(Detectors, r.Detector) {
			return fmt.Errorf("unknown detector %q (want one of %s)", r.Detector, strings.Join(Detectors, ", "))
		}
		return nil
	}
	if len(r.Keywords) == 0 {
		return fmt.Errorf("a pattern rule needs keywords for the prefilter")
	}
	for _, k := range r.Keywords {
		if len(k) < 3 {
			return fmt.Errorf("keyword %q is too short to prefilter anything", k)
		}
	}
	if _, err := regexp.Compile(r.Pattern); err != nil {
		return fmt.Errorf("pattern: %w", err)
	}
	return nil
}

// coercedKeyword finds a keyword that YAML read as a number or a boolean
// and turned into text: an unquoted 0x095ea7b3 arrives as "157198259",
// yes as "true", and would never match what it was meant to. A keyword of
// digits that the file does spell so ('68747470', hex for "http") is fine.
func coercedKeyword(r *Rule, data []byte) (string, bool) {
	for _, k := range r.Keywords {
		scalar := k == "true" || k == "false" || strings.Trim(k, "0123456789.-+e") == ""
		if scalar && !bytes.Contains(data, []byte(k)) {
			return k, true
		}
	}
	return "", false
}

// AppliesTo reports whether the rule is meant for an ecosystem ("" = unknown,
// which every rule applies to).
func (r *Rule) AppliesTo(ecosystem string) bool {
	return ecosystem == "" || len(r.Ecosystems) == 0 || slices.Contains(r.Ecosystems, ecosystem)
}

// AppliesToPath reports whether the rule's path globs (if any) accept a
// file path.
func (r *Rule) AppliesToPath(p string) bool {
	if len(r.Paths) == 0 {
		return true
	}
	base := strings.ToLower(path.Base(p))
	for _, g := range r.Paths {
		if ok, _ := path.Match(g, base); ok {
			return true
		}
	}
	return false
}
