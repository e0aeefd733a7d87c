#!/usr/bin/env bash
# Checks one module of the workspace on its own, the way a reader who copies that folder would
# build it (GOWORK=off: a chapter finds shared through its replace directive). The GitHub
# Actions workflow (.github/workflows/test.yml) runs this for each folder of its matrix, and
# .ci/run runs it for every folder, so the two always run the same commands.
# Usage: bash .ci/module.sh FOLDER    (shared, step01-skeleton, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:?usage: bash .ci/module.sh FOLDER}
cd "$folder"
export GOWORK=off

step() { echo "== $folder: $*" >&2; }

step gofmt -l .
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "$folder: these files need gofmt:" >&2
  echo "$unformatted" >&2
  exit 1
fi
step go mod tidy -diff
go mod tidy -diff >/dev/null || { echo "$folder/go.mod is not tidy (run GOWORK=off go mod tidy there)" >&2; exit 1; }
step go vet ./...
go vet ./...
step go test -race -count=1 ./...
go test -race -count=1 ./...
