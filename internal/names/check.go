package names

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strings"
	"sync"

	"customs/internal/finding"
	"customs/internal/policy"
)

// Rule ids of name findings.
const (
	RuleTyposquat      = "names/typosquat"
	RuleInvalid        = "names/invalid-name"
	RuleConfusion      = "names/dependency-confusion"
	RuleConfusionVer   = "names/confusion-version"
	RuleInstallerIndex = "names/installer-config"
)

// mirrorScopes publish packages named after unscoped ones on purpose
// (@types/foo types foo), so their name parts are no confusion targets.
var mirrorScopes = map[string]bool{"types": true}

// scopedConfusionMin is the monthly downloads from which a scoped package
// is worth copying without its scope.
const scopedConfusionMin = 100

// scopeConfusionEstablished is the monthly downloads from which an
// unscoped npm package is taken as a project of its own rather than a copy
// of a scoped one's name.
const scopeConfusionEstablished = 1000

// minRatio is how many times more popular than a name its target must be.
const minRatio = 100

// Thresholds on a typosquat's confidence.
const (
	suspiciousAt = 0.5
	maliciousAt  = 0.85
)

// Config is what a Checker knows beyond the embedded data.
type Config struct {
	// CacheDir holds lists refreshed by Update; "" reads only the
	// embedded data.
	CacheDir string
	// Extra lists (--names-data, policy names_data) add names to an
	// ecosystem: every name counts as existing, the most downloaded
	// ExtraPopular as popular.
	Extra map[Ecosystem][]*List
	// Allow names are never flagged.
	Allow map[Ecosystem][]string
	// Internal patterns (policy "internal") mark the company's own names:
	// they are checked for dependency confusion, not as typosquats.
	Internal map[Ecosystem][]string
}

// ExtraPopular is how many names of an extra list with download counts
// become typosquatting targets (all of them when the list has no counts).
const ExtraPopular = 10_000

// Checker judges package names. It is safe for concurrent use; each
// ecosystem's data is loaded on first use.
type Checker struct {
	cfg  Config
	fss  []fs.FS
	mu   sync.Mutex
	ecos map[Ecosystem]*ecoState
}

type ecoState struct {
	once   sync.Once
	err    error
	ix     *index
	set    *NameSet
	scoped *ScopedSet         // npm only
	extra  map[string][]Entry // skeleton → names from extra lists
}

// NewChecker returns a Checker over the embedded data, the cache and cfg.
func NewChecker(cfg Config) *Checker {
	return &Checker{cfg: cfg, fss: dataFS(cfg.CacheDir), ecos: map[Ecosystem]*ecoState{}}
}

func (c *Checker) state(eco Ecosystem) (*ecoState, error) {
	c.mu.Lock()
	st := c.ecos[eco]
	if st == nil {
		st = &ecoState{}
		c.ecos[eco] = st
	}
	c.mu.Unlock()
	st.once.Do(func() { st.err = c.load(eco, st) })
	return st, st.err
}

func (c *Checker) load(eco Ecosystem, st *ecoState) error {
	var err error
	if st.ix, err = loadIndex(c.fss, eco, c.cfg.Extra[eco]); err != nil {
		return err
	}
	if st.set, err = loadNameSet(c.fss, eco); err != nil {
		return err
	}
	if eco == NPM {
		if st.scoped, err = loadScopedSet(c.fss); err != nil {
			return err
		}
	}
	st.extra = map[string][]Entry{}
	for _, l := range c.cfg.Extra[eco] {
		for _, e := range l.Entries {
			if Validate(eco, e.Name) == nil {
				k := Skeleton(eco, e.Name)
				st.extra[k] = append(st.extra[k], e)
			}
		}
	}
	return nil
}

// withExtra appends to a popular list the most downloaded valid names of
// each extra list (all of them when a list has no counts).
func withExtra(eco Ecosystem, entries []Entry, extra []*List) []Entry {
	for _, l := range extra {
		ranked := slices.DeleteFunc(slices.Clone(l.Entries), func(e Entry) bool { return Validate(eco, e.Name) != nil })
		slices.SortStableFunc(ranked, func(a, b Entry) int { return int(b.Downloads - a.Downloads) })
		if len(ranked) > ExtraPopular && ranked[0].Downloads > 0 {
			ranked = ranked[:ExtraPopular]
		}
		entries = append(entries, ranked...)
	}
	return entries
}

