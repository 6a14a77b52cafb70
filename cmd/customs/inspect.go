package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/spf13/cobra"

	"customs/internal/ecosystem"
	"customs/internal/finding"
	"customs/internal/inspect"
	"customs/internal/report"
	"customs/internal/rules"
)

func init() { registerCommand(newInspectCmd) }

var (
	outputFormats = []string{"text", "json", "sarif"}
)

func newInspectCmd(a *app) *cobra.Command {
	var (
		format, ecoFlag, failOn string
		jobs                    int
	)
	cmd := &cobra.Command{
		Use:   "inspect [flags] TARGET...",
		Short: "Look inside package archives or directories for malicious code",
		Long: `inspect reads each TARGET (a package archive: .tar.gz, .tgz, .whl, .zip, .gem,
.tar.bz2, .tar.xz; or an unpacked directory) in memory, never running or
extracting anything, and gives it a verdict (clean, suspicious, malicious), a
score, and the findings that led there: rule, severity, file, line, evidence
and a message.

The ecosystem, name and version come from the package's own metadata
(PKG-INFO, package.json, gem metadata); --ecosystem forces the ecosystem.
Targets are analysed concurrently; results are printed in the order given.
Every archive is treated as hostile: the --max-* flags and --timeout bound
each target, and a target that breaks a bound or is corrupt gets its own
error while the run goes on. A target that could not be read gets no verdict
(never "clean"); if part of it was read, what was found there still counts.

--format json prints one document: {"results": [...], "summary": {...}}, one
result per target in the order given, each with target, ecosystem, name,
version, verdict, score, findings (rule, severity, file, line, message,
evidence) and, only when the target could not be read, error.
--format sarif prints SARIF 2.1.0 for code scanning (GitHub and others).

Exit codes:
  0  nothing flagged (no verdict at or above --fail-on) and every target read
  1  at least one target flagged at or above --fail-on (wins over 2)
  2  bad usage, or a target could not be read and nothing was flagged`,
		Example: `  customs inspect ./colourama-0.1.6.tar.gz ./left-pad-1.3.0.tgz ./rack-3.0.0.gem ./some/unpacked/dir
  customs inspect --format json dist/*.whl
  customs inspect --format sarif --fail-on malicious node_modules/* > customs.sarif
  customs inspect --ecosystem npm --max-total-size 256MiB --timeout 10s ./pkg`,
		Args: cobra.MinimumNArgs(1),
	}
	f := cmd.Flags()
	f.StringVarP(&format, "format", "f", "text", "output format: text, json or sarif")
	f.StringVar(&ecoFlag, "ecosystem", "", "force the ecosystem (pypi, npm or rubygems) instead of reading it from metadata")
	f.StringVar(&failOn, "fail-on", "suspicious", "lowest verdict that makes the exit code 1: suspicious or malicious")
	f.IntVarP(&jobs, "jobs", "j", runtime.NumCPU(), "targets analysed at once")
	limits := addLimitFlags(f)

	cmd.RunE = func(cmd *cobra.Command, targets []string) error {
		lim, err := limits()
		if err != nil {
			return err
		}
		switch {
		case !slices.Contains(outputFormats, format):
			return fmt.Errorf("--format %q: want text, json or sarif", format)
		case ecoFlag != "" && !slices.Contains(ecosystem.All, ecosystem.Ecosystem(ecoFlag)):
			return fmt.Errorf("--ecosystem %q: want pypi, npm or rubygems", ecoFlag)
		case failOn != string(finding.Suspicious) && failOn != string(finding.Malicious):
			return fmt.Errorf("--fail-on %q: want suspicious or malicious", failOn)
		case jobs < 1:
			return fmt.Errorf("--jobs must be at least 1, not %d", jobs)
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		results := inspect.Run(ctx, targets, inspect.Options{Limits: lim, Ecosystem: ecosystem.Ecosystem(ecoFlag), Jobs: jobs})
		subjects := make([]report.Subject, len(results))
		for i, r := range results {
			subjects[i] = subjectOf(r)
		}
		if err := writeReport(a, format, subjects); err != nil {
			return err
		}
		return exitError(exitCode(subjects, finding.Verdict(failOn)))
	}
	return cmd
}

// subjectOf is the report's view of one inspected target. A target that
// could not be read and showed nothing gets no verdict: calling it clean
// would let a script that trusts "clean" wave through an archive nobody read.
func subjectOf(r inspect.Result) report.Subject {
	if r.Error != "" && len(r.Findings) == 0 {
		r.Verdict = ""
	}
	return report.Subject{
		Target: r.Target, Ecosystem: r.Ecosystem, Name: r.Name, Version: r.Version,
		Verdict: r.Verdict, Score: r.Score, Findings: r.Findings, Error: r.Error,
		Format: r.Format, Files: r.Files, Bytes: r.Bytes,
	}
}

// writeReport prints subjects in the chosen format on stdout.
func writeReport(a *app, format string, subjects []report.Subject) error {
	switch format {
	case "json":
		return report.JSON(a.stdout, report.ToolVersion(), subjects)
	case "sarif":
		return report.SARIF(a.stdout, sarifTool(), ruleCatalogue(), subjects)
	default:
		return report.Text(a.stdout, subjects, report.TextOptions{Color: report.ColorEnabled(a.stdout)})
	}
}

func sarifTool() report.Tool {
	return report.Tool{Name: "customs", Version: report.ToolVersion()}
}

// ruleCatalogue describes the built-in rules for SARIF's rule table; if the
// catalogue cannot be loaded the writer describes rules from their findings.
func ruleCatalogue() []report.RuleMeta {
	rs, err := rules.Builtin()
	if err != nil {
		return nil
	}
	metas := make([]report.RuleMeta, len(rs))
	for i, r := range rs {
		metas[i] = report.RuleMeta{ID: r.ID, Description: r.Message, Help: r.Description, Severity: r.Severity}
	}
	return metas
}

// exitCode applies the documented precedence: a verdict at or above failOn
// gives 1 (even from a target read only in part: what was read is already
// bad news); otherwise an unreadable target gives 2; otherwise 0.
func exitCode(subjects []report.Subject, failOn finding.Verdict) int {
	code := exitOK
	for _, s := range subjects {
		switch {
		case s.Verdict.Flagged() && s.Verdict.Rank() >= failOn.Rank():
			return exitFlagged
		case s.Error != "":
			code = exitUsage
		}
	}
	return code
}
