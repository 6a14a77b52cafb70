package registry

import (
	"bufio"
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"
)

// Endpoints are the registries a project installs from.
type Endpoints struct {
	NPM string // npm registry root, e.g. the value of .npmrc's registry=
	// NPMScopes maps "@scope" to its registry (.npmrc "@scope:registry=").
	NPMScopes map[string]string
	PyPI      string // a PEP 503/691 Simple index root (pip's index-url)
	RubyGems  string // a gem source root
}

// Public registries, used only when the user's configuration names none.
// This is the only place their addresses are written. npm's is not written at
// all: it is npm's own built-in default, asked of the npm CLI (see publicNPM).
var publicDefaults = Endpoints{
	PyPI:     "https://pypi.org/simple",
	RubyGems: "https://rubygems.org",
}

// PublicNPMEnv names the public npm registry when npm's own default should
// not be asked of the npm CLI (no npm installed, or tests).
const PublicNPMEnv = "CUSTOMS_NPM_PUBLIC_REGISTRY"

var npmDefault = sync.OnceValue(func() string {
	// With the user's and the global configuration set aside, npm prints its
	// built-in default registry: the public one.
	// The two configuration paths name files that do not exist (npm refuses
	// to load one file twice, so os.DevNull cannot serve for both).
	empty, err := os.MkdirTemp("", "customs-npm")
	if err != nil {
		return ""
	}
	defer os.RemoveAll(empty)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "config", "get", "registry",
		"--userconfig", filepath.Join(empty, "npmrc"), "--globalconfig", filepath.Join(empty, "global-npmrc"))
	cmd.Env = withoutNPMConfig(os.Environ())
	out, err := cmd.Output()
	if v := strings.TrimSpace(string(out)); err == nil && isHTTPURL(v) {
		return strings.TrimRight(v, "/")
	}
	return ""
})

// withoutNPMConfig drops npm_config_* variables, which would override the
// default npm is asked for.
func withoutNPMConfig(env []string) []string {
	kept := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(strings.ToLower(kv), "npm_config_") {
			kept = append(kept, kv)
		}
	}
	return kept
}

// publicNPM is the public npm registry: $CUSTOMS_NPM_PUBLIC_REGISTRY, else
// npm's built-in default; "" when neither is available.
func publicNPM() string {
	if v := os.Getenv(PublicNPMEnv); isHTTPURL(v) {
		return strings.TrimRight(v, "/")
	}
	return npmDefault()
}

// PublicEndpoints are the public registries themselves, for the checks whose
// question is "is this on the public registry?" (dependency confusion).
func PublicEndpoints() Endpoints {
	e := publicDefaults
	e.NPM = publicNPM()
	return e
}

// publicHosts are the hosts that serve the public PyPI and RubyGems
// registries' metadata and files, to recognise a lockfile URL that points at
// them; npm's is the public npm registry's host (PublicHosts).
var publicHosts = map[string][]string{
	"pypi":     {"pypi.org", "files.pythonhosted.org", "pypi.python.org"},
	"rubygems": {"rubygems.org", "index.rubygems.org"},
}

// PublicHosts returns the hosts of an ecosystem's public registry
// ("npm", "pypi" or "rubygems", any case).
func PublicHosts(eco string) []string {
	eco = strings.ToLower(eco)
	if eco != "npm" {
		return publicHosts[eco]
	}
	if u, err := url.Parse(publicNPM()); err == nil && u.Hostname() != "" {
		return []string{strings.ToLower(u.Hostname())}
	}
	return nil
}

// Env looks up an environment variable (os.Getenv in production, a map in tests).
type Env func(string) string

