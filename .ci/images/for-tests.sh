#!/usr/bin/env bash
# Prints the TEST_*_IMAGE settings the tests need on this machine, as shell lines for eval
# (`make test` runs it): nothing when the default images are here or can be pulled, else the
# images that build.sh makes from Debian packages, built first if need be. A variable already
# set is left alone. Progress goes to stderr; stdout carries only the settings.
set -euo pipefail
cd "$(dirname "$0")"

command -v docker >/dev/null && docker info >/dev/null 2>&1 || exit 0 # the harness says what to do

need_build=0
for spec in TEST_MYSQL_IMAGE=mysql:8.4=taskcache/mariadb:bookworm \
    TEST_MEMCACHED_IMAGE=memcached:1.6-alpine=taskcache/memcached:bookworm; do
  IFS== read -r var default home_built <<<"$spec"
  [ -z "${!var:-}" ] || continue
  if docker image inspect "$default" >/dev/null 2>&1 || docker pull -q "$default" >/dev/null 2>&1; then
    continue
  fi
  echo "for-tests.sh: $default cannot be pulled; using $home_built (set $var to choose another)" >&2
  need_build=1
  echo "export $var=$home_built"
done
if [ "$need_build" = 1 ]; then
  bash build.sh >&2
fi
