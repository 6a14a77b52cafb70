package diff

import (
	"cmp"
	"fmt"
	"sort"
	"strings"

	"customs/internal/analyze"
	"customs/internal/finding"
)

// judge weighs the evidence into the verdict and its reasons.
//
// A real release changes a lot of code (refactors, rebuilt bundles, new
// files), so the analyser's hits in code the old version already had are
// dropped before anything is weighed, and what remains is judged by the
// analyser's own rules (capability × threat × context, analyze.Judge) as if
// the added code were a package of its own. On top of that come the shapes
// of a trojanised release that the analyser cannot see in one version:
//
//   - a high-severity threat added to a file that runs at install or import
//     time: malicious;
//   - obfuscation (javascript-obfuscator output, an encoded payload) that
//     appears in an existing file of shipped code that had none, or in a
//     file that runs at install or import time: malicious — a release does
//     not start obfuscating a plain file; chalk/debug did exactly this;
//   - a threat together with such obfuscation anywhere in shipped code:
//     malicious; obfuscation elsewhere (a new file, tests, bundles):
//     suspicious.
//
// The diff's other signals (a new install hook, a new native binary, a
// dependency switched to git, lost provenance) make an update suspicious on
// their own.
func (a *analysis) judge(eco string) {
	r := a.result
	hits := make([]analyze.Hit, len(a.hits))
	for i, h := range a.hits {
		hits[i] = h.hit
	}
	verdict, score, findings := analyze.Judge(hits, analyze.Package{Ecosystem: eco})
	r.AddedFindings = append([]finding.Finding{}, findings...)
	if verdict.Flagged() {
		var top []string
		for _, f := range findings[:min(3, len(findings))] {
			top = append(top, fmt.Sprintf("%s at %s:%d", f.Rule, safe(f.File), f.Line))
		}
		a.signal(verdict, finding.Finding{
			Rule: "diff-added-code", Severity: findings[0].Severity, File: findings[0].File, Line: findings[0].Line,
			Message: fmt.Sprintf("the code this release adds scores %.1f with the analyser: %s", score, strings.Join(top, ", ")),
			Fix:     "do not install this version; compare it with the previous release and report it to the registry",
		})
	}

	evidence := a.evidenceByFile()
	a.judgeNewHooks(evidence, findings)
	for _, e := range evidence {
		loadTime := e.role == analyze.RoleImport || e.role == analyze.RoleInstall
		shipped := e.role != analyze.RoleLow
		v, h := finding.Malicious, e.obfuscation
		switch {
		case loadTime && e.threat != nil && e.threat.hit.Rule.Severity >= finding.High:
			h = e.threat
		case e.threat != nil && e.obfuscation != nil && shipped:
			h = e.threat
		case e.obfuscation != nil && (loadTime || shipped && e.changed):
			// Obfuscated code where the old file had none (hits the old file
			// already had were dropped), or in a new file that runs by itself.
		case e.obfuscation != nil:
			v = finding.Suspicious
		default:
			continue
		}
		what := "code added to"
		switch {
		case e.appended:
			what = "a block appended to"
		case !e.changed:
			what = "the new file"
		}
		msg := fmt.Sprintf("%s in %s %s (%s file), line %d: %s", h.hit.Rule.ID, what, safe(h.hit.File), e.role, h.hit.Line, h.hit.Rule.Message)
		if h != e.obfuscation && e.obfuscation != nil {
			msg += fmt.Sprintf("; the added code is obfuscated (%s)", e.obfuscation.hit.Rule.ID)
		}
		a.signal(v, finding.Finding{
			Rule: "diff-injected-code", Severity: finding.Critical, File: h.hit.File, Line: h.hit.Line,
			Message: msg, Evidence: h.hit.Evidence,
			Fix: "do not install this version; compare it with the previous release and report it to the registry",
		})
	}

	sort.SliceStable(a.signals, func(i, j int) bool {
		si, sj := a.signals[i], a.signals[j]
		if si.Verdict.Rank() != sj.Verdict.Rank() {
			return si.Verdict.Rank() > sj.Verdict.Rank()
		}
		return si.Severity > sj.Severity
	})
	r.Verdict = finding.Clean
	r.Reasons = []string{}
	r.Signals = a.signals
	for _, s := range a.signals {
		r.Verdict = finding.Worst(r.Verdict, s.Verdict)
		if s.Verdict.Flagged() {
			r.Reasons = append(r.Reasons, fmt.Sprintf("%s: %s", s.Verdict, s.Message))
		}
	}
}

// judgeNewHooks weighs a new install hook with what it runs: a hook that
// appears together with threatening or obfuscated install-time code, or
// with a native executable the old version did not ship, is how install-time
// droppers arrive (ua-parser-js, rc/coa, eslint-config-prettier 10.1.6).
func (a *analysis) judgeNewHooks(evidence []*fileEvidence, judged []finding.Finding) {
	if len(a.newHooks) == 0 {
		return
	}
	hooks := strings.Join(a.newHooks, ", ")
	for _, e := range evidence {
		if e.role != analyze.RoleInstall {
			continue
		}
		// The heaviest: a threat or obfuscation hit, else what the analyser's
		// judgement made of the file's hits together (its combinations).
		var f *finding.Finding
		if h := cmp.Or(e.threat, e.obfuscation); h != nil {
			f = &finding.Finding{Rule: h.hit.Rule.ID, File: h.hit.File, Line: h.hit.Line, Message: h.hit.Rule.Message, Evidence: h.hit.Evidence}
		} else {
			for i := range judged {
				if judged[i].File == e.path && judged[i].Severity >= finding.High {
					f = &judged[i]
					break
				}
			}
		}
		if f == nil {
			continue
		}
		a.signal(finding.Malicious, finding.Finding{
			Rule: "diff-new-install-payload", Severity: finding.Critical, File: f.File, Line: f.Line,
			Message: fmt.Sprintf("new install hook (%s) runs %s, whose added code has %s at line %d: %s",
				safe(hooks), safe(f.File), f.Rule, f.Line, f.Message),
			Evidence: f.Evidence,
			Fix:      "do not install this version; compare it with the previous release and report it to the registry",
		})
	}
	if len(a.newNative) > 0 {
		a.signal(finding.Malicious, finding.Finding{
			Rule: "diff-new-install-binary", Severity: finding.Critical, File: a.newNative[0],
			Message: fmt.Sprintf("new install hook (%s) arrives with a native executable the old version did not ship: %s",
				safe(hooks), safe(strings.Join(a.newNative, ", "))),
			Fix: "do not install this version; compare it with the previous release and report it to the registry",
		})
	}
}
