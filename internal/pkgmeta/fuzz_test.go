package pkgmeta

import (
	"testing"
)

// Each parser takes arbitrary bytes without panicking; what it returns
// must be usable (a Meta of its ecosystem).

func FuzzCoreMetadata(f *testing.F) {
	f.Add([]byte(pkgInfo))
	f.Add([]byte("Name: x\r\nVersion: 1\r\n\r\n"))
	f.Add([]byte("Requires-Dist: [\nName"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _ := parseCoreMetadata(b)
		_ = parseRequiresTxt(b)
		if m.Ecosystem != PyPI {
			t.Fatalf("ecosystem %q", m.Ecosystem)
		}
	})
}

func FuzzPythonBuildFiles(f *testing.F) {
	f.Add([]byte("[project]\nname = \"pp\"\nversion = \"3.1\"\n"))
	f.Add([]byte("[metadata]\nname = x\nversion = 1\n"))
	f.Add([]byte("setup(name='x', version=\"1\")"))
	f.Add([]byte("install_requires = ['a>=1', \"b\"]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parsePyProject(b)
		_, _ = parseSetupCfg(b)
		_ = parseSetupPy(b)
		for _, d := range setupInstallRequires(b) {
			if d.Name == "" {
				t.Fatalf("dependency without a name from %q", b)
			}
		}
	})
}

func FuzzPackageJSON(f *testing.F) {
	f.Add([]byte(packageJSON), true)
	f.Add([]byte(`{"name":1,"bin":"x","exports":"./a.js"}`), false)
	f.Add([]byte(`{"exports":[[[[["./a"]]]]]}`), false)
	f.Fuzz(func(t *testing.T, b []byte, gyp bool) {
		m, err := parsePackageJSON(b, "package/", gyp)
		if err != nil {
			return
		}
		for _, p := range append(m.Exports, m.Main) {
			if len(p) < len("package/") || p[:len("package/")] != "package/" {
				t.Fatalf("path %q outside the root", p)
			}
		}
	})
}

func FuzzGemYAML(f *testing.F) {
	f.Add([]byte(gemYAML))
	f.Add([]byte("--- !ruby/object:Gem::Specification\nname: &a *a\n"))
	f.Add([]byte("[[[[{{{{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseGemYAML(b)
		if err == nil && m.Name == "" {
			t.Fatal("success without a name")
		}
	})
}

func FuzzGemspecRuby(f *testing.F) {
	f.Add([]byte("s.name = \"json\".freeze\ns.version = \"2.6.3\"\ns.add_runtime_dependency(%q<a>.freeze, [\"= 1\"])\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = parseGemspecRuby(b)
	})
}

// FuzzCollector drives the whole Collector with a hostile path.
func FuzzCollector(f *testing.F) {
	f.Add("package/package.json", []byte(packageJSON), "x.tgz")
	f.Add(".gem/metadata", []byte(gemYAML), "x.gem")
	f.Add("a-1/PKG-INFO", []byte(pkgInfo), "python3-a")
	f.Add("specifications/a-1.gemspec", []byte("s.name = 'a'"), "")
	f.Fuzz(func(t *testing.T, p string, b []byte, target string) {
		c := &Collector{Target: target}
		c.Add(p, b)
		c.Add("x/"+p, b)
		m, err := c.Meta("")
		if err == nil && (m.Name == "" || m.Ecosystem == "") {
			t.Fatalf("identified without name or ecosystem: %+v", m)
		}
		_ = c.All("")
	})
}
