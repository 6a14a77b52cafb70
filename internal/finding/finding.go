// Package finding is the result model shared by every customs command:
// a Finding is one piece of evidence, a Verdict the judgement drawn from
// several of them. Text, JSON and SARIF output are views of these types.
package finding

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Severity orders findings by how much they should worry a user.
type Severity int

const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads the lower-case name used in rule files, policy and JSON.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q (want one of %s)", s, strings.Join(severityNames[:], ", "))
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Verdict is the judgement on a package, a name, a dependency or an update.
// The scale is the same for every command.
type Verdict string

const (
	Clean      Verdict = "clean"
	Suspicious Verdict = "suspicious"
	Malicious  Verdict = "malicious"
)

// Rank orders verdicts: clean < suspicious < malicious.
func (v Verdict) Rank() int {
	switch v {
	case Malicious:
		return 2
	case Suspicious:
		return 1
	}
	return 0
}

// Flagged reports whether the verdict is suspicious or worse.
func (v Verdict) Flagged() bool { return v.Rank() > 0 }

// Worst returns the more serious of two verdicts.
func Worst(a, b Verdict) Verdict {
	if b.Rank() > a.Rank() {
		return b
	}
	if a == "" {
		return Clean
	}
	return a
}

// Finding is one piece of evidence with where it was seen and what it means.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Message  string   `json:"message"`
	Evidence string   `json:"evidence,omitempty"` // already passed through Snippet
	Fix      string   `json:"fix,omitempty"`      // what the user should do
	IDs      []string `json:"ids,omitempty"`      // advisory ids (MAL-…) when one matched
	// Target and Technique are set by name checks (typosquats).
	Target    string `json:"target,omitempty"`
	Technique string `json:"technique,omitempty"`
}

// MaxSnippet is how many runes of evidence are kept.
const MaxSnippet = 160

// Snippet makes untrusted text safe to print in a terminal: control
// characters, ANSI escapes and bidi/invisible format characters are shown as
// escapes, white space is folded, and the result is cut to MaxSnippet runes.
func Snippet(b []byte) string {
	var sb strings.Builder
	n := 0
	lastSpace := false
	for len(b) > 0 && n < MaxSnippet {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		switch {
		case r == utf8.RuneError && size == 1:
			sb.WriteString("\\x??")
			lastSpace = false
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if !lastSpace && n > 0 {
				sb.WriteByte(' ')
			}
			lastSpace = true
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&sb, "\\u{%04x}", r)
			lastSpace = false
		default:
			sb.WriteRune(r)
			lastSpace = false
		}
		n++
	}
	s := strings.TrimRight(sb.String(), " ")
	if len(b) > 0 {
		s += "…"
	}
	return s
}
