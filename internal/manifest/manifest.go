// Package manifest reads labelled corpus manifests: tab-separated files with
// the header "path label ecosystem cluster", as the shared corpus and the
// benign corpus's fetch write them, and the install-scripts.txt beside them.
// customs eval and the corpus tests of every package read them through it.
package manifest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"customs/internal/ecosystem"
)

// Labels a manifest row may carry.
const (
	LabelMalicious = "malicious"
	LabelBenign    = "benign"
)

// Row is one labelled target of a manifest.
type Row struct {
	Path      string `json:"path"` // as written in the manifest
	Target    string `json:"-"`    // Path resolved against the manifest's folder
	Label     string `json:"label"`
	Ecosystem string `json:"ecosystem"`
	Cluster   string `json:"cluster"` // campaign (malware) or package (benign)
}

var (
	columns = []string{"path", "label", "ecosystem", "cluster"}
)

// maxLine bounds one manifest line; real rows are a few hundred bytes.
const maxLine = 64 << 10

// Read reads a tab-separated manifest with the header
// "path label ecosystem cluster" (in any column order, extra columns
// ignored). Paths are relative to the manifest's folder. Blank lines and
// lines starting with # are skipped. Errors name the file and line.
func Read(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := parse(f, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s:%w", path, err)
	}
	return rows, nil
}

// parse parses a manifest; its errors start with the line number.
func parse(r io.Reader, dir string) ([]Row, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	var (
		rows   []Row
		col    map[string]int
		header []string
		line   int
	)
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if col == nil {
			col = map[string]int{}
			for i, h := range fields {
				col[strings.TrimSpace(h)] = i
			}
			for _, c := range columns {
				if _, ok := col[c]; !ok {
					return nil, fmt.Errorf("%d: header lacks column %q (want tab-separated %s)", line, c, strings.Join(columns, ", "))
				}
			}
			header = fields
			continue
		}
		if len(fields) != len(header) {
			return nil, fmt.Errorf("%d: %d columns, header has %d", line, len(fields), len(header))
		}
		row := Row{
			Path:      fields[col["path"]],
			Label:     fields[col["label"]],
			Ecosystem: fields[col["ecosystem"]],
			Cluster:   fields[col["cluster"]],
		}
		switch {
		case row.Path == "" || strings.ContainsRune(row.Path, 0):
			return nil, fmt.Errorf("%d: empty or invalid path", line)
		case filepath.IsAbs(row.Path):
			return nil, fmt.Errorf("%d: path %q is absolute; paths are relative to the manifest's folder", line, row.Path)
		case row.Label != LabelMalicious && row.Label != LabelBenign:
			return nil, fmt.Errorf("%d: label %q: want malicious or benign", line, row.Label)
		case !slices.Contains(ecosystem.All, ecosystem.Ecosystem(row.Ecosystem)):
			return nil, fmt.Errorf("%d: ecosystem %q: want pypi, npm or rubygems", line, row.Ecosystem)
		case row.Cluster == "":
			return nil, fmt.Errorf("%d: empty cluster", line)
		}
		row.Target = filepath.Join(dir, filepath.FromSlash(row.Path))
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%d: %w", line+1, err)
	}
	if col == nil {
		return nil, fmt.Errorf("%d: no header line", max(line, 1))
	}
	return rows, nil
}

// Sample keeps about n rows, every k-th one, so that a short run still
// spans the whole manifest (its clusters and ecosystems) rather than its
// first rows. n <= 0 or n >= len(rows) keeps them all.
func Sample(rows []Row, n int) []Row {
	if n <= 0 || n >= len(rows) {
		return rows
	}
	k := (len(rows) + n - 1) / n
	var out []Row
	for i := 0; i < len(rows); i += k {
		out = append(out, rows[i])
	}
	return out
}

// InstallScripts reads install-scripts.txt written by the benign
// corpus's fetch beside a manifest: "path<TAB>name@version<TAB>what" rows
// after # comments. It returns the resolved targets with their description;
// a missing file is no error.
func InstallScripts(manifest string) (map[string]string, error) {
	dir := filepath.Dir(manifest)
	path := filepath.Join(dir, "install-scripts.txt")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		text := strings.TrimRight(string(line), "\r")
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.SplitN(text, "\t", 3)
		if len(fields) < 2 || fields[0] == "" || filepath.IsAbs(fields[0]) {
			return nil, fmt.Errorf("%s:%d: want path<TAB>name@version<TAB>what", path, i+1)
		}
		what := fields[1]
		if len(fields) == 3 {
			what += " (" + fields[2] + ")"
		}
		out[filepath.Join(dir, filepath.FromSlash(fields[0]))] = what
	}
	return out, nil
}

// ReadAll reads manifests in order and the install-script lists
// beside them (install-scripts.txt, as the benign corpus's fetch writes).
func ReadAll(paths []string) ([]Row, map[string]string, error) {
	var rows []Row
	scripts := map[string]string{}
	for _, p := range paths {
		rs, err := Read(p)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, rs...)
		known, err := InstallScripts(p)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range known {
			scripts[k] = v
		}
	}
	return rows, scripts, nil
}
