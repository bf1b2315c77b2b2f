# libmicrohttpd's own error pages carry the server's security headers
# (src/registry/http_errpage.c), over HTTP and HTTPS; and the connection
# limit options of `pathways serve` are checked.
# Usage: sh test_http_errpage.sh   (env PW_BIN, PW_SRC)
# Covers, with raw requests (python3 sockets): a malformed request line
# (400), a header line without a colon (400), a bad Content-Length (400),
# an oversized URI (414), an oversized header (431), a chunk size too
# large (413), HTTP/3.0 (505): each answer has Content-Security-Policy,
# X-Content-Type-Options, X-Frame-Options, Referrer-Policy, a Content-Type
# and Cache-Control: no-store, each once; over TLS also
# Strict-Transport-Security. The server still answers afterwards.
# Options: --max-connections, --per-address-limit, --request-timeout refuse
# bad values (exit 2) and accept good ones (the server starts).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_errpage sqlite
command -v python3 > /dev/null || { echo "python3 not installed" >&2; exit 1; }
suite_users

# raw NAME [tls]: sends NAME's request (below) to the server as bytes and
# writes the answer's head to NAME.head.
cat > raw.py << 'EOF'
import socket, ssl, sys
name, port, tls = sys.argv[1], int(sys.argv[2]), len(sys.argv) > 3
reqs = {
    "line": b"GARBAGE LINE\r\n\r\n",
    "nocolon": b"GET / HTTP/1.1\r\nHost: t\r\nNoColonHere\r\n\r\n",
    "badlen": b"POST /api/v1/records HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
    "uri": b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
    "header": b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"b" * 70000 + b"\r\n\r\n",
    "chunk": b"POST /api/v1/records HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"FFFFFFFFFFFFFFFFFFFFFFFF\r\n",
    "version": b"GET / HTTP/3.0\r\nHost: t\r\n\r\n",
}
s = socket.create_connection(("127.0.0.1", port), timeout=10)
if tls:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(s)
data = reqs[name]
try:
    s.sendall(data)
except OSError:
    pass  # the server may answer and close before reading it all
out = b""
try:
    while b"\r\n\r\n" not in out:
        k = s.recv(65536)
        if not k:
            break
        out += k
except OSError:
    pass
sys.stdout.write(out.split(b"\r\n\r\n")[0].decode("latin-1"))
EOF

# check NAME STATUS [tls]
check() {
    set -- "$1" "$2" "${3:-}"
    python3 raw.py "$1" "$PORT" ${3:-} > "$1$3.head" 2> "$1$3.err"
    st=$(sed -n '1s/^HTTP\/1\.[01] \([0-9]*\).*/\1/p' "$1$3.head")
    [ "$st" = "$2" ] || { fail "$1${3:+ over TLS}: status '$st', wanted $2"; cat "$1$3.head" "$1$3.err" >&2; return; }
    missing=
    for h in "Content-Security-Policy: default-src 'self'" "X-Content-Type-Options: nosniff" \
             "X-Frame-Options: DENY" "Referrer-Policy: no-referrer" "Content-Type: " \
             "Cache-Control: no-store" ${3:+"Strict-Transport-Security: max-age="}; do
        n=$(grep -c -i -F "$h" "$1$3.head")
        [ "$n" -eq 1 ] || missing="$missing [$h x$n]"
    done
    if [ -z "$missing" ]; then ok "$1${3:+ over TLS}: $2 with the security headers"
    else fail "$1${3:+ over TLS}: $2 lacks$missing"; cat "$1$3.head" >&2; fi
}

suite_serve
check line 400
check nocolon 400
check badlen 400
check uri 414
check header 431
check chunk 413
check version 505
st=$(curl -s -o h.body -w '%{http_code}' "$URL/health")
[ "$st" = 200 ] && ok "still serving after the bad requests" || fail "health after: $st"
# Our own answers pass through unchanged: each header once.
curl -s -D own.head -o /dev/null "$URL/health"
n=$(grep -c -i '^X-Content-Type-Options' own.head)
[ "$n" -eq 1 ] && ok "an answer of ours has the headers once" || fail "ours has nosniff x$n"
suite_stop_server

# Over TLS the same pages also carry Strict-Transport-Security.
if command -v openssl > /dev/null; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
        -days 2 -keyout srv.key -out srv.crt 2> ssl.err || { cat ssl.err >&2; exit 1; }
    chmod 600 srv.key
    suite_serve --tls-cert srv.crt --tls-key srv.key
    check version 505 tls
    check uri 414 tls
    check nocolon 400 tls
    suite_stop_server
fi

# ---- the limit options -----------------------------------------------------
for bad in "--max-connections 0" "--max-connections x" "--per-address-limit -1" \
           "--per-address-limit 1.5" "--request-timeout 0" "--request-timeout 86401"; do
    # shellcheck disable=SC2086
    "$BIN" serve --db "$DB" --port 0 $bad > opt.out 2> opt.err
    rc=$?
    if [ $rc -eq 2 ] && grep -q -- "${bad%% *}" opt.err; then ok "$bad refused (exit 2)"
    else fail "$bad: exit $rc"; cat opt.err >&2; fi
done
suite_serve --max-connections 100 --per-address-limit 0 --request-timeout 5
st=$(curl -s -o h.body -w '%{http_code}' "$URL/health")
[ "$st" = 200 ] && ok "good limit values: the server serves" || fail "with limit options: $st"
suite_stop_server
"$BIN" serve --help | grep -q -- '--per-address-limit N' && ok "--help documents the limits" \
    || fail "--help lacks --per-address-limit"

suite_end
