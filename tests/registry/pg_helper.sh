# Starts a throw-away PostgreSQL 15 server for the registry tests and stops
# it on exit. Source it, then call pg_start; it sets PG_URL.
#
# We run as root in CI, and PostgreSQL refuses to run as root, so the server
# runs as the `postgres` user from a private directory under /tmp, listening
# only on a unix socket there (no TCP port is opened, so tests never collide
# with a real server or with each other).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg_start() {
    PG_DIR=$(mktemp -d /tmp/pw_pg.XXXXXX)
    chmod 755 "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$PG_DIR"
        PG_AS="runuser -u postgres --"
        PG_USER=postgres
    else
        PG_AS=""
        PG_USER=$(id -un)
    fi
    # A per-run port number only names the socket file.
    PG_PORT=$(( 20000 + $$ % 20000 ))
    $PG_AS "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_USER" -A trust \
        --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log" >&2; return 1; }
    $PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses='' -c unix_socket_directories=$PG_DIR -p $PG_PORT -c fsync=on" \
        start >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
    trap pg_stop EXIT INT TERM
    PG_URL="postgresql:///postgres?host=$PG_DIR&port=$PG_PORT&user=$PG_USER"
    export PG_URL PG_DIR PG_PORT PG_USER
}

# A fresh, empty database on the running server; prints its URL.
pg_newdb() {
    "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U "$PG_USER" "$1" || return 1
    echo "postgresql:///$1?host=$PG_DIR&port=$PG_PORT&user=$PG_USER"
}

pg_psql() {
    db=$1; shift
    psql -X -q -h "$PG_DIR" -p "$PG_PORT" -U "$PG_USER" -d "$db" "$@"
}

pg_stop() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
        $PG_AS "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop \
            >/dev/null 2>&1
        rm -rf "$PG_DIR"
    fi
    PG_DIR=
}
