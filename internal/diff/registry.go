package diff

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"customs/internal/finding"
)

// Ref is a package version named in a registry: "npm:debug@4.4.2",
// "pypi:requests@2.32.0", "gem:rails@7.1.0". Version may be empty in
// "npm:debug" (meaning the latest).
type Ref struct {
	Ecosystem, Name, Version string
}

func (r Ref) String() string {
	if r.Version == "" {
		return r.Ecosystem + ":" + r.Name
	}
	return r.Ecosystem + ":" + r.Name + "@" + r.Version
}

var refPrefixes = map[string]string{"npm": "npm", "pypi": "pypi", "pip": "pypi", "gem": "rubygems", "rubygems": "rubygems"}

// ParseRef reads a registry reference; ok is false when s is not one (then
// it is a path). An npm scope's "@" is not taken for the version separator.
func ParseRef(s string) (ref Ref, ok bool, err error) {
	prefix, rest, found := strings.Cut(s, ":")
	eco, known := refPrefixes[strings.ToLower(prefix)]
	if !found || !known {
		return Ref{}, false, nil
	}
	ref.Ecosystem = eco
	at := strings.LastIndexByte(rest, '@')
	if at > 0 {
		ref.Name, ref.Version = rest[:at], rest[at+1:]
	} else {
		ref.Name = rest
	}
	if ref.Name == "" || strings.ContainsAny(ref.Name, " \t\n?#") || strings.Contains(ref.Name[1:], "@") ||
		at > 0 && ref.Version == "" || strings.ContainsAny(ref.Version, " \t\n/?#") {
		return Ref{}, true, fmt.Errorf("%q: want %s:NAME@VERSION", s, prefix)
	}
	return ref, true, nil
}

// RegistryInfo is what a registry says about one published version, beyond
// its files.
type RegistryInfo struct {
	Maintainers []string // accounts allowed to publish
	Publisher   string   // the account that published this version
	Provenance  bool     // a build provenance attestation was published
}

// MetadataChange is one registry field that differs between the versions.
type MetadataChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Fetcher is what diff needs of a registry client.
type Fetcher interface {
	// Versions lists the published versions of a package, oldest first.
	Versions(ctx context.Context, ecosystem, name string) ([]string, error)
	// Info returns the registry metadata of one version.
	Info(ctx context.Context, ecosystem, name, version string) (*RegistryInfo, error)
	// Archive returns the package file of one version (bounded by the client).
	Archive(ctx context.Context, ecosystem, name, version string) ([]byte, error)
}

// Targets compares two versions, each a path or a registry reference;
// with newArg empty, oldArg must be a reference to the NEW version and it is
// compared with the version published just before it.
func Targets(ctx context.Context, f Fetcher, oldArg, newArg string, opt Options) (*Result, error) {
	if newArg == "" {
		ref, ok, err := ParseRef(oldArg)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s: with one argument, give a registry reference such as npm:NAME@VERSION", oldArg)
		}
		if f == nil {
			return nil, fmt.Errorf("%s: no registry client", oldArg)
		}
		prev, cur, err := previous(ctx, f, ref)
		if err != nil {
			return nil, err
		}
		oldArg, newArg = prev.String(), cur.String()
	}
	oldS, oldInfo, err := loadTarget(ctx, f, oldArg, nil)
	if err != nil {
		return nil, fmt.Errorf("old version: %w", err)
	}
	newS, newInfo, err := loadTarget(ctx, f, newArg, oldS.sums())
	if err != nil {
		return nil, fmt.Errorf("new version: %w", err)
	}
	if opt.OldRegistry == nil && opt.NewRegistry == nil {
		opt.OldRegistry, opt.NewRegistry = oldInfo, newInfo
	}
	return compare(ctx, oldS, newS, opt)
}

// previous finds the version published just before ref.Version (the latest
// when ref has none).
func previous(ctx context.Context, f Fetcher, ref Ref) (prev, cur Ref, err error) {
	versions, err := f.Versions(ctx, ref.Ecosystem, ref.Name)
	if err != nil {
		return prev, cur, err
	}
	cur = ref
	if cur.Version == "" && len(versions) > 0 {
		cur.Version = versions[len(versions)-1]
	}
	i := slices.Index(versions, cur.Version)
	if i < 0 {
		return prev, cur, fmt.Errorf("%s: no such version in the registry", cur)
	}
	if i == 0 {
		return prev, cur, fmt.Errorf("%s: the first published version; nothing to compare it with", cur)
	}
	prev = cur
	prev.Version = versions[i-1]
	return prev, cur, nil
}

