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

echo "== CGO_ENABLED=0 build"
CGO_ENABLED=0 go build -o /dev/null ./cmd/customs

echo "== go test"
go test -count=1 ./...
