package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"customs/internal/finding"
	"customs/internal/report"
)

// WriteJSON writes the result as one JSON document (the documented
// contract of `customs diff --format json`).
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteSARIF writes the result as a SARIF log: the diff's flagged signals
// and the analyser's findings in added code, located in the new version.
func WriteSARIF(w io.Writer, r *Result) error {
	fs := append([]finding.Finding{}, r.AddedFindings...)
	for _, s := range r.Signals {
		if s.Verdict.Flagged() {
			fs = append(fs, s.Finding)
		}
	}
	report.SortFindings(fs)
	sub := report.Subject{
		Target: r.New.Target, Ecosystem: r.New.Ecosystem, Name: r.New.Name, Version: r.New.Version,
		Verdict: r.Verdict, Findings: fs,
	}
	return report.SARIF(w, report.Tool{Name: "customs", Version: report.ToolVersion()}, nil, []report.Subject{sub})
}

// maxTextFiles bounds the file list in text output; JSON has all of them.
const maxTextFiles = 40

// WriteText writes the result for a person: verdict and reasons first, then
// what changed.
func WriteText(w io.Writer, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s → %s: %s\n", name(r.Old), name(r.New), strings.ToUpper(string(r.Verdict)))
	for _, reason := range r.Reasons {
		fmt.Fprintf(&b, "  - %s\n", reason)
	}
	if len(r.AddedFindings) > 0 {
		fmt.Fprintf(&b, "\nFindings in added code (%d):\n", len(r.AddedFindings))
		fs := append([]finding.Finding{}, r.AddedFindings...)
		report.SortFindings(fs)
		for _, f := range fs {
			fmt.Fprintf(&b, "  %-8s %s:%d %s: %s\n", f.Severity, safe(f.File), f.Line, f.Rule, f.Message)
			if f.Evidence != "" {
				fmt.Fprintf(&b, "           %s\n", f.Evidence)
			}
		}
	}
	var others []Signal
	for _, s := range r.Signals {
		if !s.Verdict.Flagged() {
			others = append(others, s)
		}
	}
	if len(others) > 0 {
		b.WriteString("\nAlso changed:\n")
		for _, s := range others {
			fmt.Fprintf(&b, "  - %s\n", s.Message)
		}
	}
	var added, removed, changed int
	for _, f := range r.Files {
		switch f.Status {
		case Added:
			added++
		case Removed:
			removed++
		default:
			changed++
		}
	}
	fmt.Fprintf(&b, "\nFiles: %d added, %d removed, %d changed, %d unchanged\n", added, removed, changed, r.Unchanged)
	for i, f := range r.Files {
		if i == maxTextFiles {
			fmt.Fprintf(&b, "  … %d more (see --format json)\n", len(r.Files)-i)
			break
		}
		var detail []string
		switch f.Status {
		case Added:
			detail = append(detail, fmt.Sprintf("%d bytes", f.NewSize))
		case Removed:
			detail = append(detail, fmt.Sprintf("%d bytes", f.OldSize))
		default:
			detail = append(detail, fmt.Sprintf("%d → %d bytes", f.OldSize, f.NewSize))
			if f.AddedLines > 0 {
				detail = append(detail, fmt.Sprintf("+%d lines", f.AddedLines))
			}
		}
		if f.RenamedFrom != "" {
			detail = append(detail, "compared with "+safe(f.RenamedFrom))
		}
		if f.Appended {
			detail = append(detail, "block appended")
		}
		if f.NewlyObfuscated {
			detail = append(detail, "obfuscated code appeared")
		} else if f.NewlyMinified {
			detail = append(detail, "minified code appeared")
		}
		if f.Native {
			detail = append(detail, "native executable")
		} else if f.Binary {
			detail = append(detail, "binary")
		}
		if f.Role != "" {
			detail = append(detail, f.Role)
		}
		fmt.Fprintf(&b, "  %-7s %s (%s)\n", f.Status, safe(f.Path), strings.Join(detail, ", "))
	}
	d := r.Dependencies
	if len(d.Added)+len(d.Removed)+len(d.Changed) > 0 {
		b.WriteString("\nDependencies:\n")
		for _, dep := range d.Added {
			fmt.Fprintf(&b, "  added   %s %s\n", safe(dep.Name), safe(dep.Spec))
		}
		for _, dep := range d.Removed {
			fmt.Fprintf(&b, "  removed %s %s\n", safe(dep.Name), safe(dep.Spec))
		}
		for _, dep := range d.Changed {
			fmt.Fprintf(&b, "  changed %s %s → %s\n", safe(dep.Name), safe(dep.OldSpec), safe(dep.NewSpec))
		}
	}
	for _, s := range r.InstallScripts {
		fmt.Fprintf(&b, "Install hook %s %s: %s\n", s.Status, safe(s.Name), safe(s.New+s.Old))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func name(v Version) string {
	if v.Name != "" {
		return safe(v.Name + "@" + v.Version)
	}
	return safe(v.Target)
}

// safe makes a name from the package fit to print (it came from the archive).
func safe(s string) string { return finding.Snippet([]byte(s)) }
