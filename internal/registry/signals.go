package registry

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"customs/internal/advisory"
	"customs/internal/finding"
)

// Rule ids of the registry-history checks. Each is a signal, not proof:
// scan combines them with the other checks into a verdict.
const (
	RuleTooNew         = "registry-too-new"
	RuleRemoved        = "registry-version-removed"
	RuleInstallScript  = "registry-new-install-script"
	RuleMaintainer     = "registry-maintainer-change"
	RuleProvenanceLost = "registry-provenance-dropped"
	RuleDormant        = "registry-dormant-release"
	RuleVersionJump    = "registry-version-jump"
)

// DefaultCooldown is how old a release must be before it is trusted, as
// pnpm's minimumReleaseAge and uv's exclude-newer are used.
const DefaultCooldown = 72 * time.Hour

// History judges a locked version against its package's history.
type History struct {
	Cooldown     time.Duration // [DefaultCooldown]; negative disables the check
	Now          time.Time     // [time.Now()]
	DormantAfter time.Duration // silence before a release that is worth a look [365 days]
	JumpMajors   int64         // a major-version leap this large is unusual [5]
}

// Signals returns the registry-history findings for version of p. A nil p
// means the registry does not know the package at all.
func (h History) Signals(eco advisory.Ecosystem, name string, p *Package, version string) []finding.Finding {
	if h.Cooldown == 0 {
		h.Cooldown = DefaultCooldown
	}
	if h.Now.IsZero() {
		h.Now = time.Now()
	}
	if h.DormantAfter == 0 {
		h.DormantAfter = 365 * 24 * time.Hour
	}
	if h.JumpMajors == 0 {
		h.JumpMajors = 5
	}
	id := name + "@" + version
	if p == nil || p.Unpublished || len(p.Versions) == 0 {
		return []finding.Finding{{
			Rule: RuleRemoved, Severity: finding.High,
			Message: fmt.Sprintf("the registry does not list %s: it was taken down (as malware often is) or never published there", name),
			Fix:     "find out where this package came from before installing it again; remove the dependency or replace it",
		}}
	}
	i := slices.IndexFunc(p.Versions, func(v Version) bool { return v.Version == version })
	if i < 0 {
		if v, ok := p.Find(version); ok {
			i = slices.IndexFunc(p.Versions, func(x Version) bool { return x.Version == v.Version })
		}
	}
	if i < 0 {
		msg := fmt.Sprintf("the registry no longer lists %s: versions are removed when they are found to be malware", id)
		if eco == advisory.NPM && len(p.Versions) == 1 && strings.HasSuffix(p.Versions[0].Version, "-security") {
			msg = fmt.Sprintf("npm replaced %s with a security placeholder: the package was malware", name)
		}
		return []finding.Finding{{
			Rule: RuleRemoved, Severity: finding.High, Message: msg,
			Fix: "do not install it; update the lockfile to a version the registry still lists",
		}}
	}
	cur := p.Versions[i]
	var prev *Version
	if i > 0 {
		prev = &p.Versions[i-1]
	}
	var out []finding.Finding
	add := func(rule string, sev finding.Severity, msg, fix string) {
		out = append(out, finding.Finding{Rule: rule, Severity: sev, Message: msg, Fix: fix})
	}
	if cur.Yanked {
		add(RuleRemoved, finding.Medium, fmt.Sprintf("%s was yanked from the registry by its publisher", id),
			"update to a version that is not yanked and find out why this one was")
	}
	if age := max(h.Now.Sub(cur.Published), 0); !cur.Published.IsZero() && h.Cooldown > 0 && age < h.Cooldown {
		fix := fmt.Sprintf("wait until %s before adopting it", cur.Published.Add(h.Cooldown).UTC().Format("2006-01-02 15:04 MST"))
		if prev != nil {
			fix += fmt.Sprintf(", or pin %s", prev.Version)
		}
		add(RuleTooNew, finding.Medium, fmt.Sprintf("%s was published %s ago, within the %s cooldown: nobody has had time to look at it",
			id, roundAge(age), roundAge(h.Cooldown)), fix)
	}
	if prev == nil {
		return out
	}
	if added := missing(cur.InstallScripts, prev.InstallScripts); len(added) > 0 {
		add(RuleInstallScript, finding.High, fmt.Sprintf("%s adds install-time scripts (%s) that %s did not have: they run on every install",
			id, strings.Join(added, ", "), prev.Version),
			"inspect the package (customs inspect / customs diff) before installing it; pin "+prev.Version+" meanwhile")
	}
	// A new publisher with build provenance is the project's CI (npm's
	// trusted publishing publishes as a bot account), not a stranger.
	if cur.Publisher != "" && !cur.Provenance && hasAccounts(p.Versions[:i]) && !knownAccount(cur.Publisher, p.Versions[:i]) {
		add(RuleMaintainer, finding.Medium, fmt.Sprintf("%s was published by %s, an account that never published or maintained an earlier version",
			id, finding.Snippet([]byte(cur.Publisher))),
			"check with the project that this release is theirs")
	} else if newM := missing(cur.Maintainers, prev.Maintainers); len(newM) > 0 && len(prev.Maintainers) > 0 {
		add(RuleMaintainer, finding.Medium, fmt.Sprintf("maintainers added at %s: %s",
			id, finding.Snippet([]byte(strings.Join(newM, ", ")))),
			"check that the new maintainers are known to the project")
	}
	if prev.Provenance && !cur.Provenance {
		add(RuleProvenanceLost, finding.High, fmt.Sprintf("%s was published with build provenance and %s without: it was not built by the project's usual pipeline",
			prev.Version, id), "check with the project that this release is theirs; pin "+prev.Version+" meanwhile")
	}
	if !prev.Published.IsZero() && !cur.Published.IsZero() {
		if gap := cur.Published.Sub(prev.Published); gap > h.DormantAfter {
			add(RuleDormant, finding.Low, fmt.Sprintf("%s came after %s without a release: dormant packages are taken over to spread malware",
				id, roundAge(gap)), "check who published it and what changed since "+prev.Version)
		}
	}
	if curMajor, ok := advisory.Major(cur.Version); ok {
		var top int64 = -1
		for _, v := range p.Versions[:i] {
			if m, ok := advisory.Major(v.Version); ok && m > top {
				top = m
			}
		}
		// A switch to calendar versions (2024.1) is a habit, not an attack.
		calendar := func(m int64) bool { return m >= 1990 && m <= 2100 }
		if top >= 0 && curMajor-top >= h.JumpMajors && !calendar(curMajor) && !calendar(top) {
			add(RuleVersionJump, finding.Medium, fmt.Sprintf("%s jumps from major version %d to %d: high versions are how dependency-confusion packages win resolution",
				id, top, curMajor), "make sure this package comes from the registry you intend")
		}
	}
	return out
}

// missing returns the elements of a not in b.
func missing(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// hasAccounts reports whether the registry told who published or
// maintained any of these versions (a mirror may not).
func hasAccounts(vs []Version) bool {
	for _, v := range vs {
		if v.Publisher != "" || len(v.Maintainers) > 0 {
			return true
		}
	}
	return false
}

// knownAccount reports whether account published or maintained any earlier version.
func knownAccount(account string, earlier []Version) bool {
	for _, v := range earlier {
		if v.Publisher == account || slices.Contains(v.Maintainers, account) {
			return true
		}
	}
	return false
}

func roundAge(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		days := int(d.Hours() / 24)
		if days >= 730 {
			return fmt.Sprintf("%d years", days/365)
		}
		return fmt.Sprintf("%d days", days)
	case d >= time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d minutes", int(d.Minutes()))
}
