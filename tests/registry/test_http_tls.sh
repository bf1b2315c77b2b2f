# `pathways serve --tls-cert/--tls-key`: HTTPS with a self-signed
# certificate made here with openssl, against a server on a free loopback
# port (SQLite; TLS does not touch the backend).
# Usage: sh test_http_tls.sh   (env PW_BIN, PW_SRC)
# Covers: "listening on https://"; health and an audited episode read over
# HTTPS with the certificate as CA (the read is in the audit log and the
# chain verifies); Strict-Transport-Security on API answers and front-end
# files; the front-end's page and script over HTTPS; TLS 1.2 and 1.3 work,
# TLS 1.1 does not; plain HTTP to the TLS port gets no answer and the
# server goes on; curl without the CA fails verification. Refusals, each
# with a non-zero exit, a message naming the file, and no "listening"
# line: only one of the two options (usage, exit 2), a missing file, a key
# of mode 0644 or 0604, a key of another certificate, a garbage PEM
# certificate or key, a DER certificate, an encrypted key. Without TLS a
# non-loopback --bind warns, and a loopback one does not.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_httptls sqlite

command -v openssl > /dev/null || { echo "openssl not installed" >&2; exit 1; }
# mkcert NAME CN: NAME.crt and NAME.key, a P-256 self-signed certificate for
# the IP 127.0.0.1 valid two days (openssl writes the key mode 0600).
mkcert() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj "/CN=$2" -addext "subjectAltName=IP:127.0.0.1" -days 2 \
        -keyout "$1.key" -out "$1.crt" 2> "$1.ssl.err" || { cat "$1.ssl.err" >&2; exit 1; }
    chmod 600 "$1.key"
}
mkcert srv 127.0.0.1
mkcert other 127.0.0.1

suite_users clinician auditor
CLIN=$(tail -n 1 tok_clinician); AUDITOR=$(tail -n 1 tok_auditor)

# ---- a server with TLS ------------------------------------------------------
suite_serve --tls-cert srv.crt --tls-key srv.key
case "$BASE" in https://127.0.0.1:*) ok "listening on $BASE" ;; *) fail "listening line: '$BASE'" ;; esac

# sreq NAME METHOD PATH TOKEN [curl args...] -> NAME.body, NAME.hdr; prints
# the status (000 when curl got no HTTP answer), verifying with our CA.
sreq() {
    name=$1 method=$2 path=$3 tok=$4
    shift 4
    set -- -s -o "$name.body" -D "$name.hdr" -w '%{http_code}' --cacert srv.crt -X "$method" "$@"
    if [ -n "$tok" ]; then
        curl "$@" -H "Authorization: Bearer $tok" "$BASE$path"
    else
        curl "$@" "$BASE$path"
    fi
}
expect() { if [ "$1" = "$2" ]; then ok "$3 ($2)"; else fail "$3: HTTP $2, wanted $1"; cat "$4.body" >&2 2>/dev/null; fi; }

st=$(sreq health GET /api/v1/health ""); expect 200 "$st" "health over HTTPS" health
contains health.body '"status":"ok"' "health body"
contains health.hdr '^Strict-Transport-Security: max-age=31536000' "HSTS on an API answer"
contains health.hdr "^Content-Security-Policy: default-src 'self'" "CSP over HTTPS"

cat > rec.jsonl <<'EOF'
{"type":"person","ref":"P1","national_id":"900101300001","name":"Aigerim One","birth_date":"1990-01-01","sex":"female"}
{"type":"episode","ref":"E1","person":"P1","programme":"A","regime":"hybrid","legal_basis":"voluntary","start":"2025-01-01","substance":"heroin"}
EOF
st=$(sreq post POST /api/v1/records "$CLIN" --data-binary @rec.jsonl); expect 201 "$st" "import over HTTPS" post
contains post.body '"committed":2' "2 records committed"
reads0=$(q "SELECT count(*) FROM audit WHERE action = 'read' AND object LIKE 'episode:%'")
st=$(sreq ep GET /api/v1/episodes/E1 "$CLIN"); expect 200 "$st" "authenticated episode read over HTTPS" ep
contains ep.body '"name":"Aigerim One"' "the clinician sees the record"
reads1=$(q "SELECT count(*) FROM audit WHERE action = 'read' AND object LIKE 'episode:%'")
is "the HTTPS read is audited" "$((reads1 - reads0))" 1
st=$(sreq noauth GET /api/v1/episodes/E1 ""); expect 401 "$st" "no token over HTTPS" noauth
st=$(sreq ver GET /api/v1/audit/verify "$AUDITOR"); expect 200 "$st" "audit verify over HTTPS" ver
contains ver.body '"ok":true' "audit chain intact"

# The front-end over HTTPS: relative URLs only, so the page's own origin
# (https://) serves its script; 404s carry the headers too.
st=$(sreq index GET / ""); expect 200 "$st" "front-end page over HTTPS" index
contains index.hdr '^Strict-Transport-Security:' "HSTS on the page"
lacks index.body 'http://' "the page names no http:// URL"
st=$(sreq appjs GET /app.js ""); expect 200 "$st" "front-end script over HTTPS" appjs
st=$(sreq nf GET /no-such-file.html ""); expect 404 "$st" "unknown file over HTTPS" nf
contains nf.hdr '^Strict-Transport-Security:' "HSTS on a 404"

