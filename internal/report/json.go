package report

import (
	"encoding/json"
	"io"

	"customs/internal/finding"
)

// Document is the JSON output of a judging command: one object per target,
// in the order the targets were given, and their counts.
type Document struct {
	Tool    string    `json:"tool"`
	Version string    `json:"version"`
	Results []Subject `json:"results"`
	Summary Summary   `json:"summary"`
}

// JSON writes subjects as one indented JSON document. Findings are always an
// array (never null) so that consumers can iterate without a nil check.
func JSON(w io.Writer, toolVersion string, subjects []Subject) error {
	doc := Document{Tool: "customs", Version: toolVersion, Results: make([]Subject, len(subjects)), Summary: Summarize(subjects)}
	for i, s := range subjects {
		if s.Findings == nil {
			s.Findings = []finding.Finding{}
		}
		doc.Results[i] = s
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
