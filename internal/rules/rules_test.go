package rules

import (
	"strings"
	"testing"
	"testing/fstest"
)

const goodRule = `- id: demo-rule
  version: 1
  description: a demo
  message: demo found
  severity: low
  class: capability
  tags: [demo]
  languages: [python]
  keywords: [demo]
  pattern: 'demo\('
  tests:
    match: ['demo(1)']
`

func TestBuiltinRulesLoad(t *testing.T) {
	rs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if len(r.Tests.NoMatch) == 0 && r.Detector == "" && r.Class == Threat {
			t.Errorf("threat rule %s has no negative case", r.ID)
		}
	}
}

// TestLoadStrict: loading refuses what a rule author could get wrong,
// naming the file and the rule.
func TestLoadStrict(t *testing.T) {
	for name, c := range map[string]struct{ yaml, want string }{
		"unknown key":    {strings.Replace(goodRule, "  version: 1\n", "  version: 1\n  severty: high\n", 1), "severty"},
		"bad severity":   {strings.Replace(goodRule, "severity: low", "severity: dire", 1), "dire"},
		"bad regexp":     {strings.Replace(goodRule, `'demo\('`, `'demo('`, 1), "pattern"},
		"no keywords":    {strings.Replace(goodRule, "  keywords: [demo]\n", "", 1), "keywords"},
		"no tests":       {strings.Replace(goodRule, "  tests:\n    match: ['demo(1)']\n", "", 1), "tests.match"},
		"bad language":   {strings.Replace(goodRule, "[python]", "[cobol]", 1), "cobol"},
		"bad class":      {strings.Replace(goodRule, "class: capability", "class: vibe", 1), "class"},
		"duplicate id":   {goodRule + goodRule, "already defined"},
		"both detectors": {strings.Replace(goodRule, "  tests:", "  detector: long-line\n  tests:", 1), "exactly one"},
		"hex keyword":    {strings.Replace(goodRule, "keywords: [demo]", "keywords: [demo, 0xa9059cbb]", 1), "quote it"},
	} {
		_, err := Load(fstest.MapFS{"demo.yaml": {Data: []byte(c.yaml)}})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "demo.yaml") {
			t.Errorf("%s: error %v, want one naming demo.yaml and %q", name, err, c.want)
		}
	}
	if rs, err := Load(fstest.MapFS{"demo.yaml": {Data: []byte(goodRule)}}); err != nil || len(rs) != 1 || rs[0].Source != "demo.yaml" {
		t.Errorf("good rule: %v %v", rs, err)
	}
}

// FuzzLoad: no rule file makes the loader panic.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(goodRule))
	f.Add([]byte("- id: [\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Load(fstest.MapFS{"x.yaml": {Data: data}})
	})
}
