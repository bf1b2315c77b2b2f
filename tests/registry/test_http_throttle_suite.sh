# Failed-token throttling of `pathways serve`, with real requests (curl)
# against servers on free loopback ports, on one backend.
# Usage: sh test_http_throttle_suite.sh sqlite|pg   (env PW_BIN, PW_SRC)
# Covers (with no assumption on how fast a request is: see "Timing"):
# N wrong tokens from one address give 401, then 429 with
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

# Timing: the server counts on its own clock, so the checks below never
# assume how fast a request is. Each request is timed (ms, before it is
# sent and after its answer), and what the server must answer follows from
# those bounds: a request answered before the window after the blocking
# failure was even sent is refused for sure, one sent after the window
# ended (counted from that failure's answer) is served for sure, and
# Retry-After lies between the bounds the timings give. Where a loaded
# machine makes a pass too slow for its window to decide the outcome, the
# pass runs again with a window twice as long (new server, new address),
# so what is checked never depends on the load.
now_ms() { date +%s%3N; }
# treq NAME FROM TOKEN PATH: as req, and NAME.t holds "sent answered" (ms).
treq() {
    _t0=$(now_ms)
    _st=$(req "$@")
    echo "$_t0 $(now_ms)" > "$1.t"
    echo "$_st"
}
sent() { cut -d' ' -f1 "$1.t"; }
answered() { cut -d' ' -f2 "$1.t"; }

# ---- a limit of 3 in a short window ----------------------------------------
pass=0
W=2
while :; do
    pass=$((pass + 1))
    A=127.0.0.1$pass # a fresh address each pass: its own count and audit lines
    suite_serve --auth-fail-limit 3 --auth-fail-window $W
    ok "server listening on port $PORT (window $W s, client $A)"
    for i in 1 2 3; do
        st=$(treq bad$i $A "$BAD" stats); expect 401 "$st" "wrong token $i of 3" bad$i
    done
    # From now on the address is refused without its token being looked at:
    # a valid token gets 429 too.
    n429=0
    for i in 1 2 3 4; do
        st=$(treq blk$i $A "$CLIN" stats)
        [ "$st" = 429 ] && n429=$((n429 + 1))
    done
    st_bad4=$(treq bad4 $A "$BAD" stats)
    # The pass decides only if the three failures fell inside one window and
    # every refused request was answered before the block could end.
    if [ $(( $(answered bad3) - $(sent bad1) )) -lt $((W * 1000)) ] &&
       [ $(( $(answered bad4) - $(sent bad3) )) -lt $((W * 1000)) ]; then
        break
    fi
    suite_stop_server
    [ $W -ge 16 ] && { fail "requests too slow for a ${W}-second window: $(cat bad1.t) .. $(cat bad4.t)"; break; }
    echo "note: pass $pass took $(( $(answered bad4) - $(sent bad1) )) ms for a ${W}-second window; again with $((W * 2)) s"
    W=$((W * 2))
done
[ "$n429" -eq 4 ] && ok "4 requests after the 3rd failure: all 429" || fail "only $n429 of 4 were 429"
expect 429 "$st_bad4" "a wrong token is not checked either" bad4
# Retry-After = the block's end (the 3rd failure + W, on the server's clock)
# minus the moment blk1 was served, rounded up: the timings bound both.
RA=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*$/\1/p' blk1.head)
lo=$(( (W * 1000 - ($(answered blk1) - $(sent bad3)) + 999) / 1000 ))
[ "$lo" -ge 1 ] || lo=1
if [ -n "$RA" ] && [ "$RA" -ge "$lo" ] && [ "$RA" -le "$W" ]; then ok "Retry-After: $RA ($lo..$W s)"; else fail "Retry-After '$RA', wanted $lo..$W"; cat blk1.head >&2; fi
contains blk1.body '"error"' "429 has a JSON error"
# Another client address is not affected.
st=$(req other 127.0.0.2 "$CLIN" stats); expect 200 "$st" "another address is served" other
st=$(req other_bad 127.0.0.2 "$BAD" stats); expect 401 "$st" "another address has its own count" other_bad
st=$(curl -s -o health.body -w '%{http_code}' --interface $A "$URL/health")
expect 200 "$st" "health needs no token and is not throttled" health
# The block lasts one window from the 3rd failure: wait until the window
# has passed even counted from that failure's answer.
until_ms=$(( $(answered bad3) + W * 1000 + 100 ))
while [ "$(now_ms)" -lt "$until_ms" ]; do sleep 0.1; done
st=$(req after $A "$CLIN" stats); expect 200 "$st" "served again after the window" after
contains after.body '"people"' "with the stats"
st=$(req aud 127.0.0.2 "$AUDITOR" audit); expect 200 "$st" "audit list" aud
NT=$(grep -c "\"action\":\"throttled\",\"object\":\"http\",\"detail\":\"client $A," aud.body)
[ "$NT" -eq 5 ] && ok "each of the 5 refusals is audited (throttled)" || fail "$NT throttled entries of $A, wanted 5"
contains aud.body "\"action\":\"throttled\",\"object\":\"http\",\"detail\":\"client $A, retry after" "the refusal names the address"
NL=$(grep -c "\"action\":\"login_failed\",\"object\":\"http\",\"detail\":\"client $A\"" aud.body)
[ "$NL" -eq 3 ] && ok "the 3 checked wrong tokens of $A are audited (login_failed)" || fail "$NL login_failed entries of $A, wanted 3"
contains aud.body '"action":"login_failed","object":"http","detail":"client 127.0.0.2"' "login_failed names the address"
suite_stop_server
"$BIN" registry audit verify --db "$DB" > verify.out 2>&1 && ok "audit verify" || { fail "audit verify"; cat verify.out >&2; }

# ---- the defaults: 10 failures in 60 s ---------------------------------------
suite_serve
n401=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    st=$(treq d$i 127.0.0.3 "$BAD" stats); [ "$st" = 401 ] && n401=$((n401 + 1))
done
[ "$n401" -eq 10 ] && ok "default: 10 wrong tokens get 401" || fail "default: $n401 of 10 were 401"
st=$(treq d11 127.0.0.3 "$CLIN" stats)
# Ten requests in a minute: a machine slower than that fails here, loudly.
[ $(( $(answered d10) - $(sent d1) )) -lt 60000 ] || fail "default: 10 requests took over 60 s"
expect 429 "$st" "default: the 11th request gets 429" d11
RA=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*$/\1/p' d11.head)
lo=$(( (60000 - ($(answered d11) - $(sent d10)) + 999) / 1000 ))
if [ -n "$RA" ] && [ "$RA" -ge "$lo" ] && [ "$RA" -le 60 ]; then ok "default Retry-After: $RA ($lo..60)"; else fail "default Retry-After '$RA', wanted $lo..60"; fi
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