// Squat describes the package a name imitates.
type Squat struct {
	Target           string     `json:"target"`
	Technique        string     `json:"technique"`
	Confidence       float64    `json:"confidence"`
	TargetPopularity Popularity `json:"target_popularity"`
}

// Result is the judgement on one name.
type Result struct {
	Name       string            `json:"name"`
	Ecosystem  Ecosystem         `json:"ecosystem"`
	Verdict    finding.Verdict   `json:"verdict"`
	Error      string            `json:"error,omitempty"`
	Popularity Popularity        `json:"popularity"`
	Typosquat  *Squat            `json:"typosquat,omitempty"`
	Findings   []finding.Finding `json:"findings"`

	verdicts []finding.Verdict // of each finding, for Drop
}

// add appends a finding and raises the verdict.
func (r *Result) add(f finding.Finding, v finding.Verdict) {
	r.Findings = append(r.Findings, f)
	r.verdicts = append(r.verdicts, v)
	r.Verdict = finding.Worst(r.Verdict, v)
}

// Drop removes the findings for which drop is true (accepted in the
// policy) and judges the name again from the others.
func (r *Result) Drop(drop func(finding.Finding) bool) {
	fs, vs := r.Findings[:0:0], r.verdicts[:0:0]
	r.Verdict = finding.Clean
	for i, f := range r.Findings {
		if drop(f) {
			if f.Rule == RuleTyposquat {
				r.Typosquat = nil
			}
			continue
		}
		fs, vs = append(fs, f), append(vs, r.verdicts[i])
		r.Verdict = finding.Worst(r.Verdict, r.verdicts[i])
	}
	r.Findings, r.verdicts = fs, vs
}

// CheckAll judges one name: a typosquat check, and for a name the policy
// marks internal, whether the public registry holds it (lookup nil: the
// offline name sets) and at a higher version than internalVersion ("" when
// unknown).
func (c *Checker) CheckAll(ctx context.Context, lookup PublicLookup, eco Ecosystem, name, internalVersion string) Result {
	pat, internal := policy.Match(c.cfg.Internal[eco], name)
	if !internal || Validate(eco, name) != nil {
		return c.Check(eco, name)
	}
	r := Result{Name: name, Ecosystem: eco, Verdict: finding.Clean, Findings: []finding.Finding{}}
	source := "per the public registry"
	if lookup == nil {
		lookup, source = c.Offline(), "per the offline name list"
		if m, err := LoadMeta(c.cfg.CacheDir); err == nil && m.Lists[eco].Date != "" {
			source += " of " + m.Lists[eco].Date
		}
	}
	if st, err := c.state(eco); err == nil {
		r.Popularity, _ = st.lookup(eco, name)
	}
	fs, v, err := Confusion(ctx, lookup, eco, name, pat, internalVersion, source)
	if err != nil {
		r.Error = err.Error()
	}
	for _, f := range fs {
		r.add(f, v)
	}
	return r
}

// Check judges one name as a possible typosquat.
func (c *Checker) Check(eco Ecosystem, name string) Result {
	r := Result{Name: name, Ecosystem: eco, Verdict: finding.Clean, Findings: []finding.Finding{}}
	if err := Validate(eco, name); err != nil {
		r.Error = err.Error()
		r.add(finding.Finding{Rule: RuleInvalid, Severity: finding.Medium,
			Message: fmt.Sprintf("%s is not a valid %s name: %v", finding.Snippet([]byte(name)), eco, err),
			Fix:     "check the spelling; no installer can fetch this name from the registry"}, finding.Suspicious)
		return r
	}
	st, err := c.state(eco)
	if err != nil {
		r.Error = fmt.Sprintf("name data for %s: %v", eco, err)
		return r
	}
	if _, ok := policy.Match(c.cfg.Allow[eco], name); ok {
		return r
	}
	pop, popular := st.lookup(eco, name)
	r.Popularity = pop
	if best, ok := st.bestSquat(eco, name, pop, popular); ok {
		s := best.squat()
		r.Typosquat = &s
		v := finding.Suspicious
		sev := finding.Medium
		if s.Confidence >= maliciousAt {
			v, sev = finding.Malicious, finding.High
		}
		r.add(finding.Finding{
			Rule: RuleTyposquat, Severity: sev,
			Message: fmt.Sprintf("%s looks like %s (%s; %s vs %s; confidence %.2f)",
				name, s.Target, s.Technique, pop.describe(), s.TargetPopularity.describe(), s.Confidence),
			Fix:       fmt.Sprintf("if you meant %s, fix the name; otherwise review this package before installing it, or allow it in .customs.yaml", s.Target),
			Target:    s.Target,
			Technique: s.Technique,
		}, v)
	}
	return r
}

