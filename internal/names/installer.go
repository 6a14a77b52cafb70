package names

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"

	"customs/internal/finding"
	"customs/internal/policy"
)

// InstallerSetup is where AuditInstallers looks: the project, the home
// directory and the environment, and the internal names the policy
// declares.
type InstallerSetup struct {
	Dir      string
	Home     string                 // "" skips the home directory
	Getenv   func(string) string    // nil: no environment
	Internal map[Ecosystem][]string // patterns, as in .customs.yaml
}

// maxConfigBytes bounds one installer configuration file.
const maxConfigBytes = 4 << 20

// AuditInstallers reports installer settings that let a public package
// shadow an internal one: pip's extra index, uv and Poetry indexes that do
// not pin internal packages, .npmrc without the internal scope mapped, and
// Gemfiles with several global sources. Unreadable files are reported as
// errors and the audit goes on.
func AuditInstallers(s InstallerSetup) ([]finding.Finding, error) {
	var out []finding.Finding
	var errs []string
	read := func(path string) []byte {
		b, err := readBounded(path)
		if err != nil && !os.IsNotExist(err) {
			errs = append(errs, err.Error())
		}
		return b
	}
	hasInternal := func(eco Ecosystem) bool { return len(s.Internal[eco]) > 0 }

	// pip
	var pipFiles []string
	pipFiles = append(pipFiles, filepath.Join(s.Dir, "pip.conf"), filepath.Join(s.Dir, "pip.ini"))
	if s.Home != "" {
		pipFiles = append(pipFiles,
			filepath.Join(s.Home, ".pip", "pip.conf"), filepath.Join(s.Home, ".config", "pip", "pip.conf"),
			filepath.Join(s.Home, "pip", "pip.ini"), filepath.Join(s.Home, "AppData", "Roaming", "pip", "pip.ini"))
	}
	reqs, _ := filepath.Glob(filepath.Join(s.Dir, "requirements*.txt"))
	for _, f := range append(pipFiles, reqs...) {
		for _, line := range matchingLines(read(f), extraIndexLine) {
			out = append(out, extraIndexFinding(f, line, hasInternal(PyPI)))
		}
	}
	if s.Getenv != nil {
		for _, v := range []string{"PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL"} {
			if s.Getenv(v) != "" {
				out = append(out, extraIndexFinding("$"+v, 0, hasInternal(PyPI)))
			}
		}
		if st := s.Getenv("UV_INDEX_STRATEGY"); strings.HasPrefix(st, "unsafe") {
			out = append(out, finding.Finding{Rule: RuleInstallerIndex, Severity: finding.High, File: "$UV_INDEX_STRATEGY",
				Message: fmt.Sprintf("UV_INDEX_STRATEGY=%s lets uv take a package from any index, the public one included", finding.Snippet([]byte(st))),
				Fix:     "leave uv's default first-index strategy and pin internal packages to their index"})
		}
	}

	// uv and Poetry in pyproject.toml
	pyproject := filepath.Join(s.Dir, "pyproject.toml")
	if b := read(pyproject); b != nil {
		fs, err := auditPyproject(pyproject, b, s.Internal[PyPI])
		if err != nil {
			errs = append(errs, err.Error())
		}
		out = append(out, fs...)
	}

	// npm
	npmrcs := []string{filepath.Join(s.Dir, ".npmrc")}
	if s.Home != "" {
		npmrcs = append(npmrcs, filepath.Join(s.Home, ".npmrc"))
	}
	mapped := map[string]bool{}
	var npmrcSeen []string
	for _, f := range npmrcs {
		b := read(f)
		if b == nil {
			continue
		}
		npmrcSeen = append(npmrcSeen, f)
		for _, m := range scopeRegistry.FindAllSubmatch(b, -1) {
			mapped[strings.ToLower(string(m[1]))] = true
		}
	}
	for _, pat := range s.Internal[NPM] {
		scope, _, scoped := SplitScope(pat)
		where := strings.Join(npmrcSeen, ", ")
		if where == "" {
			where = "no .npmrc"
		}
		switch {
		case !scoped:
			out = append(out, finding.Finding{Rule: RuleInstallerIndex, Severity: finding.Medium, File: ".customs.yaml",
				Message: fmt.Sprintf("internal npm name %q is unscoped: anyone can publish it on the public registry", pat),
				Fix:     "move internal packages under a scope you own (@yourorg/name) and map it to your registry in .npmrc"})
		case !mapped[strings.ToLower(scope)]:
			out = append(out, finding.Finding{Rule: RuleInstallerIndex, Severity: finding.High, File: where,
				Message: fmt.Sprintf("internal scope @%s is not mapped to a registry: npm fetches it from the public registry", scope),
				Fix:     fmt.Sprintf("add @%s:registry=https://your-registry/ to the project's .npmrc", scope)})
		}
	}

	// Bundler
	for _, f := range []string{filepath.Join(s.Dir, "Gemfile"), filepath.Join(s.Dir, "gems.rb")} {
		lines := matchingLines(read(f), globalSource)
		if len(lines) > 1 {
			out = append(out, finding.Finding{Rule: RuleInstallerIndex, Severity: finding.High, File: f, Line: lines[1],
				Message: fmt.Sprintf("%d global source lines: Bundler may take any gem from any of them", len(lines)),
				Fix:     "keep one global source and put internal gems in a block: source \"https://your-gems\" do … end"})
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

var (
	extraIndexLine = regexp.MustCompile(`^\s*(--extra-index-url|extra-index-url|extra_index_url)\b`)
	// A global source line: nothing after the URL but a comment (a block
	// "source ... do" scopes its gems).
	globalSource  = regexp.MustCompile(`^source\s*\(?\s*["'][^"']*["']\s*\)?\s*(#.*)?$`)
	scopeRegistry = regexp.MustCompile(`(?m)^\s*@([A-Za-z0-9._~-]+):registry\s*=\s*\S`)
)

func extraIndexFinding(file string, line int, internal bool) finding.Finding {
	sev := finding.Medium
	if internal {
		sev = finding.High
	}
	return finding.Finding{Rule: RuleInstallerIndex, Severity: sev, File: file, Line: line,
		Message: "extra-index-url makes pip pick each package from whichever index has the higher version, the public one included (pip documents this as unsafe)",
		Fix:     "use a single index-url that serves both, or uv with internal packages pinned to their index ([tool.uv.sources])"}
}

// matchingLines returns the 1-based numbers of the lines matching re.
func matchingLines(b []byte, re *regexp.Regexp) []int {
	var out []int
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if re.Match(sc.Bytes()) {
			out = append(out, n)
		}
	}
	return out
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxConfigBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxConfigBytes)
	}
	return b, nil
}

