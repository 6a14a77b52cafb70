package inspect

import (
	"bytes"
	"path"
	"regexp"
	"strings"

	"customs/internal/analyze"
	"customs/internal/archive"
	"customs/internal/pkgmeta"
)

// contexts places the files of one package in the context they run in,
// from their paths and the package's own metadata.
type contexts struct {
	meta    pkgmeta.Meta
	install map[string]bool // files run at install time
	entry   map[string]bool // files run on import/require
	// setupFiles are the base names of the Python and shell files setup.py
	// names in string literals ("_postinstall.py" for an importlib loader
	// or an exec(open(...)), "./post.sh" for a subprocess): they run at
	// install time too, a way of keeping the payload out of setup.py
	// itself. Modules setup.py imports are not counted: build
	// configurators (uwsgiconfig, ez_setup) are imported that way and
	// download and compile by design.
	setupFiles map[string]bool
	// testsUsed are test modules the package's own code imports (paths,
	// or "/"-prefixed path suffixes for absolute imports): a payload
	// hidden under tests/ and imported from production code runs there.
	testsUsed *testImports
	// built: a wheel, a gem or an installed tree, where native libraries
	// are expected (an sdist or a source checkout should not hold them).
	built bool
}

// newContexts places the files of the package m read from format;
// setupPy is the text of its setup.py (nil when it has none), tests the
// test modules its own code imports (nil when unknown).
func newContexts(m pkgmeta.Meta, format archive.Format, setupPy []byte, tests *testImports) *contexts {
	c := &contexts{meta: m, install: map[string]bool{}, entry: map[string]bool{}, testsUsed: tests}
	switch m.Ecosystem {
	case pkgmeta.PyPI:
		c.built = format == archive.FormatZip || format == archive.FormatDir
		if !c.built { // only source distributions run setup.py on install
			c.install[m.Root+"setup.py"] = true
			c.setupFiles = setupNamedFiles(setupPy)
		}
	case pkgmeta.NPM:
		for _, cmd := range m.InstallScripts {
			for _, f := range scriptFiles(cmd) {
				c.install[path.Join(m.Root, f)] = true
			}
		}
		if m.Main != "" {
			c.entry[m.Main] = true
			if path.Ext(m.Main) == "" {
				c.entry[m.Main+".js"] = true
				c.entry[m.Main+"/index.js"] = true
			}
		}
		for _, e := range m.Exports {
			c.entry[e] = true
		}
	case pkgmeta.RubyGems:
		for _, e := range m.Extensions {
			c.install[path.Join(m.Root, e)] = true
		}
		c.entry[path.Join(m.Root, "lib", m.Name+".rb")] = true
		c.built = true
	}
	return c
}

// setupNamedFiles finds the Python and shell files setup.py names in
// string literals. It looks for each literal's end (.py" or .sh', say) and
// walks back to its opening quote instead of running a regular
// expression: malware setup.py files run to megabytes of encoded payload,
// where a regexp's automaton costs more than everything else inspect does
// with the file.
func setupNamedFiles(setupPy []byte) map[string]bool {
	files := map[string]bool{}
	for _, ext := range []string{".py", ".sh", ".bat", ".cmd", ".ps1"} {
		namedFiles(setupPy, ext, files)
	}
	return files
}

// namedFiles adds to files the base names of the string literals in code
// that end in ext.
func namedFiles(code []byte, ext string, files map[string]bool) {
	for rest, n := code, 0; n < 200; n++ {
		i := bytes.Index(rest, []byte(ext))
		if i < 0 {
			break
		}
		end := i + len(ext)
		if end < len(rest) && (rest[end] == '"' || rest[end] == '\'') {
			start := i
			for start > 0 && i-start < 200 && isPathByte(rest[start-1]) {
				start--
			}
			if start > 0 && rest[start-1] == rest[end] && start < i {
				// Named alone, __init__.py could be any package's (setup.py
				// often reads one for the version); setup.py itself is known.
				if base := path.Base(string(rest[start:end])); base != "setup.py" && base != "__init__.py" {
					files[base] = true
				}
			}
		}
		rest = rest[end:]
	}
}

