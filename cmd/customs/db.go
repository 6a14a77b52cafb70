package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"customs/internal/advisory"
)

func init() { registerCommand(newDBCmd) }

func newDBCmd(a *app) *cobra.Command {
	db := &cobra.Command{
		Use:   "db",
		Short: "Manage the offline data (OSV advisories)",
	}
	var osvURL string
	update := &cobra.Command{
		Use:   "update",
		Short: "Download the OSV advisories of npm, PyPI and RubyGems into the local cache",
		Long: `update downloads osv.dev's per-ecosystem exports (<base>/<ecosystem>/all.zip)
for npm, PyPI and RubyGems into the cache ($CUSTOMS_CACHE_DIR, default the
user cache directory's customs folder), sending the stored ETag so unchanged
exports are not fetched again, and builds the compact index that scans load.
A failed ecosystem keeps its previous data. The base URL comes from --osv-url,
then $CUSTOMS_OSV_URL, then osv.dev's public bucket.`,
		Example: `  customs db update
  CUSTOMS_OSV_URL=https://mirror.example/osv customs db update`,
		Args: cobra.NoArgs,
	}
	update.Flags().StringVar(&osvURL, "osv-url", "", "base URL of the OSV exports (default $CUSTOMS_OSV_URL or osv.dev)")
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
		if err != nil {
			fmt.Fprintf(a.stderr, "customs: db update: %v\n", err)
			return exitError(exitUsage)
		}
		return nil
	}
	db.AddCommand(update)
	return db
}
