package report

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"

	"customs/internal/finding"
)

// TextOptions tunes the text report.
type TextOptions struct {
	Color bool // wrap verdicts and severities in ANSI colours
}

// ColorEnabled reports whether w is a terminal that should get colour:
// a terminal, NO_COLOR unset (https://no-color.org) and TERM not "dumb".
func ColorEnabled(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
)

type painter bool

func (p painter) paint(style, s string) string {
	if !p || style == "" {
		return s
	}
	return style + s + ansiReset
}

func verdictStyle(v finding.Verdict) string {
	switch v {
	case finding.Malicious:
		return ansiBold + ansiRed
	case finding.Suspicious:
		return ansiBold + ansiYellow
	}
	return ansiGreen
}

func severityStyle(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return ansiRed
	case s == finding.Medium:
		return ansiYellow
	}
	return ansiDim
}

// Text writes a report grouped by subject, in the given order: a heading
// with the target and the package it holds, the verdict and score, then the
// findings most severe first with file:line, message, evidence and fix.
// Everything that came from the package (names, paths, evidence) is made
// safe for a terminal first.
func Text(w io.Writer, subjects []Subject, opt TextOptions) error {
	p := painter(opt.Color)
	var b strings.Builder
	for i, s := range subjects {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.paint(ansiBold, safe(s.Target)))
		if id := packageID(s); id != "" {
			b.WriteString("  " + id)
		}
		b.WriteByte('\n')
		if s.Error != "" {
			fmt.Fprintf(&b, "  %s %s\n", p.paint(ansiBold+ansiRed, "error:"), safe(s.Reason()))
			if len(s.Findings) == 0 {
				continue // nothing was read, or nothing found in what was
			}
		}
		verdict := cmp.Or(s.Verdict, finding.Clean)
		fmt.Fprintf(&b, "  %s  score %s, %s\n", p.paint(verdictStyle(verdict), strings.ToUpper(string(verdict))),
			strconv.FormatFloat(s.Score, 'f', -1, 64), plural(len(s.Findings), "finding"))
		fs := append([]finding.Finding(nil), s.Findings...)
		SortFindings(fs)
		for _, f := range fs {
			fmt.Fprintf(&b, "  %s %s  %s\n", p.paint(severityStyle(f.Severity), fmt.Sprintf("%-8s", f.Severity)),
				safe(f.Rule), location(f))
			fmt.Fprintf(&b, "           %s\n", safe(f.Message))
			if f.Evidence != "" {
				fmt.Fprintf(&b, "           %s %s\n", p.paint(ansiDim, "evidence:"), safe(f.Evidence))
			}
			if f.Fix != "" {
				fmt.Fprintf(&b, "           %s %s\n", p.paint(ansiDim, "fix:"), safe(f.Fix))
			}
		}
	}
	if len(subjects) > 1 {
		sum := Summarize(subjects)
		fmt.Fprintf(&b, "\n%s: %d malicious, %d suspicious, %d clean, %d unreadable\n",
			plural(sum.Targets, "target"), sum.Malicious, sum.Suspicious, sum.Clean, sum.Errors)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// packageID is "name version (ecosystem)" with whatever parts are known.
func packageID(s Subject) string {
	id := strings.TrimSpace(safe(s.Name) + " " + safe(s.Version))
	if s.Ecosystem != "" {
		id = strings.TrimSpace(id + " (" + safe(s.Ecosystem) + ")")
	}
	return id
}

func location(f finding.Finding) string {
	switch {
	case f.File == "":
		return ""
	case f.Line > 0:
		return safe(f.File) + ":" + strconv.Itoa(f.Line)
	}
	return safe(f.File)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// safe passes text that is already harmless and short through unchanged (so
// that evidence cut by Snippet is not cut twice), and anything else, such as
// a package name of ten thousand characters, through finding.Snippet.
func safe(s string) string {
	if utf8.RuneCountInString(s) > finding.MaxSnippet+1 { // +1: Snippet's own "…"
		return finding.Snippet([]byte(s))
	}
	for _, r := range s {
		if r == utf8.RuneError || r == '\n' || r == '\r' || r == '\t' || unicode.IsControl(r) ||
			unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return finding.Snippet([]byte(s))
		}
	}
	return s
}
