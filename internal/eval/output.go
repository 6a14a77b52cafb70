package eval

import (
	"customs/internal/manifest"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"customs/internal/finding"
)

// WriteJSON writes the whole result, outcomes included, as one document.
func (r Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the figures per ecosystem; with misses it also lists the
// malware it did not flag (or flagged only as suspicious) and the benign
// targets it flagged, each with its most severe finding, for tuning.
func (r Result) WriteText(w io.Writer, misses bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "customs eval: %d targets, inspect with %d job(s), floor %s, %d repeat(s)\n",
		len(r.Outcomes), r.Jobs, onOff(r.Floor), r.Repeat)

	b.WriteString("\ndetection (flagged = suspicious or malicious; per cluster = mean share of each cluster's targets)\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ecosystem\tlabel\ttargets\tclusters\tflagged/target\tflagged/cluster\tmalicious/target\tmalicious/cluster\tunreadable\tecosystem mismatch\t")
	for _, g := range r.Groups {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t\n", g.Ecosystem, g.Label, g.Targets, g.Clusters,
			pct(g.Flagged.PerTarget), pct(g.Flagged.PerCluster), pct(g.Malicious.PerTarget), pct(g.Malicious.PerCluster),
			g.Errors, g.Mismatched)
	}
	tw.Flush()
	b.WriteString("(malicious rows: recall; benign rows: flag rate and false-positive rate)\n")

	if len(r.Installs) > 0 {
		b.WriteString("\npackages with install-time scripts (benign; should not be malicious)\n")
		for _, in := range r.Installs {
			v := string(in.Verdict)
			if in.Error != "" {
				v = "unreadable: " + in.Error
			}
			fmt.Fprintf(&b, "  %-12s %s  %s\n", v, in.Path, in.What)
		}
	}

	b.WriteString("\nspeed (per ecosystem: summed per-target times; all: wall clock of whole passes")
	header := "ecosystem\ttargets\tread MB\tinspect s\tinspect MB/s\t"
	if r.Floor {
		b.WriteString("; floor: decompress and read only, 1 job")
		header += "floor s\tfloor MB/s\tinspect/floor\t"
	}
	b.WriteString(")\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, header)
	for _, s := range r.Speed {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.2f\t%s\t", s.Ecosystem, s.Targets, mb(s.Bytes), s.Inspect.Seconds(), rateMBs(s.Bytes, s.Inspect))
		if r.Floor {
			fmt.Fprintf(tw, "%.2f\t%s\t%sx\t", s.Floor.Seconds(), rateMBs(s.Bytes, s.Floor), strconv.FormatFloat(s.Ratio, 'f', 2, 64))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if r.Floor && r.Jobs > 1 {
		fmt.Fprintf(&b, "note: inspect ran %d targets at once and the floor one: the ratio is not like for like (use --jobs 1)\n", r.Jobs)
	}
	if all := r.Speed[len(r.Speed)-1]; all.FloorCPU > 0 {
		fmt.Fprintf(&b, "CPU time of whole passes (user+system, all threads): inspect %.2f s, floor %.2f s, inspect/floor %.2fx\n",
			all.InspectCPU.Seconds(), all.FloorCPU.Seconds(), all.CPURatio)
	}
	fmt.Fprintf(&b, "rule compilation, once per process and not counted above: %.2f s\n", r.Setup.Seconds())
	if r.PeakRSS > 0 {
		fmt.Fprintf(&b, "peak memory (max RSS of the whole run): %.0f MB\n", mb(r.PeakRSS))
	}

	if misses {
		r.writeMisses(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r Result) writeMisses(b *strings.Builder) {
	section := func(title string, keep func(Outcome) bool) {
		var n int
		for _, o := range r.Outcomes {
			if !keep(o) {
				continue
			}
			if n == 0 {
				fmt.Fprintf(b, "\n%s\n", title)
			}
			n++
			fmt.Fprintf(b, "  %s  [%s %s] %s\n", o.Path, o.Ecosystem, o.Cluster, describe(o))
		}
	}
	section("malware not flagged", func(o Outcome) bool { return o.Label == manifest.LabelMalicious && !o.Flagged() })
	section("malware flagged only as suspicious", func(o Outcome) bool {
		return o.Label == manifest.LabelMalicious && o.Flagged() && !o.Malicious()
	})
	section("benign targets flagged", func(o Outcome) bool { return o.Label == manifest.LabelBenign && o.Flagged() })
}

// describe is an outcome in one line: verdict and score, or the error, and
// the most severe finding.
func describe(o Outcome) string {
	if o.Error != "" {
		return "unreadable: " + finding.Snippet([]byte(o.Error))
	}
	s := fmt.Sprintf("%s score %g", o.Verdict, o.Score)
	if f := o.Top; f != nil {
		where := finding.Snippet([]byte(f.File))
		if f.Line > 0 {
			where += ":" + strconv.Itoa(f.Line)
		}
		s += fmt.Sprintf("; top: %s %s %s: %s", f.Severity, f.Rule, where, f.Message)
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

func mb(n int64) float64 { return float64(n) / 1e6 }

func rateMBs(n int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return strconv.FormatFloat(mb(n)/d.Seconds(), 'f', 1, 64)
}
