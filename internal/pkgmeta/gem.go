package pkgmeta

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Bounds for the YAML of a gem specification: real ones are a few KB and
// nest a handful of levels.
const (
	maxGemYAMLBytes = 1 << 20
	maxYAMLNesting  = 64
	maxGemListItems = 10_000
)

// parseGemYAML reads a gem's YAML specification (metadata.gz). The YAML
// is Psych's dump of a Gem::Specification, full of Ruby tags
// (!ruby/object:Gem::Version) and anchors. It is read as a syntax tree and
// navigated along the few fields needed, never decoded into values: that
// way aliases are never expanded (a "billion laughs" document costs
// nothing) and unknown tags do not matter.
func parseGemYAML(data []byte) (m Meta, err error) {
	m.Ecosystem = RubyGems
	if len(data) > maxGemYAMLBytes {
		return m, fmt.Errorf("gem specification of %d bytes is over the %d-byte bound", len(data), maxGemYAMLBytes)
	}
	if flowNesting(data) > maxYAMLNesting {
		return m, fmt.Errorf("gem specification nests deeper than %d levels", maxYAMLNesting)
	}
	defer func() {
		// The YAML library is not written for hostile input; a panic in it
		// is a parse error of this file, not a crash of the run.
		if r := recover(); r != nil {
			err = fmt.Errorf("unparsable YAML: %v", r)
		}
	}()
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return m, fmt.Errorf("unparsable YAML: %s", firstLine(err.Error()))
	}
	if len(f.Docs) == 0 || f.Docs[0] == nil {
		return m, errors.New("empty gem specification")
	}
	y := newYAMLTree(f.Docs[0].Body)
	spec := y.deref(f.Docs[0].Body)
	m.Name = y.scalar(y.get(spec, "name"))
	m.Version = y.scalar(y.get(y.get(spec, "version"), "version"))
	if m.Version == "" {
		m.Version = y.scalar(y.get(spec, "version"))
	}
	m.Summary = y.scalar(y.get(spec, "summary"))
	m.Extensions = y.strings(y.get(spec, "extensions"))
	m.Executables = y.strings(y.get(spec, "executables"))
	for _, dep := range y.list(y.get(spec, "dependencies")) {
		kind := "prod"
		if strings.TrimPrefix(y.scalar(y.get(dep, "type")), ":") == "development" {
			kind = "dev"
		}
		var reqs []string
		req := y.get(dep, "requirement")
		if req == nil {
			req = y.get(dep, "version_requirements")
		}
		for _, r := range y.list(y.get(req, "requirements")) {
			pair := y.list(r)
			if len(pair) == 2 {
				reqs = append(reqs, y.scalar(pair[0])+" "+y.scalar(y.get(pair[1], "version")))
			}
		}
		if name := y.scalar(y.get(dep, "name")); name != "" {
			m.Dependencies = append(m.Dependencies, Dependency{Name: name, Spec: strings.Join(reqs, ", "), Kind: kind})
		}
	}
	meta := y.get(spec, "metadata")
	for _, key := range []string{"source_code_uri", "homepage_uri"} {
		if m.Repository == "" {
			m.Repository = y.scalar(y.get(meta, key))
		}
	}
	if m.Repository == "" {
		m.Repository = y.scalar(y.get(spec, "homepage"))
	}
	if m.Name == "" {
		return m, errors.New("no name in gem specification")
	}
	return m, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// flowNesting returns the deepest nesting of [ and { in data (quotes are
// not tracked: this only guards the recursive parser against a document
// built to exhaust the stack).
func flowNesting(data []byte) int {
	depth, deepest := 0, 0
	for _, c := range data {
		switch c {
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth = max(depth-1, 0)
		}
	}
	return deepest
}

// yamlTree navigates a YAML syntax tree, resolving tags, anchors and
// aliases one step at a time.
type yamlTree struct {
	anchors map[string]ast.Node
}

func newYAMLTree(root ast.Node) *yamlTree {
	y := &yamlTree{anchors: map[string]ast.Node{}}
	ast.Walk(y, root)
	return y
}

// Visit records anchors (ast.Visitor).
func (y *yamlTree) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		y.anchors[a.Name.GetToken().Value] = a.Value
	}
	return y
}

// deref strips tags and anchors and follows aliases (a bounded number of
// hops: an alias may name another alias).
func (y *yamlTree) deref(n ast.Node) ast.Node {
	for range 16 {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			if v.Value == nil {
				return nil
			}
			n = y.anchors[v.Value.GetToken().Value]
		default:
			return n
		}
	}
	return nil
}

