#!/usr/bin/env bash
# fetch-debian-sdists.sh DEST [COUNT]
#
# Builds a reproducible corpus of BENIGN Python source distributions for
# measuring the false alarms of `customs eval` on source trees (setup.py,
# pyproject.toml), which the installed-tree benign corpus does not cover.
# The downloads are Debian's upstream source tarballs (.orig.tar.*) of Python
# libraries: the code Debian packages, as its upstream released it.
#
# The Debian mirror and suite come from this machine's apt configuration:
# /etc/apt/sources.list and /etc/apt/sources.list.d/*.list (one-line format)
# and /etc/apt/sources.list.d/*.sources (deb822 format), read in the order apt
# reads them. The first `deb` entry (deb822: `Types: deb`) whose components
# include main gives the mirror (its first URI) and the suite (its first
# distribution or suite). DEBIAN_MIRROR and DEBIAN_SUITE override either.
#
# From $mirror/dists/$suite/main/source/Sources.xz it selects the source
# packages that build a binary package named python3-* with dh-python in
# Build-Depends (or Build-Depends-Indep) and have an .orig.tar.gz, .orig.tar.xz
# or .orig.tar.bz2 of at most 30 MiB. The eligible packages are sorted by name
# and tried every k-th first (k = eligible / COUNT), then the ones after
# those, so that the same Sources index always yields the same packages.
# Candidates whose download fails (mirrors miss some orig files) or whose
# SHA-256 differs from the index are skipped until COUNT tarballs are in.
#
# Writes DEST/src/*.orig.tar.* (files already there with the right SHA-256
# are reused) and DEST/manifest.tsv ("path label ecosystem cluster": one row
# per tarball, label benign, ecosystem pypi, cluster the Debian source package
# name), ready for `customs eval DEST/manifest.tsv`. Files appear only when
# complete. Packages are only read as data, never built or installed.
#
# Needs bash, curl, xz, sha256sum, awk, sort, xargs.
# Example: scripts/fetch-debian-sdists.sh ~/.cache/customs-debsdist 200
set -euo pipefail

usage() {
	echo "usage: $0 DEST [COUNT]   (COUNT default 200)" >&2
	exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
dest=$1
count=${2:-200}
case $count in '' | *[!0-9]* | 0*) usage ;; esac
jobs=${FETCH_JOBS:-4}
max_size=$((30 * 1024 * 1024))

die() {
	echo "fetch-debian-sdists: $*" >&2
	exit 1
}
for tool in curl xz sha256sum awk sort xargs; do
	command -v "$tool" >/dev/null || die "$tool is needed but not installed"
done

curl_opts=(--fail --silent --show-error --location --retry 2 --max-time 120)

# apt_sources prints "URI<TAB>SUITE" for every deb entry with component main,
# in the order apt reads its configuration.
apt_sources() {
	local files=() f
	[ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
	for f in /etc/apt/sources.list.d/*; do
		case $f in *.list | *.sources) [ -f "$f" ] && files+=("$f") ;; esac
	done
	for f in "${files[@]}"; do
		case $f in
		*.sources)
			# deb822: paragraphs of "Field: value" lines; a line starting
			# with white space continues the previous field.
			awk '
				function flush() {
					if (enabled != "no" && (" " types " ") ~ / deb / && (" " comps " ") ~ / main /) {
						split(uris, u, " "); split(suites, s, " ")
						if (u[1] != "" && s[1] != "") print u[1] "\t" s[1]
					}
					types = uris = suites = comps = enabled = field = ""
				}
				/^#/ { next }
				/^[ \t]*$/ { flush(); next }
				/^[ \t]/ {
					v = $0; gsub(/[ \t]+/, " ", v)
					if (field == "types") types = types v
					else if (field == "uris") uris = uris v
					else if (field == "suites") suites = suites v
					else if (field == "components") comps = comps v
					next
				}
				{
					i = index($0, ":"); if (i == 0) next
					field = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1)
					gsub(/[ \t]+/, " ", v)
					if (field == "types") types = v
					else if (field == "uris") uris = v
					else if (field == "suites") suites = v
					else if (field == "components") comps = v
					else if (field == "enabled") { gsub(/ /, "", v); enabled = tolower(v) }
				}
				END { flush() }
			' "$f"
			;;
		*)
			# One-line: deb [options] URI SUITE COMPONENT...
			awk '
				{ sub(/#.*/, "") }
				$1 != "deb" { next }
				{
					i = 2
					if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
					uri = $i; suite = $(i + 1); main = 0
					for (j = i + 2; j <= NF; j++) if ($j == "main") main = 1
					if (main && uri != "" && suite != "") print uri "\t" suite
				}
			' "$f"
			;;
		esac
	done
}