func loadTarget(ctx context.Context, f Fetcher, arg string, known map[digest]bool) (*snapshot, *RegistryInfo, error) {
	ref, ok, err := ParseRef(arg)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		s, err := loadPath(ctx, arg, known)
		return s, nil, err
	}
	if f == nil {
		return nil, nil, fmt.Errorf("%s: no registry client", arg)
	}
	if ref.Version == "" {
		versions, err := f.Versions(ctx, ref.Ecosystem, ref.Name)
		if err != nil {
			return nil, nil, err
		}
		if len(versions) == 0 {
			return nil, nil, fmt.Errorf("%s: no published versions", ref)
		}
		ref.Version = versions[len(versions)-1]
	}
	data, err := f.Archive(ctx, ref.Ecosystem, ref.Name, ref.Version)
	if err != nil {
		return nil, nil, err
	}
	s, err := loadReader(ctx, ref.String(), bytes.NewReader(data), int64(len(data)), known)
	if err != nil {
		return nil, nil, err
	}
	s.target = arg
	info, err := f.Info(ctx, ref.Ecosystem, ref.Name, ref.Version)
	if err != nil {
		return nil, nil, err
	}
	return s, info, nil
}

// compareRegistry reports registry metadata changes: who may publish, who
// did, whether the build is attested.
func compareRegistry(r *Result, a *analysis, old, cur *RegistryInfo) {
	if old == nil || cur == nil {
		return
	}
	if old.Provenance && !cur.Provenance {
		r.Metadata = append(r.Metadata, MetadataChange{Field: "provenance", Old: "present", New: "missing"})
		a.signal(finding.Suspicious, finding.Finding{
			Rule: "diff-provenance-lost", Severity: finding.High,
			Message: "the previous version was published with build provenance and this one without: it was not built by the project's CI",
			Fix:     "check with the maintainers that this release is theirs",
		})
	}
	if old.Publisher != cur.Publisher && cur.Publisher != "" {
		r.Metadata = append(r.Metadata, MetadataChange{Field: "publisher", Old: old.Publisher, New: cur.Publisher})
		known := slices.Contains(old.Maintainers, cur.Publisher)
		msg := fmt.Sprintf("published by %s (the previous version by %s)", finding.Snippet([]byte(cur.Publisher)), finding.Snippet([]byte(old.Publisher)))
		if !known {
			msg += ", an account that was not a maintainer before"
		}
		a.signal(finding.Clean, finding.Finding{Rule: "diff-publisher-changed", Severity: finding.Low, Message: msg})
	}
	if o, n := strings.Join(sortedCopy(old.Maintainers), ", "), strings.Join(sortedCopy(cur.Maintainers), ", "); o != n {
		r.Metadata = append(r.Metadata, MetadataChange{Field: "maintainers", Old: o, New: n})
		a.signal(finding.Clean, finding.Finding{Rule: "diff-maintainers-changed", Severity: finding.Info,
			Message: "maintainers changed: " + finding.Snippet([]byte(o)) + " → " + finding.Snippet([]byte(n))})
	}
}

// compareRepository reports a changed source repository, as the packages
// themselves state it.
func compareRepository(r *Result, a *analysis, old, cur string) {
	if old == "" || cur == "" || repositoryKey(old) == repositoryKey(cur) {
		return
	}
	r.Metadata = append(r.Metadata, MetadataChange{Field: "repository", Old: old, New: cur})
	a.signal(finding.Clean, finding.Finding{Rule: "diff-repository-changed", Severity: finding.Low,
		Message: "repository URL changed: " + safe(old) + " → " + safe(cur)})
}

// repositoryKey reduces the spellings of one repository URL to one form:
// "git+https://github.com/o/r.git", "git://github.com/o/r",
// "git+ssh://git@github.com/o/r.git", "github:o/r" and "o/r" are the same.
func repositoryKey(u string) string {
	u = strings.ToLower(strings.TrimSpace(u))
	u = strings.TrimPrefix(u, "git+")
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	u = strings.TrimPrefix(u, "git@")
	u = strings.Replace(u, ":", "/", 1) // scp-like git@host:o/r and github:o/r
	u = strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".git")
	if strings.HasPrefix(u, "github/") {
		u = "github.com/" + strings.TrimPrefix(u, "github/")
	}
	if strings.Count(u, "/") == 1 { // npm's owner/repo shorthand
		u = "github.com/" + u
	}
	return u
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
