package names

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditInstallers(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	writeFiles(t, dir, map[string]string{
		"requirements-dev.txt": "pytest\n--extra-index-url https://pypi.acme.internal/simple\nacme-billing==1.0\n",
		".npmrc":               "registry=https://registry.example/\n@other:registry=https://npm.other/\n",
		"Gemfile":              "source \"https://rubygems.org\"\nsource \"https://gems.acme.internal\"\ngem \"rails\"\n",
		"pyproject.toml": `[project]
dependencies = ["acme-billing>=1", "requests"]
[[tool.uv.index]]
name = "acme"
url = "https://pypi.acme.internal/simple"
`,
	})
	writeFiles(t, home, map[string]string{".config/pip/pip.conf": "[global]\nextra-index-url = https://pypi.acme.internal/simple\n"})
	env := map[string]string{"PIP_EXTRA_INDEX_URL": "https://x/simple"}
	fs, err := AuditInstallers(InstallerSetup{Dir: dir, Home: home, Getenv: func(k string) string { return env[k] },
		Internal: map[Ecosystem][]string{PyPI: {"acme-*"}, NPM: {"@acme/*", "acme-ui"}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		if f.Fix == "" {
			t.Errorf("finding without a fix: %+v", f)
		}
		got = append(got, filepath.Base(f.File)+":"+strconv.Itoa(f.Line)+" "+f.Message)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"requirements-dev.txt:2 extra-index-url",
		"pip.conf:2 extra-index-url",
		"$PIP_EXTRA_INDEX_URL:0 extra-index-url",
		"pyproject.toml:0 internal dependency acme-billing is not pinned",
		"internal scope @acme is not mapped",
		"internal npm name \"acme-ui\" is unscoped",
		"Gemfile:2 2 global source lines",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in\n%s", want, all)
		}
	}
	if strings.Contains(all, "requests is not pinned") {
		t.Error("a public dependency needs no pin")
	}
}

func TestAuditInstallersQuietWhenPinned(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"requirements.txt": "--index-url https://pypi.acme.internal/simple\nacme-billing==1.0\n",
		".npmrc":           "@acme:registry=https://npm.acme.internal/\n",
		"Gemfile":          "source \"https://rubygems.org\"\nsource \"https://gems.acme.internal\" do\n  gem \"acme_auth\"\nend\n",
		"pyproject.toml": `[project]
dependencies = ["acme-billing>=1"]
[[tool.uv.index]]
name = "acme"
url = "https://pypi.acme.internal/simple"
explicit = true
[tool.uv.sources]
acme-billing = { index = "acme" }
`,
	})
	fs, err := AuditInstallers(InstallerSetup{Dir: dir, Internal: map[Ecosystem][]string{PyPI: {"acme-*"}, NPM: {"@acme/*"}}})
	if err != nil || len(fs) != 0 {
		t.Errorf("pinned setup: %v %+v", err, fs)
	}
}

func TestAuditInstallersBadTOML(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"pyproject.toml": "[project\n", "requirements.txt": "--extra-index-url=https://x\n"})
	fs, err := AuditInstallers(InstallerSetup{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "pyproject.toml") {
		t.Errorf("broken pyproject.toml: %v", err)
	}
	if len(fs) != 1 {
		t.Errorf("the audit goes on past a broken file: %+v", fs)
	}
}

func FuzzAuditPyproject(f *testing.F) {
	f.Add([]byte("[project]\ndependencies = [\"acme-x>=1\"]\n[[tool.uv.index]]\nname = \"a\"\nurl = \"https://x\"\n"))
	f.Add([]byte("[tool.poetry.dependencies]\nacme-x = { version = \"1\" }\n[[tool.poetry.source]]\nname = \"a\"\n"))
	f.Add([]byte("[tool.uv]\nextra-index-url = [\"https://x\"]\nsources = 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := auditPyproject("pyproject.toml", b, []string{"acme-*"})
		if err != nil && !strings.Contains(err.Error(), "pyproject.toml") {
			t.Fatalf("error does not name the file: %v", err)
		}
		for _, f := range fs {
			if f.Fix == "" || f.File != "pyproject.toml" {
				t.Fatalf("finding %+v", f)
			}
		}
	})
}
