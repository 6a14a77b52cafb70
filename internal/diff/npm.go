package diff

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/mod/semver"
)

// Bounds on what the npm registry may send.
const (
	maxPackument = 128 << 20 // the packuments of the biggest packages run to tens of MB
	maxTarball   = 256 << 20
)

// NPM is a Fetcher for the npm registry at Registry (the user's configured
// registry URL; the caller decides it). Packuments are fetched once per run.
type NPM struct {
	Registry string
	Client   *http.Client

	packuments map[string]*packument
}

type packument struct {
	Versions map[string]packumentVersion `json:"versions"`
}

type packumentVersion struct {
	Dist struct {
		Tarball      string          `json:"tarball"`
		Integrity    string          `json:"integrity"`
		Attestations json.RawMessage `json:"attestations"`
	} `json:"dist"`
	NPMUser     person          `json:"_npmUser"`
	Maintainers []person        `json:"maintainers"`
	Repository  json.RawMessage `json:"repository"`
}

type person struct {
	Name string `json:"name"`
}

func (n *NPM) packument(ctx context.Context, eco, name string) (*packument, error) {
	if eco != "npm" {
		return nil, fmt.Errorf("%s:%s: only npm references can be fetched here", eco, name)
	}
	if p := n.packuments[name]; p != nil {
		return p, nil
	}
	u := strings.TrimSuffix(n.Registry, "/") + "/" + strings.Replace(url.PathEscape(name), "%40", "@", 1)
	body, err := n.get(ctx, u, maxPackument)
	if err != nil {
		return nil, fmt.Errorf("npm:%s: %w", name, err)
	}
	var p packument
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("npm:%s: bad registry response: %w", name, err)
	}
	if n.packuments == nil {
		n.packuments = map[string]*packument{}
	}
	n.packuments[name] = &p
	return &p, nil
}

// Versions returns the versions in semver order: the registry here may
// lack publication times, and for npm the order of releases is semver's.
// Pre-releases are left out, as a user's range would never pick them.
func (n *NPM) Versions(ctx context.Context, eco, name string) ([]string, error) {
	p, err := n.packument(ctx, eco, name)
	if err != nil {
		return nil, err
	}
	var vs []string
	for v := range p.Versions {
		if semver.IsValid("v"+v) && semver.Prerelease("v"+v) == "" {
			vs = append(vs, v)
		}
	}
	slices.SortFunc(vs, func(a, b string) int { return semver.Compare("v"+a, "v"+b) })
	return vs, nil
}

func (n *NPM) version(ctx context.Context, eco, name, version string) (*packumentVersion, error) {
	p, err := n.packument(ctx, eco, name)
	if err != nil {
		return nil, err
	}
	v, ok := p.Versions[version]
	if !ok {
		return nil, fmt.Errorf("npm:%s@%s: no such version in the registry", name, version)
	}
	return &v, nil
}

// Info reads publisher, maintainers, provenance and repository from the packument.
func (n *NPM) Info(ctx context.Context, eco, name, version string) (*RegistryInfo, error) {
	v, err := n.version(ctx, eco, name, version)
	if err != nil {
		return nil, err
	}
	info := &RegistryInfo{Publisher: v.NPMUser.Name, Provenance: len(v.Dist.Attestations) > 0 && string(v.Dist.Attestations) != "null"}
	for _, m := range v.Maintainers {
		info.Maintainers = append(info.Maintainers, m.Name)
	}
	// repository is a string or {type, url}.
	var repo struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(v.Repository, &repo) != nil {
		_ = json.Unmarshal(v.Repository, &repo.URL)
	}
	info.Repository = repo.URL
	return info, nil
}

// Archive downloads the tarball and checks it against the registry's
// integrity hash.
func (n *NPM) Archive(ctx context.Context, eco, name, version string) ([]byte, error) {
	v, err := n.version(ctx, eco, name, version)
	if err != nil {
		return nil, err
	}
	if v.Dist.Tarball == "" {
		return nil, fmt.Errorf("npm:%s@%s: registry gives no tarball URL", name, version)
	}
	data, err := n.get(ctx, v.Dist.Tarball, maxTarball)
	if err != nil {
		return nil, fmt.Errorf("npm:%s@%s: %w", name, version, err)
	}
	if want, ok := strings.CutPrefix(v.Dist.Integrity, "sha512-"); ok {
		sum := sha512.Sum512(data)
		if base64.StdEncoding.EncodeToString(sum[:]) != want {
			return nil, fmt.Errorf("npm:%s@%s: tarball does not match the registry's integrity hash", name, version)
		}
	}
	return data, nil
}

func (n *NPM) get(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	c := n.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("GET %s: response larger than %d bytes", u, limit)
	}
	return body, nil
}
