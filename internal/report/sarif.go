package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"customs/internal/finding"
)

// Tool names the program in a SARIF log.
type Tool struct {
	Name           string
	Version        string
	InformationURI string
}

// RuleMeta describes a rule for SARIF's rule table. Rules that findings
// use but that are not described get an entry built from their first finding.
type RuleMeta struct {
	ID          string
	Description string // one sentence
	Help        string // what to do about it (markdown allowed)
	Severity    finding.Severity
}

// securitySeverity maps a severity to the 0–10 score GitHub code scanning
// reads from a rule's "security-severity" property.
var securitySeverity = map[finding.Severity]string{
	finding.Info: "1.0", finding.Low: "3.0", finding.Medium: "5.5", finding.High: "8.0", finding.Critical: "9.5",
}

// level maps a severity to SARIF's result level.
func level(s finding.Severity) string {
	switch {
	case s >= finding.High:
		return "error"
	case s == finding.Medium:
		return "warning"
	}
	return "note"
}

// SARIF writes one SARIF 2.1.0 log with one run. Each finding becomes a
// result located at the file inside its target (target/file, line); a target
// that could not be read becomes an error notification of the invocation.
func SARIF(w io.Writer, tool Tool, rules []RuleMeta, subjects []Subject) error {
	run := sarif.NewRun().WithTool(sarif.NewTool().WithDriver(sarif.NewToolComponent().WithName(tool.Name)))
	if tool.InformationURI != "" {
		run.Tool.Driver.WithInformationURI(tool.InformationURI)
	}
	if tool.Version != "" {
		run.Tool.Driver.WithVersion(tool.Version).WithSemanticVersion(strings.TrimPrefix(tool.Version, "v"))
	}
	described := map[string]RuleMeta{}
	for _, r := range rules {
		described[r.ID] = r
	}
	// Declare each rule used once, at the highest severity any finding gave it.
	worst := map[string]finding.Finding{}
	var order []string
	for _, s := range subjects {
		for _, f := range s.Findings {
			prev, seen := worst[f.Rule]
			if !seen {
				order = append(order, f.Rule)
			}
			if !seen || f.Severity > prev.Severity {
				worst[f.Rule] = f
			}
		}
	}
	for _, id := range order {
		meta, ok := described[id]
		if !ok {
			f := worst[id]
			meta = RuleMeta{ID: id, Description: f.Message, Help: f.Fix, Severity: f.Severity}
		}
		meta.Severity = max(meta.Severity, worst[id].Severity)
		rule := run.AddRule(id).WithDescription(meta.Description).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level(meta.Severity)))
		if meta.Help != "" {
			rule.WithMarkdownHelp(meta.Help)
		}
		rule.WithProperties(sarif.NewPropertyBag().
			Add("security-severity", securitySeverity[meta.Severity]).
			AddTag("security").AddTag("supply-chain"))
	}

	invocation := sarif.NewInvocation().WithExecutionSuccessful(true)
	for _, s := range subjects {
		if s.Error != "" {
			invocation.AddToolExecutionNotification(sarif.NewNotification().WithLevel("error").
				WithMessage(sarif.NewTextMessage(fmt.Sprintf("cannot read %s: %s", s.Target, s.Reason()))).
				AddLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
					WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(s.Target, ""))))))
			continue
		}
		for _, f := range s.Findings {
			phys := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(s.Target, f.File)))
			if f.Line > 0 {
				region := sarif.NewRegion().WithStartLine(f.Line)
				if f.Evidence != "" {
					region.WithSnippet(sarif.NewArtifactContent().WithText(f.Evidence))
				}
				phys.WithRegion(region)
			}
			text := f.Message
			if id := packageID(s); id != "" {
				text += " [" + id + "]"
			}
			if f.Fix != "" {
				text += " Fix: " + f.Fix
			}
			props := sarif.NewPropertyBag().Add("verdict", string(s.Verdict)).Add("target", s.Target)
			for k, v := range map[string]string{"ecosystem": s.Ecosystem, "package": s.Name, "version": s.Version, "evidence": f.Evidence} {
				if v != "" {
					props.Add(k, v)
				}
			}
			if len(f.IDs) > 0 {
				props.Add("ids", f.IDs)
			}
			run.CreateResultForRule(f.Rule).
				WithLevel(level(f.Severity)).
				WithMessage(sarif.NewTextMessage(text)).
				AddLocation(sarif.NewLocationWithPhysicalLocation(phys)).
				WithPartialFingerprints(map[string]string{"customsFinding/v1": fingerprint(s, f)}).
				WithProperties(props)
		}
	}
	run.AddInvocation(invocation)
	log := sarif.NewReport()
	log.AddRun(run)
	return log.PrettyWrite(w)
}

// artifactURI locates a file inside a target as a URI reference: a relative
// target stays relative (so code scanning resolves it against the
// repository), an absolute one becomes a file: URI. For an archive the file
// is shown as a path below the archive's own name.
func artifactURI(target, file string) string {
	p := filepath.ToSlash(target)
	if file != "" {
		// Rooting the file first keeps a hostile "../" name inside its target.
		p = path.Join(p, path.Clean("/"+file))
	}
	p = path.Clean(p)
	if filepath.IsAbs(target) {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// fingerprint identifies a finding across runs so that code scanning keeps
// one alert per problem rather than one per upload.
func fingerprint(s Subject, f finding.Finding) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{f.Rule, s.Ecosystem, s.Name, f.File, f.Evidence}, "\x00")))
	return hex.EncodeToString(sum[:16])
}
