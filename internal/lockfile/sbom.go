package lockfile

import (
	"bytes"
	"fmt"
	"io/fs"

	packageurl "github.com/package-url/packageurl-go"

	"customs/internal/ecosystem"
)

// CycloneDX and SPDX JSON SBOMs list packages of any ecosystem by purl,
// parsed with packageurl-go. Ecosystem is the purl type, except "gem",
// reported as "rubygems" like Gemfile.lock dependencies.

// sbomKind sniffs a JSON file's first bytes for the SBOM marker field.
func sbomKind(_ string, data []byte) string {
	head := data[:min(len(data), 8192)]
	switch {
	case bytes.Contains(head, []byte(`"bomFormat"`)):
		return "cyclonedx"
	case bytes.Contains(head, []byte(`"spdxVersion"`)):
		return "spdx"
	}
	return ""
}

// purlDependency turns a purl into a dependency (name per ecosystem
// convention: npm "@scope/name", Maven "group:artifact", PyPI normalised).
func purlDependency(purl string) (Dependency, error) {
	p, err := packageurl.FromString(purl)
	if err != nil {
		return Dependency{}, fmt.Errorf("purl %q: %w", purl, err)
	}
	d := Dependency{Ecosystem: p.Type, Name: p.Name, Version: p.Version, Source: SourceRegistry}
	switch p.Type {
	case "gem":
		d.Ecosystem = RubyGems
	case "pypi":
		d.Name = ecosystem.NormalizeName(ecosystem.PyPI, p.Name)
	case "maven":
		if p.Namespace != "" {
			d.Name = p.Namespace + ":" + p.Name
		}
	default:
		if p.Namespace != "" {
			d.Name = p.Namespace + "/" + p.Name
		}
	}
	if u := p.Qualifiers.Map()["vcs_url"]; u != "" {
		d.Source, d.Resolved = SourceGit, u
	} else if u := p.Qualifiers.Map()["download_url"]; u != "" {
		d.Resolved = u
	}
	return d, nil
}

type cdxComponent struct {
	BOMRef     string         `json:"bom-ref"`
	Purl       string         `json:"purl"`
	Version    string         `json:"version"`
	Hashes     []cdxHash      `json:"hashes"`
	Components []cdxComponent `json:"components"`
}

type cdxHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

func parseCycloneDX(c *collector, _ fs.FS, data []byte) error {
	var bom struct {
		Metadata struct {
			Component *cdxComponent `json:"component"`
		} `json:"metadata"`
		Components   []cdxComponent `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	if err := decodeJSON(data, &bom); err != nil {
		return err
	}
	rootRef := ""
	if bom.Metadata.Component != nil {
		rootRef = bom.Metadata.Component.BOMRef
	}
	// The root's dependsOn lists the direct dependencies; without a
	// dependency graph for the root the SBOM does not say.
	var direct map[string]bool
	for _, dep := range bom.Dependencies {
		if rootRef != "" && dep.Ref == rootRef {
			direct = map[string]bool{}
			for _, ref := range dep.DependsOn {
				direct[ref] = true
			}
		}
	}
	lines := jsonStringLines(data, "purl")
	var walk func([]cdxComponent, int) error
	walk = func(components []cdxComponent, depth int) error {
		if depth > maxNesting {
			return fmt.Errorf("components nested deeper than %d", maxNesting)
		}
		for _, comp := range components {
			if err := walk(comp.Components, depth+1); err != nil {
				return err
			}
			if comp.Purl == "" || (rootRef != "" && comp.BOMRef == rootRef) {
				continue // not a package (file, application without purl), or the root itself
			}
			d, err := purlDependency(comp.Purl)
			if err != nil {
				return err
			}
			if d.Version == "" {
				d.Version = comp.Version
			}
			if direct != nil {
				d.Direct = directFlag(direct[comp.BOMRef])
			}
			if len(comp.Hashes) > 0 {
				d.Integrity = hexDigest(comp.Hashes[0].Alg, comp.Hashes[0].Content)
			}
			d.Line = lines[comp.Purl]
			c.add(d)
		}
		return nil
	}
	return walk(bom.Components, 0)
}

func parseSPDX(c *collector, _ fs.FS, data []byte) error {
	var doc struct {
		SPDXID            string   `json:"SPDXID"`
		DocumentDescribes []string `json:"documentDescribes"`
		Packages          []struct {
			SPDXID       string `json:"SPDXID"`
			VersionInfo  string `json:"versionInfo"`
			ExternalRefs []struct {
				ReferenceType    string `json:"referenceType"`
				ReferenceLocator string `json:"referenceLocator"`
			} `json:"externalRefs"`
			Checksums []struct {
				Algorithm     string `json:"algorithm"`
				ChecksumValue string `json:"checksumValue"`
			} `json:"checksums"`
		} `json:"packages"`
		Relationships []struct {
			Element string `json:"spdxElementId"`
			Related string `json:"relatedSpdxElement"`
			Type    string `json:"relationshipType"`
		} `json:"relationships"`
	}
	if err := decodeJSON(data, &doc); err != nil {
		return err
	}
	described := map[string]bool{}
	for _, id := range doc.DocumentDescribes {
		described[id] = true
	}
	for _, r := range doc.Relationships {
		if r.Type == "DESCRIBES" && r.Element == doc.SPDXID {
			described[r.Related] = true
		}
	}
	lines := jsonStringLines(data, "referenceLocator")
	for _, p := range doc.Packages {
		if described[p.SPDXID] {
			continue // the document's subject, i.e. the root project
		}
		for _, ref := range p.ExternalRefs {
			if ref.ReferenceType != "purl" {
				continue
			}
			d, err := purlDependency(ref.ReferenceLocator)
			if err != nil {
				return fmt.Errorf("package %s: %w", p.SPDXID, err)
			}
			if p.VersionInfo != "" {
				d.Version = p.VersionInfo
			}
			if len(p.Checksums) > 0 {
				d.Integrity = hexDigest(p.Checksums[0].Algorithm, p.Checksums[0].ChecksumValue)
			}
			d.Line = lines[ref.ReferenceLocator]
			c.add(d)
			break
		}
	}
	return nil
}
