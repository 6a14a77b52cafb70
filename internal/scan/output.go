package scan

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"customs/internal/finding"
	"customs/internal/report"
)

// WriteJSON writes the report as one JSON document (the contract read by
// scripts: packages, errors, database, summary).
func WriteJSON(w io.Writer, r *Report) error {
	doc := struct {
		Tool    string `json:"tool"`
		Version string `json:"version"`
		*Report
	}{"customs", report.ToolVersion(), r}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// WriteSARIF writes one SARIF 2.1.0 log through internal/report: every
// finding is located at the lockfile line that pins the package, and every
// unreadable lockfile is an error notification. extra describes rules of
// other packages (the analyser's, for --deep findings).
func WriteSARIF(w io.Writer, r *Report, extra []report.RuleMeta) error {
	var subjects []report.Subject
	root := cmp.Or(r.base, r.Root, ".")
	for _, p := range r.Packages {
		if len(p.Findings) == 0 {
			continue
		}
		subjects = append(subjects, report.Subject{
			Target: root, Ecosystem: p.Ecosystem, Name: p.Name, Version: p.Version,
			Verdict: p.Verdict, Findings: p.Findings,
		})
	}
	if len(r.Setup) > 0 {
		subjects = append(subjects, report.Subject{Target: root, Verdict: finding.Suspicious, Findings: r.Setup})
	}
	for _, e := range r.Errors {
		subjects = append(subjects, report.Subject{Target: filepath.Join(root, e.File), Error: e.Error})
	}
	return report.SARIF(w, report.Tool{Name: "customs", Version: report.ToolVersion()}, append(slices.Clone(ruleMeta), extra...), subjects)
}

// ruleMeta describes scan's rules for SARIF's rule table.
var ruleMeta = []report.RuleMeta{
	{ID: RuleKnownMalware, Description: "The locked version is listed as malicious in an OSV MAL- advisory.", Help: "Remove it and treat machines that installed it as compromised.", Severity: finding.Critical},
	{ID: RuleConfusion, Description: "An internal package name is exposed to or was resolved from a public registry (dependency confusion).", Help: "Fetch internal names only from the private registry.", Severity: finding.High},
	{ID: RuleIntegrityMismatch, Description: "The downloaded artifact does not match the integrity hash in the lockfile.", Help: "Do not install it; find out what changed.", Severity: finding.High},
	{ID: "registry-too-new", Description: "The locked version was published more recently than the cooldown allows.", Severity: finding.Medium},
	{ID: "registry-version-removed", Description: "The registry no longer lists the locked version, or it was yanked.", Severity: finding.High},
	{ID: "registry-new-install-script", Description: "The locked version adds install-time scripts the previous version did not have.", Severity: finding.High},
	{ID: "registry-maintainer-change", Description: "The locked version was published by a new account or with new maintainers.", Severity: finding.Medium},
	{ID: "registry-provenance-dropped", Description: "Earlier versions had build provenance and the locked one does not.", Severity: finding.High},
	{ID: "registry-dormant-release", Description: "The locked version came after more than a year without releases.", Severity: finding.Low},
	{ID: "registry-version-jump", Description: "The locked version leaps several major versions at once.", Severity: finding.Medium},
}

// TextOptions tune WriteText.
type TextOptions struct {
	Color   bool // ANSI colour (only on a terminal, and not with NO_COLOR)
	Verbose bool // list clean packages too
}

// WriteText writes what to act on first: failing packages, worst first,
// each with its findings and fixes; then unreadable files; then notes and
// a one-line summary with the database date.
func WriteText(w io.Writer, r *Report, opt TextOptions) error {
	paint := func(style, s string) string {
		if !opt.Color {
			return s
		}
		return style + s + "\x1b[0m"
	}
	var b strings.Builder
	flagged := slices.Clone(r.Packages)
	flagged = slices.DeleteFunc(flagged, func(p Package) bool { return !opt.Verbose && len(p.Findings) == 0 && len(p.Ignored) == 0 })
	slices.SortStableFunc(flagged, func(a, b Package) int {
		return cmp.Or(cmp.Compare(b.Verdict.Rank(), a.Verdict.Rank()), cmp.Compare(a.File, b.File), cmp.Compare(a.Name, b.Name))
	})
	if len(r.Setup) > 0 {
		fmt.Fprintf(&b, "%s  installer configuration lets public packages shadow internal ones\n", paint("\x1b[1;33m", "SETUP"))
		for _, f := range r.Setup {
			fmt.Fprintf(&b, "  %-8s %s: %s  %s\n", f.Severity, f.Rule, safe(f.Message), loc(f.File, f.Line))
			if f.Fix != "" {
				fmt.Fprintf(&b, "           fix: %s\n", safe(f.Fix))
			}
		}
		b.WriteByte('\n')
	}
	for _, p := range flagged {
		style := map[finding.Verdict]string{finding.Malicious: "\x1b[1;31m", finding.Suspicious: "\x1b[1;33m"}[p.Verdict]
		rel := "transitive"
		if p.Direct == nil {
			rel = "dependency"
		} else if *p.Direct {
			rel = "direct"
		}
		where := loc(p.File, p.Line)
		if p.Origin != "" {
			where = loc(p.Origin, p.Line) + " (via " + safe(p.File) + ")"
		}
		version := safe(p.Version)
		if p.OldVersion != "" {
			version = safe(p.OldVersion) + " → " + version
		}
		fmt.Fprintf(&b, "%s  %s %s (%s, %s)  %s\n", paint(style, strings.ToUpper(string(p.Verdict))),
			safe(p.Name), version, p.Ecosystem, rel, where)
		for _, f := range p.Findings {
			ids := ""
			if len(f.IDs) > 0 {
				ids = " [" + strings.Join(f.IDs, ", ") + "]"
			}
			fmt.Fprintf(&b, "  %-8s %s%s: %s\n", f.Severity, f.Rule, ids, safe(f.Message))
			if f.Fix != "" {
				fmt.Fprintf(&b, "           fix: %s\n", safe(f.Fix))
			}
		}
		for _, ig := range p.Ignored {
			fmt.Fprintf(&b, "  ignored  %s: %s (reason: %s", ig.Rule, safe(ig.Message), safe(ig.Reason))
			if ig.Expires != "" {
				fmt.Fprintf(&b, "; until %s", ig.Expires)
			}
			b.WriteString(")\n")
		}
		b.WriteByte('\n')
	}
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "%s %s: %s\n", paint("\x1b[1;31m", "error:"), safe(e.File), safe(strings.TrimPrefix(e.Error, e.File+": ")))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", safe(n))
	}
	s := r.Summary
	db := "no advisory database"
	if r.Database.Loaded {
		db = "advisories of " + r.Database.Date
	}
	fmt.Fprintf(&b, "%d packages in %d files: %d malicious, %d suspicious, %d clean", s.Packages, s.Files, s.Malicious, s.Suspicious, s.Clean)
	if s.Ignored > 0 {
		fmt.Fprintf(&b, ", %d findings ignored by policy", s.Ignored)
	}
	if s.Errors > 0 {
		fmt.Fprintf(&b, ", %d unreadable files", s.Errors)
	}
	fmt.Fprintf(&b, " (%s)\n", db)
	_, err := io.WriteString(w, b.String())
	return err
}

func loc(file string, line int) string {
	if line > 0 {
		return fmt.Sprintf("%s:%d", safe(file), line)
	}
	return safe(file)
}

// safe makes text from lockfiles, registries or advisories printable:
// control, escape and bidi characters are shown as escapes (finding.Snippet
// does the same but also cuts to a snippet's length, too short for a message).
func safe(s string) string {
	const maxLen = 2000
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' {
			return ' '
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
			return '\uFFFD'
		}
		return r
	}, s)
}
