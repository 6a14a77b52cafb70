package inspect

import (
	"testing"

	"customs/internal/archive"
	"customs/internal/pkgmeta"
)

// FuzzContextParsers: the import and setup.py scanners that place files in
// their context read hostile code; they must never panic, and a role is
// always one of the four.
func FuzzContextParsers(f *testing.F) {
	f.Add([]byte("from .tests import helper_test, other as o\n"), "pkg/initialise.py")
	f.Add([]byte("from pkg.testing.x import (\n\t \n"), "a/b/c.py")
	f.Add([]byte("from ...tests import \t,\n"), "x.py")
	f.Add([]byte("import kit.hooks\nexec(open('kit/_post.py').read())\n"), "setup.py")
	f.Fuzz(func(t *testing.T, data []byte, file string) {
		var tests testImports
		tests.add(file, data)
		c := newContexts(pkgmeta.Meta{Ecosystem: pkgmeta.PyPI, Root: "p-1/"}, archive.FormatTarGz, data, &tests)
		for _, p := range []string{file, "p-1/tests/helper_test.py", "p-1/p/x.py"} {
			if r := c.role(p); r < 0 || int(r) > 3 {
				t.Fatalf("role %d for %q", r, p)
			}
		}
	})
}