// describe renders a popularity for a message.
func (p Popularity) describe() string {
	switch {
	case p.Rank > 0:
		return fmt.Sprintf("rank %d", p.Rank)
	case p.Downloads > 0:
		return fmt.Sprintf("%d downloads a month", p.Downloads)
	case p.Note != "":
		return p.Note
	case p.Listed:
		return "in the registry list"
	}
	return "not in the registry list"
}

// lookup returns what is known of name's popularity, and whether it is one
// of the popular packages itself.
func (st *ecoState) lookup(eco Ecosystem, name string) (Popularity, bool) {
	canon := Canonical(eco, name)
	if id, ok := st.ix.canonical(canon); ok {
		return st.ix.target(id).pop, true
	}
	best, found := Popularity{}, false
	if e, ok := st.set.Lookup(name); ok {
		best, found = popularityOf(eco, e), true
	}
	for _, e := range st.extra[Skeleton(eco, name)] {
		if Canonical(eco, e.Name) == canon {
			if p := popularityOf(eco, e); !found || p.Monthly > best.Monthly {
				best, found = p, true
			}
		}
	}
	best.Listed = found
	return best, false
}

type squatMatch struct {
	t    target
	tech string
	conf float64
}

func (m squatMatch) squat() Squat {
	return Squat{Target: m.t.name, Technique: m.tech, Confidence: math.Round(m.conf*100) / 100, TargetPopularity: m.t.pop}
}

// Base confidence of each technique before popularity and length weigh in.
var techniqueWeight = map[string]float64{
	"homoglyph":       0.95,
	"transposition":   0.9,
	"repetition":      0.85,
	"adjacent-key":    0.85,
	"separator":       0.85,
	"case":            0.8,
	"scope confusion": 0.8,
	"omission":        0.75,
	"token reorder":   0.75,
	"addition":        0.7,
	"substitution":    0.65,
	"prefix/suffix":   0.7,
	"combosquat":      0.7,
	"misspelling":     0.54,
}

