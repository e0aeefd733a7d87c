#!/usr/bin/env bash
# Builds the app's container image from locally built bases (no registry here) and runs it as a
# platform would, beside MySQL and memcached on a network of their own: /healthz answers 200,
# Docker's health check turns healthy, a task added with a form POST is listed, and a reload
# is a view-cache hit. It is run as Heroku runs heroku.yml's image: on the $PORT Heroku picks, with
# the variables its add-ons set (a JawsDB URL with a parameter for other drivers, MemCachier's
# servers). Usage: bash .ci/image.sh [STEP] (default: heroku.yml's STEP; X-Cache from 08 on).
set -euo pipefail
cd "$(dirname "$0")/.."

step=${1:-$(awk '$1 == "STEP:" { gsub(/["\047]/, "", $2); print $2 }' heroku.yml)}
[ -n "$step" ] || { echo "image.sh: no STEP given and none found in heroku.yml" >&2; exit 1; }
image=taskcache/tasklist:ci-$step
mysql_image=${TEST_MYSQL_IMAGE:-taskcache/mariadb:bookworm}
memcached_image=${TEST_MEMCACHED_IMAGE:-taskcache/memcached:bookworm}

bash .ci/images/app-bases.sh
start=$SECONDS
build_log=$(mktemp)
if ! docker build --build-arg STEP="$step" \
  --build-arg BUILDER_IMAGE=taskcache/go-builder:bookworm \
  --build-arg RUNTIME_IMAGE=taskcache/runtime:bookworm -t "$image" . >"$build_log" 2>&1; then
  tail -n 30 "$build_log" >&2
  rm -f "$build_log"
  echo "image.sh: docker build failed" >&2
  exit 1
fi
rm -f "$build_log"
echo "image.sh: built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')) in $((SECONDS - start)) s" >&2

net=tasklist-ci-$$
app=""
containers=()
cleanup() {
  if [ -n "$app" ] && [ "${failed:-1}" = 1 ]; then docker logs "$app" 2>&1 | tail -n 30 >&2 || true; fi
  [ ${#containers[@]} -eq 0 ] || docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
  docker network rm "$net" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker network create "$net" >/dev/null
containers+=("$(docker run -d --network "$net" --network-alias mysql -e MYSQL_DATABASE=task_list \
  -e MYSQL_USER=tasks -e MYSQL_PASSWORD=tasks -e MYSQL_ROOT_PASSWORD=root "$mysql_image")")
containers+=("$(docker run -d --network "$net" --network-alias memcached "$memcached_image")")
# The app exits when MySQL does not answer at start-up (a platform would restart it): wait.
for _ in $(seq 120); do
  docker exec "${containers[0]}" mysqladmin ping -h 127.0.0.1 -utasks -ptasks --silent >/dev/null 2>&1 && break
  sleep 0.5
done
port=5123 # not the image's default 8080: the app must listen on $PORT
app=$(docker run -d --network "$net" -p 127.0.0.1::$port -e PORT=$port \
  -e JAWSDB_URL='mysql://tasks:tasks@mysql:3306/task_list?reconnect=true' \
  -e MEMCACHIER_SERVERS=memcached:11211 "$image")
containers+=("$app")
base=http://127.0.0.1:$(docker port "$app" $port/tcp | head -n1 | sed 's/.*://')

fail() { echo "image.sh: $*" >&2; exit 1; }
for _ in $(seq 60); do curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break; sleep 0.5; done
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")
[ "$code" = 200 ] || fail "GET /healthz answered $code, want 200"
[ "$(docker exec "$app" /app/healthcheck && echo ok)" = ok ] || fail "the image's health check command fails"
user=$(docker image inspect -f '{{.Config.User}}' "$image")
[ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || fail "the image runs as root ($user)"

# curl sends no Origin or Sec-Fetch-Site header, so cross-origin protection lets the form through.
task="shipped in a container $$"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "name=$task" "$base/")
[ "$code" = 303 ] || fail "POST / answered $code, want 303"
curl -fsS "$base/" | grep -qF "$task" || fail "the new task is not listed"
x_cache=$(curl -fsS -o /dev/null -D - "$base/" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" { print $2 }')
if [ "$step" -ge 8 ]; then
  [ "$x_cache" = HIT ] || fail "a reload answered X-Cache: '$x_cache', want HIT"
fi
for _ in $(seq 40); do
  [ "$(docker inspect -f '{{.State.Health.Status}}' "$app")" = healthy ] && break
  sleep 0.5
done
[ "$(docker inspect -f '{{.State.Health.Status}}' "$app")" = healthy ] || fail "Docker's health check did not report healthy"
app_log=$(docker logs "$app" 2>&1)
grep -q 'parameter \\\?"reconnect\\\?" dropped' <<<"$app_log" ||
  fail "the log does not say that JAWSDB_URL's reconnect parameter was dropped"
failed=0
echo "image.sh: chapter $step in a container: /healthz 200, healthy, add 303, listed, reload X-Cache: ${x_cache:-none}" >&2
