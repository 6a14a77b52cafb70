// Package eval measures customs inspect on labelled corpora: recall on
// malware per sample and per cluster, false-positive and flag rates on
// benign packages, throughput, and the decompress-only floor measured in the
// same run over the same targets, so that speed is a ratio, not a time.
package eval

import (
	"context"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"customs/internal/analyze"
	"customs/internal/archive"
	"customs/internal/ecosystem"
	"customs/internal/finding"
	"customs/internal/inspect"
	"customs/internal/manifest"
)

// Options tunes a run.
type Options struct {
	Inspect inspect.Options // Jobs is how many targets are inspected at once
	// Floor also reads every target single-threaded doing nothing else (the
	// cost any analysis must pay) and reports inspection time against it.
	Floor bool
	// Repeat runs the timed passes this many times and reports medians;
	// verdicts come from the first pass.
	Repeat int
	// InstallScripts maps targets known to run code at install time to a
	// description; their verdicts are listed in the result.
	InstallScripts map[string]string
}

// Outcome is what inspect said about one row.
type Outcome struct {
	manifest.Row
	Verdict    finding.Verdict  `json:"verdict"`
	Score      float64          `json:"score"`
	Detected   string           `json:"detected_ecosystem,omitempty"` // from the package's metadata
	Error      string           `json:"error,omitempty"`
	Top        *finding.Finding `json:"top_finding,omitempty"` // the most severe finding
	Bytes      int64            `json:"bytes"`                 // uncompressed bytes inspect read
	FloorBytes int64            `json:"floor_bytes,omitempty"` // uncompressed bytes the floor read
	FloorError string           `json:"floor_error,omitempty"`
}

// Flagged reports whether inspect called the target suspicious or worse (a
// target read only in part counts by what was read, as the user sees it).
func (o Outcome) Flagged() bool { return o.Verdict.Flagged() }

// Malicious reports whether inspect called the target malicious.
func (o Outcome) Malicious() bool { return o.Verdict == finding.Malicious }

// Result is a whole evaluation.
type Result struct {
	Jobs     int           `json:"jobs"`
	Repeat   int           `json:"repeat"`
	Floor    bool          `json:"floor"`
	Setup    time.Duration `json:"setup_ns"` // compiling the rules, once per process, before timing
	Groups   []Group       `json:"groups"`   // per ecosystem and label
	Speed    []Speed       `json:"speed"`    // per ecosystem, then "all"
	PeakRSS  int64         `json:"peak_rss_bytes"`
	Installs []Install     `json:"install_scripts,omitempty"`
	Outcomes []Outcome     `json:"outcomes"`
}

// Group holds the detection figures of one ecosystem and label.
type Group struct {
	Ecosystem string `json:"ecosystem"`
	Label     string `json:"label"`
	Targets   int    `json:"targets"`
	Clusters  int    `json:"clusters"`
	Errors    int    `json:"errors"` // unreadable targets (they count as not flagged)
	Flagged   Rate   `json:"flagged"`
	Malicious Rate   `json:"malicious"`
	// Readable targets whose metadata named another ecosystem than the manifest.
	Mismatched int `json:"ecosystem_mismatches"`
}

// Rate is how often a verdict was reached, per target and per cluster. A
// cluster's share is the fraction of its targets that reached it, and the
// per-cluster rate is the mean of those shares: every campaign (or package)
// weighs the same, however many targets it has.
type Rate struct {
	Targets    int     `json:"targets"`
	PerTarget  float64 `json:"per_target"`
	PerCluster float64 `json:"per_cluster"`
}

// Speed compares inspection with the floor. For one ecosystem the times are
// sums of per-target times; for "all" they are wall-clock times of whole
// passes. With several repeats each figure is the median.
type Speed struct {
	Ecosystem string        `json:"ecosystem"`
	Targets   int           `json:"targets"`
	Bytes     int64         `json:"bytes"` // uncompressed bytes read
	Inspect   time.Duration `json:"inspect_ns"`
	Floor     time.Duration `json:"floor_ns,omitempty"`
	Ratio     float64       `json:"ratio,omitempty"` // Inspect / Floor
	// CPU time of whole passes (user and system, all threads; "all" only).
	InspectCPU time.Duration `json:"inspect_cpu_ns,omitempty"`
	FloorCPU   time.Duration `json:"floor_cpu_ns,omitempty"`
	CPURatio   float64       `json:"cpu_ratio,omitempty"` // InspectCPU / FloorCPU
}

