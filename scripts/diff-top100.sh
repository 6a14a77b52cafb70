#!/usr/bin/env bash
# diff-top100.sh CACHE_DIR [N]
#
# The "real releases" evaluation of `customs diff`: for the first N (default
# 100) packages of shared/corpus/benign/npm-top.txt, find the version published
# just before the listed one (the packument's versions ordered by semver;
# pre-releases only when the listed version is one), download both tarballs
# from the npm registry configured for npm (`npm config get registry`), run
# `customs diff OLD NEW --format json` on each pair and print how many were
# flagged and why.
#
# Everything downloaded goes to CACHE_DIR (reused on the next run); nothing is
# written into the repository. Packages are only read as data, never installed.
# Each pair's JSON result is kept in CACHE_DIR/results/, the verdicts in
# CACHE_DIR/results/summary.tsv. FETCH_ONLY=1 only downloads.
#
# Needs go, npm (for the configured registry), node (version ordering), curl
# and jq. Example: scripts/diff-top100.sh ~/.cache/customs-top100
set -euo pipefail

if [ $# -lt 1 ]; then
	echo "usage: $0 CACHE_DIR [N]" >&2
	exit 2
fi
cache=$1
n=${2:-100}
repo=$(cd "$(dirname "$0")/.." && pwd)
list=${CUSTOMS_SHARED:-$repo/../shared}/corpus/benign/npm-top.txt
registry=${NPM_CONFIG_REGISTRY:-$(npm config get registry)}
registry=${registry%/}

mkdir -p "$cache/packuments" "$cache/tarballs" "$cache/results"
(cd "$repo" && CGO_ENABLED=0 go build -o "$cache/customs" ./cmd/customs)

# prev_version PACKUMENT VERSION prints the version just before VERSION.
prev_version() {
	node -e '
const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const cur = process.argv[2];
const parse = v => { const m = /^(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?/.exec(v); return m && {n: [+m[1], +m[2], +m[3]], pre: m[4]}; };
const cmpPre = (a, b) => { const x = a.split("."), y = b.split(".");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === undefined) return -1; if (y[i] === undefined) return 1;
    const nx = /^\d+$/.test(x[i]), ny = /^\d+$/.test(y[i]);
    if (nx && ny && +x[i] !== +y[i]) return +x[i] - +y[i];
    if (nx !== ny) return nx ? -1 : 1;
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1; }
  return 0; };
const cmp = (a, b) => { for (let i = 0; i < 3; i++) if (a.n[i] !== b.n[i]) return a.n[i] - b.n[i];
  if (!a.pre && !b.pre) return 0; if (!a.pre) return 1; if (!b.pre) return -1; return cmpPre(a.pre, b.pre); };
const c = parse(cur);
let best = null, bestV = "";
for (const v of Object.keys(p.versions || {})) {
  const x = parse(v); if (!x || (x.pre && !c.pre)) continue;
  if (cmp(x, c) < 0 && (!best || cmp(x, best) > 0)) { best = x; bestV = v; } }
process.stdout.write(bestV);
' "$1" "$2"
}

tarball_url() {
	node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const v = (p.versions || {})[process.argv[2]]; process.stdout.write(v && v.dist && v.dist.tarball || "");' "$1" "$2"
}

fetch_tarball() { # PACKUMENT VERSION DEST
	[ -s "$3" ] && return 0
	local url
	url=$(tarball_url "$1" "$2")
	[ -n "$url" ] || return 1
	curl -fsSL --retry 2 -o "$3.part" "$url" && mv "$3.part" "$3"
}

total=0 flagged=0 failed=0
summary=$cache/results/summary.tsv
: >"$summary"
while IFS= read -r spec; do
	[ -n "$spec" ] || continue
	name=${spec%@*}
	ver=${spec##*@}
	safe=${name//\//__}
	pk=$cache/packuments/$safe.json
	if [ ! -s "$pk" ]; then
		curl -fsSL --retry 2 -H 'Accept: application/json' -o "$pk.part" "$registry/${name/\//%2f}" && mv "$pk.part" "$pk" || { echo "$spec: packument fetch failed" >&2; failed=$((failed+1)); continue; }
	fi
	prev=$(prev_version "$pk" "$ver")
	if [ -z "$prev" ]; then
		echo "$spec: no earlier version, skipped" >&2
		continue
	fi
	old=$cache/tarballs/$safe-$prev.tgz
	new=$cache/tarballs/$safe-$ver.tgz
	if ! fetch_tarball "$pk" "$prev" "$old" || ! fetch_tarball "$pk" "$ver" "$new"; then
		echo "$spec: tarball download failed" >&2
		failed=$((failed+1))
		continue
	fi
	[ "${FETCH_ONLY:-}" = 1 ] && continue
	out=$cache/results/$safe.json
	rc=0
	"$cache/customs" diff --format json "$old" "$new" >"$out" 2>"$out.err" || rc=$?
	total=$((total+1))
	verdict=$(jq -r '.verdict // "error"' "$out" 2>/dev/null || echo error)
	if [ "$rc" -eq 2 ]; then
		failed=$((failed+1))
		echo "$spec: customs diff failed: $(head -c 300 "$out.err")" >&2
	elif [ "$rc" -eq 1 ]; then
		flagged=$((flagged+1))
		echo "FLAGGED $name $prev -> $ver: $verdict"
		jq -r '.reasons[]? | "    " + .' "$out"
	fi
	printf '%s\t%s\t%s\t%s\n' "$name" "$prev" "$ver" "$verdict" >>"$summary"
done < <(head -n "$n" "$list")

echo "diffed $total pairs: $flagged flagged suspicious-or-worse, $failed failed (details in $summary)"
