package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"customs/internal/advisory"
	"customs/internal/ecosystem"
)

// Package is what a registry says about a package's published versions.
type Package struct {
	Ecosystem advisory.Ecosystem `json:"ecosystem"`
	Name      string             `json:"name"`
	Versions  []Version          `json:"versions"`
	// Unpublished is set when the registry keeps the name but no versions
	// (npm's record of a package removed, often for malware).
	Unpublished bool `json:"unpublished,omitempty"`
}

// Version is one published version. Fields a registry does not provide
// stay empty, and the checks that need them stay silent.
type Version struct {
	Version        string    `json:"v"`
	Published      time.Time `json:"t,omitzero"`
	Maintainers    []string  `json:"m,omitempty"` // accounts allowed to publish, as of this version
	Publisher      string    `json:"p,omitempty"` // the account that published it
	InstallScripts []string  `json:"s,omitempty"` // install-time hooks it declares (npm)
	Provenance     bool      `json:"a,omitempty"` // a build attestation was published (npm, PEP 740)
	Yanked         bool      `json:"y,omitempty"`
	Files          []File    `json:"f,omitempty"`
}

// File is a downloadable artifact of a version.
type File struct {
	Name      string `json:"n,omitempty"`
	URL       string `json:"u"`
	Integrity string `json:"i,omitempty"` // "sha512-<base64>" (npm SRI) or "sha256:<hex>"
}

// Find returns the registry's record of version, comparing by the
// ecosystem's version rules (PyPI's 1.0 is 1.0.0).
func (p *Package) Find(version string) (*Version, bool) {
	for i := range p.Versions {
		if p.Versions[i].Version == version {
			return &p.Versions[i], true
		}
	}
	for i := range p.Versions {
		if c, ok := advisory.Compare(p.Ecosystem, p.Versions[i].Version, version); ok && c == 0 {
			return &p.Versions[i], true
		}
	}
	return nil, false
}

// Limits on one package's history, against a hostile registry.
const (
	maxVersions = 50_000
	maxNames    = 200 // maintainers per version
	maxFiles    = 500 // files per version
)

func clip[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// sortVersions orders versions oldest first: by publication time when every
// version has one, else by version order.
func sortVersions(eco advisory.Ecosystem, vs []Version) {
	byTime := true
	for _, v := range vs {
		if v.Published.IsZero() {
			byTime = false
			break
		}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if byTime && !vs[i].Published.Equal(vs[j].Published) {
			return vs[i].Published.Before(vs[j].Published)
		}
		c, ok := advisory.Compare(eco, vs[i].Version, vs[j].Version)
		if !ok {
			return vs[i].Version < vs[j].Version
		}
		return c < 0
	})
}

func parseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// ---- npm ----

// npmPerson is a maintainer or publisher: {"name": ...} in current
// documents, "name <email>" in old ones. Anything else reads as nobody.
type npmPerson struct {
	Name string
}

func (p *npmPerson) UnmarshalJSON(b []byte) error {
	var obj struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(b, &obj) == nil {
		p.Name = obj.Name
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		p.Name = strings.TrimSpace(strings.SplitN(s, "<", 2)[0])
	}
	return nil
}

// npmVersion is the part of one version in the registry's package document
// (GET <registry>/<name>) that the checks read.
type npmVersion struct {
	Maintainers []npmPerson       `json:"maintainers"`
	NpmUser     *npmPerson        `json:"_npmUser"`
	Scripts     map[string]string `json:"scripts"`
	Dist        struct {
		Tarball      string          `json:"tarball"`
		Integrity    string          `json:"integrity"`
		Shasum       string          `json:"shasum"`
		Attestations json.RawMessage `json:"attestations"`
	} `json:"dist"`
}

// npmInstallHooks are the lifecycle scripts npm runs on install.
var npmInstallHooks = []string{"preinstall", "install", "postinstall", "prepare"}