// Install is the verdict on a package known to run code at install time.
type Install struct {
	Path    string          `json:"path"`
	What    string          `json:"what"`
	Verdict finding.Verdict `json:"verdict"`
	Error   string          `json:"error,omitempty"`
}

// AllEcosystems names the speed row of whole passes.
const AllEcosystems = "all"

// Run inspects every row (opt.Inspect.Jobs at once), measures the floor
// over the same rows single-threaded when asked, and computes the figures.
// Inspection goes first in each repeat, so it is the pass that meets a cold
// file cache: the ratio errs against customs, not for it.
func Run(ctx context.Context, rows []manifest.Row, opt Options) Result {
	jobs, repeat := max(opt.Inspect.Jobs, 1), max(opt.Repeat, 1)
	opt.Inspect.Jobs = jobs
	outs := make([]Outcome, len(rows))
	for i, r := range rows {
		outs[i].Row = r
	}
	var (
		inspectWall, floorWall []time.Duration
		inspectCPU, floorCPU   []time.Duration
		inspectEco, floorEco   []map[string]time.Duration
	)
	// Compile the rules before timing anything: a one-off cost per process,
	// reported apart, which the per-target figures should not carry.
	t0 := time.Now()
	_, _ = analyze.Default() // an error shows up in every result below
	setup := time.Since(t0)

	times := make([]time.Duration, len(rows))
	for rep := range repeat {
		start, cpu := time.Now(), cpuTime()
		var g errgroup.Group
		g.SetLimit(jobs)
		for i := range rows {
			g.Go(func() error {
				t0 := time.Now()
				res := inspect.Target(ctx, rows[i].Target, opt.Inspect)
				times[i] = time.Since(t0)
				if rep == 0 {
					outs[i].record(res)
				}
				return nil
			})
		}
		_ = g.Wait() // workers never fail: a target's error is in its result
		inspectWall = append(inspectWall, time.Since(start))
		inspectCPU = append(inspectCPU, cpuTime()-cpu)
		inspectEco = append(inspectEco, sumByEcosystem(rows, times))

		if !opt.Floor {
			continue
		}
		start, cpu = time.Now(), cpuTime()
		for i, r := range rows {
			t0 := time.Now()
			n, err := archive.Floor(ctx, r.Target, opt.Inspect.Limits)
			times[i] = time.Since(t0)
			if rep == 0 {
				outs[i].FloorBytes = n
				if err != nil {
					outs[i].FloorError = err.Error()
				}
			}
		}
		floorWall = append(floorWall, time.Since(start))
		floorCPU = append(floorCPU, cpuTime()-cpu)
		floorEco = append(floorEco, sumByEcosystem(rows, times))
	}
	return Result{
		Jobs: jobs, Repeat: repeat, Floor: opt.Floor, Setup: setup,
		Groups:   groups(outs),
		Speed:    speeds(outs, passes{inspectWall, floorWall, inspectCPU, floorCPU}, inspectEco, floorEco),
		PeakRSS:  peakRSS(),
		Installs: installs(outs, opt.InstallScripts),
		Outcomes: outs,
	}
}

func (o *Outcome) record(r inspect.Result) {
	o.Verdict, o.Score, o.Detected, o.Error, o.Bytes = r.Verdict, r.Score, r.Ecosystem, r.Error, r.Bytes
	for _, f := range r.Findings {
		if o.Top == nil || f.Severity > o.Top.Severity {
			o.Top = &f // a copy: the result's findings need not be kept
		}
	}
}

func sumByEcosystem(rows []manifest.Row, times []time.Duration) map[string]time.Duration {
	m := map[string]time.Duration{}
	for i, r := range rows {
		m[r.Ecosystem] += times[i]
	}
	return m
}