// get returns the value of key in mapping n, or nil.
func (y *yamlTree) get(n ast.Node, key string) ast.Node {
	var pairs []*ast.MappingValueNode
	switch v := y.deref(n).(type) {
	case *ast.MappingNode:
		pairs = v.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{v}
	}
	for _, p := range pairs {
		if p.Key != nil && y.scalar(p.Key) == key {
			return p.Value
		}
	}
	return nil
}

// scalar returns the text of a scalar as written ("1.10" stays "1.10").
func (y *yamlTree) scalar(n ast.Node) string {
	n = y.deref(n)
	if n == nil {
		return ""
	}
	if _, ok := n.(ast.ScalarNode); !ok {
		return ""
	}
	if _, null := n.(*ast.NullNode); null {
		return ""
	}
	if t := n.GetToken(); t != nil {
		return t.Value
	}
	return ""
}

func (y *yamlTree) list(n ast.Node) []ast.Node {
	if s, ok := y.deref(n).(*ast.SequenceNode); ok {
		if len(s.Values) > maxGemListItems {
			return s.Values[:maxGemListItems]
		}
		return s.Values
	}
	return nil
}

func (y *yamlTree) strings(n ast.Node) []string {
	var out []string
	for _, v := range y.list(n) {
		if s := y.scalar(v); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Regular expressions over a Ruby gemspec (specifications/*.gemspec in a
// GEM_HOME). A gemspec is Ruby code and is never run: these read the
// literal assignments that "gem build" and Debian's installer write.
var (
	gemspecName    = regexp.MustCompile(`\.name\s*=\s*(?:%q\{|["'])([^"'}\n]+)`)
	gemspecVersion = regexp.MustCompile(`\.version\s*=\s*(?:%q\{|["'])([^"'}\n]+)`)
	gemspecStub    = regexp.MustCompile(`(?m)^# stub: (\S+) (\S+)`)
	gemspecList    = regexp.MustCompile(`\.(extensions|executables)\s*=\s*\[([^\]\n]*)\]`)
	gemspecDep     = regexp.MustCompile(`add_(runtime_|development_)?dependency\s*\(?\s*(?:%q<([^>\n]+)>|["']([^"'\n]+)["'])(?:\.freeze)?(?:\s*,\s*\[?([^\]\n)]*))?`)
	rubyString     = regexp.MustCompile(`"([^"\n]*)"|'([^'\n]*)'|%q<([^>\n]*)>`)
	// Where the code lives, best first.
	gemspecSources = []*regexp.Regexp{
		regexp.MustCompile(`"source_code_uri"\s*=>\s*"([^"\n]+)"`),
		regexp.MustCompile(`"homepage_uri"\s*=>\s*"([^"\n]+)"`),
		regexp.MustCompile(`\.homepage\s*=\s*"([^"\n]+)"`),
	}
)

func parseGemspecRuby(data []byte) Meta {
	m := Meta{Ecosystem: RubyGems}
	if g := gemspecName.FindSubmatch(data); g != nil {
		m.Name = string(g[1])
	}
	if g := gemspecVersion.FindSubmatch(data); g != nil {
		m.Version = string(g[1])
	}
	if g := gemspecStub.FindSubmatch(data); g != nil && (m.Name == "" || m.Version == "") {
		m.Name, m.Version = string(g[1]), string(g[2])
	}
	for _, g := range gemspecList.FindAllSubmatch(data, 10) {
		items := rubyStrings(g[2])
		if string(g[1]) == "extensions" {
			m.Extensions = append(m.Extensions, items...)
		} else {
			m.Executables = append(m.Executables, items...)
		}
	}
	for _, g := range gemspecDep.FindAllSubmatch(data, maxDependencies) {
		kind := "prod"
		if string(g[1]) == "development_" {
			kind = "dev"
		}
		m.Dependencies = append(m.Dependencies, Dependency{Name: string(g[2]) + string(g[3]), Spec: strings.Join(rubyStrings(g[4]), ", "), Kind: kind})
	}
	for _, re := range gemspecSources {
		if g := re.FindSubmatch(data); g != nil {
			m.Repository = string(g[1])
			break
		}
	}
	return m
}

func rubyStrings(b []byte) []string {
	var out []string
	for _, g := range rubyString.FindAllSubmatch(b, maxGemListItems) {
		out = append(out, string(g[1])+string(g[2])+string(g[3]))
	}
	return out
}
