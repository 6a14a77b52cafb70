package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"customs/internal/corpus"
	"customs/internal/finding"
)

// sample is a hand-made run: a flagged archive, a clean one, an unreadable
// one, and a directory; the evidence carries a terminal escape and a bidi
// override as a hostile package would.
func sample() []Subject {
	return []Subject{
		{
			Target: "./colourama-0.1.6.tar.gz", Ecosystem: "pypi", Name: "colourama", Version: "0.1.6",
			Verdict: finding.Malicious, Score: 95,
			Findings: []finding.Finding{
				{Rule: "py-network-import", Severity: finding.Medium, File: "colourama/__init__.py", Line: 3,
					Message: "Opens a network connection when imported.", Evidence: "import socket"},
				{Rule: "py-install-exec", Severity: finding.Critical, File: "setup.py", Line: 12,
					Message: "Runs base64-decoded code at install time.", Evidence: "exec(b64decode('aW1w\x1b[2Jb3J0'))\u202e",
					Fix: "Do not install this package."},
			},
		},
		{Target: "left-pad-1.3.0.tgz", Ecosystem: "npm", Name: "left-pad", Version: "1.3.0", Verdict: finding.Clean},
		{Target: "broken.tgz", Error: "gzip: invalid header"},
		{Target: "vendor/my lib", Ecosystem: "npm", Name: "my-lib", Version: "2.0.0", Verdict: finding.Suspicious, Score: 40,
			Findings: []finding.Finding{{Rule: "js-install-hook", Severity: finding.Low, File: "package.json",
				Message: "Runs a script at install time."}}},
	}
}

func TestTextGroupsByTargetInOrderAndSortsBySeverity(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, sample(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Contains(out, "\x1b") || strings.Contains(out, "\u202e") {
		t.Fatalf("text output carries raw escape or bidi characters:\n%q", out)
	}
	// Targets in input order, each followed by its own verdict or error.
	wantOrder := []string{
		"./colourama-0.1.6.tar.gz  colourama 0.1.6 (pypi)", "MALICIOUS  score 95, 2 findings",
		"critical py-install-exec  setup.py:12", "Runs base64-decoded code at install time.",
		`evidence: exec(b64decode('aW1w\u{001b}[2Jb3J0'))\u{202e}`, "fix: Do not install this package.",
		"medium   py-network-import  colourama/__init__.py:3",
		"left-pad-1.3.0.tgz  left-pad 1.3.0 (npm)", "CLEAN  score 0, 0 findings",
		"broken.tgz", "error: gzip: invalid header",
		"vendor/my lib  my-lib 2.0.0 (npm)", "SUSPICIOUS  score 40, 1 finding", "low      js-install-hook  package.json",
		"4 targets: 1 malicious, 1 suspicious, 1 clean, 1 unreadable",
	}
	rest := out
	for _, w := range wantOrder {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("missing (or out of order) %q in:\n%s", w, out)
		}
		rest = rest[i+len(w):]
	}
}

func TestTextColourOnlyWhenAsked(t *testing.T) {
	var buf bytes.Buffer
	if err := Text(&buf, sample(), TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ansiRed) || !strings.Contains(buf.String(), ansiReset) {
		t.Fatalf("no colour in coloured output:\n%q", buf.String())
	}
	// Colour is ours only: the evidence's own escape stays escaped.
	if strings.Contains(buf.String(), "\x1b[2J") {
		t.Fatal("evidence escape reached the terminal")
	}
}

