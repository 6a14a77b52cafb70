package lockfile

import (
	"bytes"
	"os"
	"path"
	"strings"
	"testing"

	"customs/internal/ecosystem"
)

// TestCorpusLines: every dependency of every corpus file points at a line
// (for SARIF), and that line names the package.
func TestCorpusLines(t *testing.T) {
	root, entries := corpusIndex(t)
	fsys := os.DirFS(root)
	for _, e := range entries {
		f := ParseFS(fsys, e.path)
		if f.Err != nil {
			t.Errorf("%s: %v", e.path, f.Err)
			continue
		}
		texts := map[string][][]byte{}
		for _, d := range f.Deps {
			if texts[d.File] == nil {
				data, err := os.ReadFile(path.Join(root, d.File))
				if err != nil {
					t.Fatal(err)
				}
				texts[d.File] = bytes.Split(data, []byte("\n"))
			}
			lines := texts[d.File]
			if d.Line < 1 || d.Line > len(lines) {
				t.Errorf("%s: %s %s: line %d out of range 1..%d", d.File, d.Name, d.Version, d.Line, len(lines))
				continue
			}
			if !lineNames(string(lines[d.Line-1]), d) {
				t.Errorf("%s:%d does not name %s %s: %q", d.File, d.Line, d.Name, d.Version, lines[d.Line-1])
			}
		}
	}
}

// lineNames reports whether a line mentions the dependency: its name's last
// segment, compared the way the ecosystem compares names.
func lineNames(line string, d Dependency) bool {
	name := d.Name
	if i := strings.LastIndexAny(name, "/:"); i >= 0 {
		name = name[i+1:]
	}
	if d.Ecosystem == PyPI {
		return strings.Contains(ecosystem.NormalizeName(ecosystem.PyPI, line), ecosystem.NormalizeName(ecosystem.PyPI, name))
	}
	return strings.Contains(line, name)
}
