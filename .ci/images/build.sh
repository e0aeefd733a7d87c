#!/usr/bin/env bash
# Builds the two test images without any image registry: one Debian bookworm rootfs made by
# debootstrap (from this machine's own apt mirror) is imported twice, once per entrypoint.
#   taskcache/mariadb:bookworm    MariaDB 10.11, honours the official images' MYSQL_* variables
#   taskcache/memcached:bookworm  memcached 1.6 on 0.0.0.0:11211
# Usage: bash .ci/images/build.sh [--force]
# Images are rebuilt only when missing, when this script or the entrypoint changed (the images
# carry a hash of both as a label), or with --force.
set -euo pipefail
cd "$(dirname "$0")"

MARIADB_IMAGE=taskcache/mariadb:bookworm
MEMCACHED_IMAGE=taskcache/memcached:bookworm
recipe=$(cat build.sh debian-mirror.sh mariadb-entrypoint.sh | sha256sum | cut -c1-16)

current() {
  [ "$(docker image inspect -f '{{index .Config.Labels "taskcache.recipe"}}' "$1" 2>/dev/null)" = "$recipe" ]
}
if [ "${1:-}" != --force ] && current "$MARIADB_IMAGE" && current "$MEMCACHED_IMAGE"; then
  echo "images $MARIADB_IMAGE and $MEMCACHED_IMAGE are up to date (--force rebuilds them)"
  exit 0
fi

source ./debian-mirror.sh
mirror=$(debian_mirror)
require_debootstrap

# Replaced images are deleted once the new ones exist (unless a container still uses them).
old_ids=$(docker image inspect -f '{{.Id}}' "$MARIADB_IMAGE" "$MEMCACHED_IMAGE" 2>/dev/null || true)

rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/taskcache-rootfs.XXXXXX")
log=$rootfs.log
# --one-file-system: never follow a /proc or /sys that a killed debootstrap left mounted.
trap 'rm -rf --one-file-system "$rootfs" "$log"' EXIT

echo "debootstrap bookworm from $mirror into $rootfs (log: $log)"
if ! debootstrap --variant=minbase --include=mariadb-server,memcached bookworm "$rootfs" "$mirror" >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "build.sh: debootstrap failed" >&2
  exit 1
fi

# Slim the image: apt's caches and lists, docs, and the datadir the package's postinst made
# (the entrypoint creates a fresh one, with small InnoDB files, on a container's first start).
rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/var/lib/mysql/* "$rootfs"/var/log/*.log
install -m 0755 mariadb-entrypoint.sh "$rootfs"/usr/local/bin/mariadb-entrypoint.sh

tar -C "$rootfs" -c . | docker import -c "LABEL taskcache.recipe=$recipe" \
  -c 'ENTRYPOINT ["/usr/local/bin/mariadb-entrypoint.sh"]' -c 'EXPOSE 3306' \
  -m 'MariaDB for tests, built by .ci/images/build.sh' - "$MARIADB_IMAGE"
# memcached refuses to run as root, so -u; it logs to stderr; CMD args (e.g. -m 64) append.
tar -C "$rootfs" -c . | docker import -c "LABEL taskcache.recipe=$recipe" \
  -c 'ENTRYPOINT ["memcached","-u","memcache","-l","0.0.0.0","-p","11211"]' -c 'EXPOSE 11211' \
  -m 'memcached for tests, built by .ci/images/build.sh' - "$MEMCACHED_IMAGE"
# shellcheck disable=SC2086 # one image id per word
[ -z "$old_ids" ] || docker image rm $old_ids >/dev/null 2>&1 || true
docker image ls 'taskcache/*'
