package names

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"customs/internal/finding"
)

// ErrNotFound is what a PublicLookup returns for a name the public
// registry does not hold.
var ErrNotFound = errors.New("not on the public registry")

// PublicLookup tells whether a public registry holds a name, and which
// versions. An answer may know the name without its versions: (nil, nil).
// The offline implementation answers from the embedded name sets; an
// online one (registry APIs with an on-disk cache) plugs in here.
type PublicLookup interface {
	Versions(ctx context.Context, eco Ecosystem, name string) ([]string, error)
}

// Offline answers PublicLookup from the dated name sets (embedded, cached
// or given as extra lists) without versions.
type Offline struct{ c *Checker }

// Offline returns the checker's offline PublicLookup.
func (c *Checker) Offline() Offline { return Offline{c} }

func (o Offline) Versions(_ context.Context, eco Ecosystem, name string) ([]string, error) {
	st, err := o.c.state(eco)
	if err != nil {
		return nil, err
	}
	if p, _ := st.lookup(eco, name); p.Listed {
		return nil, nil
	}
	return nil, ErrNotFound
}

// Confusion checks one internal package name against the public registry:
// the name existing publicly is a finding, worse when the public version is
// higher than the internal one (installers that merge indexes take the
// higher), and public versions shaped like confusion payloads are one of
// their own. internalVersion may be "".
func Confusion(ctx context.Context, lookup PublicLookup, eco Ecosystem, name, pattern, internalVersion, source string) ([]finding.Finding, finding.Verdict, error) {
	versions, err := lookup.Versions(ctx, eco, name)
	if errors.Is(err, ErrNotFound) {
		return nil, finding.Clean, nil
	}
	if err != nil {
		return nil, finding.Clean, err
	}
	fix := confusionFix(eco, name)
	f := finding.Finding{
		Rule: RuleConfusion, Severity: finding.High,
		Message: fmt.Sprintf("internal package %s (matches %q) exists on the public %s registry (%s)", name, pattern, eco, source),
		Fix:     fix,
	}
	verdict := finding.Suspicious
	newest := newestVersion(versions)
	if newest != "" && internalVersion != "" && compareVersions(newest, internalVersion) > 0 {
		f.Severity = finding.Critical
		f.Message = fmt.Sprintf("internal package %s (matches %q) exists on the public %s registry at %s, higher than the internal %s: an installer that merges indexes takes the public one", name, pattern, eco, newest, internalVersion)
		verdict = finding.Malicious
	}
	out := []finding.Finding{f}
	if v, ok := ConfusionVersion(versions); ok {
		out = append(out, finding.Finding{
			Rule: RuleConfusionVer, Severity: finding.Critical,
			Message: fmt.Sprintf("public %s %s has version %s, a number typical of dependency-confusion payloads", name, eco, v),
			Fix:     fix,
		})
		verdict = finding.Malicious
	}
	return out, verdict, nil
}

func confusionFix(eco Ecosystem, name string) string {
	switch eco {
	case NPM:
		if scope, _, ok := SplitScope(name); ok {
			return fmt.Sprintf("map the scope to your registry in .npmrc (@%s:registry=https://your-registry/) and claim the scope on the public registry", scope)
		}
		return "move internal packages under a scope you own and map it in .npmrc; meanwhile claim the name publicly"
	case PyPI:
		return "pin internal packages to your index (uv: [tool.uv.sources] with an explicit index; Poetry: source = \"...\"), drop --extra-index-url, and claim the name on PyPI"
	}
	return "put internal gems in a scoped source block (source \"https://your-gems\" do … end) and claim the name on RubyGems"
}

// ConfusionVersion reports a version typical of dependency-confusion
// payloads: a major of 99 or more shaped like 99.99.99 or 1000.0.0 (a
// year, as calendar versioning writes it, is not), or the newest release
// jumping from a small major to a huge one.
func ConfusionVersion(versions []string) (string, bool) {
	newest := newestVersion(versions)
	if newest == "" {
		return "", false
	}
	major := leadingNumber(newest)
	if major < 99 {
		return "", false
	}
	calendar := major >= 1990 && major <= 2100
	if strings.Trim(strings.ReplaceAll(newest, ".", ""), "9") == "" || (major >= 1000 && !calendar) {
		return newest, true
	}
	prev := -1
	for _, v := range versions {
		if v != newest && leadingNumber(v) > prev {
			prev = leadingNumber(v)
		}
	}
	if prev >= 0 && prev < 10 {
		return newest, true
	}
	return "", false
}

func leadingNumber(v string) int {
	v = strings.TrimPrefix(v, "v")
	end := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(v)
	}
	n, err := strconv.Atoi(v[:min(end, 9)])
	if err != nil {
		return -1
	}
	return n
}

func newestVersion(versions []string) string {
	best := ""
	for _, v := range versions {
		if best == "" || compareVersions(v, best) > 0 {
			best = v
		}
	}
	return best
}

// compareVersions orders dotted versions by their numeric parts; enough to
// tell a higher public version, not a full PEP 440 or SemVer ordering.
func compareVersions(a, b string) int {
	pa := strings.FieldsFunc(strings.TrimPrefix(a, "v"), func(r rune) bool { return r == '.' || r == '-' || r == '+' })
	pb := strings.FieldsFunc(strings.TrimPrefix(b, "v"), func(r rune) bool { return r == '.' || r == '-' || r == '+' })
	for i := 0; i < len(pa) || i < len(pb); i++ {
		x, y := -1, -1
		if i < len(pa) {
			x = leadingNumber(pa[i])
		}
		if i < len(pb) {
			y = leadingNumber(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
