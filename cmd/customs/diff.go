package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"customs/internal/diff"
	"customs/internal/registry"
)

func init() { registerCommand(newDiffCmd) }

func newDiffCmd(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "diff OLD [NEW]",
		Short: "Show what a release adds over the previous one, and judge it",
		Long: `diff compares two versions of a package and reports what the newer one adds:
files added, removed and changed; new install-time behaviour (install scripts,
setup hooks, .pth files, gem extensions, bin entries); findings of the analyser
in the added code only; new dependencies, run through the name checks, and
dependencies switched to git or URLs; registry metadata changes (publisher,
maintainers, provenance, repository). It ends with a verdict for the update,
reasons first.

OLD and NEW are package archives, directories, or registry references
(npm:NAME@VERSION, pypi:NAME@VERSION, gem:NAME@VERSION). With one reference,
it is compared with the version published just before it. The npm registry is
the one npm would use (NPM_CONFIG_REGISTRY, .npmrc).

Exit codes: 0 clean, 1 suspicious or malicious, 2 bad usage or an
unreadable target.`,
		Example: `  customs diff old.tgz new.tgz
  customs diff npm:debug@4.4.1 npm:debug@4.4.2
  customs diff npm:debug@4.4.2
  customs diff --format json old.tgz new.tgz`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			write, ok := diffWriters[format]
			if !ok {
				fmt.Fprintf(a.stderr, "customs diff: unknown --format %q (want text, json or sarif)\n", format)
				return exitError(exitUsage)
			}
			newArg := ""
			if len(args) == 2 {
				newArg = args[1]
			}
			dir, _ := os.Getwd()
			home, _ := os.UserHomeDir()
			// The same registries, cache, policy and name data as scan.
			pol, err := loadPolicy(dir, "")
			if err != nil {
				return err
			}
			checker, err := namesChecker(pol)
			if err != nil {
				return err
			}
			cache, _ := cacheDir() // without one, nothing is cached
			client := registry.New(registry.Options{Endpoints: registry.DiscoverEndpoints(dir, home, os.Getenv), CacheDir: cache})
			res, err := diff.Targets(cmd.Context(), diff.Registry{Client: client}, args[0], newArg, diff.Options{Names: checker})
			if err != nil {
				fmt.Fprintf(a.stderr, "customs diff: %v\n", err)
				return exitError(exitUsage)
			}
			if err := write(a.stdout, res); err != nil {
				return err
			}
			if res.Verdict.Flagged() {
				return exitError(exitFlagged)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json or sarif")
	return cmd
}

var diffWriters = map[string]func(io.Writer, *diff.Result) error{
	"text": diff.WriteText, "json": diff.WriteJSON, "sarif": diff.WriteSARIF,
}
