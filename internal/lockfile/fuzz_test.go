package lockfile

import (
	"bytes"
	"strings"
	"testing"
)

// checkParse parses data under each name and checks what must hold for any
// input: no panic (parse turns one into an "internal parser error", which
// fails here), an error naming the file, or well-formed unique
// dependencies with lines inside the file.
func checkParse(t *testing.T, names []string, data []byte) {
	lines := 1 + bytes.Count(data, []byte("\n"))
	for _, name := range names {
		f, err := Parse(name, data)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "internal parser error") {
				t.Fatalf("%s: %v", name, err)
			}
			if !strings.HasPrefix(msg, name+": ") {
				t.Fatalf("error does not name the file: %q", msg)
			}
			if len(f.Deps) != 0 {
				t.Fatalf("%s: %d dependencies alongside an error", name, len(f.Deps))
			}
			continue
		}
		seen := map[key]bool{}
		for _, d := range f.Deps {
			k := key{d.Ecosystem, d.Name, d.Version}
			switch {
			case d.Name == "" || d.Ecosystem == "":
				t.Fatalf("%s: dependency without name or ecosystem: %+v", name, d)
			case d.Source != SourceRegistry && d.Source != SourceGit && d.Source != SourceURL:
				t.Fatalf("%s: source %q", name, d.Source)
			case seen[k]:
				t.Fatalf("%s: duplicate %v", name, k)
			case d.Line < 0 || d.Line > lines:
				t.Fatalf("%s: line %d outside 0..%d", name, d.Line, lines)
			}
			seen[k] = true
		}
	}
}

func FuzzJSONLockfiles(f *testing.F) {
	for _, seed := range []string{
		`{"lockfileVersion": 3, "packages": {"": {"dependencies": {"a": "^1"}}, "node_modules/a": {"version": "1.0.0", "integrity": "sha512-x"}, "node_modules/a/node_modules/b": {"name": "c", "version": "npm:c@2.0.0", "resolved": "git+https://x/y.git"}}}`,
		`{"lockfileVersion": 1, "dependencies": {"a": {"version": "https://r.example/a/-/a-1.0.0.tgz", "dependencies": {"b": {"version": "npm:c@1.0.0"}}}}}`,
		`{"dependencies": {"a": "1.0.0", "b": "npm:c@2.0.0"}, "devDependencies": {"d": "file:../d"}}`,
		`{"_meta": {}, "default": {"Requests": {"version": "==2.0", "hashes": ["sha256:00"]}}, "develop": {"x": {"git": "https://g"}}}`,
		`{"lockfileVersion": 1, "workspaces": {"": {"dependencies": {"a": "^1",},},}, "packages": {"a": ["a@1.0.0", "", {}, "sha512-x",], "b": ["b@workspace:b"],},}`,
		`{"bomFormat": "CycloneDX", "metadata": {"component": {"bom-ref": "r"}}, "components": [{"bom-ref": "x", "purl": "pkg:npm/%40s/a@1.0.0", "components": [{"purl": "pkg:maven/g/a@1"}]}], "dependencies": [{"ref": "r", "dependsOn": ["x"]}]}`,
		`{"spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "documentDescribes": ["root"], "packages": [{"SPDXID": "p", "versionInfo": "1.0", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:gem/rack@1.0"}]}]}`,
	} {
		f.Add([]byte(seed))
	}
	names := []string{"package-lock.json", "npm-shrinkwrap.json", "package.json", "Pipfile.lock", "bun.lock", "bom.json", "x.spdx.json"}
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, names, data) })
}

