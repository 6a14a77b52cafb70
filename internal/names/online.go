package names

import (
	"context"
	"errors"

	"customs/internal/advisory"
	"customs/internal/registry"
)

// Online answers PublicLookup from a registry (PyPI's Simple/JSON API, the
// npm packument, the RubyGems API) through a registry.Client, which brings
// the timeouts, retries and on-disk cache. For dependency confusion the
// client should point at the public registries (registry.PublicEndpoints).
type Online struct{ Client *registry.Client }

func (o Online) Versions(ctx context.Context, eco Ecosystem, name string) ([]string, error) {
	reco := advisory.OSV(eco)
	if reco == "" {
		return nil, errors.New("unknown ecosystem " + string(eco))
	}
	p, err := o.Client.Package(ctx, reco, name)
	if errors.Is(err, registry.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if p.Unpublished && len(p.Versions) == 0 {
		return nil, nil // the name is held, with nothing to install
	}
	out := make([]string, 0, len(p.Versions))
	for _, v := range p.Versions {
		out = append(out, v.Version)
	}
	return out, nil
}
