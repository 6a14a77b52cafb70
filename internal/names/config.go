package names

import (
	"fmt"
	"os"
	"strings"

	"customs/internal/ecosystem"
	"customs/internal/policy"
)

// ConfigFromPolicy builds a Config from a policy (nil: none), the local
// cache and extra name lists given as "ECOSYSTEM=FILE" (--names-data).
// The policy's names_data lists come first, then the extra ones.
func ConfigFromPolicy(p *policy.Policy, namesData []string) (Config, error) {
	cfg := Config{Extra: map[Ecosystem][]*List{}, Allow: map[Ecosystem][]string{}, Internal: map[Ecosystem][]string{}}
	if d, err := CacheDir(); err == nil {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			cfg.CacheDir = d
		}
	}
	var specs [][2]string // ecosystem, file
	if p != nil {
		for eco, list := range p.Allow {
			cfg.Allow[Ecosystem(eco)] = list
		}
		for eco, list := range p.Internal {
			cfg.Internal[Ecosystem(eco)] = list
		}
		for eco := range p.NamesData {
			specs = append(specs, [2]string{eco, p.NamesDataPath(eco)})
		}
	}
	for _, s := range namesData {
		eco, file, ok := strings.Cut(s, "=")
		if !ok || file == "" {
			return cfg, fmt.Errorf("--names-data %q: want ECOSYSTEM=FILE", s)
		}
		specs = append(specs, [2]string{eco, file})
	}
	for _, s := range specs {
		eco, err := ecosystem.Parse(s[0])
		if err != nil {
			return cfg, fmt.Errorf("names data %s: %w", s[1], err)
		}
		l, err := ReadListFile(s[1])
		if err != nil {
			return cfg, err
		}
		cfg.Extra[eco] = append(cfg.Extra[eco], l)
	}
	return cfg, nil
}

// ReadListFile reads a name list (see ParseList) from a file; errors name
// the file.
func ReadListFile(path string) (*List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l, err := ParseList(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(l.Entries) == 0 {
		return nil, fmt.Errorf("%s: no names in the list", path)
	}
	return l, nil
}