type pyprojectIndexes struct {
	Project struct {
		Dependencies []string `toml:"dependencies"`
	} `toml:"project"`
	Tool struct {
		UV struct {
			Index []struct {
				Name     string `toml:"name"`
				URL      string `toml:"url"`
				Explicit bool   `toml:"explicit"`
				Default  bool   `toml:"default"`
			} `toml:"index"`
			ExtraIndexURL []string       `toml:"extra-index-url"`
			IndexStrategy string         `toml:"index-strategy"`
			Sources       map[string]any `toml:"sources"`
		} `toml:"uv"`
		Poetry struct {
			Source []struct {
				Name     string `toml:"name"`
				Priority string `toml:"priority"`
			} `toml:"source"`
			Dependencies map[string]any `toml:"dependencies"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

var reqName = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)`)

// auditPyproject checks uv's and Poetry's index settings: a private index
// helps only if every internal dependency is pinned to it.
func auditPyproject(path string, b []byte, internal []string) ([]finding.Finding, error) {
	var p pyprojectIndexes
	if _, err := toml.Decode(string(b), &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []finding.Finding
	uv := p.Tool.UV
	if len(uv.ExtraIndexURL) > 0 || strings.HasPrefix(uv.IndexStrategy, "unsafe") {
		out = append(out, finding.Finding{Rule: RuleInstallerIndex, Severity: finding.High, File: path,
			Message: "uv is set to merge indexes (extra-index-url or an unsafe index-strategy)",
			Fix:     "declare the private index under [[tool.uv.index]] with explicit = true and pin internal packages in [tool.uv.sources]"})
	}
	internalDep := func(dep string) bool {
		_, ok := policy.Match(internal, dep)
		return ok
	}
	var deps []string
	for _, d := range p.Project.Dependencies {
		if m := reqName.FindStringSubmatch(d); m != nil {
			deps = append(deps, m[1])
		}
	}
	if len(uv.Index) > 0 {
		for _, d := range deps {
			if internalDep(d) && uv.Sources[d] == nil {
				out = append(out, finding.Finding{Rule: RuleInstallerIndex, Severity: finding.High, File: path,
					Message: fmt.Sprintf("internal dependency %s is not pinned to its index in [tool.uv.sources]", d),
					Fix:     fmt.Sprintf("add %s = { index = \"<your index>\" } under [tool.uv.sources], with explicit = true on that index", d)})
			}
		}
	}
	if len(p.Tool.Poetry.Source) > 0 {
		for name, spec := range p.Tool.Poetry.Dependencies {
			m, _ := spec.(map[string]any)
			if internalDep(name) && m["source"] == nil {
				out = append(out, finding.Finding{Rule: RuleInstallerIndex, Severity: finding.High, File: path,
					Message: fmt.Sprintf("internal dependency %s is not pinned to a Poetry source", name),
					Fix:     fmt.Sprintf("write %s = { version = \"…\", source = \"<your source>\" } and give that source priority = \"explicit\"", name)})
			}
		}
	}
	return out, nil
}
