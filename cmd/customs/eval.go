package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"customs/internal/eval"
	"customs/internal/inspect"
	"customs/internal/manifest"
)

func init() { registerCommand(newEvalCmd) }

func newEvalCmd(a *app) *cobra.Command {
	var (
		format               string
		jobs, sample, reps   int
		misses, measureFloor bool
	)
	cmd := &cobra.Command{
		Use:   "eval [flags] MANIFEST...",
		Short: "Measure inspect on labelled corpora: recall, false positives, speed against the floor",
		Long: `eval runs customs inspect over every target of one or more labelled manifests and
prints, per ecosystem:

  - for malware: recall per sample and per cluster, both "flagged"
    (suspicious or malicious) and "malicious" alone;
  - for benign packages: the false-positive rate (malicious verdicts) and the
    flag rate (suspicious or worse), per target and per cluster, and the
    verdicts on packages that run scripts at install time;
  - speed: inspection time, MB/s, and the floor (the time it takes only to
    decompress and read the same targets, single-threaded, measured in the
    same run), their ratio, and the peak memory of the run.

A manifest is tab-separated with the header "path label ecosystem cluster";
paths are relative to the manifest's folder, label is malicious or benign,
ecosystem pypi, npm or rubygems, and cluster groups one campaign (malware)
or one package (benign). A cluster's share is the fraction of its targets
that got the verdict; per-cluster rates are the mean of those shares.
install-scripts.txt beside a manifest (written by the benign corpus's fetch)
names the packages with install-time scripts.

--jobs defaults to 1 so that inspection and the single-threaded floor compare
like with like; a higher --jobs shows throughput on all cores.

Exit codes: 0 the evaluation ran (whatever the figures), 2 bad usage or an
unreadable manifest.`,
		Example: `  customs eval ../shared/corpus/malware/manifest.tsv "$CUSTOMS_BENIGN/manifest.tsv"
  customs eval --misses ../shared/corpus/malware/manifest.tsv
  customs eval --sample 100 --format json ../shared/corpus/malware/manifest.tsv`,
		Args: cobra.MinimumNArgs(1),
	}
	f := cmd.Flags()
	f.StringVarP(&format, "format", "f", "text", "output format: text or json")
	f.IntVarP(&jobs, "jobs", "j", 1, "targets inspected at once")
	f.IntVar(&sample, "sample", 0, "inspect only about N targets, every k-th row of the manifests (0: all)")
	f.IntVar(&reps, "repeat", 1, "time the passes N times and report medians")
	f.BoolVar(&misses, "misses", false, "list missed malware and flagged benign targets with their top finding")
	f.BoolVar(&measureFloor, "floor", true, "measure the decompress-only floor over the same targets in the same run")
	limits := addLimitFlags(f)

	cmd.RunE = func(cmd *cobra.Command, manifests []string) error {
		lim, err := limits()
		if err != nil {
			return err
		}
		switch {
		case format != "text" && format != "json":
			return fmt.Errorf("--format %q: want text or json", format)
		case jobs < 1:
			return fmt.Errorf("--jobs must be at least 1, not %d", jobs)
		case reps < 1:
			return fmt.Errorf("--repeat must be at least 1, not %d", reps)
		case sample < 0:
			return fmt.Errorf("--sample must not be negative, not %d", sample)
		}
		rows, scripts, err := manifest.ReadAll(manifests)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		res := eval.Run(ctx, manifest.Sample(rows, sample), eval.Options{
			Inspect: inspect.Options{Limits: lim, Jobs: jobs}, Floor: measureFloor, Repeat: reps, InstallScripts: scripts,
		})
		if format == "json" {
			return res.WriteJSON(a.stdout)
		}
		return res.WriteText(a.stdout, misses)
	}
	return cmd
}