// bestSquat finds the most convincing package that name imitates. A name
// in the popular list is no squat of another popular one.
func (st *ecoState) bestSquat(eco Ecosystem, name string, pop Popularity, popular bool) (squatMatch, bool) {
	var best squatMatch
	if popular {
		return best, false
	}
	canon := Canonical(eco, name)
	scope, _, scoped := SplitScope(name)
	consider := func(t target, tech string, factor float64, anyPopularity bool) {
		if Canonical(eco, t.name) == canon {
			return
		}
		if tScope, _, tScoped := SplitScope(t.name); eco == NPM && scoped && tScoped && strings.EqualFold(scope, tScope) {
			return // a scope has one owner: the same scope is never a squat
		}
		if pop.Monthly*minRatio > t.pop.Monthly {
			return // not enough more popular to be the one imitated
		}
		mag := magnitude(t.pop.Monthly)
		if anyPopularity {
			// Equal but for separators, case or look-alikes, an
			// organisation's package without its scope, or an unknown
			// name one edit from an older one: suspicious whatever the
			// target's popularity.
			mag = math.Max(mag, 0.5)
		}
		conf := techniqueWeight[tech] * (0.6 + 0.4*mag) * factor
		if conf > best.conf || (conf == best.conf && t.pop.Monthly > best.t.pop.Monthly) {
			best = squatMatch{t: t, tech: tech, conf: conf}
		}
	}
	skel := Skeleton(eco, name)

	// Equal but for separators, case or look-alike characters, against
	// every name known, popular or not. PyPI folds separators and case
	// itself, and its popular look-alikes are in the index, which spares
	// the full set for the ~886,000 names of a bulk check there.
	var alike []Entry
	if eco != PyPI {
		alike = st.set.Alike(name)
	}
	alike = append(alike, st.extra[skel]...)
	for id := range st.ix.filed(kindSkeleton, skel) {
		t := st.ix.target(id)
		alike = append(alike, Entry{Name: t.name, Downloads: t.pop.Downloads, Rank: t.pop.Rank})
	}
	lower := strings.ToLower(name)
	for _, e := range alike {
		t := target{name: e.Name, plain: plainOf(e.Name), pop: popularityOf(eco, e)}
		if id, ok := st.ix.canonical(Canonical(eco, e.Name)); ok {
			t.pop = st.ix.target(id).pop
		}
		tech := sameSkeletonTechnique(name, e.Name)
		// PyPI folds separators itself; there only look-alikes count
		// whatever the popularity.
		anyPopularity := eco != PyPI || tech == "homoglyph"
		// Of several spellings, the one closest to the name is the one
		// imitated.
		closeness := 1 - 0.02*float64(osaDistance(lower, strings.ToLower(e.Name), 5))
		consider(t, tech, closeness, anyPopularity)
	}

	plain := plainOf(name)
	st.ix.near(plain, func(id int32, dist int, against string) {
		t := st.ix.target(id)
		switch {
		case dist == 0:
			consider(t, sameSkeletonTechnique(name, t.name), 1, false)
		case against != t.plain: // one edit from the target's core
			consider(t, editTechnique(plain, against, dist), 0.9*lengthWeight(min(len(plain), len(against))), false)
		default:
			consider(t, editTechnique(plain, t.plain, dist), lengthWeight(min(len(plain), len(t.plain)))*firstLetterWeight(plain, t.plain), false)
		}
	})
	if core := coreOf(eco, name); core != "" && core != plain {
		for id := range st.ix.filed(kindSkeleton, foldPart(core)) {
			consider(st.ix.target(id), "prefix/suffix", 1, false)
		}
		// Both names carry an affix around the same core: weaker.
		for id := range st.ix.filed(kindCore, core) {
			consider(st.ix.target(id), "prefix/suffix", 0.85, false)
		}
		// An affix around a misspelt name ("ethetsjs").
		if len(core) >= 5 {
			st.ix.near(core, func(id int32, dist int, against string) {
				if t := st.ix.target(id); dist > 0 {
					consider(t, editTechnique(core, against, dist), 0.8*lengthWeight(min(len(core), len(against))), false)
				}
			})
		}
	}
	if k := tokenKey(name); k != "" && !scoped {
		for id := range st.ix.filed(kindTokens, k) {
			consider(st.ix.target(id), "token reorder", 1, false)
		}
	}
	// An unscoped copy of a scoped package's name, unless it is a
	// project of its own or too generic a word to be a copy.
	if eco == NPM && !scoped && pop.Downloads < scopeConfusionEstablished && (len(words(name)) >= 2 || len(name) >= 10) {
		for _, e := range st.scoped.WithPart(name) {
			if s, _, _ := SplitScope(e.Name); !mirrorScopes[strings.ToLower(s)] && e.Downloads >= scopedConfusionMin {
				consider(target{name: e.Name, plain: plainOf(e.Name), pop: popularityOf(eco, e)}, "scope confusion", 1, true)
			}
		}
	}
	if rest, ok := withoutFillers(name); ok {
		for id := range st.ix.filed(kindSkeleton, foldPart(rest)) {
			consider(st.ix.target(id), "combosquat", 1, false)
		}
	}
	// A name the registry's full list does not hold, one edit from one
	// that it does: the list is dated, so that one is the older package.
	// (npm's list is only the used part of the registry.)
	if !pop.Listed && len(plain) >= 6 && eco != NPM {
		fallback := best.conf < suspiciousAt
		near, _ := st.set.Near(name, 1)
		for _, e := range near {
			t := target{name: e.Name, plain: plainOf(e.Name), pop: popularityOf(eco, e)}
			if id, ok := st.ix.canonical(Canonical(eco, e.Name)); ok {
				t.pop = st.ix.target(id).pop
			}
			dist := osaDistance(plain, t.plain, 2)
			if dist == 0 || affixOnly(plain, t.plain, dist) {
				continue
			}
			// A doubled or swapped letter is a typo so plainly that
			// it competes with popular targets; other edits only
			// count when no popular target was found.
			tech := editTechnique(plain, t.plain, dist)
			if !fallback && tech != "repetition" && tech != "transposition" {
				continue
			}
			consider(t, tech, lengthWeight(min(len(plain), len(t.plain))), true)
		}
	}
	return best, best.conf >= suspiciousAt
}