func isPathByte(c byte) bool {
	return c == '_' || c == '.' || c == '/' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// loadedBySetup reports whether file is one of the package's own files
// that setup.py names.
func (c *contexts) loadedBySetup(file string) bool {
	return strings.HasPrefix(file, c.meta.Root) && c.setupFiles[path.Base(file)] && !isLow(file)
}

// testImport matches a Python import from a test package: "from .tests
// import helper", "from pkg.tests.helper import x".
var testImport = regexp.MustCompile(`(?m)^[ \t]*from[ \t]+(\.*)([\w.]*\btest(?:s|ing)?\b[\w.]*)[ \t]+import[ \t]+\(?([\w \t,]+)`)

// testImports collects the test modules that a package's own (non-test)
// Python code imports.
type testImports struct {
	paths    map[string]bool // resolved relative imports
	suffixes []string        // absolute imports, matched as path suffixes
}

// add records the test modules file imports. The regular expression only
// sees the lines that hold "test" and start with "from": running it over
// every module would cost more than the rest of inspect on large ones.
func (t *testImports) add(file string, data []byte) {
	if !strings.HasSuffix(file, ".py") {
		return
	}
	for rest, n := data, 0; n < 50; {
		i := bytes.Index(rest, []byte("test"))
		if i < 0 {
			return
		}
		lo := bytes.LastIndexByte(rest[:i], '\n') + 1
		hi := len(rest)
		if j := bytes.IndexByte(rest[i:], '\n'); j >= 0 {
			hi = i + j
		}
		if line := rest[lo:hi]; bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte("from")) {
			if g := testImport.FindSubmatch(line); g != nil {
				t.addImport(file, g)
				n++
			}
		}
		rest = rest[hi:]
	}
}

// addImport records the modules one "from ... import ..." line names.
func (t *testImports) addImport(file string, g [][]byte) {
	mod := strings.ReplaceAll(string(g[2]), ".", "/")
	var names []string
	for n := range strings.SplitSeq(string(g[3]), ",") {
		if f := strings.Fields(n); len(f) > 0 { // "helper as h"
			names = append(names, f[0])
		}
	}
	cands := []string{mod + ".py", mod + "/__init__.py"}
	for _, n := range names {
		cands = append(cands, mod+"/"+n+".py")
	}
	if dots := len(g[1]); dots > 0 {
		dir := path.Dir(file)
		for range dots - 1 {
			dir = path.Dir(dir)
		}
		if t.paths == nil {
			t.paths = map[string]bool{}
		}
		for _, c := range cands {
			t.paths[path.Join(dir, c)] = true
		}
		return
	}
	for _, c := range cands {
		t.suffixes = append(t.suffixes, "/"+c)
	}
}

func (t *testImports) has(file string) bool {
	if t == nil {
		return false
	}
	if t.paths[file] {
		return true
	}
	for _, s := range t.suffixes {
		if strings.HasSuffix(file, s) || file == s[1:] {
			return true
		}
	}
	return false
}

// scriptRef finds the files a shell command runs: "node install.js",
// "node ./scripts/post.js", "sh setup.sh", "python x.py" and
// require('./postinstall') inside node -e.
var scriptRef = regexp.MustCompile(`(?:^|[\s'"(=])(\.{0,2}/?[\w@./-]+\.(?:c?js|mjs|sh|py))\b|require\(\s*['"](\.{1,2}/[\w@./-]+)['"]\s*\)`)

func scriptFiles(cmd string) []string {
	var out []string
	for _, m := range scriptRef.FindAllStringSubmatch(cmd, 8) {
		f := m[1]
		if f == "" {
			f = m[2]
			if path.Ext(f) == "" {
				f += ".js"
			}
		}
		if f = path.Clean(f); !strings.HasPrefix(f, "..") && !path.IsAbs(f) {
			out = append(out, f)
		}
	}
	return out
}