# Protocol versions: 1.2 and 1.3 yes (curl's own limits), 1.1 no.
st=$(sreq v12 GET /api/v1/health "" --tlsv1.2 --tls-max 1.2); expect 200 "$st" "TLS 1.2" v12
st=$(sreq v13 GET /api/v1/health "" --tlsv1.3); expect 200 "$st" "TLS 1.3" v13
# openssl at security level 0 offers TLS 1.1, which only the server can
# then refuse.
if openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' \
        < /dev/null > v11.out 2>&1; then
    fail "a TLS 1.1 handshake succeeded"; sed 's/^/  | /' v11.out >&2
else
    ok "TLS 1.1 refused"
fi

# Plain HTTP to the TLS port: no HTTP answer at all, and the server goes on.
: > plain.body # curl writes nothing without an answer
st=$(curl -s -o plain.body -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/api/v1/health")
is "plain HTTP to the TLS port gets no HTTP answer" "$st" 000
lacks plain.body 'status' "nothing of the API over plain HTTP"
st=$(sreq after GET /api/v1/health ""); expect 200 "$st" "still serving HTTPS after a plain request" after
# Without our certificate as CA, curl must refuse the self-signed one (60).
curl -s -o /dev/null "$BASE/api/v1/health"
is "curl without --cacert fails verification (exit)" "$?" 60

# Stopped by SIGTERM it exits 0; under the sanitizer build a leak or a
# use of the wiped key buffer would change that.
kill "$SERVER"; wait "$SERVER"; rc=$?; SERVER=
is "the TLS server stops cleanly (exit)" "$rc" 0
lacks serve.err 'Sanitizer\|runtime error' "no sanitizer report from the TLS server"
"$BIN" registry audit verify --db "$DB" > verify.out 2>&1 && ok "audit verify after stop" \
    || { fail "audit verify"; cat verify.out >&2; }

# ---- refusals -----------------------------------------------------------------
# refused NAME WANT_RC FILE_NAMED [serve options]: exits WANT_RC (any
# non-zero for "x") within 20 s, prints no listening line, names the file.
refused() {
    name=$1 want=$2 named=$3
    shift 3
    timeout 20 "$BIN" serve --db "$DB" --port 0 --threads 1 "$@" > "$name.out" 2> "$name.err"
    rc=$?
    if [ "$rc" = 124 ]; then
        fail "$name: still running after 20 s"
    elif [ "$want" = x ] && [ "$rc" -ne 0 ] || [ "$want" = "$rc" ]; then
        ok "$name refused (exit $rc)"
    else
        fail "$name: exit $rc, wanted $want"
    fi
    lacks "$name.out" listening "$name: nothing listens"
    contains "$name.err" "$named" "$name: the message names $named"
}
refused only_cert 2 '--tls-key' --tls-cert srv.crt
refused only_key 2 '--tls-cert' --tls-key srv.key
refused no_cert 1 'missing.crt: --tls-cert: cannot read' --tls-cert missing.crt --tls-key srv.key
refused no_key 1 'missing.key: --tls-key: cannot read' --tls-cert srv.crt --tls-key missing.key
cp srv.key open.key && chmod 644 open.key
refused key644 1 'open.key: --tls-key: .*mode 0644' --tls-cert srv.crt --tls-key open.key
contains key644.err 'chmod 600 open.key' "key644: says how to fix it"
chmod 604 open.key
refused key604 1 'open.key: --tls-key: .*mode 0604' --tls-cert srv.crt --tls-key open.key
refused mismatch 1 'other.key: --tls-key: this key does not belong to the certificate in srv.crt' \
    --tls-cert srv.crt --tls-key other.key
printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n' > junk.crt
refused junk_cert 1 'junk.crt: --tls-cert: no X.509 certificate' --tls-cert junk.crt --tls-key srv.key
printf -- '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' > junk.key
chmod 600 junk.key
refused junk_key 1 'junk.key: --tls-key: no private key' --tls-cert srv.crt --tls-key junk.key
echo "hello" > text.crt
refused text_cert 1 'text.crt: --tls-cert: not a PEM file' --tls-cert text.crt --tls-key srv.key
openssl x509 -in srv.crt -outform DER -out srv.der
refused der_cert 1 'srv.der: --tls-cert: not a PEM file (binary' --tls-cert srv.der --tls-key srv.key
refused swapped 1 'srv.key: --tls-cert: no X.509 certificate' --tls-cert srv.key --tls-key srv.key
openssl pkey -in srv.key -aes256 -passout pass:secret -out enc.key 2> enc.err
chmod 600 enc.key
refused enc_key 1 'enc.key: --tls-key: the key is encrypted' --tls-cert srv.crt --tls-key enc.key

# ---- the warning without TLS ------------------------------------------------
suite_serve --bind 127.0.0.1
lacks serve.err 'warning' "no warning on loopback"
suite_stop_server
rm -f serve.out
"$BIN" serve --db "$DB" --port 0 --threads 1 --bind 0.0.0.0 > serve.out 2> serve.err &
SERVER=$!
i=0
while ! grep -q listening serve.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
contains serve.out '^listening on http://0.0.0.0:' "a non-loopback bind still starts"
contains serve.err 'warning: listening on 0.0.0.0 without TLS' "and warns about clear text"
suite_stop_server

"$BIN" serve --help > help.out
contains help.out '--tls-cert FILE' "--help names --tls-cert"
contains help.out 'chmod 600' "--help says how the key must be kept"

suite_end