// ecosystemOrder lists ecosystems in a fixed order, known ones first.
func ecosystemOrder(outs []Outcome) []string {
	var ecos []string
	for _, o := range outs {
		if !slices.Contains(ecos, o.Ecosystem) {
			ecos = append(ecos, o.Ecosystem)
		}
	}
	rank := func(e string) int {
		if i := slices.Index(ecosystem.All, ecosystem.Ecosystem(e)); i >= 0 {
			return i
		}
		return len(ecosystem.All)
	}
	slices.SortStableFunc(ecos, func(a, b string) int { return rank(a) - rank(b) })
	return ecos
}

func groups(outs []Outcome) []Group {
	var gs []Group
	for _, eco := range ecosystemOrder(outs) {
		for _, label := range []string{manifest.LabelMalicious, manifest.LabelBenign} {
			var members []Outcome
			for _, o := range outs {
				if o.Ecosystem == eco && o.Label == label {
					members = append(members, o)
				}
			}
			if len(members) == 0 {
				continue
			}
			g := Group{Ecosystem: eco, Label: label, Targets: len(members)}
			g.Flagged = rate(members, Outcome.Flagged)
			g.Malicious = rate(members, Outcome.Malicious)
			clusters := map[string]bool{}
			for _, o := range members {
				clusters[o.Cluster] = true
				if o.Error != "" {
					g.Errors++
				} else if o.Detected != "" && o.Detected != o.Ecosystem {
					g.Mismatched++
				}
			}
			g.Clusters = len(clusters)
			gs = append(gs, g)
		}
	}
	return gs
}

func rate(members []Outcome, hit func(Outcome) bool) Rate {
	type tally struct{ hits, n int }
	clusters := map[string]*tally{}
	var r Rate
	for _, o := range members {
		t := clusters[o.Cluster]
		if t == nil {
			t = &tally{}
			clusters[o.Cluster] = t
		}
		t.n++
		if hit(o) {
			t.hits++
			r.Targets++
		}
	}
	r.PerTarget = float64(r.Targets) / float64(len(members))
	for _, t := range clusters {
		r.PerCluster += float64(t.hits) / float64(t.n)
	}
	r.PerCluster /= float64(len(clusters))
	return r
}

// passes holds the per-repeat times of whole passes.
type passes struct{ inspectWall, floorWall, inspectCPU, floorCPU []time.Duration }

func speeds(outs []Outcome, p passes, inspectEco, floorEco []map[string]time.Duration) []Speed {
	var ss []Speed
	all := Speed{Ecosystem: AllEcosystems, Inspect: median(p.inspectWall), Floor: median(p.floorWall),
		InspectCPU: median(p.inspectCPU), FloorCPU: median(p.floorCPU)}
	if all.FloorCPU > 0 {
		all.CPURatio = float64(all.InspectCPU) / float64(all.FloorCPU)
	}
	for _, eco := range ecosystemOrder(outs) {
		s := Speed{Ecosystem: eco, Inspect: medianOf(inspectEco, eco), Floor: medianOf(floorEco, eco)}
		for _, o := range outs {
			if o.Ecosystem == eco {
				s.Targets++
				s.Bytes += weight(o)
			}
		}
		all.Targets += s.Targets
		all.Bytes += s.Bytes
		ss = append(ss, s.withRatio())
	}
	return append(ss, all.withRatio())
}

// weight is what a target weighs: the floor's count when it was
// measured (every byte there is), else what inspect read.
func weight(o Outcome) int64 {
	if o.FloorBytes > 0 {
		return o.FloorBytes
	}
	return o.Bytes
}

func (s Speed) withRatio() Speed {
	if s.Floor > 0 {
		s.Ratio = float64(s.Inspect) / float64(s.Floor)
	}
	return s
}

func medianOf(ms []map[string]time.Duration, key string) time.Duration {
	ds := make([]time.Duration, len(ms))
	for i, m := range ms {
		ds[i] = m[key]
	}
	return median(ds)
}

// median of ds (the lower middle for an even count); 0 for none.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func installs(outs []Outcome, known map[string]string) []Install {
	var is []Install
	for _, o := range outs {
		if what, ok := known[o.Target]; ok {
			is = append(is, Install{Path: o.Path, What: what, Verdict: o.Verdict, Error: o.Error})
		}
	}
	return is
}
