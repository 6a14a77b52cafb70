package rules_test

import (
	"path"
	"slices"
	"strings"
	"testing"

	"customs/internal/analyze"
	"customs/internal/rules"
)

// casePath names the file a rule's test snippet is scanned as: the rule's
// first path glob or a file of its first language.
func casePath(r *rules.Rule) string {
	if len(r.Paths) > 0 {
		return "pkg/" + strings.ReplaceAll(r.Paths[0], "*", "case")
	}
	ext := map[string]string{"python": "py", "javascript": "js", "ruby": "rb", "shell": "sh", "powershell": "ps1", "manifest": "json", "any": "py", "binary": "bin"}
	return path.Join("pkg", "lib", "case."+ext[r.Languages[0]])
}

// TestRuleCases runs every rule's own positive and negative cases through
// the engine: a positive case must produce a hit of that rule, a negative
// case must not.
func TestRuleCases(t *testing.T) {
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	e, err := analyze.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.Rules() {
		if r.Class == rules.Benign {
			continue // TestBenignRuleCases
		}
		t.Run(r.ID, func(t *testing.T) {
			p := casePath(r)
			fc := analyze.FileContext{Role: analyze.RoleCode}
			has := func(src string) bool {
				for _, h := range e.File(p, []byte(src), fc) {
					if h.Rule.ID == r.ID {
						return true
					}
				}
				return false
			}
			for i, c := range r.Tests.Match {
				if !has(c) {
					t.Errorf("match case %d does not match: %.120q", i+1, c)
				}
			}
			for i, c := range r.Tests.NoMatch {
				if has(c) {
					t.Errorf("nomatch case %d matches: %.120q", i+1, c)
				}
			}
		})
	}
}

// TestBenignRuleCases: a benign rule's match cases hold process hits that
// it clears (the engine without the rule reports them, the full engine
// does not); its nomatch cases keep their process hits.
func TestBenignRuleCases(t *testing.T) {
	rs, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	full, err := analyze.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	processHits := func(e *analyze.Engine, src string) int {
		n := 0
		for _, h := range e.File("pkg/setup.py", []byte(src), analyze.FileContext{Role: analyze.RoleInstall}) {
			if slices.Contains(h.Rule.Tags, "process") {
				n++
			}
		}
		return n
	}
	for _, r := range full.Rules() {
		if r.Class != rules.Benign {
			continue
		}
		without, err := analyze.New(slices.DeleteFunc(slices.Clone(rs), func(o rules.Rule) bool { return o.ID == r.ID }))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(r.ID, func(t *testing.T) {
			for i, c := range r.Tests.Match {
				if processHits(without, c) == 0 {
					t.Errorf("match case %d has no process hit to clear: %.120q", i+1, c)
				}
				if n := processHits(full, c); n != 0 {
					t.Errorf("match case %d keeps %d process hits: %.120q", i+1, n, c)
				}
			}
			for i, c := range r.Tests.NoMatch {
				if processHits(full, c) == 0 {
					t.Errorf("nomatch case %d lost its process hits: %.120q", i+1, c)
				}
			}
		})
	}
}
