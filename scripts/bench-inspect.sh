#!/usr/bin/env bash
# Whole-corpus benchmark of `customs inspect` against the decompress-only
# floor, as the speed bar states it: the malware corpus plus the npm
# tarballs of the benign corpus (the 1,000 most downloaded packages, as npm
# serves them), inspected single-threaded, compared with only
# decompressing and reading the same archives single-threaded, both measured
# in the same run. Prints customs eval's figures with medians over REPEAT
# passes (the ratio is the figure; the machine's noise cancels in it).
#
# Usage: scripts/bench-inspect.sh [REPEAT]      (default 5)
# Needs: ../shared beside the repository (or CUSTOMS_SHARED) and the benign
# corpus fetched by shared/corpus/benign/fetch DEST, named by CUSTOMS_BENIGN.
# Extra flags for customs eval go in EVAL_FLAGS (e.g. EVAL_FLAGS=--jobs=2);
# CUSTOMS_BIN names a customs binary to use instead of building one.
set -euo pipefail

repeat=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CUSTOMS_SHARED:-$root/../shared}
malware=$shared/corpus/malware/manifest.tsv
benign=${CUSTOMS_BENIGN:?set CUSTOMS_BENIGN to the folder shared/corpus/benign/fetch wrote}
[ -f "$malware" ] || { echo "no malware manifest at $malware" >&2; exit 2; }
[ -f "$benign/manifest.tsv" ] || { echo "no benign manifest at $benign/manifest.tsv" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The npm tarball rows of the benign manifest, with paths made relative to $tmp so
# that the manifest can live there (eval reads paths relative to it).
rel=$(realpath --relative-to="$tmp" "$benign")
awk -F'\t' -v rel="$rel" 'NR == 1 || ($3 == "npm" && $1 ~ /^npm\//) { if (NR > 1) $1 = rel "/" $1; print }' OFS='\t' \
	"$benign/manifest.tsv" > "$tmp/manifest.tsv"
[ -f "$benign/install-scripts.txt" ] &&
	awk -F'\t' -v rel="$rel" '/^#/ { print; next } { $1 = rel "/" $1; print }' OFS='\t' \
		"$benign/install-scripts.txt" > "$tmp/install-scripts.txt"

bin=${CUSTOMS_BIN:-$tmp/customs}
[ -n "${CUSTOMS_BIN:-}" ] || (cd "$root" && go build -o "$bin" ./cmd/customs)
echo "$(date -u +%FT%TZ) $(go version) $(nproc) cores; repeat $repeat"
# shellcheck disable=SC2086
"$bin" eval --jobs 1 --repeat "$repeat" ${EVAL_FLAGS:-} "$malware" "$tmp/manifest.tsv"