func parseNPM(name string) parseFunc {
	return func(body []byte) (*Package, error) {
		var doc struct {
			Versions map[string]json.RawMessage `json:"versions"`
			Time     map[string]any             `json:"time"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			return nil, fmt.Errorf("not an npm package document: %w", err)
		}
		if len(doc.Versions) > maxVersions {
			return nil, fmt.Errorf("%d versions is more than customs reads", len(doc.Versions))
		}
		p := &Package{Ecosystem: advisory.NPM, Name: name}
		// An unpublished package keeps only time.unpublished.
		if _, ok := doc.Time["unpublished"]; ok && len(doc.Versions) == 0 {
			p.Unpublished = true
		}
		for v, raw := range doc.Versions {
			ver := Version{Version: v}
			// A version whose metadata is malformed (old documents carry
			// strings where objects are expected) still counts as listed.
			var meta npmVersion
			if err := json.Unmarshal(raw, &meta); err != nil {
				meta = lenientNPMVersion(raw)
			}
			if s, ok := doc.Time[v].(string); ok {
				ver.Published = parseTime(s)
			}
			for _, m := range clip(meta.Maintainers, maxNames) {
				if m.Name != "" {
					ver.Maintainers = append(ver.Maintainers, m.Name)
				}
			}
			sort.Strings(ver.Maintainers)
			if meta.NpmUser != nil {
				ver.Publisher = meta.NpmUser.Name
			}
			for _, h := range npmInstallHooks {
				if strings.TrimSpace(meta.Scripts[h]) != "" {
					ver.InstallScripts = append(ver.InstallScripts, h)
				}
			}
			a := strings.TrimSpace(string(meta.Dist.Attestations))
			ver.Provenance = a != "" && a != "null" && a != "{}"
			if meta.Dist.Tarball != "" {
				f := File{URL: meta.Dist.Tarball, Name: path.Base(meta.Dist.Tarball), Integrity: meta.Dist.Integrity}
				if f.Integrity == "" && meta.Dist.Shasum != "" {
					f.Integrity = "sha1:" + meta.Dist.Shasum
				}
				ver.Files = []File{f}
			}
			p.Versions = append(p.Versions, ver)
		}
		sortVersions(advisory.NPM, p.Versions)
		return p, nil
	}
}

// lenientNPMVersion decodes what it can of a malformed version field by field.
func lenientNPMVersion(raw json.RawMessage) npmVersion {
	var fields map[string]json.RawMessage
	var v npmVersion
	if json.Unmarshal(raw, &fields) != nil {
		return v
	}
	json.Unmarshal(fields["maintainers"], &v.Maintainers)
	json.Unmarshal(fields["_npmUser"], &v.NpmUser)
	json.Unmarshal(fields["scripts"], &v.Scripts)
	json.Unmarshal(fields["dist"], &v.Dist)
	return v
}

func (c *Client) npmPackage(ctx context.Context, name string) (*Package, error) {
	// Scoped names keep their "@" and escape the "/" (@scope%2fname).
	u := c.opt.Endpoints.NPMRegistryFor(name) + "/" + strings.Replace(url.PathEscape(name), "%40", "@", 1)
	return c.fetchPackage(ctx, u, http.Header{"Accept": {"application/json"}}, parseNPM(name))
}

// ---- PyPI ----

// pypiSimple is a PEP 691 JSON project page, with PEP 700's upload-time and
// versions and PEP 740's provenance.
type pypiSimple struct {
	Name     string   `json:"name"`
	Versions []string `json:"versions"`
	Files    []struct {
		Filename   string            `json:"filename"`
		URL        string            `json:"url"`
		Hashes     map[string]string `json:"hashes"`
		Yanked     any               `json:"yanked"` // false or a reason string
		UploadTime string            `json:"upload-time"`
		Provenance *string           `json:"provenance"`
	} `json:"files"`
}

const simpleJSON = "application/vnd.pypi.simple.v1+json"

func (c *Client) pypiPackage(ctx context.Context, name string) (*Package, error) {
	norm := ecosystem.NormalizeName(ecosystem.PyPI, name)
	index := c.opt.Endpoints.PyPI
	simpleURL := index + "/" + url.PathEscape(norm) + "/"
	p, err := c.fetchPackage(ctx, simpleURL, http.Header{"Accept": {simpleJSON}}, func(body []byte) (*Package, error) {
		return parsePyPISimple(norm, simpleURL, body)
	})
	if err == nil || errors.Is(err, ErrNotFound) {
		return p, err
	}
	// An index that serves only HTML: PyPI's JSON API, where the index is PyPI-shaped.
	if strings.HasSuffix(index, "/simple") {
		jsonURL := strings.TrimSuffix(index, "/simple") + "/pypi/" + url.PathEscape(norm) + "/json"
		if p, jerr := c.fetchPackage(ctx, jsonURL, http.Header{"Accept": {"application/json"}}, func(body []byte) (*Package, error) {
			return parsePyPIJSON(norm, body)
		}); jerr == nil || errors.Is(jerr, ErrNotFound) {
			return p, jerr
		}
	}
	return nil, err
}

func parsePyPISimple(name, base string, body []byte) (*Package, error) {
	var doc pypiSimple
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a PEP 691 JSON page (is the index serving HTML only?): %w", err)
	}
	if len(doc.Files) > maxVersions*4 || len(doc.Versions) > maxVersions {
		return nil, fmt.Errorf("%d files is more than customs reads", len(doc.Files))
	}
	baseURL, _ := url.Parse(base)
	byVersion := map[string]*Version{}
	var order []string
	get := func(v string) *Version {
		if byVersion[v] == nil {
			byVersion[v] = &Version{Version: v, Yanked: true}
			order = append(order, v)
		}
		return byVersion[v]
	}
	for _, v := range doc.Versions {
		get(v)
	}
	for _, f := range doc.Files {
		v := versionFromFilename(name, f.Filename)
		if v == "" {
			continue
		}
		ver := get(v)
		t := parseTime(f.UploadTime)
		if !t.IsZero() && (ver.Published.IsZero() || t.Before(ver.Published)) {
			ver.Published = t
		}
		// A version is yanked only when every one of its files is.
		if y, _ := f.Yanked.(bool); !y {
			if _, isReason := f.Yanked.(string); !isReason {
				ver.Yanked = false
			}
		}
		if f.Provenance != nil && *f.Provenance != "" {
			ver.Provenance = true
		}
		u := f.URL
		if baseURL != nil {
			if ref, err := baseURL.Parse(f.URL); err == nil {
				u = ref.String()
			}
		}
		file := File{Name: f.Filename, URL: u}
		if h := f.Hashes["sha256"]; h != "" {
			file.Integrity = "sha256:" + h
		}
		if len(ver.Files) < maxFiles {
			ver.Files = append(ver.Files, file)
		}
	}
	p := &Package{Ecosystem: advisory.PyPI, Name: name}
	for _, v := range order {
		ver := byVersion[v]
		if len(ver.Files) == 0 {
			ver.Yanked = false // listed in versions without files: not a yank we can see
		}
		p.Versions = append(p.Versions, *ver)
	}
	sortVersions(advisory.PyPI, p.Versions)
	return p, nil
}

// parsePyPIJSON reads PyPI's JSON API (GET /pypi/<name>/json).
func parsePyPIJSON(name string, body []byte) (*Package, error) {
	var doc struct {
		Releases map[string][]struct {
			Filename   string            `json:"filename"`
			URL        string            `json:"url"`
			Digests    map[string]string `json:"digests"`
			UploadTime string            `json:"upload_time_iso_8601"`
			Yanked     bool              `json:"yanked"`
		} `json:"releases"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a PyPI JSON API document: %w", err)
	}
	if len(doc.Releases) > maxVersions {
		return nil, fmt.Errorf("%d releases is more than customs reads", len(doc.Releases))
	}
	p := &Package{Ecosystem: advisory.PyPI, Name: name}
	for v, files := range doc.Releases {
		ver := Version{Version: v, Yanked: len(files) > 0}
		for _, f := range clip(files, maxFiles) {
			t := parseTime(f.UploadTime)
			if !t.IsZero() && (ver.Published.IsZero() || t.Before(ver.Published)) {
				ver.Published = t
			}
			ver.Yanked = ver.Yanked && f.Yanked
			file := File{Name: f.Filename, URL: f.URL}
			if h := f.Digests["sha256"]; h != "" {
				file.Integrity = "sha256:" + h
			}
			ver.Files = append(ver.Files, file)
		}
		p.Versions = append(p.Versions, ver)
	}
	sortVersions(advisory.PyPI, p.Versions)
	return p, nil
}

// versionFromFilename reads the version from a wheel (name-ver-....whl) or
// an sdist (name-ver.tar.gz / .zip) file name of the project name.
func versionFromFilename(project, filename string) string {
	if strings.HasSuffix(filename, ".whl") {
		parts := strings.Split(strings.TrimSuffix(filename, ".whl"), "-")
		if len(parts) >= 5 {
			return parts[1]
		}
		return ""
	}
	base := filename
	for _, ext := range []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"} {
		if strings.HasSuffix(base, ext) {
			base = strings.TrimSuffix(base, ext)
			break
		}
	}
	// The project part may itself contain "-": take the split whose left
	// side normalises to the project's name.
	for i := strings.LastIndexByte(base, '-'); i > 0; i = strings.LastIndexByte(base[:i], '-') {
		if v := base[i+1:]; ecosystem.NormalizeName(ecosystem.PyPI, base[:i]) == project {
			if v == "" || v[0] < '0' || v[0] > '9' || strings.Contains(v, "-") {
				return ""
			}
			return v
		}
	}
	return ""
}

