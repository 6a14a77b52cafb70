package finding

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSnippetNeutralisesTerminalControl(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"ansi escape":     {"x\x1b[2Jy", `x\u{001b}[2Jy`},
		"bidi override":   {"if user\u202e;admin", `if user\u{202e};admin`},
		"zero width":      {"a\u200bb", `a\u{200b}b`},
		"white space":     {"  a \n\n\t b  ", "a b"},
		"invalid utf8":    {"a\xffb", `a\x??b`},
		"plain unchanged": {"exec(base64.b64decode(x))", "exec(base64.b64decode(x))"},
	}
	for name, c := range cases {
		if got := Snippet([]byte(c.in)); got != c.want {
			t.Errorf("%s: Snippet(%q) = %q, want %q", name, c.in, got, c.want)
		}
	}
}

func TestSnippetCutsLongEvidence(t *testing.T) {
	got := Snippet([]byte(strings.Repeat("é", 10*MaxSnippet)))
	if n := utf8.RuneCountInString(got); n != MaxSnippet+1 || !strings.HasSuffix(got, "…") {
		t.Fatalf("want %d runes ending in an ellipsis, got %d: %q", MaxSnippet+1, n, got)
	}
}

func TestVerdictOrder(t *testing.T) {
	if Worst(Clean, Malicious) != Malicious || Worst(Suspicious, Clean) != Suspicious || Worst("", "") != Clean {
		t.Fatal("Worst does not order clean < suspicious < malicious")
	}
	if Clean.Flagged() || !Suspicious.Flagged() || !Malicious.Flagged() {
		t.Fatal("Flagged must be true from suspicious on")
	}
}

func TestSeverityJSONRoundTrip(t *testing.T) {
	b, err := json.Marshal(Finding{Rule: "r", Severity: High, Message: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"severity":"high"`) {
		t.Fatalf("severity not written by name: %s", b)
	}
	var f Finding
	if err := json.Unmarshal(b, &f); err != nil || f.Severity != High {
		t.Fatalf("round trip: %v %v", f.Severity, err)
	}
	if err := json.Unmarshal([]byte(`{"severity":"dire"}`), &f); err == nil {
		t.Fatal("unknown severity accepted")
	}
}
