package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"customs/internal/ecosystem"
	"customs/internal/finding"
	"customs/internal/names"
	"customs/internal/policy"
	"customs/internal/registry"
	"customs/internal/report"
)

func init() { registerCommand(newNamesCmd) }

func newNamesCmd(a *app) *cobra.Command {
	var (
		format, ecoFlag, policyFile string
		namesData                   []string
		audit, online               bool
	)
	cmd := &cobra.Command{
		Use:   "names [flags] NAME... | -",
		Short: "Check package names for typosquatting and dependency confusion",
		Long: `names judges each NAME offline: clean, or the popular package it imitates, the
technique (omission, repetition, transposition, adjacent-key, homoglyph,
separator, case, token reorder, prefix/suffix, scope confusion, combosquat,
misspelling), both packages' popularity and a confidence. "-" reads one name a
line from standard input. Without --ecosystem each name is checked in every
registry whose naming rules it fits. NAME@VERSION gives an internal package's
version for the dependency-confusion check.

Popularity data and every registry name are embedded (dated; see
"customs db update" for fresh lists). --names-data ECOSYSTEM=FILE adds a
list: one name a line, or CSV/TSV with a name column and an optional
downloads column.

With a policy (.customs.yaml, found from the current directory upwards, or
--policy), names the policy marks internal are checked for dependency
confusion instead: an internal name that the public registry holds is
reported (offline from the dated name lists; --online asks the registries,
with their versions: a public version above the internal one, or shaped like
99.99.99, is worse). --audit also reads the installer configuration of the project and
the home directory (pip, uv, Poetry, npm, Bundler) for settings that let a
public package shadow an internal one.

--format sarif writes SARIF 2.1.0 with one result per finding.

Exit codes:
  0  nothing flagged
  1  a name flagged at or above the policy's fail_on (default suspicious)
  2  bad usage, or a name that is not valid in its ecosystem`,
		Example: `  customs names reqeusts colourama flask
  customs names --ecosystem npm --format json loadsh @types/nodee
  cut -f1 names.txt | customs names --ecosystem pypi -
  customs names --ecosystem rubygems --names-data rubygems=gems.csv active-rest_client
  customs names --policy .customs.yaml --audit acme-billing`,
		Args: cobra.MinimumNArgs(1),
	}
	f := cmd.Flags()
	f.StringVarP(&format, "format", "f", "text", "output format: text, json or sarif")
	f.StringVar(&ecoFlag, "ecosystem", "", "pypi, npm or rubygems (default: each registry the name fits)")
	f.StringArrayVar(&namesData, "names-data", nil, "extra name list as ECOSYSTEM=FILE (repeatable)")
	f.StringVar(&policyFile, "policy", "", "policy file (default: .customs.yaml in the current directory or above)")
	f.BoolVar(&audit, "audit", false, "also audit installer configuration in the policy's project and the home directory")
	f.BoolVar(&online, "online", false, "ask the public registries whether internal names exist (default: the offline name lists)")

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if !slices.Contains(outputFormats, format) {
			return fmt.Errorf("--format %q: want text, json or sarif", format)
		}
		var ecos []names.Ecosystem
		if ecoFlag != "" {
			e, err := ecosystem.Parse(ecoFlag)
			if err != nil {
				return fmt.Errorf("--ecosystem: %w", err)
			}
			ecos = []names.Ecosystem{e}
		}
		pol, err := loadPolicy(".", policyFile)
		if err != nil {
			return err
		}
		cfg, err := names.ConfigFromPolicy(pol, namesData)
		if err != nil {
			return err
		}
		list, err := nameArgs(a, args)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		checker := names.NewChecker(cfg)
		var lookup names.PublicLookup // nil: offline
		if online {
			lookup = names.Online{Client: registry.New(registry.Options{Endpoints: registry.PublicEndpoints(), CacheDir: registryCacheDir()})}
		}
		var results []names.Result
		now := time.Now()
		for _, n := range list {
			for _, r := range checkName(ctx, checker, lookup, ecos, n) {
				r.Drop(func(f finding.Finding) bool {
					ok, note := pol.Ignored(f.Rule, r.Name, now)
					if note != "" && !ok {
						fmt.Fprintf(a.stderr, "customs: %s: %s\n", pol.Path, note)
					}
					return ok
				})
				results = append(results, r)
			}
		}
		var auditFindings []finding.Finding
		if audit {
			auditFindings, err = auditInstallers(pol, cfg)
			if err != nil {
				fmt.Fprintf(a.stderr, "customs: installer audit: %v\n", err)
			}
		}
		if err := writeNames(a, format, results, auditFindings); err != nil {
			return err
		}
		return exitError(namesExitCode(results, auditFindings, pol))
	}
	return cmd
}

