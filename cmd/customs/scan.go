package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"customs/internal/advisory"
	"customs/internal/ecosystem"
	"customs/internal/finding"
	"customs/internal/names"
	"customs/internal/policy"
	"customs/internal/registry"
	"customs/internal/report"
	"customs/internal/scan"
)

func init() { registerCommand(newScanCmd) }

func newScanCmd(a *app) *cobra.Command {
	var (
		format, dbPath, policyPath, failOn string
		base                               string
		offline, deep, verbose             bool
		cooldown                           time.Duration
		jobs                               int
	)
	cmd := &cobra.Command{
		Use:   "scan [flags] [DIR|LOCKFILE]",
		Short: "Check every dependency of a project against known malware, names and registry history",
		Long: `scan finds every lockfile and manifest under DIR (default: the current
directory, recursively; dependency folders and virtualenvs are skipped) and
checks each dependency they pin:

  known malware     OSV MAL- advisories from the database that
                    ` + "`customs db update`" + ` downloads, or from --db
  names             typosquats of popular packages, and names of the
                    project's internal namespaces exposed publicly
                    (dependency confusion; .customs.yaml "internal")
  registry history  release younger than the cooldown, version taken down,
                    new install scripts, new publisher or maintainers,
                    provenance dropped, release after a long silence,
                    unusual version jump (online; --offline skips it)
  installer setup   settings that let a public package shadow an internal
                    one: pip extra indexes, unmapped npm scopes, several
                    global Bundler sources
  --deep            download each locked artifact, verify it against the
                    lockfile's hash and inspect its code; verdicts are cached
                    by content digest

Registries come from the user's configuration: .npmrc registry= (project,
then home) or $NPM_CONFIG_REGISTRY; pip's index-url or $PIP_INDEX_URL; the
Gemfile source, ~/.gemrc or $GEM_HOST. Data is cached under
$CUSTOMS_CACHE_DIR (default: the user cache directory's customs folder).

With --base REF (a branch, tag or commit), only the dependencies that the
lockfiles add or change since REF are checked: the pull-request check to
run on every dependency bump. The lockfiles are read at REF with git, so DIR
must be inside a git repository. Each changed dependency is also diffed
against the version it replaces, as ` + "`customs diff`" + ` does (online only).

The project's .customs.yaml (found in DIR or above; --policy to name one)
sets internal namespaces, allowed names, the cooldown, fail_on and ignores
(each with a reason and an expiry date).

Exit codes:
  0  nothing flagged at or above fail_on, and every lockfile was read
  1  at least one dependency flagged, or an installer setting that lets
     public packages shadow internal ones (wins over 2)
  2  bad usage (a --base that is not a commit too), or a lockfile could not
     be read (in DIR or at --base) and nothing was flagged`,
		Example: `  customs scan
  customs scan ./service --format sarif > customs.sarif
  customs scan --offline
  customs scan --base origin/main
  customs scan --deep
  customs scan --db ./osv/npm.zip --format json package-lock.json`,
		Args: cobra.MaximumNArgs(1),
	}
	f := cmd.Flags()
	f.StringVarP(&format, "format", "f", "text", "output format: text, json or sarif")
	f.BoolVar(&offline, "offline", false, "only checks that need no network (no registry history, no downloads; --deep then uses cached verdicts only)")
	f.BoolVar(&deep, "deep", false, "download and inspect every locked artifact (verdicts cached by digest)")
	f.StringVar(&dbPath, "db", "", "OSV `PATH` to use: a directory, an all.zip, a JSON or JSON-lines file (default: what db update downloaded)")
	f.StringVar(&policyPath, "policy", "", "policy file (default: .customs.yaml in DIR or a parent)")
	f.StringVar(&failOn, "fail-on", "", "lowest verdict that makes the exit code 1: suspicious or malicious (overrides the policy)")
	f.DurationVar(&cooldown, "cooldown", 0, "minimum release age before a version is trusted, e.g. 72h (overrides the policy; default 72h)")
	f.IntVarP(&jobs, "jobs", "j", 0, "dependencies checked at once (default: cores, 16 when online)")
	f.BoolVarP(&verbose, "verbose", "v", false, "list clean dependencies too (text output)")
	f.StringVar(&base, "base", "", "check only the dependencies added or changed since git `REF`, diffing each changed one against its old version")

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		root := "."
		if len(args) == 1 {
			root = args[0]
		}
		switch {
		case !slices.Contains(outputFormats, format):
			return fmt.Errorf("--format %q: want text, json or sarif", format)
		case failOn != "" && failOn != string(finding.Suspicious) && failOn != string(finding.Malicious):
			return fmt.Errorf("--fail-on %q: want suspicious or malicious", failOn)
		case jobs < 0:
			return fmt.Errorf("--jobs must not be negative")
		case cmd.Flags().Changed("base") && base == "":
			return fmt.Errorf("--base needs a git ref, e.g. origin/main")
		}
		if _, err := os.Stat(root); err != nil {
			return err
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		// Ctrl-C stops the downloads in flight instead of waiting for them.
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
		defer stop()
		cache, err := cacheDir()
		if err != nil {
			return err
		}
		pol, err := loadPolicy(root, policyPath)
		if err != nil {
			return err
		}
		home, _ := os.UserHomeDir()
		opts := scan.Options{Root: root, Deep: deep, CacheDir: cache, Jobs: jobs, Policy: scanPolicy(pol),
			Installers: &names.InstallerSetup{Home: home, Getenv: os.Getenv}, Base: base}
		if cmd.Flags().Changed("cooldown") {
			opts.Policy.Cooldown = cooldown
			if cooldown == 0 {
				opts.Policy.Cooldown = -1 // --cooldown 0 turns the check off
			}
		}
		if failOn != "" {
			opts.Policy.FailOn = finding.Verdict(failOn)
		}
		if dbPath != "" {
			opts.DB, opts.DBError = advisory.Open(dbPath, cache)
			if opts.DBError != nil {
				return fmt.Errorf("--db %s: %w", dbPath, opts.DBError)
			}
		} else {
			opts.DB, opts.DBError = advisory.OpenDefault(cache)
		}
		opts.Names, err = namesChecker(pol)
		if err != nil {
			return err
		}
		if !offline {
			dir := root
			if st, err := os.Stat(root); err == nil && !st.IsDir() {
				dir = filepath.Dir(root)
			}
			opts.Registry = registry.New(registry.Options{
				Endpoints: registry.DiscoverEndpoints(dir, home, os.Getenv),
				CacheDir:  cache,
			})
			opts.PublicRegistry = registry.New(registry.Options{Endpoints: registry.PublicEndpoints(), CacheDir: cache})
		}
		progress := newProgress(a.stderr)
		opts.Progress = progress.update
		rep, err := scan.Run(ctx, opts)
		progress.finish()
		if err != nil {
			return err
		}
		switch format {
		case "json":
			err = scan.WriteJSON(a.stdout, rep)
		case "sarif":
			err = scan.WriteSARIF(a.stdout, rep, ruleCatalogue())
		default:
			err = scan.WriteText(a.stdout, rep, scan.TextOptions{Color: report.ColorEnabled(a.stdout), Verbose: verbose})
		}
		if err != nil {
			return err
		}
		switch {
		case rep.Summary.Failed:
			return exitError(exitFlagged)
		case len(rep.Errors) > 0:
			return exitError(exitUsage)
		}
		return nil
	}
	return cmd
}

