#!/usr/bin/env bash
# The project's test command (README, .ci/run): formatting, vet, a pure-Go
# build, unit tests with fuzz seeds and end-to-end scripts, and, when the
# shared corpus sits beside the repository, a short evaluation smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" $unformatted >&2
  exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
# Pinned; fetched through the Go module proxy. If the proxy cannot serve it,
# say so and go on: vet and the tests still run.
if go install honnef.co/go/tools/cmd/staticcheck@v0.8.2 2>/dev/null; then
  "$(go env GOPATH)/bin/staticcheck" ./...
else
  echo "staticcheck could not be installed from the module proxy; skipped"
fi

echo "== CGO_ENABLED=0 build"
CGO_ENABLED=0 go build -o /dev/null ./cmd/customs

echo "== go test"
go test -count=1 ./...

# A short evaluation on the real malware corpus when it is beside the
# repository: every 10th sample, to catch a broken pipeline early (the full
# figures come from `customs eval`, see the README).
shared=${CUSTOMS_SHARED:-../shared}
if [ -f "$shared/corpus/malware/manifest.tsv" ]; then
  echo "== evaluation smoke run (every 10th malware sample)"
  go run ./cmd/customs eval --sample 130 --jobs 2 "$shared/corpus/malware/manifest.tsv"
else
  echo "== evaluation smoke run skipped: no shared corpus at $shared"
fi
