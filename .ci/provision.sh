#!/usr/bin/env bash
# Makes this machine ready to run the tests: a Docker engine, running, and the two test images
# (built locally, since no image registry is reachable here). Idempotent: each step is skipped
# when its result already exists, so a second run takes well under a second.
set -euo pipefail
cd "$(dirname "$0")"

# Debian's packages are reachable; image registries are not. (A docker client may already be
# in /usr/local/bin; docker.io brings the engine.) Chromium is for chapter 09's browser test
# and for rendering the diagrams.
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v chromium >/dev/null || missing+=(chromium)
command -v npm >/dev/null || missing+=(npm) # mermaid's CLI renders the READMEs' diagrams
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# There is no init system to start the engine, so start it by hand, detached (setsid) so that
# it outlives this script. Its defaults work in this sandbox (overlay2 on ext4, iptables and
# docker-proxy publish ports on 127.0.0.1), so no extra flags.
log=${DOCKERD_LOG:-/tmp/dockerd.log}
if ! docker info >/dev/null 2>&1; then
  if ! pgrep -x dockerd >/dev/null; then
    echo "starting dockerd (log: $log)"
    setsid nohup dockerd </dev/null >>"$log" 2>&1 &
  fi
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    tail -n 20 "$log" >&2 || true
    echo "provision.sh: the Docker daemon did not answer within 60 s; see $log" >&2
    exit 1
  fi
fi

bash images/build.sh
