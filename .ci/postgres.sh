#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests: CURATE_TEST_POSTGRES_URL points at it.
#
#   .ci/postgres.sh start             start (or reuse) the server; prints `export CURATE_TEST_POSTGRES_URL=…`
#   .ci/postgres.sh stop              stop it and delete its folder (safe when nothing runs)
#   .ci/postgres.sh url               print the URL of the running server (exit 1 when none)
#   source .ci/postgres.sh            start, export the URL and stop on the caller's EXIT (trap)
#
# Installs Debian's `postgresql` with apt-get only when no server binary is found. The cluster lives in
# $CURATE_PG_DIR (default $TMPDIR/curate-pg-<uid>), listens on 127.0.0.1 on a free port plus a Unix
# socket in that folder, and is owned by a non-root user because initdb refuses to run as root. It is
# built for speed, not safety (fsync off): never point it at data you want to keep.

_curate_pg_dir() { echo "${CURATE_PG_DIR:-${TMPDIR:-/tmp}/curate-pg-$(id -u)}"; }

_curate_pg_bin() {
    # The folder holding initdb, pg_ctl, postgres and psql; installs the package when none is found.
    local found
    found=$(command -v pg_ctl 2>/dev/null || true)
    if [[ -n $found && -x $(dirname "$found")/initdb ]]; then dirname "$(readlink -f "$found")"; return; fi
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -z $found ]]; then
        [[ $(id -u) == 0 ]] || { echo "postgres.sh: no PostgreSQL server and not root to install it" >&2; return 1; }
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    echo "$found"
}

_curate_pg_owner() {
    # initdb and postgres refuse root: run them as `postgres` (the Debian package's user) or our own.
    [[ $(id -u) == 0 ]] || { id -un; return; }
    if id postgres >/dev/null 2>&1; then echo postgres; return; fi
    id curate-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin curate-pg
    echo curate-pg
}

_curate_pg_as() {
    local owner=$1; shift
    if [[ $(id -u) == 0 ]]; then runuser -u "$owner" -- "$@"; else "$@"; fi
}

_curate_pg_url() {
    local dir; dir=$(_curate_pg_dir)
    [[ -s $dir/url && -s $dir/data/postmaster.pid ]] || return 1
    _curate_pg_as "$(_curate_pg_owner)" "$(cat "$dir/bin")/pg_ctl" status -D "$dir/data" >/dev/null 2>&1 \
        || return 1
    cat "$dir/url"
}

_curate_pg_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_curate_pg_start() {
    # Every step is checked by hand: errexit is off in the caller's `x=$(…) && …` and `if` contexts.
    local url
    if url=$(_curate_pg_url); then echo "export CURATE_TEST_POSTGRES_URL='$url'"; return; fi
    local dir bin owner port password
    dir=$(_curate_pg_dir)
    bin=$(_curate_pg_bin) || return 1
    owner=$(_curate_pg_owner) || return 1
    _curate_pg_stop  # a half-built or crashed earlier attempt: start from nothing
    mkdir -p "$dir" && chmod 700 "$dir" && echo "$bin" >"$dir/bin" || return 1
    if [[ $(id -u) == 0 ]]; then chown "$owner" "$dir" || return 1; fi
    _curate_pg_as "$owner" "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    port=$(_curate_pg_free_port) || return 1
    # fsync and friends off: a test server that dies loses nothing anyone needs.
    _curate_pg_as "$owner" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start -o \
        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        >/dev/null || { cat "$dir/server.log" >&2; return 1; }
    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n') || return 1
    _curate_pg_as "$owner" "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE curate LOGIN CREATEDB PASSWORD '$password'" -c "CREATE DATABASE curate OWNER curate" \
        >/dev/null || return 1
    url="postgresql+psycopg://curate:$password@127.0.0.1:$port/curate"
    (umask 077 && echo "$url" >"$dir/url") || return 1
    echo "export CURATE_TEST_POSTGRES_URL='$url'"
}

_curate_pg_stop() {
    local dir; dir=$(_curate_pg_dir)
    [[ -d $dir ]] || return 0
    if [[ -s $dir/bin && -s $dir/data/postmaster.pid ]]; then
        _curate_pg_as "$(_curate_pg_owner)" "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
    # Sourced: export the URL into the caller and clean up when the caller exits.
    _curate_pg_env=$(_curate_pg_start) && eval "$_curate_pg_env" && trap _curate_pg_stop EXIT \
        || { echo "postgres.sh: could not start PostgreSQL" >&2; false; }
else
    set -euo pipefail
    case "${1:-start}" in
        start) _curate_pg_start ;;
        stop) _curate_pg_stop ;;
        url) _curate_pg_url ;;
        *) echo "usage: $0 [start|stop|url]" >&2; exit 2 ;;
    esac
fi