// ---- RubyGems ----

func (c *Client) gemPackage(ctx context.Context, name string) (*Package, error) {
	base := c.opt.Endpoints.RubyGems
	u := base + "/api/v1/versions/" + url.PathEscape(name) + ".json"
	return c.fetchPackage(ctx, u, http.Header{"Accept": {"application/json"}}, func(body []byte) (*Package, error) {
		return parseGems(name, base, body)
	})
}

// parseGems reads GET /api/v1/versions/<name>.json.
func parseGems(name, base string, body []byte) (*Package, error) {
	var doc []struct {
		Number    string `json:"number"`
		CreatedAt string `json:"created_at"`
		Platform  string `json:"platform"`
		SHA       string `json:"sha"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a RubyGems versions document: %w", err)
	}
	if len(doc) > maxVersions {
		return nil, fmt.Errorf("%d versions is more than customs reads", len(doc))
	}
	byVersion := map[string]int{}
	p := &Package{Ecosystem: advisory.RubyGems, Name: name}
	for _, d := range doc {
		if d.Number == "" {
			continue
		}
		file := name + "-" + d.Number
		if d.Platform != "" && d.Platform != "ruby" {
			file += "-" + d.Platform
		}
		file += ".gem"
		f := File{Name: file, URL: base + "/gems/" + url.PathEscape(file)}
		if d.SHA != "" {
			f.Integrity = "sha256:" + d.SHA
		}
		if i, ok := byVersion[d.Number]; ok {
			// Platform builds of one version: keep one entry, oldest date.
			v := &p.Versions[i]
			if len(v.Files) < maxFiles {
				v.Files = append(v.Files, f)
			}
			if t := parseTime(d.CreatedAt); !t.IsZero() && t.Before(v.Published) {
				v.Published = t
			}
			continue
		}
		byVersion[d.Number] = len(p.Versions)
		p.Versions = append(p.Versions, Version{Version: d.Number, Published: parseTime(d.CreatedAt), Files: []File{f}})
	}
	sortVersions(advisory.RubyGems, p.Versions)
	return p, nil
}
