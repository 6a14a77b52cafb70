package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseManifest(t *testing.T) {
	in := "# comment\npath\tlabel\tecosystem\tcluster\n" +
		"pypi/a/1/a-1.tar.gz\tmalicious\tpypi\tc0001-x\r\n" +
		"\n" +
		"npm/b.tgz\tbenign\tnpm\tb\n"
	rows, err := parse(strings.NewReader(in), "base")
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Path: "pypi/a/1/a-1.tar.gz", Target: filepath.Join("base", "pypi", "a", "1", "a-1.tar.gz"), Label: "malicious", Ecosystem: "pypi", Cluster: "c0001-x"},
		{Path: "npm/b.tgz", Target: filepath.Join("base", "npm", "b.tgz"), Label: "benign", Ecosystem: "npm", Cluster: "b"},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Fatalf("rows (-want +got):\n%s", d)
	}
}

func TestParseManifestColumnOrderFromHeader(t *testing.T) {
	rows, err := parse(strings.NewReader("cluster\tecosystem\tlabel\tpath\textra\nc\trubygems\tbenign\tdebian/ruby-x\tz\n"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Path != "debian/ruby-x" || rows[0].Ecosystem != "rubygems" || rows[0].Cluster != "c" {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestParseManifestErrorsNameTheLine(t *testing.T) {
	const header = "path\tlabel\tecosystem\tcluster\n"
	for _, c := range []struct{ in, want string }{
		{"", "1: no header line"},
		{"path\tlabel\tcluster\n", `1: header lacks column "ecosystem"`},
		{header + "a\tbenign\tnpm\n", "2: 3 columns, header has 4"},
		{header + "a\tok\tnpm\tc\n", `2: label "ok": want malicious or benign`},
		{header + "a\tbenign\tcargo\tc\n", `2: ecosystem "cargo"`},
		{header + "a\tbenign\tnpm\t\n", "2: empty cluster"},
		{header + "\tbenign\tnpm\tc\n", "2: empty or invalid path"},
		{header + "/etc/passwd\tbenign\tnpm\tc\n", `2: path "/etc/passwd" is absolute`},
		{header + strings.Repeat("x", maxLine+1) + "\n", "2: bufio.Scanner: token too long"},
	} {
		_, err := parse(strings.NewReader(c.in), ".")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("parse(%.40q) error = %v, want prefix %q", c.in, err, c.want)
		}
	}
}

func TestReadAllNamesFileAndReadsInstallScripts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	m := write("manifest.tsv", "path\tlabel\tecosystem\tcluster\nnpm/x.tgz\tbenign\tnpm\tx\n")
	write("install-scripts.txt", "# header\n# path\tname@version\twhat\nnpm/x.tgz\tx@1.0.0\tpostinstall: node install.js\n")
	rows, scripts, err := ReadAll([]string{m})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || scripts[rows[0].Target] != "x@1.0.0 (postinstall: node install.js)" {
		t.Fatalf("rows %+v, install scripts %+v", rows, scripts)
	}
	bad := write("bad.tsv", "path\tlabel\tecosystem\tcluster\nx\tbenign\tnpm\n")
	if _, _, err := ReadAll([]string{bad}); err == nil || !strings.HasPrefix(err.Error(), bad+":2: ") {
		t.Fatalf("error = %v, want it to start with %s:2:", err, bad)
	}
}

func TestSampleSpansTheManifest(t *testing.T) {
	var rows []Row
	for i := range 10 {
		rows = append(rows, Row{Path: string(rune('a' + i))})
	}
	var got []string
	for _, r := range Sample(rows, 4) {
		got = append(got, r.Path)
	}
	if d := cmp.Diff([]string{"a", "d", "g", "j"}, got); d != "" {
		t.Errorf("Sample(10 rows, 4) (-want +got):\n%s", d)
	}
	if len(Sample(rows, 0)) != 10 || len(Sample(rows, 50)) != 10 {
		t.Error("Sample with n 0 or n >= rows must keep every row")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("path\tlabel\tecosystem\tcluster\na\tbenign\tnpm\tc\n")
	f.Add("cluster\tpath\tlabel\tecosystem\nc\t../x\tmalicious\tpypi\n")
	f.Add("path\tlabel\tecosystem\tcluster\n\x00\tbenign\tnpm\tc\n")
	f.Add("#\n\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := parse(strings.NewReader(in), "d")
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Path == "" || filepath.IsAbs(r.Path) || r.Cluster == "" ||
				(r.Label != LabelBenign && r.Label != LabelMalicious) {
				t.Fatalf("accepted an invalid row %+v", r)
			}
		}
	})
}
