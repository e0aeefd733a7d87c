#!/bin/bash
# Entrypoint of taskcache/mariadb:bookworm, a fast throwaway MariaDB for tests.
# It honours the official mysql/mariadb images' variables (MYSQL_ROOT_PASSWORD,
# MYSQL_ALLOW_EMPTY_PASSWORD, MYSQL_RANDOM_ROOT_PASSWORD, MYSQL_ROOT_HOST, MYSQL_DATABASE,
# MYSQL_USER, MYSQL_PASSWORD, and their MARIADB_* spellings), because testcontainers' mysql
# module sets them. Users and databases are created by a bootstrap server that never listens,
# and TCP only opens afterwards: a successful TCP login means the server is fully ready.
set -euo pipefail

# Arguments starting with "-" go to mariadbd (as in the official images); anything else is run
# as a command, e.g. `docker run --rm IMAGE mariadb --version`.
if [ $# -gt 0 ] && [ "${1:0:1}" != - ]; then exec "$@"; fi

# The official mariadb image's MARIADB_* names stand in for unset MYSQL_* ones.
for pair in ROOT_PASSWORD:ROOT_PASSWORD ALLOW_EMPTY_PASSWORD:ALLOW_EMPTY_ROOT_PASSWORD \
  RANDOM_ROOT_PASSWORD:RANDOM_ROOT_PASSWORD ROOT_HOST:ROOT_HOST DATABASE:DATABASE USER:USER \
  PASSWORD:PASSWORD; do
  my=MYSQL_${pair%%:*} maria=MARIADB_${pair#*:}
  printf -v "$my" '%s' "${!my:-${!maria:-}}"
done

datadir=/var/lib/mysql
# A server for tests: no DNS lookups, no binlog, small buffers, no fsync per commit, no
# doublewrite, utf8mb4, and listening on all interfaces (Debian's 50-server.cnf binds
# 127.0.0.1). Extra arguments ("$@") always come last, so they win.
opts=(--user=mysql --datadir="$datadir" --skip-name-resolve
  --skip-log-bin --binlog-expire-logs-seconds=0
  --innodb-buffer-pool-size=64M --innodb-log-file-size=16M
  --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0
  --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci)

mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$datadir"

# SQL literals and identifiers, escaped.
str() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\\\'}"; }
# shellcheck disable=SC2016 # the backticks are SQL quotes
ident() { printf '`%s`' "${1//\`/\`\`}"; }

if [ ! -d "$datadir/mysql" ]; then
  if [ -z "$MYSQL_ROOT_PASSWORD$MYSQL_ALLOW_EMPTY_PASSWORD$MYSQL_RANDOM_ROOT_PASSWORD" ]; then
    echo >&2 "error: database is uninitialized and password option is not specified"
    echo >&2 "  You need to specify one of MYSQL_ROOT_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD and MYSQL_RANDOM_ROOT_PASSWORD"
    exit 1
  fi
  if [ "$MYSQL_USER" = root ]; then
    echo >&2 "error: MYSQL_USER=root: MYSQL_USER and MYSQL_PASSWORD are for a regular user; use MYSQL_ROOT_PASSWORD for root"
    exit 1
  fi
  if [ -n "$MYSQL_RANDOM_ROOT_PASSWORD" ] && [ -z "$MYSQL_ROOT_PASSWORD" ]; then
    MYSQL_ROOT_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    echo "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
  fi

  echo "entrypoint: initialising $datadir"
  mariadb-install-db "${opts[@]}" --auth-root-authentication-method=normal --skip-test-db "$@" >/dev/null

  # --bootstrap starts without the grant tables: FLUSH PRIVILEGES loads them. Only root and
  # the system accounts stay (install-db also makes root@<container hostname>); root gets its
  # password and, like the official images, a root@'%' account (MYSQL_ROOT_HOST). (No GRANT
  # PROXY as the official mariadb image does: the bootstrap session may not grant it.)
  root_pw=$(str "$MYSQL_ROOT_PASSWORD")
  root_host=${MYSQL_ROOT_HOST:-%}
  sql=("DELETE FROM mysql.global_priv WHERE User NOT IN ('root', 'mysql', 'mariadb.sys') OR Host <> 'localhost';"
    "DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';"
    "FLUSH PRIVILEGES;"
    "ALTER USER 'root'@'localhost' IDENTIFIED BY $root_pw;")
  if [ "$root_host" != localhost ]; then
    sql+=("CREATE USER 'root'@$(str "$root_host") IDENTIFIED BY $root_pw;"
      "GRANT ALL ON *.* TO 'root'@$(str "$root_host") WITH GRANT OPTION;")
  fi
  if [ -n "$MYSQL_DATABASE" ]; then
    sql+=("CREATE DATABASE IF NOT EXISTS $(ident "$MYSQL_DATABASE");")
  fi
  if [ -n "$MYSQL_USER" ] && [ -n "$MYSQL_PASSWORD" ]; then
    sql+=("CREATE USER $(str "$MYSQL_USER")@'%' IDENTIFIED BY $(str "$MYSQL_PASSWORD");")
    if [ -n "$MYSQL_DATABASE" ]; then
      sql+=("GRANT ALL ON $(ident "$MYSQL_DATABASE").* TO $(str "$MYSQL_USER")@'%';")
    fi
  elif [ -n "$MYSQL_USER$MYSQL_PASSWORD" ]; then
    echo >&2 "warning: MYSQL_USER and MYSQL_PASSWORD must both be set; no user created"
  fi

  # On failure, empty the datadir so that the next start tries again.
  if ! printf '%s\n' "${sql[@]}" | mariadbd "${opts[@]}" --skip-networking "$@" --bootstrap; then
    rm -rf "${datadir:?}"/*
    echo >&2 "error: could not create users and databases"
    exit 1
  fi
  echo "entrypoint: initialised"
fi

exec mariadbd "${opts[@]}" --bind-address=0.0.0.0 --port=3306 "$@"
