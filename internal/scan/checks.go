package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"

	"customs/internal/advisory"
	"customs/internal/ecosystem"
	"customs/internal/finding"
	"customs/internal/lockfile"
	"customs/internal/names"
	"customs/internal/registry"
)

// Rule ids of the checks made here (the registry-* rules live in
// internal/registry, the names/* rules in internal/names).
const (
	RuleKnownMalware      = "osv-malicious"
	RuleConfusion         = names.RuleConfusion
	RuleIntegrityMismatch = "deep-integrity-mismatch"
)

// signal is a finding with the verdict it supports on its own.
type signal struct {
	finding.Finding
	verdict finding.Verdict
}

// checker holds what the checks of one scan share.
type checker struct {
	opts Options

	mu                 sync.Mutex
	histories          map[string]*historyCall
	expired            map[int]bool
	notes              []string
	registryErrors     int
	firstRegistryError string
	deepSkipped        int
	firstDeepSkip      string
}

// historyCall fetches one package's history once for every version and
// file that needs it.
type historyCall struct {
	once sync.Once
	pkg  *registry.Package
	err  error
}

func (c *checker) history(ctx context.Context, eco advisory.Ecosystem, name string) (*registry.Package, error) {
	key := string(eco) + "\x00" + ecosystem.NormalizeName(eco.Ecosystem(), name)
	c.mu.Lock()
	call := c.histories[key]
	if call == nil {
		call = &historyCall{}
		c.histories[key] = call
	}
	c.mu.Unlock()
	call.once.Do(func() { call.pkg, call.err = c.opts.Registry.Package(ctx, eco, name) })
	return call.pkg, call.err
}

// check runs every check on one dependency and sets its verdict.
func (c *checker) check(ctx context.Context, p *pending) {
	eco, known := ecosystemOf(p.dep)
	if !known {
		return // an SBOM entry of another ecosystem: listed, not judged
	}
	var sigs []signal
	sigs = append(sigs, c.knownMalware(eco, p)...)
	// Git and URL dependencies are not the registry's package of that
	// name: its names, history and files say nothing about them.
	fromRegistry := p.Source == "" || p.Source == lockfile.SourceRegistry
	internal := false
	if fromRegistry {
		var nameSigs []signal
		nameSigs, internal = c.names(ctx, eco, p)
		sigs = append(sigs, nameSigs...)
	}
	// A private package is not expected on the public registry's history.
	// A name no registry accepts (a lockfile alias, a path, "..") is never
	// put into a registry URL.
	online := fromRegistry && !internal && p.Version != "" && validName(eco, p.Name)
	if online && c.opts.Registry != nil {
		sigs = append(sigs, c.registryHistory(ctx, eco, p)...)
		if p.OldVersion != "" {
			sigs = append(sigs, c.reviewUpdate(ctx, p)...)
		}
	}
	if online && c.opts.Deep {
		sigs = append(sigs, c.deep(ctx, eco, p)...)
	}
	for i := range sigs {
		if sigs[i].File == "" {
			sigs[i].File, sigs[i].Line = cmp.Or(p.Origin, p.File), p.Line
		}
	}
	sigs, notes := c.opts.Policy.applyIgnores(&p.Package, sigs, c.opts.Now, c.firstExpiry)
	if len(notes) > 0 {
		c.mu.Lock()
		c.notes = append(c.notes, notes...)
		c.mu.Unlock()
	}
	p.Verdict = combine(sigs)
	for _, s := range sigs {
		p.Findings = append(p.Findings, s.Finding)
	}
	slices.SortStableFunc(p.Findings, func(a, b finding.Finding) int { return int(b.Severity) - int(a.Severity) })
	p.Fails = c.opts.Policy.fails(&p.Package)
}

func (c *checker) firstExpiry(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expired[i] {
		return false
	}
	c.expired[i] = true
	return true
}

// combine draws a package's verdict from its signals: the worst single
// verdict, raised to malicious by the pattern of an account takeover
// (a new install script together with a new publisher or lost provenance).
func combine(sigs []signal) finding.Verdict {
	v := finding.Clean
	has := map[string]bool{}
	for _, s := range sigs {
		v = finding.Worst(v, s.verdict)
		has[s.Rule] = true
	}
	if has[registry.RuleInstallScript] && (has[registry.RuleMaintainer] || has[registry.RuleProvenanceLost]) {
		v = finding.Malicious
	}
	return v
}

// knownMalware matches the dependency against OSV MAL- advisories.
func (c *checker) knownMalware(eco advisory.Ecosystem, p *pending) []signal {
	if c.opts.DB == nil {
		return nil
	}
	var advs []advisory.Advisory
	var err error
	if p.Version != "" {
		advs, err = c.opts.DB.Match(eco, p.Name, p.Version)
	} else {
		// Declared without a version (a manifest): only an advisory on
		// every version tells, whatever version would be installed.
		advs, err = c.opts.DB.Package(eco, p.Name)
		advs = slices.DeleteFunc(advs, func(a advisory.Advisory) bool { return !a.AllVersions() })
	}
	if err != nil {
		return []signal{{verdict: finding.Clean, Finding: finding.Finding{
			Rule: RuleKnownMalware, Severity: finding.Info, Message: "advisory lookup failed: " + err.Error(),
			Fix: "run `customs db update` to rebuild the database",
		}}}
	}
	var out []signal
	for _, a := range advs {
		ids := append([]string{a.ID}, a.Aliases...)
		summary := finding.Snippet([]byte(a.Summary))
		if summary == "" {
			summary = "malicious code"
		}
		out = append(out, signal{verdict: finding.Malicious, Finding: finding.Finding{
			Rule: RuleKnownMalware, Severity: finding.Critical, IDs: ids,
			Message: fmt.Sprintf("%s is known malware (%s): %s", strings.TrimSpace(p.Name+" "+p.Version), a.ID, summary),
			Fix:     fixForMalware(p),
		}})
	}
	return out
}

