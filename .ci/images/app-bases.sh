#!/usr/bin/env bash
# Builds the two base images of the app's Dockerfile without any image registry, from Debian
# packages (debootstrap, this machine's own apt mirror) and this machine's Go toolchain:
#   taskcache/go-builder:bookworm  gcc, libc headers, CA certificates, and Go from $(go env GOROOT)
#   taskcache/runtime:bookworm     a minimal Debian bookworm: glibc for the cgo binary, little else
# They stand in for golang:1.26-bookworm and debian:bookworm-slim:
#   docker build --build-arg BUILDER_IMAGE=taskcache/go-builder:bookworm \
#     --build-arg RUNTIME_IMAGE=taskcache/runtime:bookworm .
# Usage: bash .ci/images/app-bases.sh [--force]
# Images are rebuilt only when missing, when this script or the Go version changed, or with --force.
set -euo pipefail
cd "$(dirname "$0")"

BUILDER_IMAGE=taskcache/go-builder:bookworm
RUNTIME_IMAGE=taskcache/runtime:bookworm
goroot=$(go env GOROOT)
# The certificate authorities this machine added to its own trust: where HTTPS goes through an
# inspecting proxy (as in this project's CI), the builder reaches the Go module proxy only with them.
local_cas=(/usr/local/share/ca-certificates/*.crt)
[ -e "${local_cas[0]}" ] || local_cas=()
recipe=$({ cat app-bases.sh debian-mirror.sh "${local_cas[@]}"; go env GOVERSION; } | sha256sum | cut -c1-16)

current() {
  [ "$(docker image inspect -f '{{index .Config.Labels "taskcache.recipe"}}' "$1" 2>/dev/null)" = "$recipe" ]
}
if [ "${1:-}" != --force ] && current "$BUILDER_IMAGE" && current "$RUNTIME_IMAGE"; then
  echo "images $BUILDER_IMAGE and $RUNTIME_IMAGE are up to date (--force rebuilds them)"
  exit 0
fi

source ./debian-mirror.sh
mirror=$(debian_mirror)
require_debootstrap

old_ids=$(docker image inspect -f '{{.Id}}' "$BUILDER_IMAGE" "$RUNTIME_IMAGE" 2>/dev/null || true)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/taskcache-bases.XXXXXX")
# --one-file-system: never follow a /proc or /sys that a killed debootstrap left mounted.
trap 'rm -rf --one-file-system "$work"' EXIT

# The two roots are independent, so they are made side by side (mostly download and unpack).
echo "debootstrap bookworm from $mirror into $work/{builder,runtime}"
debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates bookworm "$work/builder" "$mirror" \
  >"$work/builder.log" 2>&1 &
builder_pid=$!
debootstrap --variant=minbase bookworm "$work/runtime" "$mirror" >"$work/runtime.log" 2>&1 &
runtime_pid=$!
for part in builder runtime; do
  pid_var=${part}_pid
  if ! wait "${!pid_var}"; then
    tail -n 30 "$work/$part.log" >&2
    echo "app-bases.sh: debootstrap of the $part root failed" >&2
    exit 1
  fi
done

for root in "$work/builder" "$work/runtime"; do
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log
done
# The runtime runs one static-enough binary: no package manager state is needed to do that,
# but it stays, so that a reader can still apt-get install a debugging tool in a derived image.
rm -rf "$work/runtime"/usr/share/locale/*

[ ${#local_cas[@]} -eq 0 ] || cat "${local_cas[@]}" >>"$work/builder/etc/ssl/certs/ca-certificates.crt"

# This machine's Go, without its own test suite (a third of its size, never needed to build).
mkdir -p "$work/builder/usr/local/go"
tar -C "$goroot" --exclude=./test -c . | tar -C "$work/builder/usr/local/go" -x

tar -C "$work/builder" -c . | docker import -c "LABEL taskcache.recipe=$recipe" \
  -c 'ENV PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV GOTOOLCHAIN=local' \
  -m "Go $(go env GOVERSION) and gcc on Debian bookworm, built by .ci/images/app-bases.sh" - "$BUILDER_IMAGE"
tar -C "$work/runtime" -c . | docker import -c "LABEL taskcache.recipe=$recipe" \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -m 'Minimal Debian bookworm, built by .ci/images/app-bases.sh' - "$RUNTIME_IMAGE"
# shellcheck disable=SC2086 # one image id per word
[ -z "$old_ids" ] || docker image rm $old_ids >/dev/null 2>&1 || true
docker image ls 'taskcache/*'