mirror=${DEBIAN_MIRROR:-}
suite=${DEBIAN_SUITE:-}
if [ -z "$mirror" ] || [ -z "$suite" ]; then
	entry=""
	while IFS=$'\t' read -r uri dist; do
		# Only schemes curl fetches directly (not mirror+, cdrom:, tor+...).
		if [[ $uri =~ ^(https?|ftp|file): ]]; then
			entry="$uri"$'\t'"$dist"
			break
		fi
	done < <(apt_sources)
	[ -n "$entry" ] || die "no usable apt source: no 'deb' entry with component main and an http(s), ftp or file URI in /etc/apt/sources.list or /etc/apt/sources.list.d/*.list, *.sources (set DEBIAN_MIRROR and DEBIAN_SUITE to choose one)"
	[ -n "$mirror" ] || mirror=${entry%%$'\t'*}
	[ -n "$suite" ] || suite=${entry#*$'\t'}
fi
mirror=${mirror%/}

mkdir -p "$dest/src"
tmp=$(mktemp -d "$dest/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "fetch-debian-sdists: $suite main from $mirror" >&2
curl "${curl_opts[@]}" -o "$tmp/Sources.xz" "$mirror/dists/$suite/main/source/Sources.xz" ||
	die "cannot download dists/$suite/main/source/Sources.xz from $mirror"
xz -dc "$tmp/Sources.xz" >"$tmp/Sources" || die "Sources.xz from $mirror is not valid xz"

# Eligible packages, one per source package name (the first paragraph when the
# index lists several versions), sorted by name:
# package, directory, orig file name, size, sha256.
awk -v max="$max_size" '
	function flush() {
		if (pkg != "" && dir != "" && orig != "" && bin ~ /(^|[ ,])python3-/ &&
		    bdep ~ /(^|[^a-z0-9.+-])dh-python([^a-z0-9.+-]|$)/)
			print pkg "\t" dir "\t" orig "\t" osize "\t" osha
		pkg = dir = bin = bdep = orig = osize = osha = field = ""
	}
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ {
		if (field == "binary") bin = bin " " $0
		else if (field == "build-depends") bdep = bdep " " $0
		else if (field == "checksums-sha256" && NF == 3 && $2 <= max &&
		         $3 ~ /\.orig\.tar\.(gz|xz|bz2)$/ && orig == "") {
			osha = $1; osize = $2; orig = $3
		}
		next
	}
	{
		i = index($0, ":"); if (i == 0) next
		field = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1)
		if (field == "build-depends-indep") field = "build-depends"
		if (field == "package") { sub(/^[ \t]+/, "", v); pkg = v }
		else if (field == "directory") { sub(/^[ \t]+/, "", v); dir = v }
		else if (field == "binary") bin = bin " " v
		else if (field == "build-depends") bdep = bdep " " v
	}
	END { flush() }
' "$tmp/Sources" | LC_ALL=C sort -t $'\t' -s -u -k1,1 >"$tmp/eligible"

eligible=$(wc -l <"$tmp/eligible")
[ "$eligible" -gt 0 ] || die "no eligible source packages in $suite main (Sources index empty or format changed?)"

# Candidate order: every k-th eligible package starting at the first, then
# every k-th starting at the second, and so on, so the first COUNT candidates
# are an even sample of the whole sorted list.
k=$((eligible / count))
[ "$k" -ge 1 ] || k=1
awk -v k="$k" '{ i = NR - 1; print (i % k) "\t" i "\t" $0 }' "$tmp/eligible" |
	LC_ALL=C sort -t $'\t' -n -k1,1 -k2,2 | cut -f3- >"$tmp/candidates"

# fetch_one PACKAGE DIRECTORY FILE SIZE SHA256 prints "ok<TAB>PACKAGE<TAB>FILE"
# once DEST/src/FILE holds the verified tarball, else "skip<TAB>PACKAGE<TAB>why".
fetch_one() {
	local pkg=$1 dir=$2 file=$3 sha=$5 part got err
	if [ -f "$FETCH_DEST/src/$file" ] &&
		[ "$(sha256sum <"$FETCH_DEST/src/$file" | cut -d' ' -f1)" = "$sha" ]; then
		printf 'ok\t%s\t%s\n' "$pkg" "$file"
		return 0
	fi
	part="$FETCH_TMP/$file.part"
	if ! err=$(curl --fail --silent --show-error --location --retry 2 --max-time 120 \
		-o "$part" "$FETCH_MIRROR/$dir/$file" 2>&1); then
		rm -f "$part"
		printf 'skip\t%s\t%s\n' "$pkg" "$(printf '%s' "$err" | tr '\n\t' '  ')"
		return 0
	fi
	got=$(sha256sum <"$part" | cut -d' ' -f1)
	if [ "$got" != "$sha" ]; then
		rm -f "$part"
		printf 'skip\t%s\tSHA-256 mismatch for %s\n' "$pkg" "$file"
		return 0
	fi
	mv -f "$part" "$FETCH_DEST/src/$file"
	printf 'ok\t%s\t%s\n' "$pkg" "$file"
}
export -f fetch_one
export FETCH_DEST=$dest FETCH_TMP=$tmp FETCH_MIRROR=$mirror

# Download in rounds: each round tries as many of the next candidates as
# tarballs are still missing, so the result is the first COUNT candidates that
# download and verify, whatever the order the parallel downloads finish in.
total=$(wc -l <"$tmp/candidates")
tried=0
: >"$tmp/ok"
while :; do
	have=$(wc -l <"$tmp/ok")
	need=$((count - have))
	if [ "$need" -le 0 ] || [ "$tried" -ge "$total" ]; then break; fi
	sed -n "$((tried + 1)),$((tried + need))p" "$tmp/candidates" >"$tmp/round"
	tried=$((tried + $(wc -l <"$tmp/round")))
	tr '\t' '\n' <"$tmp/round" |
		xargs -d '\n' -n 5 -P "$jobs" bash -c 'fetch_one "$@"' _ >"$tmp/results"
	awk -F '\t' '$1 == "skip" { print "fetch-debian-sdists: skipped " $2 ": " $3 }' "$tmp/results" >&2
	awk -F '\t' -v OFS='\t' '$1 == "ok" { print $2, $3 }' "$tmp/results" >>"$tmp/ok"
done

{
	printf 'path\tlabel\tecosystem\tcluster\n'
	LC_ALL=C sort -t $'\t' -k1,1 "$tmp/ok" | awk -F '\t' -v OFS='\t' '{ print "src/" $2, "benign", "pypi", $1 }'
} >"$tmp/manifest.tsv"
mv -f "$tmp/manifest.tsv" "$dest/manifest.tsv"

have=$(wc -l <"$tmp/ok")
echo "fetch-debian-sdists: downloaded $have of $tried tried ($eligible eligible in $suite main) into $dest; manifest $dest/manifest.tsv"
[ "$have" -gt 0 ] || exit 1
