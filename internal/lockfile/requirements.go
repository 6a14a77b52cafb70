package lockfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"customs/internal/ecosystem"
)

// requirements.txt is pip's own line format (options, continuations,
// includes, PEP 508 lines, VCS and URL lines); no maintained Go library
// parses it, so it is read here line by line.

// maxIncludeDepth bounds "-r" chains; cycles are cut by a visited set too.
const maxIncludeDepth = 16

func parseRequirements(c *collector, fsys fs.FS, data []byte) error {
	r := requirementsReader{c: c, fsys: fsys, visited: map[string]bool{c.file: true}}
	return r.read(c.file, data, 0)
}

type requirementsReader struct {
	c       *collector
	fsys    fs.FS
	visited map[string]bool
}

func (r *requirementsReader) read(file string, data []byte, depth int) error {
	s := lineScanner{data: data}
	for s.next() {
		start := s.n
		line := string(s.line)
		// A trailing backslash continues the requirement on the next line.
		for strings.HasSuffix(line, `\`) && s.next() {
			line = strings.TrimSuffix(line, `\`) + " " + string(s.line)
		}
		line = strings.TrimSpace(stripRequirementComment(line))
		if line == "" {
			continue
		}
		if err := r.line(file, start, line, depth); err != nil {
			return fmt.Errorf("line %d: %w", start, err)
		}
	}
	return nil
}

// stripRequirementComment drops a "#" comment that starts the line or
// follows whitespace (a "#" inside a URL, as in "#egg=", is not one).
func stripRequirementComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

func (r *requirementsReader) line(file string, n int, line string, depth int) error {
	if strings.HasPrefix(line, "-") {
		opt, arg := splitOption(line)
		switch opt {
		case "-r", "--requirement":
			return r.include(file, arg, depth)
		case "-e", "--editable":
			return r.requirement(file, n, arg, "")
		}
		return nil // -c constraints, index options, --hash, --no-binary, ...: not packages
	}
	// Per-requirement options (--hash=..., --config-settings) follow the
	// requirement on the same logical line.
	req, hashes := line, ""
	if i := strings.Index(line, " --"); i >= 0 {
		req, hashes = line[:i], line[i:]
	}
	return r.requirement(file, n, strings.TrimSpace(req), firstHash(hashes))
}

// splitOption splits "-r file", "-rfile", "--requirement=file".
func splitOption(line string) (opt, arg string) {
	if strings.HasPrefix(line, "--") {
		opt, arg, _ = strings.Cut(line, "=")
		if o, a, ok := strings.Cut(opt, " "); ok {
			opt, arg = o, a
		}
		return opt, strings.TrimSpace(arg)
	}
	if len(line) < 2 {
		return line, ""
	}
	return line[:2], strings.TrimSpace(line[2:])
}

var hashRe = regexp.MustCompile(`--hash[= ]([a-z0-9]+:[0-9a-fA-F]+)`)

func firstHash(opts string) string {
	if m := hashRe.FindStringSubmatch(opts); m != nil {
		return m[1]
	}
	return ""
}

func (r *requirementsReader) include(file, target string, depth int) error {
	if target == "" {
		return errors.New("-r without a file name")
	}
	if r.fsys == nil {
		return fmt.Errorf("-r %s: includes can only be followed when reading from a filesystem", target)
	}
	if depth >= maxIncludeDepth {
		return fmt.Errorf("-r %s: includes nested deeper than %d", target, maxIncludeDepth)
	}
	name := path.Join(path.Dir(file), target)
	if r.visited[name] {
		return nil // an include cycle adds nothing new
	}
	r.visited[name] = true
	data, err := readBounded(r.fsys, name)
	if err != nil {
		return fmt.Errorf("-r %s: %w", target, err)
	}
	if err := r.read(name, data, depth+1); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

var (
	pep508NameRe = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?`)
	exactPinRe   = regexp.MustCompile(`^\s*===?\s*([A-Za-z0-9][A-Za-z0-9._+!-]*)\s*$`)
	eggRe        = regexp.MustCompile(`[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)`)
)

// requirement records one requirement specifier, editable target or URL.
func (r *requirementsReader) requirement(file string, line int, spec, hash string) error {
	d := Dependency{Ecosystem: PyPI, File: file, Line: line, Integrity: hash, Source: SourceRegistry}
	if isURLRequirement(spec) {
		m := eggRe.FindStringSubmatch(spec)
		if m == nil {
			return nil // a bare archive URL names no project
		}
		d.Name, d.Source, d.Resolved = ecosystem.NormalizeName(ecosystem.PyPI, m[1]), urlSource(spec), spec
		r.c.add(d)
		return nil
	}
	m := pep508NameRe.FindStringSubmatch(spec)
	if m == nil {
		return nil // a local path (".", "./pkg", "/abs/pkg.whl"): not a published package
	}
	rest := strings.TrimSpace(spec[len(m[0]):])
	if strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "\\") || strings.HasSuffix(m[1], ".whl") ||
		strings.HasSuffix(m[1], ".tar.gz") || strings.HasSuffix(m[1], ".zip") {
		return nil // relative path such as "pkg/sub" or "dist/x.whl"
	}
	d.Name = ecosystem.NormalizeName(ecosystem.PyPI, m[1])
	spec, _, _ = strings.Cut(rest, ";") // environment markers do not change what is pinned
	if url, ok := strings.CutPrefix(strings.TrimSpace(spec), "@"); ok {
		url = strings.TrimSpace(url)
		d.Source, d.Resolved = urlSource(url), url
		r.c.add(d)
		return nil
	}
	spec = strings.Trim(strings.TrimSpace(spec), "()")
	if p := exactPinRe.FindStringSubmatch(spec); p != nil {
		d.Version = p[1]
	}
	r.c.add(d)
	return nil
}

func isURLRequirement(spec string) bool {
	return strings.Contains(spec, "://") && !strings.Contains(strings.SplitN(spec, "://", 2)[0], " ")
}

// urlSource classifies a direct reference: VCS URLs are git, the rest url.
func urlSource(u string) string {
	for _, vcs := range []string{"git+", "hg+", "svn+", "bzr+", "git://"} {
		if strings.HasPrefix(u, vcs) {
			return SourceGit
		}
	}
	return SourceURL
}