func TestColorEnabledFalseForPipesAndNoColor(t *testing.T) {
	if ColorEnabled(&bytes.Buffer{}) {
		t.Error("a buffer is not a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ColorEnabled(f) {
		t.Error("a regular file is not a terminal")
	}
}

func TestJSONContract(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, "v0.0.0-test", sample()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Results []map[string]any `json:"results"`
		Summary Summary          `json:"summary"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	if len(doc.Results) != 4 {
		t.Fatalf("got %d results, want 4", len(doc.Results))
	}
	for i, want := range []string{"./colourama-0.1.6.tar.gz", "left-pad-1.3.0.tgz", "broken.tgz", "vendor/my lib"} {
		r := doc.Results[i]
		if r["target"] != want {
			t.Errorf("result %d target = %v, want %q", i, r["target"], want)
		}
		for _, key := range []string{"ecosystem", "name", "version", "verdict", "score", "findings"} {
			if _, ok := r[key]; !ok {
				t.Errorf("result %d lacks %q", i, key)
			}
		}
		if _, ok := r["findings"].([]any); !ok {
			t.Errorf("result %d findings = %v, want an array", i, r["findings"])
		}
		if _, hasErr := r["error"]; hasErr != (want == "broken.tgz") {
			t.Errorf("result %d: error present = %v", i, hasErr)
		}
	}
	f := doc.Results[0]["findings"].([]any)[1].(map[string]any)
	for key, want := range map[string]any{"rule": "py-install-exec", "severity": "critical", "file": "setup.py", "line": 12.0,
		"message": "Runs base64-decoded code at install time."} {
		if f[key] != want {
			t.Errorf("finding %s = %v, want %v", key, f[key], want)
		}
	}
	if doc.Summary != (Summary{Targets: 4, Malicious: 1, Suspicious: 1, Clean: 1, Errors: 1}) {
		t.Errorf("summary = %+v", doc.Summary)
	}
}

func writeSARIF(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	rules := []RuleMeta{{ID: "py-install-exec", Description: "Install-time execution of decoded code", Severity: finding.High}}
	if err := SARIF(&buf, Tool{Name: "customs", Version: "v1.2.3"}, rules, sample()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSARIFLocationsRulesAndErrors(t *testing.T) {
	out := writeSARIF(t)
	log, err := sarif.FromBytes(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := log.Validate(); err != nil {
		t.Fatalf("SARIF fails the 2.1.0 schema bundled with go-sarif: %v", err)
	}
	run := log.Runs[0]
	if got := len(run.Results); got != 3 {
		t.Fatalf("got %d results, want 3 (one per finding)", got)
	}
	type loc struct {
		rule, uri, level string
		line             int
	}
	var got []loc
	for _, r := range run.Results {
		pl := r.Locations[0].PhysicalLocation
		l := loc{rule: *r.RuleID, uri: *pl.ArtifactLocation.URI, level: r.Level}
		if pl.Region != nil && pl.Region.StartLine != nil {
			l.line = *pl.Region.StartLine
		}
		got = append(got, l)
	}
	want := []loc{
		{"py-network-import", "colourama-0.1.6.tar.gz/colourama/__init__.py", "warning", 3},
		{"py-install-exec", "colourama-0.1.6.tar.gz/setup.py", "error", 12},
		{"js-install-hook", "vendor/my%20lib/package.json", "note", 0},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Declared rule keeps its description but takes the worst severity seen.
	var found bool
	for _, r := range run.Tool.Driver.Rules {
		if *r.ID == "py-install-exec" {
			found = true
			if r.ShortDescription.Text == nil || *r.ShortDescription.Text != "Install-time execution of decoded code" {
				t.Errorf("rule description = %v", r.ShortDescription.Text)
			}
			if ss := r.Properties.Properties["security-severity"]; ss != "9.5" {
				t.Errorf("security-severity = %v, want 9.5 (critical)", ss)
			}
		}
	}
	if !found {
		t.Error("rule py-install-exec not declared")
	}
	notes := run.Invocations[0].ToolExecutionNotifications
	if len(notes) != 1 || !strings.Contains(*notes[0].Message.Text, "broken.tgz: gzip: invalid header") {
		t.Errorf("unreadable target not reported as a notification: %+v", notes)
	}
}

// TestSARIFAgainstSharedSchema validates the bytes written against the
// official schema kept in ../shared/schemas, independently of go-sarif.
func TestSARIFAgainstSharedSchema(t *testing.T) {
	shared := corpus.SharedDir()
	if shared == "" {
		t.Skip("shared data not found (set CUSTOMS_SHARED or place ../shared beside the repository): no official SARIF schema")
	}
	schemaPath := filepath.Join(shared, "schemas", "sarif-schema-2.1.0.json")
	if _, err := os.Stat(schemaPath); err != nil {
		t.Skipf("official SARIF schema absent: %v", err)
	}
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(writeSARIF(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF output is not valid 2.1.0: %v", err)
	}
}

func TestArtifactURI(t *testing.T) {
	for _, c := range []struct{ target, file, want string }{
		{"./x.tgz", "package/index.js", "x.tgz/package/index.js"},
		{"dir", "", "dir"},
		{"/abs/p.whl", "a b.py", "file:///abs/p.whl/a%20b.py"},
		{"x.tgz", "../../etc/passwd", "x.tgz/etc/passwd"},
	} {
		if got := artifactURI(c.target, c.file); got != c.want {
			t.Errorf("artifactURI(%q, %q) = %q, want %q", c.target, c.file, got, c.want)
		}
	}
}

// A target read only in part keeps its error and shows what was found in
// the part read; a flagged verdict counts as such in the summary.
func TestTextPartlyReadTarget(t *testing.T) {
	subs := []Subject{{Target: "slow.tgz", Ecosystem: "npm", Name: "slow", Version: "1.0.0", Verdict: finding.Malicious, Score: 80,
		Error:    "slow.tgz: timed out after 1s (limit --timeout)",
		Findings: []finding.Finding{{Rule: "js-exfil", Severity: finding.High, File: "a.js", Line: 2, Message: "Sends secrets away."}}},
		{Target: "x.tgz", Verdict: finding.Clean}}
	var buf bytes.Buffer
	if err := Text(&buf, subs, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "slow.tgz  slow 1.0.0 (npm)\n  error: timed out after 1s (limit --timeout)\n  MALICIOUS  score 80, 1 finding\n  high     js-exfil  a.js:2\n"
	if !strings.HasPrefix(buf.String(), want) {
		t.Errorf("got:\n%s\nwant prefix:\n%s", buf.String(), want)
	}
	if !strings.Contains(buf.String(), "2 targets: 1 malicious, 0 suspicious, 1 clean, 0 unreadable") {
		t.Errorf("summary wrong:\n%s", buf.String())
	}
}

func TestTextCutsHostileNames(t *testing.T) {
	long := strings.Repeat("n", 10000)
	var buf bytes.Buffer
	if err := Text(&buf, []Subject{{Target: "x.tgz", Name: long, Version: "1\x1b]0;pwned\a", Verdict: finding.Clean}}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(buf.String(), "\n", 2)[0]
	if len(first) > 400 || strings.ContainsAny(first, "\x1b\a") {
		t.Errorf("heading not made safe (%d bytes): %q", len(first), first[:min(len(first), 300)])
	}
}

// FuzzTextIsTerminalSafe: whatever a package puts in its names, paths,
// messages and evidence, uncoloured text output holds no control or bidi
// characters other than the newlines that lay it out.
func FuzzTextIsTerminalSafe(f *testing.F) {
	f.Add("pkg", "1.0\x1b[31m", "a\u202eb.py", "exec(\x07)", "msg\r\nmore")
	f.Add("", "", "", "", "")
	f.Add("n\xff\xfe", "\u2028", "\t", "\u200b", strings.Repeat("é", 300))
	f.Fuzz(func(t *testing.T, name, version, file, evidence, message string) {
		subs := []Subject{{Target: file, Name: name, Version: version, Verdict: finding.Suspicious, Error: message,
			Findings: []finding.Finding{{Rule: name, File: file, Line: 1, Evidence: evidence, Message: message, Fix: version}}}}
		var buf bytes.Buffer
		if err := Text(&buf, subs, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, r := range buf.String() {
			if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029') {
				t.Fatalf("unsafe rune %U in output %q", r, buf.String())
			}
		}
	})
}

// FuzzSARIFStaysValid: hostile targets, paths and messages still give a
// SARIF log whose locations are URI references and that passes the schema.
func FuzzSARIFStaysValid(f *testing.F) {
	f.Add("x.tgz", "a b/../../c.py", "msg", "ev", 3)
	f.Add("/abs/p:q", "%zz", "", "\x00", 0)
	f.Add("c:\\win", "#frag?q", "\u202e", "", -5)
	f.Fuzz(func(t *testing.T, target, file, message, evidence string, line int) {
		subs := []Subject{{Target: target, Verdict: finding.Malicious,
			Findings: []finding.Finding{{Rule: "r", Severity: finding.High, File: file, Line: line, Message: message, Evidence: evidence}}}}
		var buf bytes.Buffer
		if err := SARIF(&buf, Tool{Name: "customs"}, nil, subs); err != nil {
			t.Fatal(err)
		}
		log, err := sarif.FromBytes(buf.Bytes())
		if err != nil {
			t.Fatalf("output is not SARIF JSON: %v", err)
		}
		uri := *log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI
		if _, err := url.Parse(uri); err != nil {
			t.Fatalf("uri %q is not a URI reference: %v", uri, err)
		}
		if err := log.Validate(); err != nil {
			t.Fatalf("invalid SARIF: %v", err)
		}
	})
}