// lowDirs hold code nobody runs when using the package: tests, docs,
// examples, benchmarks, vendored dependencies, CI configuration.
var lowDirs = map[string]bool{
	"test": true, "tests": true, "__tests__": true, "testing": true, "spec": true, "specs": true,
	"doc": true, "docs": true, "example": true, "examples": true, "demo": true, "demos": true,
	"benchmark": true, "benchmarks": true, "bench": true, "fixtures": true, "__fixtures__": true,
	"__mocks__": true, "node_modules": true, "vendor": true, "third_party": true, "bower_components": true,
	// CI configuration runs on the maintainers' CI, never where the package is installed.
	".github": true, ".circleci": true, ".gitlab": true, ".buildkite": true, ".azure-pipelines": true,
}

// role is the context a file runs in.
func (c *contexts) role(file string) analyze.Role {
	if c.install[file] || c.loadedBySetup(file) {
		return analyze.RoleInstall
	}
	base := path.Base(file)
	if strings.HasSuffix(base, ".pth") && c.meta.Ecosystem != pkgmeta.NPM {
		return analyze.RoleInstall
	}
	if c.meta.Ecosystem == pkgmeta.RubyGems && (base == "extconf.rb" || strings.Contains(file, "ext/") && (base == "Rakefile" || base == "mkrf_conf.rb")) {
		return analyze.RoleInstall
	}
	if c.entry[file] {
		return analyze.RoleImport
	}
	if c.meta.Ecosystem != pkgmeta.RubyGems && shellScript(base) {
		// Neither pip nor npm runs a shell script by itself: only setup.py
		// or an install script (counted above) or the package's own code,
		// whose call is weighed where it is, can.
		return analyze.RoleLow
	}
	if isLow(file) {
		if c.testsUsed.has(file) {
			return analyze.RoleCode
		}
		return analyze.RoleLow
	}
	if strings.HasPrefix(base, "__init__") && strings.HasSuffix(base, ".py") {
		return analyze.RoleImport
	}
	if c.meta.Ecosystem == pkgmeta.PyPI && !c.built && base == "setup.py" && strings.Count(file, "/") <= 1 {
		// setup.py files in odd layouts (nested roots) still run on install.
		return analyze.RoleInstall
	}
	return analyze.RoleCode
}

// shellScript reports the shell, batch and PowerShell scripts that Python
// packages carry for building, CI and development.
func shellScript(base string) bool {
	switch strings.ToLower(path.Ext(base)) {
	case ".sh", ".bash", ".bat", ".cmd", ".ps1":
		return true
	}
	return false
}

// bootstrapScripts are the setuptools and buildout bootstrap scripts.
var bootstrapScripts = map[string]bool{"ez_setup.py": true, "distribute_setup.py": true, "bootstrap.py": true, "bootstrap-buildout.py": true}

func isLow(file string) bool {
	dir := path.Dir(file)
	for dir != "." && dir != "/" && dir != "" {
		if lowDirs[strings.ToLower(path.Base(dir))] {
			return true
		}
		dir = path.Dir(dir)
	}
	base := strings.ToLower(path.Base(file))
	switch {
	case (strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.py")) && strings.HasSuffix(base, ".py"):
		// A test-named module directly in a top-level package (no test
		// directory) can be imported like any other module: only deeper
		// ones are taken for tests.
		return strings.Count(file, "/") > 2
	case bootstrapScripts[base] && strings.Count(file, "/") <= 1:
		// Copied verbatim into old sdists beside setup.py; they download
		// and run setuptools or buildout when a developer asks them to.
		return true
	case base == "conftest.py", base == "runtests.py",
		strings.HasSuffix(base, ".test.js"), strings.HasSuffix(base, ".spec.js"),
		strings.HasSuffix(base, ".test.ts"), strings.HasSuffix(base, ".spec.ts"),
		strings.HasSuffix(base, ".min.js"), strings.HasSuffix(base, "-min.js"),
		strings.HasSuffix(base, ".bundle.js"), strings.HasSuffix(base, ".umd.js"):
		return true
	}
	return false
}
