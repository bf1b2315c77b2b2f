# How `pathways serve` serves the web front-end, and GET /api/v1/me, with
# curl against a server on a free loopback port (SQLite).
# Asserts: "/" is index.html with the strict security headers (CSP
# default-src 'self', nosniff, no-referrer, DENY), no-cache and an ETag
# that gives 304 when sent back; every file the page and its modules load
# exists with the right Content-Type; unknown, traversing and odd paths are
# 404, other methods 405; no Strict-Transport-Security without TLS; API
# answers carry no-store and the same headers; /me needs a token (401),
# names the user and role with the matrix's read/write lists, is audited,
# and is GET only; every role the user form offers (forms.json) is one the
# server accepts.
set -u
BIN=${PW_BIN:?PW_BIN}
SRC=${PW_SRC:?PW_SRC}
WORK=$(mktemp -d /tmp/pw_httpweb.XXXXXX)
FAILS=0
SERVER=

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
# has FILE PATTERN WHAT: a header or body line matching PATTERN (grep -i).
has() { if grep -qi -- "$2" "$1"; then ok "$3"; else fail "$3: '$2' not in $1"; sed 's/^/  | /' "$1" >&2; fi; }
lacks() { if grep -qi -- "$2" "$1"; then fail "$3: '$2' in $1"; else ok "$3"; fi; }

cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$WORK" || exit 1

DB="$WORK/reg.db"
"$BIN" registry init --db "$DB" > init.out 2> init.err || { cat init.err >&2; exit 1; }
ADMIN=$(tail -n 1 init.out)
for role in clinician court_liaison auditor; do
    "$BIN" registry user add --db "$DB" --as "$ADMIN" --name "u_$role" --role "$role" \
        > "tok_$role" 2> add.err || { cat add.err >&2; exit 1; }
done
CLIN=$(tail -n 1 tok_clinician); COURT=$(tail -n 1 tok_court_liaison); AUDITOR=$(tail -n 1 tok_auditor)

# From another directory: the files are in the binary, not read from disk.
"$BIN" serve --db "$DB" --port 0 --threads 2 > serve.out 2> serve.err &
SERVER=$!
i=0
while ! grep -q listening serve.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
BASE=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' serve.out)
[ -n "$BASE" ] || { echo "server did not start" >&2; cat serve.err >&2; exit 1; }

# get NAME PATH [curl args]: headers in NAME.h, body in NAME.b, prints the status.
get() { n=$1 p=$2; shift 2; curl -s --path-as-is -D "$n.h" -o "$n.b" -w '%{http_code}' "$@" "$BASE$p"; }
expect() { if [ "$1" = "$2" ]; then ok "$3 ($2)"; else fail "$3: HTTP $2, wanted $1"; fi; }

# ---- the page --------------------------------------------------------------
st=$(get root /); expect 200 "$st" "GET /"
has root.h "^Content-Type: text/html; charset=utf-8" "index is text/html"
has root.h "^Content-Security-Policy: default-src 'self'" "CSP default-src 'self'"
lacks root.h "unsafe-inline" "CSP allows no inline code"
has root.h "^X-Content-Type-Options: nosniff" "nosniff"
has root.h "^Referrer-Policy: no-referrer" "no referrer"
has root.h "^X-Frame-Options: DENY" "no framing"
# HSTS only over TLS (test_http_tls.sh): on plain HTTP it would point
# browsers at an HTTPS port this server does not have.
lacks root.h "^Strict-Transport-Security" "no HSTS without TLS"
has root.h "^Cache-Control: no-cache" "files are revalidated"
cmp -s root.b "$SRC/data/web/index.html" && ok "/ is data/web/index.html" || fail "/ differs from index.html"
ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\("[0-9a-f]*"\).*/\1/p' root.h)
[ -n "$ETAG" ] && ok "ETag $ETAG" || fail "no ETag"
st=$(get root304 / -H "If-None-Match: $ETAG"); expect 304 "$st" "same ETag: 304"
[ ! -s root304.b ] && ok "304 has no body" || fail "304 with a body"
st=$(get rootold / -H 'If-None-Match: "0000000000000000"'); expect 200 "$st" "other ETag: 200"
st=$(get head / -I); expect 200 "$st" "HEAD /"

# Every file index.html and the modules refer to, with its type.
refs=$( (sed -n 's/.*\(href\|src\)="\(\/[^"]*\)".*/\2/p' "$SRC/data/web/index.html"
         for f in "$SRC"/data/web/app.js "$SRC"/data/web/js/*.js; do
             d=$(dirname "${f#"$SRC"/data/web}")
             sed -n "s/^import .* from '\.\/\([^']*\)';$/\1/p" "$f" | sed "s|^|$d/|; s|^//|/|"
             sed -n "s/.*fetch('\(\/[^']*\)'.*/\1/p" "$f"
         done) | sort -u)
