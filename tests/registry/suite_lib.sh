# The set-up the registry's shell suites share, sourced by each once it has
# set HERE: the backend (sqlite or pg, skipped with exit 77 where the
# PostgreSQL server is not installed), a work folder, a fresh registry,
# assertions, users, a server on a free loopback port, and clean-up on exit.
#
#   HERE=$(cd "$(dirname "$0")" && pwd)
#   . "$HERE/suite_lib.sh"
#   suite_begin pw_mytest "$@"       # BACKEND BIN WORK DB FAILS, q SQL; cd WORK
#   suite_users clinician auditor    # ADMIN, and a token in tok_ROLE per role
#   suite_serve [serve options]      # SERVER PORT BASE URL (BASE/api/v1);
#                                    # BASE is https://... with --tls-cert
#   ...
#   suite_end                        # "N failure(s)", and the exit status

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
# is WHAT GOT WANT
is() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else fail "$1: got '$2', wanted '$3'"; fi; }
# expect_rc WANT GOT WHAT
expect_rc() { if [ "$1" = "$2" ]; then ok "$3 (exit $2)"; else fail "$3: exit $2, wanted $1"; fi; }
contains() { if grep -q -- "$2" "$1"; then ok "$3"; else fail "$3: '$2' not in $1"; sed 's/^/  | /' "$1" >&2; fi; }
lacks() { if grep -q -- "$2" "$1"; then fail "$3: '$2' found in $1"; else ok "$3"; fi; }

suite_cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    [ "$BACKEND" = pg ] && pg_stop
    rm -rf "$WORK"
}

# suite_begin TAG sqlite|pg
suite_begin() {
    BACKEND=${2:?backend: sqlite or pg}
    BIN=${PW_BIN:?PW_BIN}
    [ -x "$BIN" ] || { echo "no pathways binary at $BIN" >&2; exit 1; }
    if [ "$BACKEND" = pg ] && [ ! -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
        echo "PostgreSQL server binaries not installed: skipped" >&2
        exit 77
    fi
    WORK=$(mktemp -d "/tmp/$1.XXXXXX")
    chmod 755 "$WORK" # the PostgreSQL server runs as another user
    FAILS=0
    SERVER=
    if [ "$BACKEND" = pg ]; then
        . "$HERE/pg_helper.sh"
        pg_start || { echo "cannot start PostgreSQL" >&2; rm -rf "$WORK"; exit 1; }
        DB=$(pg_newdb reg) || exit 1
        export PW_REGISTRY_KEYFILE="$WORK/site.key"
        q() { pg_psql reg -At -c "$1"; }
    else
        DB="$WORK/reg.db"
        q() { sqlite3 "$DB" "$1"; }
    fi
    # After pg_start, which sets its own trap: ours also stops the server.
    trap suite_cleanup EXIT
    trap 'exit 1' INT TERM
    cd "$WORK" || exit 1
}

# suite_users ROLE...: a new registry with its admin (ADMIN) and one user
# u_ROLE per role, whose token is the last line of the file tok_ROLE.
suite_users() {
    "$BIN" registry init --db "$DB" > init.out 2> init.err || { cat init.err >&2; exit 1; }
    ADMIN=$(tail -n 1 init.out)
    for role in "$@"; do
        "$BIN" registry user add --db "$DB" --as "$ADMIN" --name "u_$role" --role "$role" \
            > "tok_$role" 2> add.err || { cat add.err >&2; exit 1; }
    done
}

# suite_serve [OPTIONS]: starts `pathways serve` on a free port.
suite_serve() {
    rm -f serve.out # a previous server's "listening" line must not be read
    "$BIN" serve --db "$DB" --port 0 --threads 2 "$@" > serve.out 2> serve.err &
    SERVER=$!
    i=0
    while ! grep -q listening serve.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    # http:// or, with --tls-cert/--tls-key, https://.
    BASE=$(sed -n 's/^listening on \(https\{0,1\}:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' serve.out)
    [ -n "$BASE" ] || { echo "server did not start" >&2; cat serve.err >&2; exit 1; }
    PORT=${BASE##*:}
    URL="$BASE/api/v1"
}
suite_stop_server() { kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=; }

suite_end() {
    echo "$FAILS failure(s)"
    [ "$FAILS" -eq 0 ]
}
