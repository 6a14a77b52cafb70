// Package report renders judged subjects (a package archive, a directory, a
// dependency) as text for people, JSON for scripts and SARIF for code
// scanning. Every command builds the same []Subject, so the three formats
// are three views of one model.
package report

import (
	"cmp"
	"slices"
	"strings"

	"customs/internal/finding"
)

// Subject is one thing a command judged, with the evidence behind the verdict.
// Its JSON form is the documented contract of `customs inspect --format json`.
type Subject struct {
	Target    string            `json:"target"` // the argument as the user gave it
	Ecosystem string            `json:"ecosystem"`
	Name      string            `json:"name"`
	Version   string            `json:"version"`
	Verdict   finding.Verdict   `json:"verdict"`
	Score     float64           `json:"score"`
	Findings  []finding.Finding `json:"findings"`
	Error     string            `json:"error,omitempty"` // set only when the target could not be read
	// What was read, for the curious; absent when nothing was.
	Format string `json:"format,omitempty"`
	Files  int    `json:"files,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
}

// Reason is why the subject could not be read, without the target that
// readers' errors often start with (the report already names it).
func (s Subject) Reason() string { return strings.TrimPrefix(s.Error, s.Target+": ") }

// Summary counts subjects by outcome.
type Summary struct {
	Targets    int `json:"targets"`
	Malicious  int `json:"malicious"`
	Suspicious int `json:"suspicious"`
	Clean      int `json:"clean"`
	Errors     int `json:"errors"`
}

// Summarize counts subjects by outcome. A target read only in part (an
// error and a verdict) counts by its verdict when that is flagged, since what
// was read is already bad news; otherwise it counts as unreadable.
func Summarize(subjects []Subject) Summary {
	s := Summary{Targets: len(subjects)}
	for _, sub := range subjects {
		switch {
		case sub.Verdict == finding.Malicious:
			s.Malicious++
		case sub.Verdict == finding.Suspicious:
			s.Suspicious++
		case sub.Error != "":
			s.Errors++
		default:
			s.Clean++
		}
	}
	return s
}

// SortFindings orders findings most severe first, then by file, line and
// rule, so that output is stable and the worst news comes first.
func SortFindings(fs []finding.Finding) {
	slices.SortStableFunc(fs, func(a, b finding.Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
}
