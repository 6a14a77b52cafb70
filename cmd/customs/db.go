package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"customs/internal/advisory"
	"customs/internal/names"
	"customs/internal/registry"
)

func init() { registerCommand(newDBCmd) }

func newDBCmd(a *app) *cobra.Command {
	db := &cobra.Command{
		Use:   "db",
		Short: "Manage the offline data (OSV advisories)",
	}
	var (
		osvURL    string
		skipNames bool
	)
	update := &cobra.Command{
		Use:   "update",
		Short: "Download the OSV advisories and refresh the package-name lists",
		Long: `update downloads osv.dev's per-ecosystem exports (<base>/<ecosystem>/all.zip)
for npm, PyPI and RubyGems into the cache ($CUSTOMS_CACHE_DIR, default the
user cache directory's customs folder), sending the stored ETag so unchanged
exports are not fetched again, and builds the compact index that scans load.
A failed ecosystem keeps its previous data. The base URL comes from --osv-url,
then $CUSTOMS_OSV_URL, then osv.dev's public bucket.

It then refreshes the name lists of the typosquat checks from the registries
the user's configuration names (pip's index-url, the gem source); a failure
there is a warning, since the embedded lists still work.

Exit codes: 0 the advisories were updated (fully), 2 otherwise.`,
		Example: `  customs db update
  CUSTOMS_OSV_URL=https://mirror.example/osv customs db update`,
		Args: cobra.NoArgs,
	}
	update.Flags().StringVar(&osvURL, "osv-url", "", "base URL of the OSV exports (default $CUSTOMS_OSV_URL or osv.dev)")
	update.Flags().BoolVar(&skipNames, "skip-names", false, "update only the advisories, not the name lists")
	update.RunE = func(cmd *cobra.Command, _ []string) error {
		cache, err := cacheDir()
		if err != nil {
			return err
		}
		base := osvURL
		if base == "" {
			base = os.Getenv("CUSTOMS_OSV_URL")
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		meta, results, err := advisory.Update(ctx, nil, base, cache)
		for _, r := range results {
			switch {
			case r.NotModified:
				fmt.Fprintf(a.stdout, "%-9s unchanged (%s)\n", r.Ecosystem, r.URL)
			default:
				fmt.Fprintf(a.stdout, "%-9s %d bytes from %s\n", r.Ecosystem, r.Bytes, r.URL)
			}
		}
		if len(meta.Records) > 0 {
			fmt.Fprintf(a.stdout, "%s, index %s\n", meta.Summary(), advisory.IndexFile(cache))
		}
		if !skipNames {
			updateNames(ctx, a)
		}
		if err != nil {
			fmt.Fprintf(a.stderr, "customs: db update: %v\n", err)
			return exitError(exitUsage)
		}
		return nil
	}
	db.AddCommand(update)
	return db
}

// updateNames refreshes the typosquat name lists from the configured
// registries; failures are warnings.
func updateNames(ctx context.Context, a *app) {
	dir, err := names.CacheDir()
	if err != nil {
		fmt.Fprintf(a.stderr, "customs: warning: name lists not refreshed: %v\n", err)
		return
	}
	home, _ := os.UserHomeDir()
	cwd, _ := os.Getwd()
	reg := registry.DiscoverEndpoints(cwd, home, os.Getenv)
	ep := names.DefaultEndpoints()
	ep.PyPISimple = reg.PyPI + "/"
	ep.RubyGemsIndex = reg.RubyGems + "/"
	if ep.NPMDownloads == "" {
		fmt.Fprintf(a.stderr, "customs: note: npm's popular list keeps its embedded downloads: set %s to npm's download-counts API to refresh it\n", names.NPMDownloadsEnv)
	}
	rep, err := names.Update(ctx, nil, ep, dir, time.Now())
	for eco, l := range rep.Lists {
		fmt.Fprintf(a.stdout, "names %-8s %d names, %d popular, from %s\n", eco, l.Names, l.Popular, l.Source)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "customs: warning: name lists not fully refreshed (the embedded lists are used): %v\n", err)
	}
}