// firstLetterWeight discounts an edit of the first letter: typists rarely
// get it wrong, so such a name is more often a word of its own.
func firstLetterWeight(c, t string) float64 {
	if c != "" && t != "" && c[0] != t[0] {
		return 0.85
	}
	return 1
}

// lengthWeight discounts edits on short names, where one edit makes a
// different word rather than a typo.
func lengthWeight(n int) float64 {
	switch {
	case n <= 3:
		return 0
	case n == 4:
		return 0.55
	case n == 5:
		return 0.85
	}
	return 1
}

// fillers are words squatters add to a real name to look official or
// platform specific ("requests-darwin-lite", "axios-http").
var fillers = map[string]bool{
	"dev": true, "lite": true, "official": true, "http": true, "https": true,
	"darwin": true, "linux": true, "win": true, "windows": true, "mac": true,
	"macos": true, "x64": true, "x86": true, "secure": true, "update": true,
	"updated": true, "fix": true, "fixed": true, "new": true, "latest": true,
	"real": true, "original": true, "pro": true, "plus": true, "free": true,
	"mirror": true, "patched": true,
}

// withoutFillers drops filler words from a name of several words.
func withoutFillers(name string) (string, bool) {
	w := words(name)
	kept := w[:0:0]
	for _, x := range w {
		if !fillers[x] {
			kept = append(kept, x)
		}
	}
	if len(kept) == len(w) || len(kept) == 0 {
		return "", false
	}
	return strings.Join(kept, "-"), true
}

// sameSkeletonTechnique names how two names with one skeleton differ.
func sameSkeletonTechnique(a, b string) string {
	switch {
	case strings.EqualFold(a, b):
		return "case"
	case plainOf(a) == plainOf(b):
		return "separator"
	}
	return "homoglyph"
}

// editTechnique names the edit that turns target t into candidate c.
func editTechnique(c, t string, dist int) string {
	if dist != 1 {
		return "misspelling"
	}
	switch {
	case len(c) == len(t)-1:
		return "omission"
	case len(c) == len(t)+1:
		i := firstDiff(c, t)
		if (i > 0 && c[i] == c[i-1]) || (i+1 < len(c) && c[i] == c[i+1]) {
			return "repetition"
		}
		if (i > 0 && keyboardAdjacent(c[i], c[i-1])) || (i+1 < len(c) && keyboardAdjacent(c[i], c[i+1])) {
			return "adjacent-key"
		}
		return "addition"
	}
	i := firstDiff(c, t)
	if i+1 < len(c) && c[i] == t[i+1] && c[i+1] == t[i] {
		return "transposition"
	}
	switch {
	case lookAlike(c[i], t[i]):
		return "homoglyph"
	case keyboardAdjacent(c[i], t[i]):
		return "adjacent-key"
	}
	return "substitution"
}

func firstDiff(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return min(i, len(a)-1)
}

var qwertyRows = []string{"qwertyuiop", "asdfghjkl", "zxcvbnm"}

// keyboardAdjacent reports whether two letter keys touch on a QWERTY
// keyboard (a digit for a letter is rarely a slip of the finger).
func keyboardAdjacent(a, b byte) bool {
	ra, ca := keyPos(a)
	rb, cb := keyPos(b)
	if ra < 0 || rb < 0 || a == b {
		return false
	}
	d := ra - rb
	return (d == 0 && (ca-cb == 1 || cb-ca == 1)) || ((d == 1 || d == -1) && (ca-cb >= -1 && ca-cb <= 1))
}

func keyPos(c byte) (row, col int) {
	for r, s := range qwertyRows {
		if i := strings.IndexByte(s, c); i >= 0 {
			return r, i
		}
	}
	return -1, -1
}

// lookAlike pairs letters that UTS #39 does not join but that read alike in
// most fonts of a terminal or a registry page.
func lookAlike(a, b byte) bool {
	for _, p := range []string{"0o", "1l", "il", "ij", "uv", "vw", "qg", "oa"} {
		if (a == p[0] && b == p[1]) || (a == p[1] && b == p[0]) {
			return true
		}
	}
	return false
}
