package names

import (
	"fmt"
	"io"
	"strings"

	"customs/internal/finding"
)

// WriteText prints one line per result, and under a flagged one its
// findings and fixes; colour only when asked (a terminal without NO_COLOR).
func WriteText(w io.Writer, results []Result, installer []finding.Finding, color bool) error {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	width := 4
	for _, r := range results {
		width = max(width, min(40, len(finding.Snippet([]byte(r.Name)))))
	}
	var b strings.Builder
	flagged := 0
	for _, r := range results {
		v := strings.ToUpper(string(r.Verdict))
		code := "32"
		switch {
		case r.Verdict == finding.Malicious:
			code = "1;31"
		case r.Verdict == finding.Suspicious:
			code = "33"
		}
		if r.Verdict.Flagged() {
			flagged++
		}
		fmt.Fprintf(&b, "%-*s  %-8s  %s", width, finding.Snippet([]byte(r.Name)), r.Ecosystem, paint(code, fmt.Sprintf("%-10s", v)))
		if r.Typosquat == nil && len(r.Findings) == 0 && r.Error == "" {
			fmt.Fprintf(&b, "  %s", r.Popularity.describe())
		}
		b.WriteByte('\n')
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "    %s %s\n", paint("2", string(f.Rule)+":"), f.Message)
			if f.Fix != "" {
				fmt.Fprintf(&b, "    %s %s\n", paint("2", "fix:"), f.Fix)
			}
		}
		if r.Error != "" && len(r.Findings) == 0 {
			fmt.Fprintf(&b, "    error: %s\n", r.Error)
		}
	}
	if len(installer) > 0 {
		b.WriteString("\ninstaller configuration\n")
		for _, f := range installer {
			where := f.File
			if f.Line > 0 {
				where = fmt.Sprintf("%s:%d", f.File, f.Line)
			}
			fmt.Fprintf(&b, "  %s %s: %s\n    %s %s\n", paint("33", f.Severity.String()), where, f.Message, paint("2", "fix:"), f.Fix)
		}
	}
	if len(results) > 1 {
		fmt.Fprintf(&b, "\n%d checked, %d flagged\n", len(results), flagged)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