func fixForMalware(p *pending) string {
	fix := fmt.Sprintf("remove %s %s from %s and reinstall from a clean lockfile", p.Name, p.Version, p.File)
	if p.Direct != nil && !*p.Direct {
		fix = fmt.Sprintf("it is pulled in indirectly: update or pin the dependency that requires %s to avoid %s, then regenerate %s", p.Name, p.Version, p.File)
	}
	return fix + "; treat machines that installed it as compromised (rotate credentials)"
}

// names runs the typosquat check and the dependency-confusion check
// against the project's internal namespaces. internal reports whether the
// name is one of the project's own, which the registry checks then skip:
// a private package is not expected on the public registry.
func (c *checker) names(ctx context.Context, eco advisory.Ecosystem, p *pending) (sigs []signal, internal bool) {
	neco := eco.Ecosystem()
	ecoName := string(neco)
	if pat, ok := c.opts.Policy.internalPattern(ecoName, p.Name); ok {
		return c.confusion(ctx, eco, p, pat), true
	}
	if c.opts.Names == nil {
		return nil, false
	}
	if c.opts.Policy.allowed(ecoName, p.Name) {
		return nil, false
	}
	r := c.opts.Names.Check(neco, p.Name)
	for _, f := range r.Findings {
		v := r.Verdict
		if f.Rule == names.RuleInvalid {
			continue // lockfile names that no registry serves (aliases, paths) are not a name problem
		}
		sigs = append(sigs, signal{Finding: f, verdict: v})
	}
	return sigs, false
}

// confusion judges a dependency whose name is one of the project's
// internal ones: resolved from a public registry, it is dependency
// confusion in progress; published there (names.Confusion, asking the
// public registry when online, else the offline name lists), an installer
// may take the attacker's copy.
func (c *checker) confusion(ctx context.Context, eco advisory.Ecosystem, p *pending, pattern string) []signal {
	if host := resolvedHost(p.dep.Resolved); host != "" && isPublicHost(eco, host) {
		return []signal{{verdict: finding.Malicious, Finding: finding.Finding{
			Rule: RuleConfusion, Severity: finding.Critical,
			Message: fmt.Sprintf("%s matches the internal namespace %q but was resolved from the public registry (%s): this is dependency confusion",
				p.Name, pattern, host),
			Fix: fmt.Sprintf("treat the machine as compromised; reinstall %s from your private registry and configure the installer to fetch %s only from there",
				p.Name, pattern),
		}}}
	}
	if c.opts.Names == nil {
		return nil
	}
	neco := eco.Ecosystem()
	var fs []finding.Finding
	var v finding.Verdict
	var err error
	if c.opts.PublicRegistry != nil {
		fs, v, err = names.Confusion(ctx, names.Online{Client: c.opts.PublicRegistry}, neco, p.Name, pattern, p.Version, "asked online")
	}
	if c.opts.PublicRegistry == nil || err != nil {
		fs, v, _ = names.Confusion(ctx, c.opts.Names.Offline(), neco, p.Name, pattern, p.Version, "offline name list")
	}
	var out []signal
	for _, f := range fs {
		out = append(out, signal{Finding: f, verdict: v})
	}
	return out
}

func resolvedHost(resolved string) string {
	u, err := url.Parse(resolved)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// isPublicHost reports whether host serves the public registry of eco.
func isPublicHost(eco advisory.Ecosystem, host string) bool {
	for _, h := range registry.PublicHosts(string(eco)) {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// endpointHost is the host of the registry configured for a package.
func (c *checker) endpointHost(eco advisory.Ecosystem, name string) string {
	e := c.opts.Registry.Endpoints()
	switch eco {
	case advisory.NPM:
		return resolvedHost(e.NPMRegistryFor(name))
	case advisory.PyPI:
		return resolvedHost(e.PyPI)
	}
	return resolvedHost(e.RubyGems)
}

func validName(eco advisory.Ecosystem, name string) bool {
	return names.Validate(eco.Ecosystem(), name) == nil
}

// registryHistory adds the registry-history signals of one dependency. A
// dependency the lockfile resolved from another private registry than the
// one configured is not judged by the configured one's history.
func (c *checker) registryHistory(ctx context.Context, eco advisory.Ecosystem, p *pending) []signal {
	if host := resolvedHost(p.dep.Resolved); host != "" && !isPublicHost(eco, host) && host != c.endpointHost(eco, p.Name) {
		return nil
	}
	hist, err := c.history(ctx, eco, p.Name)
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		c.mu.Lock()
		c.registryErrors++
		if c.firstRegistryError == "" {
			c.firstRegistryError = err.Error()
		}
		c.mu.Unlock()
		return nil
	}
	h := registry.History{Cooldown: c.opts.Policy.Cooldown, Now: c.opts.Now}
	var out []signal
	for _, f := range h.Signals(eco, p.Name, hist, p.Version) {
		v := finding.Suspicious
		if f.Severity < finding.Medium {
			v = finding.Clean // a weak hint on its own
		}
		out = append(out, signal{Finding: f, verdict: v})
	}
	return out
}
