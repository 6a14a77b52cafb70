package diff

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"customs/internal/advisory"
	"customs/internal/ecosystem"
	"customs/internal/registry"
)

// maxArchive bounds a downloaded package file.
const maxArchive = 256 << 20

// Registry is the Fetcher over internal/registry: the same clients, cache
// and configured endpoints as `customs scan`.
type Registry struct {
	Client *registry.Client
}

func (r Registry) version(ctx context.Context, eco, name, version string) (*registry.Version, error) {
	p, err := r.pkg(ctx, eco, name)
	if err != nil {
		return nil, err
	}
	v, ok := p.Find(version)
	if !ok {
		return nil, fmt.Errorf("%s:%s@%s: no such version in the registry", eco, name, version)
	}
	return v, nil
}

func (r Registry) pkg(ctx context.Context, eco, name string) (*registry.Package, error) {
	ae := advisory.OSV(ecosystem.Ecosystem(eco))
	if ae == "" {
		return nil, fmt.Errorf("%s:%s: unsupported ecosystem", eco, name)
	}
	p, err := r.Client.Package(ctx, ae, name)
	if err != nil {
		return nil, fmt.Errorf("%s:%s: %w", eco, name, err)
	}
	return p, nil
}

// Versions lists the versions oldest first, leaving out yanked ones (no one
// trusts a yanked version).
func (r Registry) Versions(ctx context.Context, eco, name string) ([]string, error) {
	p, err := r.pkg(ctx, eco, name)
	if err != nil {
		return nil, err
	}
	var vs []string
	for _, v := range p.Versions {
		if !v.Yanked {
			vs = append(vs, v.Version)
		}
	}
	return vs, nil
}

// Info returns who may publish, who did and whether the build is attested.
func (r Registry) Info(ctx context.Context, eco, name, version string) (*RegistryInfo, error) {
	v, err := r.version(ctx, eco, name, version)
	if err != nil {
		return nil, err
	}
	return &RegistryInfo{Maintainers: v.Maintainers, Publisher: v.Publisher, Provenance: v.Provenance}, nil
}

// Archive downloads the version's package file — for PyPI the sdist when
// there is one (it carries setup.py, the install-time hook), else a
// pure-Python wheel; for RubyGems the plain-Ruby gem rather than a
// platform build; else the first file — and checks it against the
// registry's hash.
func (r Registry) Archive(ctx context.Context, eco, name, version string) ([]byte, error) {
	v, err := r.version(ctx, eco, name, version)
	if err != nil {
		return nil, err
	}
	f, ok := pickFile(v.Files, version)
	if !ok {
		return nil, fmt.Errorf("%s:%s@%s: the registry lists no file to download", eco, name, version)
	}
	data, err := r.Client.Download(ctx, f.URL, maxArchive)
	if err != nil {
		return nil, fmt.Errorf("%s:%s@%s: %w", eco, name, version, err)
	}
	if err := checkIntegrity(data, f.Integrity); err != nil {
		return nil, fmt.Errorf("%s:%s@%s: %s: %w", eco, name, version, f.URL, err)
	}
	return data, nil
}

func pickFile(files []registry.File, version string) (registry.File, bool) {
	if len(files) == 0 {
		return registry.File{}, false
	}
	for _, want := range []string{".tar.gz", "-none-any.whl", "-" + version + ".gem"} {
		for _, f := range files {
			if strings.HasSuffix(f.Name, want) {
				return f, true
			}
		}
	}
	return files[0], true
}

// checkIntegrity compares data with an npm SRI ("sha512-<base64>") or a
// "sha256:<hex>" hash; an empty one is accepted (the registry gave none).
func checkIntegrity(data []byte, integrity string) error {
	var got, want string
	switch {
	case integrity == "":
		return nil
	case strings.HasPrefix(integrity, "sha512-"):
		sum := sha512.Sum512(data)
		got, want = base64.StdEncoding.EncodeToString(sum[:]), strings.TrimPrefix(integrity, "sha512-")
	case strings.HasPrefix(integrity, "sha256:"):
		sum := sha256.Sum256(data)
		got, want = hex.EncodeToString(sum[:]), strings.ToLower(strings.TrimPrefix(integrity, "sha256:"))
	default:
		return nil // a hash kind this build does not know; the registry's TLS still applies
	}
	if got != want {
		return fmt.Errorf("does not match the registry's integrity hash")
	}
	return nil
}
