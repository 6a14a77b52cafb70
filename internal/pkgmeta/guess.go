package pkgmeta

import (
	"path"
	"strings"
)

// guesses reads the package identity from names when no metadata file
// does: the common root directory ("name-version/") and the target's own
// name ("name-version.tar.gz", "name-version-py3-none-any.whl", Debian's
// "python3-name").
func (c *Collector) guesses(forced Ecosystem, root string) []candidate {
	eco := forced
	if eco == "" {
		eco = c.guessEcosystem()
	}
	var out []candidate
	add := func(name, version, source string) {
		if name == "" || eco == "" {
			return
		}
		m := Meta{Ecosystem: eco, Name: name, Version: version, Root: root, Source: source}
		out = append(out, candidate{meta: m, rank: rankGuess})
	}
	if root != "" {
		if name, version := splitNameVersion(strings.TrimSuffix(root, "/")); version != "" {
			add(name, version, "root directory name")
		}
	}
	if base := targetBase(c.Target); base != "" {
		name, version, _ := nameFromTarget(base)
		add(name, version, "target name")
	}
	return out
}

// archiveSuffixes are stripped from a target's name, longest first.
var archiveSuffixes = []string{".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".tar", ".zip", ".whl", ".egg", ".gem"}

func targetBase(target string) string {
	base := path.Base(strings.ReplaceAll(target, `\`, "/"))
	if base == "." || base == "/" {
		return ""
	}
	return base
}

// nameFromTarget splits a target's base name into name and version, and
// says which ecosystem its naming convention belongs to ("" when unknown).
func nameFromTarget(base string) (name, version string, eco Ecosystem) {
	lower := strings.ToLower(base)
	for _, suf := range archiveSuffixes {
		if strings.HasSuffix(lower, suf) {
			base = base[:len(base)-len(suf)]
			switch suf {
			case ".whl", ".egg":
				eco = PyPI
				// Wheel names are name-version-python-abi-platform.
				parts := strings.Split(base, "-")
				if len(parts) >= 2 {
					return parts[0], parts[1], eco
				}
			case ".gem":
				eco = RubyGems
			}
			break
		}
	}
	if name, version := splitNameVersion(base); version != "" {
		return name, version, eco
	}
	// Debian library packages: python3-NAME, ruby-NAME, node-NAME.
	for prefix, e := range map[string]Ecosystem{"python3-": PyPI, "ruby-": RubyGems, "node-": NPM} {
		if strings.HasPrefix(base, prefix) && len(base) > len(prefix) {
			return base[len(prefix):], "", e
		}
	}
	return base, "", eco
}

// splitNameVersion splits "name-1.2.3" at the last "-" followed by a digit.
func splitNameVersion(s string) (name, version string) {
	for i := len(s) - 2; i > 0; i-- {
		if s[i] == '-' && s[i+1] >= '0' && s[i+1] <= '9' {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// guessEcosystem infers the ecosystem when no metadata file states it:
// from the target's naming convention, then from the kept build files,
// then from the language most files are written in.
func (c *Collector) guessEcosystem() Ecosystem {
	if base := targetBase(c.Target); base != "" {
		if _, _, eco := nameFromTarget(base); eco != "" {
			return eco
		}
	}
	for p := range c.files {
		switch path.Base(p) {
		case "setup.py", "setup.cfg", "pyproject.toml", "PKG-INFO":
			return PyPI
		}
	}
	py, js, rb := c.langs[0], c.langs[1], c.langs[2]
	switch {
	case py > 0 && py >= js && py >= rb:
		return PyPI
	case js > 0 && js >= rb:
		return NPM
	case rb > 0:
		return RubyGems
	}
	return ""
}