// cacheDir is where customs keeps downloaded data: $CUSTOMS_CACHE_DIR, else
// the user cache directory's customs folder.
func cacheDir() (string, error) {
	if d := os.Getenv("CUSTOMS_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set CUSTOMS_CACHE_DIR): %w", err)
	}
	return filepath.Join(d, "customs"), nil
}

// loadPolicy reads the named policy, or the .customs.yaml found from root
// upwards; no file is an empty policy.
func loadPolicy(root, explicit string) (*policy.Policy, error) {
	file := explicit
	if file == "" {
		dir := root
		if st, err := os.Stat(root); err == nil && !st.IsDir() {
			dir = filepath.Dir(root)
		}
		var err error
		if file, err = policy.Find(dir); err != nil {
			return nil, err
		}
	}
	if file == "" {
		return &policy.Policy{}, nil
	}
	return policy.Load(file)
}

// scanPolicy converts the decoded .customs.yaml to what scan needs.
func scanPolicy(p *policy.Policy) scan.Policy {
	sp := scan.Policy{Internal: p.Internal, Allow: p.Allow, Cooldown: p.Cooldown.Duration, FailOn: finding.Verdict(p.FailOn)}
	for _, ig := range p.Ignore {
		sp.Ignores = append(sp.Ignores, scan.Ignore{ID: ig.Rule, Package: ig.Package, Reason: ig.Reason, Expires: ig.Expires.Time})
	}
	return sp
}

// namesChecker builds the typosquat checker over the embedded name data,
// the refreshed lists in the cache and the policy's extra lists.
func namesChecker(p *policy.Policy) (*names.Checker, error) {
	cfg := names.Config{Extra: map[names.Ecosystem][]*names.List{}, Allow: map[names.Ecosystem][]string{}}
	if d, err := names.CacheDir(); err == nil {
		cfg.CacheDir = d
	}
	for eco, list := range p.Allow {
		if e, err := ecosystem.Parse(eco); err == nil {
			cfg.Allow[e] = list
		}
	}
	for eco := range p.NamesData {
		e, err := ecosystem.Parse(eco)
		if err != nil {
			continue
		}
		file := p.NamesDataPath(eco)
		fh, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("%s: names_data.%s: %w", p.Path, eco, err)
		}
		l, err := names.ParseList(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: names_data.%s: %s: %w", p.Path, eco, file, err)
		}
		cfg.Extra[e] = append(cfg.Extra[e], l)
	}
	return names.NewChecker(cfg), nil
}

// progress shows a bar on stderr for scans longer than a second, only on
// a terminal and never in CI.
type progress struct {
	w     io.Writer
	on    bool
	start time.Time
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("CI") == "" {
		p.on = true
	}
	return p
}

func (p *progress) update(done, total int) {
	if !p.on || time.Since(p.start) < time.Second {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription("checking dependencies"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	p.bar.Set(done)
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
	}
}
