#!/usr/bin/env python3
"""Lists of benign packages held out from the shared benign corpus.

Usage: scripts/heldout-benign-lists.py SLICE OUTDIR

The shared corpus (shared/corpus/benign/README.md) holds npm's 1,000 most
downloaded packages and 400 python3-*, 250 ruby-* and 250 node-* Debian
bookworm packages, ranked by how many other packages depend on them (ties
by sha256("customs-benign:" + name)). Slice K (1, 2, 3...) of this script
is the next packages in the same order, none of them in the shared lists:
python3-* ranks 401+200(K-1) to 600+200(K-1), ruby-* and node-* ranks
251+100(K-1) to 350+100(K-1), and npm ranks 1,001+500(K-1) to
1,500+500(K-1) by downloads a month. It writes OUTDIR/debian.txt and
OUTDIR/npm.txt for the shared corpus's fetch script:

    scripts/heldout-benign-lists.py 1 /tmp/heldout1
    ../shared/corpus/benign/fetch --list /tmp/heldout1/debian.txt \\
        --list /tmp/heldout1/npm.txt /tmp/heldout1/corpus
    customs eval --misses /tmp/heldout1/corpus/manifest.tsv

Needs apt's package lists (apt-cache dumpavail) and ../shared beside the
repository (or CUSTOMS_SHARED) for the npm download counts. Standard
library only.
"""
import collections
import gzip
import hashlib
import os
import re
import subprocess
import sys

# Exclusions the shared README lists: packages without a library tree.
NO_LIBRARY = set("""python3-distutils python3-lib2to3 python3-tk python3-gdbm python3-dev
python3-all python3-all-dev ruby-dev python3-h5py python3-petsc4py python3-slepc4py
python3-dolfinx ruby-rails ruby-gnome python3-typeshed python3-nautilus python3-caja""".split())
NOT_A_LIBRARY = re.compile(r"transitional|dummy|metapackage|meta-package|virtual package", re.I)
SHARED_COUNTS = {"python3": 400, "ruby": 250, "node": 250}
SLICE_SIZES = {"python3": 200, "ruby": 100, "node": 100}
NPM_SHARED, NPM_SLICE = 1000, 500


def packages(dump):
    """Yields the stanzas of apt-cache dumpavail as dicts."""
    cur, key = {}, None
    for line in dump.splitlines():
        if not line:
            if cur:
                yield cur
            cur, key = {}, None
        elif line[0] in " \t" and key:
            cur[key] += "\n" + line
        else:
            key, _, value = line.partition(":")
            cur[key] = value.strip()
    if cur:
        yield cur


def dependency_names(field):
    """Names in a Depends-like field; every alternative of a | b counts."""
    names = set()
    for clause in field.split(","):
        for alt in clause.split("|"):
            name = re.split(r"[\s(\[<]", alt.strip(), maxsplit=1)[0].split(":")[0]
            if name:
                names.add(name)
    return names


def eligible(name, p):
    return (re.match(r"^(python3|ruby|node)-", name)
            and not re.search(r"-(doc|dbg|examples)$", name)
            and not NOT_A_LIBRARY.search(p.get("Description", ""))
            and not p.get("Section", "").endswith("metapackages")
            and int(p.get("Installed-Size", "0") or 0) <= 100 * 1024
            and name not in NO_LIBRARY)


def debian_slice(k):
    dump = subprocess.run(["apt-cache", "dumpavail"], check=True, capture_output=True, text=True).stdout
    by_name = {p["Package"]: p for p in packages(dump) if "Package" in p}
    rdeps = collections.Counter()
    for name, p in by_name.items():
        deps = set()
        for field in ("Depends", "Pre-Depends", "Recommends"):
            deps |= dependency_names(p.get(field, ""))
        deps.discard(name)
        rdeps.update(deps)

    def tie(n):
        return hashlib.sha256(("customs-benign:" + n).encode()).hexdigest()

    ranked = sorted((n for n, p in by_name.items() if eligible(n, p)), key=lambda n: (-rdeps[n], tie(n)))
    out = []
    for prefix, shared in SHARED_COUNTS.items():
        group = [n for n in ranked if n.startswith(prefix + "-")]
        start = shared + SLICE_SIZES[prefix] * (k - 1)
        out += group[start:start + SLICE_SIZES[prefix]]
    return out


def npm_slice(k, shared_dir):
    rows = []
    with gzip.open(os.path.join(shared_dir, "corpus", "registries", "npm.tsv.gz"), "rt", encoding="utf-8") as f:
        next(f)  # header: name, version, downloads_a_month
        for line in f:
            name, version, downloads = line.rstrip("\n").split("\t")
            if downloads:
                rows.append((-int(downloads), name, version))
    rows.sort()
    start = NPM_SHARED + NPM_SLICE * (k - 1)
    return [f"{name}@{version}" for _, name, version in rows[start:start + NPM_SLICE]]


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1:
        sys.exit("usage: heldout-benign-lists.py SLICE OUTDIR   (SLICE 1, 2, 3...)")
    k, outdir = int(sys.argv[1]), sys.argv[2]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shared = os.environ.get("CUSTOMS_SHARED") or os.path.join(root, "..", "shared")
    os.makedirs(outdir, exist_ok=True)
    for name, lines in (("debian.txt", debian_slice(k)), ("npm.txt", npm_slice(k, shared))):
        path = os.path.join(outdir, name)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(path + ".tmp", path)
        print(f"{path}: {len(lines)} packages")


if __name__ == "__main__":
    main()
