# Failed-token throttling of `pathways serve`, with real requests (curl)
# against servers on free loopback ports, on one backend.
# Usage: sh test_http_throttle_suite.sh sqlite|pg   (env PW_BIN, PW_SRC)
# Covers: N wrong tokens from one address give 401, then 429 with
# Retry-After even for a valid token; another address (127.0.0.2) is not
# affected; the block ends after the window; every 401 and 429 is audited
# with the client address and the chain verifies; the defaults (10 in 60 s);
# --auth-fail-limit 0 turns throttling off; bad option values.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/suite_lib.sh"
suite_begin pw_throttletest "$@"

suite_users clinician auditor
CLIN=$(tail -n 1 tok_clinician); AUDITOR=$(tail -n 1 tok_auditor)
BAD=0000000000000000000000000000000000000000000000000000000000000000


# req NAME FROM TOKEN PATH -> NAME.body and NAME.head, prints the status.
# FROM is the client's source address (any 127.x address reaches the
# server on loopback).
req() {
    curl -s -o "$1.body" -D "$1.head" -w '%{http_code}' --interface "$2" \
        -H "Authorization: Bearer $3" "$URL/$4"
}
expect() { if [ "$1" = "$2" ]; then ok "$3 ($2)"; else fail "$3: HTTP $2, wanted $1"; cat "$4.body" >&2 2>/dev/null; fi; }

# ---- a limit of 3 in a 2-second window -----------------------------------
suite_serve --auth-fail-limit 3 --auth-fail-window 2
ok "server listening on port $PORT"
for i in 1 2 3; do
    st=$(req bad$i 127.0.0.1 "$BAD" stats); expect 401 "$st" "wrong token $i of 3" bad$i
done
# From now on the address is refused without its token being looked at:
# a valid token gets 429 too.
n429=0
for i in 1 2 3 4; do
    st=$(req blk$i 127.0.0.1 "$CLIN" stats)
    [ "$st" = 429 ] && n429=$((n429 + 1))
done
[ "$n429" -eq 4 ] && ok "4 requests after the 3rd failure: all 429" || fail "only $n429 of 4 were 429"
RA=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*$/\1/p' blk1.head)
if [ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le 2 ]; then ok "Retry-After: $RA (1..2 s)"; else fail "Retry-After '$RA'"; cat blk1.head >&2; fi
contains blk1.body '"error"' "429 has a JSON error"
st=$(req bad4 127.0.0.1 "$BAD" stats); expect 429 "$st" "a wrong token is not checked either" bad4
# Another client address is not affected.
st=$(req other 127.0.0.2 "$CLIN" stats); expect 200 "$st" "another address is served" other
st=$(req other_bad 127.0.0.2 "$BAD" stats); expect 401 "$st" "another address has its own count" other_bad
st=$(curl -s -o health.body -w '%{http_code}' --interface 127.0.0.1 "$URL/health")
expect 200 "$st" "health needs no token and is not throttled" health
# The block lasts one window (2 s) from the 3rd failure.
sleep 2.2
st=$(req after 127.0.0.1 "$CLIN" stats); expect 200 "$st" "served again after the window" after
contains after.body '"people"' "with the stats"
st=$(req aud 127.0.0.2 "$AUDITOR" audit); expect 200 "$st" "audit list" aud
NT=$(grep -c '"action":"throttled"' aud.body)
[ "$NT" -eq 5 ] && ok "each of the 5 refusals is audited (throttled)" || fail "$NT throttled entries, wanted 5"
contains aud.body '"action":"throttled","object":"http","detail":"client 127.0.0.1, retry after' "the refusal names the address"
NL=$(grep -c '"action":"login_failed"' aud.body)
[ "$NL" -eq 4 ] && ok "the 4 checked wrong tokens are audited (login_failed)" || fail "$NL login_failed entries, wanted 4"
contains aud.body '"action":"login_failed","object":"http","detail":"client 127.0.0.2"' "login_failed names the address"
suite_stop_server
"$BIN" registry audit verify --db "$DB" > verify.out 2>&1 && ok "audit verify" || { fail "audit verify"; cat verify.out >&2; }

# ---- the defaults: 10 failures in 60 s ---------------------------------------
suite_serve
n401=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    st=$(req d$i 127.0.0.3 "$BAD" stats); [ "$st" = 401 ] && n401=$((n401 + 1))
done
[ "$n401" -eq 10 ] && ok "default: 10 wrong tokens get 401" || fail "default: $n401 of 10 were 401"
st=$(req d11 127.0.0.3 "$CLIN" stats); expect 429 "$st" "default: the 11th request gets 429" d11
RA=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*$/\1/p' d11.head)
if [ -n "$RA" ] && [ "$RA" -ge 55 ] && [ "$RA" -le 60 ]; then ok "default Retry-After: $RA"; else fail "default Retry-After '$RA'"; fi
suite_stop_server

# ---- --auth-fail-limit 0: off --------------------------------------------------
suite_serve --auth-fail-limit 0
n401=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    st=$(req o$i 127.0.0.4 "$BAD" stats); [ "$st" = 401 ] && n401=$((n401 + 1))
done
[ "$n401" -eq 15 ] && ok "off: 15 wrong tokens all get 401" || fail "off: $n401 of 15 were 401"
st=$(req o16 127.0.0.4 "$CLIN" stats); expect 200 "$st" "off: a valid token is served" o16
suite_stop_server

# ---- bad option values -----------------------------------------------------------
"$BIN" serve --db "$DB" --auth-fail-window 0 > /dev/null 2> opt.err
[ $? -eq 2 ] && ok "--auth-fail-window 0 is a usage error" || fail "--auth-fail-window 0"
contains opt.err "auth-fail-window" "names the option"
"$BIN" serve --db "$DB" --auth-fail-limit -1 > /dev/null 2> opt.err
[ $? -eq 2 ] && ok "--auth-fail-limit -1 is a usage error" || fail "--auth-fail-limit -1"

suite_end