n=0
for r in $refs; do
    n=$((n + 1))
    st=$(get ref "$r")
    case $r in
        *.js) want='text/javascript' ;; *.css) want='text/css' ;; *.json) want='application/json' ;;
        *.svg) want='image/svg+xml' ;; *) want='text/html' ;;
    esac
    if [ "$st" = 200 ] && grep -qi "^Content-Type: $want" ref.h; then ok "$r: 200 $want"; else fail "$r: $st $(grep -i '^Content-Type' ref.h)"; fi
done
[ "$n" -ge 10 ] && ok "$n files referenced" || fail "only $n references found"
jq -e . "$SRC/data/web/forms.json" > /dev/null && ok "forms.json is JSON" || fail "forms.json"

# ---- paths that are not files ---------------------------------------------------
for p in /nope.html /index.htm /web/index.html /../data/web/index.html /js/../app.js \
         /%2e%2e/CMakeLists.txt /regimes/hybrid.yaml /js/ /a%20b.js /.hidden.js; do
    st=$(get nf "$p"); expect 404 "$st" "GET $p"
    has nf.h "^X-Content-Type-Options: nosniff" "$p: headers on the 404 too"
done
st=$(get post / -X POST --data x); expect 405 "$st" "POST / (the sign-in form without script)"
has post.h "^Allow: GET, HEAD" "405 says what is allowed"

# ---- API headers -----------------------------------------------------------------
st=$(get health /api/v1/health); expect 200 "$st" "health"
has health.h "^Cache-Control: no-store" "API: no-store"
has health.h "^X-Content-Type-Options: nosniff" "API: nosniff"
has health.h "^Content-Security-Policy: default-src 'self'" "API: CSP"
has health.h "^X-Frame-Options: DENY" "API: no framing"
st=$(get apinf /api/v1/nothing -H "Authorization: Bearer $CLIN"); expect 404 "$st" "an unknown API path stays a JSON 404"
has apinf.h "^Content-Type: application/json" "JSON 404"
st=$(get apiroot /api/ -H "Authorization: Bearer $CLIN"); expect 404 "$st" "/api/ is not a file"

# ---- GET /api/v1/me --------------------------------------------------------------
st=$(get me0 /api/v1/me); expect 401 "$st" "me: no token"
st=$(get me1 /api/v1/me -H "Authorization: Bearer 0000000000000000000000000000000000000000000000000000000000000000")
expect 401 "$st" "me: wrong token"
st=$(get me /api/v1/me -H "Authorization: Bearer $CLIN"); expect 200 "$st" "me as clinician"
[ "$(jq -r '.name + " " + .role' me.b)" = "u_clinician clinician" ] && ok "name and role" || fail "me: $(cat me.b)"
jq -e '(.read | index("aggregate")) and (.read | index("notes")) and (.write | index("review")) and ((.write | index("user")) | not)' me.b > /dev/null &&
    ok "clinician: the matrix's lists" || fail "clinician lists: $(cat me.b)"
st=$(get mec /api/v1/me -H "Authorization: Bearer $COURT"); expect 200 "$st" "me as court liaison"
[ "$(jq -c '[.read, .write]' mec.b)" = '[["identity","person","episode","attendance","test","compliance"],["compliance"]]' ] &&
    ok "court liaison: reads no review or notes, writes compliance" || fail "court lists: $(cat mec.b)"
has me.h "^Cache-Control: no-store" "me: no-store"
st=$(get mepost /api/v1/me -X POST -H "Authorization: Bearer $CLIN" --data x); expect 405 "$st" "me: GET only"
st=$(get aud /api/v1/audit -H "Authorization: Bearer $AUDITOR"); expect 200 "$st" "audit list"
[ "$(jq -r 'select(.action == "read" and .object == "me") | .user' aud.b | sort -u | tr '\n' ' ')" = "u_clinician u_court_liaison " ] &&
    ok "me reads are audited, per user" || fail "me audit: $(jq -c 'select(.object == "me")' aud.b)"

# ---- the roles the admin's form offers are the server's ----------------------------
for r in $(jq -r '.roles[]' "$SRC/data/web/forms.json"); do
    st=$(get role /api/v1/users -H "Authorization: Bearer $ADMIN" --data "{\"name\":\"t_$r\",\"role\":\"$r\"}")
    expect 201 "$st" "forms.json role $r is accepted"
done
[ "$(jq '.roles | length' "$SRC/data/web/forms.json")" -eq 9 ] && ok "all 9 roles offered" || fail "roles in forms.json"

kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