func FuzzYarnLock(f *testing.F) {
	f.Add([]byte("# yarn lockfile v1\n\n\"a@^1\", a@~1.0:\n  version \"1.0.0\"\n  resolved \"https://r/a/-/a-1.0.0.tgz\"\n  dependencies:\n    b \"^2\"\n"))
	f.Add([]byte("__metadata:\n  version: 8\n\n\"root@workspace:.\":\n  version: 0.0.0-use.local\n  resolution: \"root@workspace:.\"\n  dependencies:\n    a: \"npm:^1\"\n\n\"a@npm:^1, a@npm:1.0.0\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n  checksum: 10c0/ff\n\n\"a@patch:a@npm%3A^1#~builtin<compat/a>\":\n  version: 1.0.0\n  resolution: \"a@patch:a@npm%3A1.0.0#~builtin<compat/a>::version=1.0.0\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, []string{"yarn.lock"}, data) })
}

func FuzzPNPMLock(f *testing.F) {
	f.Add([]byte("lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: ^1\n        version: 1.0.0(b@2.0.0)\n      l:\n        specifier: link:../l\n        version: link:../l\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-x}\n  b@2.0.0:\n    resolution: {tarball: https://t.example/b.tgz}\n"))
	f.Add([]byte("lockfileVersion: '6.0'\ndependencies:\n  a:\n    specifier: ^1\n    version: /c@1.0.0\npackages:\n  /c@1.0.0(x@1.0.0):\n    resolution: {integrity: sha512-x}\n    dev: false\n"))
	f.Add([]byte("lockfileVersion: 5.4\ndependencies:\n  a: 1.0.0_b@2.0.0\npackages:\n  /a/1.0.0_b@2.0.0:\n    resolution: {integrity: sha512-x}\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, []string{"pnpm-lock.yaml"}, data) })
}

func FuzzRequirements(f *testing.F) {
	f.Add([]byte("--index-url https://m/simple\nDjango==4.2 ; python_version>'3'  # c\nfoo[bar]>=1 \\\n  --hash=sha256:00\n-e git+https://g/r.git#egg=x&subdirectory=y\nn @ https://f/n.whl\n-e .\n./p\n-c c.txt\n"))
	f.Add([]byte("-r other.txt\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, []string{"requirements.txt"}, data) })
}

func FuzzTOMLLocks(f *testing.F) {
	f.Add([]byte("[[package]]\nname = \"A_b\"\nversion = \"1.0\"\nfiles = [{file = \"a.whl\", hash = \"sha256:00\"}]\n[package.source]\ntype = \"git\"\nurl = \"https://g\"\n"))
	f.Add([]byte("version = 1\n[[package]]\nname = \"root\"\nversion = \"0.1\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"a\" }]\n\n[[package]]\nname = \"a\"\nversion = \"1.0\"\nsource = { registry = \"https://r\" }\nsdist = { url = \"https://r/a.tar.gz\", hash = \"sha256:00\" }\n"))
	f.Add([]byte("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nversion = \"1.0\"\nwheels = [{url = \"https://r/a.whl\", hashes = {sha256 = \"00\"}}]\n"))
	f.Add([]byte("[project]\nname = \"me\"\ndependencies = [\"me[x]\", \"a==1.0\", \"b @ git+https://g\"]\n[dependency-groups]\ndev = [\"c\", {include-group = \"x\"}]\n[tool.poetry.dependencies]\npython = \"^3.8\"\nd = \"2.0\"\ne = {path = \"../e\"}\n[tool.uv.sources]\nf = { workspace = true }\n"))
	names := []string{"poetry.lock", "uv.lock", "pdm.lock", "pylock.toml", "pyproject.toml"}
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, names, data) })
}

func FuzzGemfileLock(f *testing.F) {
	f.Add([]byte("GIT\n  remote: https://g/x.git\n  specs:\n    x (0.1)\n\nPATH\n  remote: .\n  specs:\n    me (1.0)\n\nGEM\n  remote: https://gems/\n  specs:\n    nokogiri (1.19.1-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.8.1)\n\nDEPENDENCIES\n  nokogiri (~> 1.19)!\n  x!\n\nCHECKSUMS\n  racc (1.8.1) sha256=00\n"))
	f.Fuzz(func(t *testing.T, data []byte) { checkParse(t, []string{"Gemfile.lock"}, data) })
}