// DiscoverEndpoints reads the registries the user's tools would use for a
// project in dir, in the tools' own order of precedence:
//
//	npm:  $NPM_CONFIG_REGISTRY, dir/.npmrc, ~/.npmrc          (registry=, @scope:registry=)
//	pip:  $PIP_INDEX_URL, $PIP_CONFIG_FILE, $XDG_CONFIG_HOME/pip/pip.conf,
//	      ~/.config/pip/pip.conf, ~/.pip/pip.conf                     (index-url)
//	gems: $RUBYGEMS_HOST or $GEM_HOST, dir/Gemfile source, ~/.gemrc :sources:
//
// and falls back to the public registries. Credentials are never read.
func DiscoverEndpoints(dir, home string, env Env) Endpoints {
	if env == nil {
		env = os.Getenv
	}
	e := Endpoints{NPMScopes: map[string]string{}}
	// npm: later files have lower precedence, so read home first and let the project override.
	for _, f := range []string{filepath.Join(home, ".npmrc"), filepath.Join(dir, ".npmrc")} {
		if home == "" && f == ".npmrc" {
			continue
		}
		readNpmrc(f, &e)
	}
	for _, k := range []string{"NPM_CONFIG_REGISTRY", "npm_config_registry"} {
		if v := env(k); v != "" {
			e.NPM = v
			break
		}
	}
	// pip
	if v := env("PIP_INDEX_URL"); v != "" {
		e.PyPI = v
	} else {
		files := []string{env("PIP_CONFIG_FILE")}
		if xdg := env("XDG_CONFIG_HOME"); xdg != "" {
			files = append(files, filepath.Join(xdg, "pip", "pip.conf"))
		}
		if home != "" {
			files = append(files, filepath.Join(home, ".config", "pip", "pip.conf"), filepath.Join(home, ".pip", "pip.conf"))
		}
		for _, f := range files {
			if v := readPipIndex(f); v != "" {
				e.PyPI = v
				break
			}
		}
	}
	// gems
	for _, k := range []string{"RUBYGEMS_HOST", "GEM_HOST"} {
		if v := env(k); v != "" && e.RubyGems == "" {
			e.RubyGems = v
		}
	}
	if e.RubyGems == "" {
		e.RubyGems = readGemfileSource(filepath.Join(dir, "Gemfile"))
	}
	if e.RubyGems == "" && home != "" {
		e.RubyGems = readGemrcSource(filepath.Join(home, ".gemrc"))
	}
	if e.NPM == "" {
		e.NPM = publicNPM()
	}
	if e.PyPI == "" {
		e.PyPI = publicDefaults.PyPI
	}
	if e.RubyGems == "" {
		e.RubyGems = publicDefaults.RubyGems
	}
	e.NPM = strings.TrimRight(e.NPM, "/")
	e.PyPI = strings.TrimRight(e.PyPI, "/")
	e.RubyGems = strings.TrimRight(e.RubyGems, "/")
	return e
}

// readSmall reads a configuration file, ignoring absent or oversized ones.
func readSmall(path string) []byte {
	if path == "" {
		return nil
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > 1<<20 {
		return nil
	}
	b, _ := os.ReadFile(path)
	return b
}

func readNpmrc(path string, e *Endpoints) {
	sc := bufio.NewScanner(bytes.NewReader(readSmall(path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"'`)
		if !isHTTPURL(v) {
			continue
		}
		switch {
		case k == "registry":
			e.NPM = v
		case strings.HasPrefix(k, "@") && strings.HasSuffix(k, ":registry"):
			e.NPMScopes[strings.TrimSuffix(k, ":registry")] = strings.TrimRight(v, "/")
		}
	}
}

// readPipIndex reads index-url from the [global] (or [install]) section of
// a pip configuration file.
func readPipIndex(path string) string {
	section := ""
	found := ""
	sc := bufio.NewScanner(bytes.NewReader(readSmall(path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.ToLower(strings.Trim(line, "[] "))
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || (section != "global" && section != "install") {
			continue
		}
		if k := strings.ToLower(strings.TrimSpace(k)); k == "index-url" || k == "index_url" {
			if v = strings.TrimSpace(v); isHTTPURL(v) && (found == "" || section == "install") {
				found = v
			}
		}
	}
	return found
}

var gemfileSource = regexp.MustCompile(`(?m)^\s*source\s*\(?\s*["']([^"']+)["']`)

func readGemfileSource(path string) string {
	if m := gemfileSource.FindSubmatch(readSmall(path)); m != nil && isHTTPURL(string(m[1])) {
		return string(m[1])
	}
	return ""
}

func readGemrcSource(path string) string {
	var rc struct {
		Sources []string `yaml:":sources"`
	}
	if err := yaml.Unmarshal(readSmall(path), &rc); err != nil {
		return ""
	}
	for _, s := range rc.Sources {
		if isHTTPURL(s) {
			return s
		}
	}
	return ""
}

func isHTTPURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// NPMRegistryFor picks the registry of a package, honouring scoped registries.
func (e Endpoints) NPMRegistryFor(name string) string {
	if strings.HasPrefix(name, "@") {
		if scope, _, ok := strings.Cut(name, "/"); ok {
			if r, ok := e.NPMScopes[scope]; ok {
				return r
			}
		}
	}
	return e.NPM
}