// nameArgs expands "-" into the names read from standard input.
func nameArgs(a *app, args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		if arg != "-" {
			out = append(out, arg)
			continue
		}
		sc := bufio.NewScanner(a.stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if s := strings.TrimSpace(sc.Text()); s != "" && !strings.HasPrefix(s, "#") {
				out = append(out, s)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("standard input: %w", err)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no names given")
	}
	return out, nil
}

// checkName judges a name in the ecosystems given, or in every one whose
// rules it fits (all of them, with their errors, when it fits none).
func checkName(ctx context.Context, c *names.Checker, lookup names.PublicLookup, ecos []names.Ecosystem, arg string) []names.Result {
	name, version := splitVersion(arg)
	if len(ecos) == 0 {
		for _, e := range ecosystem.All {
			if names.Validate(e, name) == nil {
				ecos = append(ecos, e)
			}
		}
		if len(ecos) == 0 {
			ecos = ecosystem.All
		}
	}
	out := make([]names.Result, 0, len(ecos))
	for _, e := range ecos {
		out = append(out, c.CheckAll(ctx, lookup, e, name, version))
	}
	return out
}

func auditInstallers(pol *policy.Policy, cfg names.Config) ([]finding.Finding, error) {
	dir := "."
	if pol.Path != "" {
		dir = filepath.Dir(pol.Path)
	}
	home, _ := os.UserHomeDir()
	return names.AuditInstallers(names.InstallerSetup{Dir: dir, Home: home, Getenv: os.Getenv, Internal: cfg.Internal})
}

// splitVersion reads NAME@VERSION (the internal version, for the
// dependency-confusion check); a scope's leading "@" is part of the name.
func splitVersion(arg string) (name, version string) {
	if i := strings.LastIndexByte(arg, '@'); i > 0 {
		return arg[:i], arg[i+1:]
	}
	return arg, ""
}

// namesDocument is the JSON output: one result per name and ecosystem, in
// the order given, and the installer audit when asked for.
type namesDocument struct {
	Tool      string            `json:"tool"`
	Version   string            `json:"version"`
	Data      names.Meta        `json:"data"`
	Results   []names.Result    `json:"results"`
	Installer []finding.Finding `json:"installer,omitempty"`
}

func writeNames(a *app, format string, results []names.Result, audit []finding.Finding) error {
	if format == "json" {
		meta, _ := names.LoadMeta(cacheDirIfAny())
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(namesDocument{Tool: "customs", Version: report.ToolVersion(), Data: meta, Results: results, Installer: audit})
	}
	if format == "text" {
		return names.WriteText(a.stdout, results, audit, report.ColorEnabled(a.stdout))
	}
	subjects := make([]report.Subject, 0, len(results)+1)
	for _, r := range results {
		subjects = append(subjects, report.Subject{Target: r.Name, Ecosystem: string(r.Ecosystem),
			Verdict: r.Verdict, Findings: r.Findings, Error: r.Error})
	}
	if len(audit) > 0 {
		subjects = append(subjects, report.Subject{Target: "installer configuration", Verdict: finding.Suspicious, Findings: audit})
	}
	return writeReport(a, format, subjects)
}

// registryCacheDir is where online answers are cached, beside the name
// lists ("" disables the disk cache).
func registryCacheDir() string {
	d, err := names.CacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(filepath.Dir(d), "registry")
}

func cacheDirIfAny() string {
	d, err := names.CacheDir()
	if err != nil {
		return ""
	}
	if _, err := os.Stat(d); err != nil {
		return ""
	}
	return d
}

// namesExitCode: 1 when a name (or the installer audit) is flagged at or
// above fail_on; else 2 when a name was invalid; else 0.
func namesExitCode(results []names.Result, audit []finding.Finding, pol *policy.Policy) int {
	failOn := finding.Suspicious
	if pol.FailOn != "" {
		failOn = finding.Verdict(pol.FailOn)
	}
	code := exitOK
	if len(audit) > 0 && failOn == finding.Suspicious {
		return exitFlagged
	}
	for _, r := range results {
		switch {
		case r.Error != "":
			code = exitUsage
		case r.Verdict.Flagged() && r.Verdict.Rank() >= failOn.Rank():
			return exitFlagged
		}
	}
	return code
}
