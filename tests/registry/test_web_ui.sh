# The web front-end of `pathways serve` in a real headless Chromium, driven
# over the W3C WebDriver protocol (webdriver.sh: chromedriver, curl, jq).
# A registry is made with `registry init/user add/import` from
# web_fixture.jsonl, a server started on a free loopback port, and each
# role signs in through the page as a person would.
# Asserts: a wrong token shows the sign-in error; the clinician's dashboard
# shows the caseload worked out by hand from the fixture (5 open: B 2, C 2,
# D 1) and marks the programmes under 80% completeness (A, B; not C, whose
# E9 held both its reviews and whose E10 waits for the panel, so none of
# its reviews is due yet; not D);
# the survival view draws one curve with its band and the hand-worked
# numbers (n 6, 3 relapses, median 30 days); a review with a bad field shows
# the server's field-named error next to that field and the registry's
# review count is unchanged, a good one adds one; sign-out forgets the
# token and the records shown; the court liaison (signing in with the
# keyboard only) finds E7 in the episode list filtered by programme and
# sees attendance and tests, the withheld list names review
# scores and notes, and no score or note is anywhere in the DOM; the
# analyst sees the pseudonym, never the ref or name; the auditor verifies
# the chain and lists the log; the admin adds a user whose one-time token
# works; intake registers a person and an episode through the forms and
# the clinician discharges it (stats and the episode agree); the panel
# accepts a pending placement (the episode turns active, members kept);
# 403, 429 and 400 answers read as sentences; every form
# control has a label; at 390 px nothing overflows
# sideways; the CSP and other headers are sent; no script error or CSP
# refusal reaches the console; the screenshots are real PNGs of the
# window's size. Safe entry: required choices start empty and an unchosen
# one is refused in the form with its label; a future date and "1-" in a
# number are refused with their labels, nothing sent, and the server
# refuses the date too (code future_date); a correction is saved, the form
# shows what was stored, and the episode shows it as history; the empty
# choice reads "выберите" in Russian. Screenshots are kept in $PW_BUILD/web-screenshots/.
set -u
BIN=${PW_BIN:?PW_BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in chromedriver jq curl; do
    command -v "$tool" > /dev/null || { echo "$tool not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
. "$HERE/webdriver.sh"
WORK=$(mktemp -d /tmp/pw_webui.XXXXXX)
SHOTS=${PW_BUILD:-$WORK}/web-screenshots
mkdir -p "$SHOTS"
FAILS=0
SERVER=

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
# check DESCRIPTION SCRIPT: the script (a function body) must return true.
check() { if [ "$(wd_js "$2")" = true ]; then ok "$1"; else fail "$1"; fi; }
# text CSS: the element's text content.
text() { wd_js 'const e = document.querySelector(arguments[0]); return e ? e.textContent : null;' "[\"$1\"]" | jq -r .; }

cleanup() {
    wd_stop
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$WORK" || exit 1

# ---- a registry with the fixture, and a server ---------------------------
DB="$WORK/reg.db"
"$BIN" registry init --db "$DB" > init.out 2> init.err || { cat init.err >&2; exit 1; }
ADMIN=$(tail -n 1 init.out)
for role in clinician court_liaison analyst auditor intake panel; do
    "$BIN" registry user add --db "$DB" --as "$ADMIN" --name "u_$role" --role "$role" \
        > "tok_$role" 2> add.err || { cat add.err >&2; exit 1; }
done
CLIN=$(tail -n 1 tok_clinician); COURT=$(tail -n 1 tok_court_liaison)
ANALYST=$(tail -n 1 tok_analyst); AUDITOR=$(tail -n 1 tok_auditor); INTAKE=$(tail -n 1 tok_intake)
PANEL=$(tail -n 1 tok_panel)
"$BIN" registry import --db "$DB" --as "$CLIN" "$HERE/web_fixture.jsonl" > imp.out 2>&1 ||
    { cat imp.out >&2; exit 1; }

"$BIN" serve --db "$DB" --port 0 --threads 2 > serve.out 2> serve.err &
SERVER=$!
i=0
while ! grep -q listening serve.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
BASE=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' serve.out)
[ -n "$BASE" ] || { echo "server did not start" >&2; cat serve.err >&2; exit 1; }
ok "server at $BASE"

# stat NAME: one count of GET /api/v1/stats, as the clinician.
stat() { curl -s -H "Authorization: Bearer $CLIN" "$BASE/api/v1/stats" | jq -r ".$1"; }

# ---- headers (the page's and the API's) ---------------------------------
curl -s -D page.h -o page.html "$BASE/"
grep -qi "^Content-Security-Policy: default-src 'self'" page.h && ok "CSP on the page" || fail "no CSP on the page"
grep -qi '^X-Content-Type-Options: nosniff' page.h && ok "nosniff on the page" || fail "nosniff"
grep -qi '^Content-Type: text/html' page.h && ok "page is text/html" || fail "page type"
curl -s -D api.h -o /dev/null -H "Authorization: Bearer $CLIN" "$BASE/api/v1/stats"
grep -qi '^Cache-Control: no-store' api.h && ok "API answers are no-store" || fail "API no-store"
grep -qi "^Content-Security-Policy: default-src 'self'" api.h && ok "CSP on the API" || fail "API CSP"
# No inline script or style in the page: all of it must come from files.
if grep -qiE '<script>|<script [^>]*>[^<]|<style|style=' page.html; then fail "inline script or style in index.html"; else ok "no inline script or style"; fi

wd_start "$WORK/wd" || { echo "cannot start Chromium through chromedriver" >&2; exit 1; }
ok "chromium session"

# shot NAME: screenshot, checked to be a PNG of the window's width.
shot() {
    wd_shot "$SHOTS/$1.png"
    sig=$(od -An -tx1 -N8 "$SHOTS/$1.png" | tr -d ' \n')
    w=$(od -An -tu1 -j16 -N4 "$SHOTS/$1.png" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
    size=$(wc -c < "$SHOTS/$1.png")
    want=${2:-1280}
    if [ "$sig" = 89504e470d0a1a0a ] && [ "$size" -gt 15000 ] && [ "$w" -eq "$want" ]; then
        ok "screenshot $1.png ($size bytes, $w px wide)"
    else
        fail "screenshot $1.png: signature $sig, $size bytes, $w px"
    fi
}

# sign_in TOKEN: through the form, then wait for the navigation.
sign_in() {
    wd_go "$BASE/"
    wd_wait 'return !!document.querySelector("#token") && !document.querySelector("#view-signin").hidden;' || return 1
    wd_type '#token' "$1"
    wd_click '#signin-form button[type=submit]'
    wd_wait 'return !document.querySelector("#whoami").hidden;'
}
sign_out() {
    wd_click '#signout'
    wd_wait 'return !document.querySelector("#view-signin").hidden;'
}
# nav VIEW: a click on the navigation link.
nav() {
    wd_click "#nav-list a[data-view=$1]"
    wd_wait "return !document.querySelector('#view-$1').hidden;"
}

# ---- a wrong token ---------------------------------------------------------
wd_go "$BASE/"
wd_wait 'return !!document.querySelector("#token");' || fail "sign-in page"
wd_type '#token' 0000000000000000000000000000000000000000000000000000000000000000
wd_click '#signin-form button[type=submit]'
wd_wait 'return !document.querySelector("#signin-error").hidden;' && ok "wrong token: error shown" || fail "wrong token: no error"
case $(text '#signin-error') in *"not accepted"*) ok "the error says the token was not accepted" ;; *) fail "sign-in error text: $(text '#signin-error')" ;; esac
check "wrong token: nothing kept" 'return sessionStorage.length === 0 && document.querySelector("#nav").hidden;'
check "every sign-in control has a label" 'return [...document.querySelectorAll("#view-signin input")].every(e => e.labels.length > 0);'
shot signin-error

# ---- the clinician's dashboard ---------------------------------------------
sign_in "$CLIN" && ok "clinician signed in" || fail "clinician sign-in"
[ "$(text '#who-role')" = clinician ] && ok "role shown" || fail "role: $(text '#who-role')"
check "token only in sessionStorage" "return sessionStorage.getItem('pathways.token') === '$CLIN' && localStorage.length === 0 && !location.href.includes('$CLIN') && document.cookie === '';"
# The fixture's dates are fixed, so look at the registry as of 2026-01-01.
wd_type '#dash-asof' 2026-01-01
wd_click '#dash-form button[type=submit]'
wd_wait 'return !!document.querySelector("#completeness-table") && !!document.querySelector("#caseload-table") && !!document.querySelector("#dash-overdue") && !document.querySelector("[aria-busy]");' ||
    fail "dashboard did not load"
[ "$(text '#dash-open')" = 5 ] && ok "caseload: 5 open episodes" || fail "open: $(text '#dash-open')"
cl=$(wd_js 'return [...document.querySelectorAll("#caseload-table tbody tr")].map(r => [...r.cells].map(c => c.textContent).join(":")).join(" ");' | jq -r .)
[ "$cl" = "B:treatment:2 C:treatment:2 D:treatment:1" ] && ok "caseload by programme and phase: $cl" || fail "caseload rows: $cl"
low=$(wd_js 'return [...document.querySelectorAll("#completeness-table tbody tr.low th")].map(c => c.textContent).join(",");' | jq -r .)
[ "$low" = "A,B" ] && ok "programmes under 80% marked: $low (C and D are not)" || fail "marked: $low"
check "the mark is also a word" 'return document.querySelectorAll("#completeness-table .badge").length === 2;'
ov=$(curl -s -H "Authorization: Bearer $CLIN" "$BASE/api/v1/reports/overdue?as_of=2026-01-01" | jq -r .count)
[ "$(text '#dash-overdue')" = "$ov" ] && ok "overdue reviews: $ov, as the API says" || fail "overdue: $(text '#dash-overdue') vs $ov"
case $(text '#flags-list') in *E7*E8*) ok "flags list E7 and E8" ;; *) fail "flags: $(text '#flags-list')" ;; esac
check "outcomes as percentages" 'return [...document.querySelectorAll("#outcomes-table tbody tr")][0].textContent.includes("100.0%");'
shot dashboard

# ---- relapse-free survival ---------------------------------------------------
nav survival
wd_type '#surv-asof' 2026-01-01
wd_click '#surv-form button[type=submit]'
wd_wait 'return !!document.querySelector("#km-svg path.curve");' || fail "no curve"
check "one curve with its 95% band" 'return document.querySelectorAll("#km-svg path.curve").length === 1 && document.querySelectorAll("#km-svg path.band").length === 1;'
srow=$(wd_js 'return [...document.querySelector("#surv-summary tbody tr").cells].slice(0, 4).map(c => c.textContent).join(":");' | jq -r .)
[ "$srow" = "A:6:3:30" ] && ok "survival numbers by hand: $srow" || fail "survival row: $srow"
# The curve steps down to S = 0.3125 at day 30: its lowest point must sit
# at 68.75% of the plot's height (the frame rectangle: the plot is sized to
# its box, so the viewBox depends on the window).
check "the curve reaches S = 0.3125" 'const f = document.querySelector("#km-svg rect.frame"); const y0 = +f.getAttribute("y"), h = +f.getAttribute("height"); const d = document.querySelector("#km-svg path.curve").getAttribute("d"); const ys = [...d.matchAll(/,([0-9.]+)/g)].map(m => +m[1]); return Math.abs(Math.max(...ys) - (y0 + 0.6875 * h)) < 0.2;'
shot survival

# ---- recording a review: a bad field, then a good one -----------------------
nav record
wd_wait 'return !!document.querySelector("#rec-kind option[value=review]");' || fail "no review form offered"
wd_select '#rec-kind' review
wd_wait 'return !!document.querySelector("#rec-form[data-type=review]");' || fail "review form"
check "every record control has a label" 'return [...document.querySelectorAll("#rec-form input, #rec-form select, #rec-form textarea")].every(e => e.labels.length > 0);'
before=$(stat reviews)
wd_type '#rec-episode' E7
wd_select '#rec-stage' review
wd_type '#rec-psych_health' 25
wd_type '#rec-notes' 'second clinical note'
wd_click '#rec-form button[type=submit]'
wd_wait 'return !document.querySelector("#rec-err-psych_health").hidden;' && ok "bad field: error next to psych_health" || fail "no field error"
case $(text '#rec-err-psych_health') in *"between 0 and 20"*) ok "the server's reason is shown" ;; *) fail "field error: $(text '#rec-err-psych_health')" ;; esac
# Caught in the form now, before anything is sent: the summary names the
# field by its label.
case $(text '#rec-error') in *"Psychological health"*) ok "the summary names the field by its label" ;; *) fail "summary: $(text '#rec-error')" ;; esac
check "the field is marked invalid and focused" 'const e = document.querySelector("#rec-psych_health"); return e.getAttribute("aria-invalid") === "true" && document.activeElement === e;'
[ "$(stat reviews)" = "$before" ] && ok "stats unchanged after the bad review ($before)" || fail "reviews $before -> $(stat reviews)"
shot record-error
wd_type '#rec-psych_health' 14
wd_click '#rec-form button[type=submit]'
wd_wait 'return document.querySelector("#rec-done").textContent.includes("Saved");' && ok "good review saved" || fail "good review: $(text '#rec-error')"
[ "$(stat reviews)" = $((before + 1)) ] && ok "stats: reviews $before -> $((before + 1))" || fail "reviews after the good one: $(stat reviews)"
check "the error is gone" 'return document.querySelector("#rec-err-psych_health").hidden && document.querySelector("#rec-error").hidden;'

# ---- narrow screen -------------------------------------------------------------
wd_size 390 844
nav dashboard
wd_wait 'return !!document.querySelector("#completeness-table");' || true
check "390 px: nothing overflows sideways" 'return document.documentElement.scrollWidth <= window.innerWidth;'
wd_shot "$SHOTS/dashboard-narrow.png"
wd_size 1280 900

# ---- sign-out -------------------------------------------------------------------
sign_out && ok "signed out" || fail "sign-out"
check "sign-out forgets the token and the records shown" 'return sessionStorage.length === 0 && document.querySelector("#dash-cards").children.length === 0;'

# ---- court liaison: keyboard only ---------------------------------------------
wd_go "$BASE/"
wd_wait 'return !!document.querySelector("#token");'
e=$(wd_el '#token')
# Enter (U+E007) in the token field submits the form: no mouse needed.
wd_req POST "/session/$WD_SID/element/$e/value" "$(jq -cn --arg t "$COURT" '{text: ($t + "\ue007")}')" > /dev/null
wd_wait 'return !document.querySelector("#whoami").hidden;' && ok "court liaison signed in with the keyboard" || fail "keyboard sign-in"
check "court liaison: no survival view offered" 'return !document.querySelector("#nav-list a[data-view=survival]");'
nav episode
wd_wait 'return !!document.querySelector("#epl-table");' || fail "episode list as court liaison"
# Only the court's episodes (scope.h): E7 is court-ordered, the rest voluntary or compulsory.
case $(text '#epl-table caption') in *"of 1 "*) ok "the list counts the 1 court episode" ;; *) fail "list caption: $(text '#epl-table caption')" ;; esac
wd_type '#epl-programme' B
wd_click '#epl-form button[type=submit]'
wd_wait 'return document.querySelectorAll("#epl-table tbody tr").length === 1;' && ok "programme B: 1 court episode listed (E8 is voluntary)" || fail "programme filter"
wd_click '#epl-table button[data-id="7"]'
wd_wait 'return !!document.querySelector("#ep-sec-withheld");' || fail "episode as court liaison"
check "court liaison sees attendance and tests" 'return !!document.querySelector("#ep-sec-attendance") && document.querySelectorAll("#ep-sec-tests tbody tr").length === 3;'
check "withheld lists review scores and notes" 'return !!document.querySelector("#ep-withheld li[data-part=reviews]") && !!document.querySelector("#ep-withheld li[data-part=notes]");'
# Scores and notes by their values in the fixture and their labels.
leak=$(wd_js 'const h = document.documentElement.outerHTML; return (h.match(/psych|quality of life|synthetic days|private clinical note|second clinical note|"13"|>13</gi) || []).join(",") + (document.querySelector("#ep-sec-reviews") ? ",reviews section" : "");' | jq -r .)
[ -z "$leak" ] && ok "no review section, no score, no note in the DOM" || fail "court liaison DOM has: $leak"
wd_js 'document.querySelector("#ep-sec-withheld").scrollIntoView();' > /dev/null
shot episode-court
sign_out

# ---- analyst: a pseudonym, never the ref --------------------------------------
PSEUDO=$(curl -s -H "Authorization: Bearer $ANALYST" "$BASE/api/v1/episodes/7" | jq -r .person.pseudonym)
sign_in "$ANALYST" && ok "analyst signed in" || fail "analyst sign-in"
nav episode
wd_wait 'return !!document.querySelector("#epl-table");' || fail "episode list as analyst"
lt=$(text '#epl-table')
case $lt in *E7*|*E1*) fail "analyst's list shows refs" ;; *"$PSEUDO"*) ok "analyst's list shows pseudonyms, no refs" ;; *) fail "analyst's list: $lt" ;; esac
# By number: the analyst may not look up by the clinic's ref.
wd_type '#ep-id' 7
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#ep-sec-person");' || fail "episode as analyst"
out=$(text '#ep-out')
case $out in *"$PSEUDO"*) ok "analyst sees the pseudonym $PSEUDO" ;; *) fail "no pseudonym in: $out" ;; esac
case $out in *E7*|*P7*|*Galym*) fail "analyst sees a ref or a name" ;; *) ok "analyst sees no ref and no name" ;; esac
sign_out

# ---- auditor: verify and list ---------------------------------------------------
sign_in "$AUDITOR" && ok "auditor signed in" || fail "auditor sign-in"
nav audit
wd_wait 'return document.querySelector("#aud-verify-out").textContent.includes("intact");' && ok "audit chain intact" || fail "verify: $(text '#aud-verify-out')"
wd_click '#aud-load'
wd_wait 'return !!document.querySelector("#audit-table");' || fail "audit list"
check "the log shows the sign-ins, the failed one, the episode reads and the new review" 'const rows = [...document.querySelectorAll("#audit-table tbody tr")].map(r => [...r.cells].map(c => c.textContent)); const has = (a, o) => rows.some(r => r[4] === a && r[5] === o); return has("read", "me") && has("login_failed", "http") && has("read", "episode:E7") && has("create", "episode:E7");'
shot audit
sign_out

# ---- admin: a new user's one-time token works ---------------------------------
sign_in "$ADMIN" && ok "admin signed in" || fail "admin sign-in"
nav users
wd_wait 'return document.querySelectorAll("#usr-role option").length === 9;' || fail "roles"
wd_type '#usr-name' ui_lab
wd_select '#usr-role' lab
wd_click '#usr-form button[type=submit]'
wd_wait 'return !!document.querySelector("#usr-token");' || fail "no token shown"
NEW=$(wd_js 'return document.querySelector("#usr-token").value;' | jq -r .)
[ "$(curl -s -H "Authorization: Bearer $NEW" "$BASE/api/v1/me" | jq -r .role)" = lab ] &&
    ok "the new user's token signs in as lab" || fail "new token '$NEW'"
shot users
sign_out

# ---- intake registers a person and an episode; the clinician discharges it --
# save: submit the form on screen and wait for the confirmation.
save() {
    wd_click '#rec-form button[type=submit]'
    wd_wait 'return document.querySelector("#rec-done").textContent.includes("Saved") || !document.querySelector("#rec-error").hidden;'
    case $(text '#rec-done') in *Saved*) ok "$1 saved" ;; *) fail "$1: $(text '#rec-error')" ;; esac
}
people=$(stat people); episodes=$(stat episodes)
sign_in "$INTAKE" && ok "intake signed in" || fail "intake sign-in"
nav record
check "intake is offered person, episode, consent and correction forms, not reviews" 'const o = [...document.querySelectorAll("#rec-kind option")].map(x => x.value).join(","); return o === "person,episode,consent,amendment";'
wd_wait 'return !!document.querySelector("#rec-form[data-type=person]");'
check "a birth date is not prefilled" 'return document.querySelector("#rec-birth_date").value === "";'
wd_type '#rec-ref' P12; wd_type '#rec-national_id' 900101300012; wd_type '#rec-name' 'Lazzat Twelve'
wd_type '#rec-birth_date' 1997-04-05; wd_select '#rec-sex' female
save "person P12"
wd_select '#rec-kind' episode
wd_wait 'return !!document.querySelector("#rec-form[data-type=episode]");'
wd_type '#rec-ref' E12; wd_type '#rec-person' P12; wd_type '#rec-programme' B; wd_type '#rec-regime' hybrid
wd_select '#rec-legal_basis' voluntary; wd_type '#rec-start' 2025-12-01
save "episode E12"
[ "$(stat people) $(stat episodes)" = "$((people + 1)) $((episodes + 1))" ] &&
    ok "stats: one more person and episode" || fail "stats after intake: $(stat people) $(stat episodes)"
# A spreadsheet of people through the page: BOM, Cyrillic, a quoted comma.
wd_select '#rec-kind' person
wd_wait 'return !!document.querySelector("#csv-form");' || fail "no spreadsheet form"
printf '\357\273\277ref,national_id,name,birth_date,sex\r\nP13,900101300013,"Әлия Сейітқызы, мл.",1998-05-06,female\r\n' > "$WORK/people.csv"
e=$(wd_el '#csv-file')
wd_req POST "/session/$WD_SID/element/$e/value" "$(jq -cn --arg t "$WORK/people.csv" '{text: $t}')" > /dev/null
wd_click '#csv-form button[type=submit]'
wd_wait 'return document.querySelector("#csv-out").textContent !== "";'
case $(text '#csv-out') in Saved*) ok "a CSV of people imported from the page: $(text '#csv-out')" ;; *) fail "CSV upload: $(text '#csv-out')" ;; esac
[ "$(curl -s -H "Authorization: Bearer $CLIN" "$BASE/api/v1/stats" | jq -r .people)" = "$((people + 2))" ] && ok "stats: the spreadsheet's person is stored" || fail "people after the CSV: $(stat people)"
sign_out
sign_in "$CLIN" && ok "clinician signed in again" || fail "clinician sign-in"
nav record
wd_select '#rec-kind' discharge
wd_wait 'return !!document.querySelector("#rec-form[data-type=discharge]");'
wd_type '#rec-episode' E12; wd_type '#rec-date' 2025-12-20; wd_select '#rec-reason' completed
save "discharge of E12"
[ "$(curl -s -H "Authorization: Bearer $CLIN" "$BASE/api/v1/episodes/E12" | jq -r '.status + " " + .discharge.reason')" = "discharged completed" ] &&
    ok "E12 is discharged, reason completed" || fail "E12 after discharge"
sign_out

# ---- the panel accepts the pending placement E10 --------------------------------
sign_in "$PANEL" && ok "panel signed in" || fail "panel sign-in"
nav record
check "the panel is offered only the panel decision" 'return [...document.querySelectorAll("#rec-kind option")].map(x => x.value).join(",") === "panel";'
wd_wait 'return !!document.querySelector("#rec-form[data-type=panel]");'
wd_type '#rec-episode' E10; wd_type '#rec-date' 2025-11-10; wd_select '#rec-decision' accept
wd_type '#rec-members' 'Dr A. Member, Dr B. Member, C. Lawyer'
save "panel decision on E10"
[ "$(curl -s -H "Authorization: Bearer $CLIN" "$BASE/api/v1/episodes/E10" | jq -r '.status + " " + (.panel[0].members | length | tostring)')" = "active 3" ] &&
    ok "E10 is active, with the 3 members on record" || fail "E10 after the panel decision"

sign_out

# ---- safe entry: empty required choices, checks with the label, a correction --
sign_in "$CLIN" && ok "clinician signed in for safe entry" || fail "clinician sign-in (safe entry)"
nav record
wd_select '#rec-kind' test
wd_wait 'return !!document.querySelector("#rec-form[data-type=test]") && document.querySelectorAll("#rec-analyte option").length > 10;' &&
    ok "the test form's analytes come from the server's list" || fail "analyte list"
check "required choices start empty and must be chosen" 'const r = document.querySelector("#rec-result"), a = document.querySelector("#rec-analyte"); return r.value === "" && a.value === "" && r.options[0].value === "" && r.options[0].textContent.includes("choose");'
tests_before=$(stat tests)
wd_type '#rec-episode' E7
wd_select '#rec-analyte' opiates
wd_click '#rec-form button[type=submit]'
wd_wait 'return !document.querySelector("#rec-err-result").hidden;' && ok "an unchosen result is refused in the form" || fail "no error for the unchosen result"
case $(text '#rec-err-result') in Result*) ok "the message names the field by its label: $(text '#rec-err-result')" ;; *) fail "result error: $(text '#rec-err-result')" ;; esac
[ "$(stat tests)" = "$tests_before" ] && ok "nothing sent: tests unchanged ($tests_before)" || fail "tests $tests_before -> $(stat tests)"
FUT=$(date -u -d '+2 days' +%F)
wd_select '#rec-kind' review
wd_wait 'return !!document.querySelector("#rec-form[data-type=review]");' || fail "review form (safe entry)"
reviews_before=$(stat reviews)
wd_type '#rec-episode' E7; wd_type '#rec-date' "$FUT"; wd_select '#rec-stage' review
wd_type '#rec-psych_health' '1-'
wd_click '#rec-form button[type=submit]'
wd_wait 'return !document.querySelector("#rec-err-date").hidden;' && ok "a future date is refused" || fail "no error for a future date"
case $(text '#rec-err-date') in "Date of the review"*future*) ok "with the field's label: $(text '#rec-err-date')" ;; *) fail "date error: $(text '#rec-err-date')" ;; esac
case $(text '#rec-err-psych_health') in "Psychological health"*number*) ok "'1-' is refused, not stored as empty: $(text '#rec-err-psych_health')" ;; *) fail "psych_health '1-': $(text '#rec-err-psych_health')" ;; esac
[ "$(stat reviews)" = "$reviews_before" ] && ok "nothing sent: reviews unchanged" || fail "reviews $reviews_before -> $(stat reviews)"
shot record-future-date
# The server says the same in a code the page translates (the form's own
# check bypassed by posting through the page's api module).
srv=$(wd_js_async 'const done = arguments[arguments.length - 1]; import("/js/api.js").then(m => m.api("records", {method: "POST", body: JSON.stringify({type: "review", episode: "E7", date: "'"$FUT"'", stage: "review"}) + "\n"})).then(() => done("saved"), e => done(e.status + " " + e.code + " " + e.field));' | jq -r .)
is_ok=0; [ "$srv" = "400 future_date date" ] && is_ok=1
[ $is_ok = 1 ] && ok "the server refuses it too, with code and field ($srv)" || fail "server: $srv"
# A correction: the review of E7 saved above with psych_health 14 becomes 12.
RID=$(curl -s -H "Authorization: Bearer $CLIN" "$BASE/api/v1/episodes/E7" | jq -r '[.reviews[] | select(.psych_health == 14)][0].id')
wd_select '#rec-kind' amendment
wd_wait 'return !!document.querySelector("#rec-form[data-type=amendment]");' || fail "amendment form"
wd_select '#rec-record' review; wd_type '#rec-id' "$RID"; wd_type '#rec-field' psych_health
wd_type '#rec-value' 12; wd_type '#rec-reason' 'typed 14 for 12'
save "amendment of review $RID"
[ "$(text '#rec-stored dd[data-field=value]')" = 12 ] && ok "the form shows what was stored (value 12)" || fail "stored: $(text '#rec-stored')"
nav episode
wd_type '#ep-id' E7
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#ep-history");' && ok "the episode shows its history of corrections" || fail "no history table"
hist=$(wd_js 'return [...document.querySelectorAll("#ep-history tbody tr")].map(r => [...r.cells].map(c => c.textContent).join("|")).join(";");' | jq -r .)
case $hist in *"review $RID|psych_health|14|12|typed 14 for 12|u_clinician"*) ok "history: $hist" ;; *) fail "history row: $hist" ;; esac
check "the review shows the current value" 'return [...document.querySelectorAll("#ep-sec-reviews tbody tr")].some(r => r.textContent.toLowerCase().includes("psychological health 12"));'
wd_js 'document.querySelector("#ep-sec-history").scrollIntoView();' > /dev/null
shot episode-history
# The same form in Russian: the choice that must be made says so.
wd_js 'localStorage.setItem("pathways.lang", "ru");' > /dev/null
sign_out
sign_in "$CLIN" && nav record
wd_select '#rec-kind' test
wd_wait 'return !!document.querySelector("#rec-form[data-type=test]");'
check "in Russian the empty choice reads 'выберите'" 'return document.querySelector("#rec-result").options[0].textContent.includes("выберите");'
wd_js 'localStorage.removeItem("pathways.lang");' > /dev/null
# The page keeps the language it started with until told (i18n.js):
# back to English for the checks below.
wd_js_async 'const done = arguments[arguments.length - 1]; import("/js/i18n.js").then(m => m.setLang("en")).then(() => done(1));' > /dev/null

# ---- readable messages for the answers the UI cannot provoke -------------------
# 403 and 429 cannot be reached through the page (it hides what a role may
# not use; this branch sends no 429), so ask the page's own module.
msgs=$(wd_js_async 'const done = arguments[arguments.length - 1]; import("/js/api.js").then(m => done([
    new m.ApiError(403, {error: "role '"'"'lab'"'"' may not read episode data"}).human(),
    new m.ApiError(429, {error: "too many"}, "30").human(),
    new m.ApiError(400, {error: "must be between 0 and 20", field: "psych_health"}).human()].join("|")));' | jq -r .)
case $msgs in
    "Your role may not do this (role 'lab' may not read episode data).|Too many attempts from here. Try again in 30 s.|Field “Psychological health”: must be between 0 and 20")
        ok "403, 429 and 400 read as sentences" ;;
    *) fail "messages: $msgs" ;;
esac
sign_out

# The 401 of the wrong token and the 400 of the bad review are logged by
# the browser as failed loads; they are expected, anything else is not.
sev=$(wd_severe | grep -v -e '/api/v1/me - .*status of 401' -e '/api/v1/records - .*status of 400')
[ -z "$sev" ] && ok "no script error or CSP refusal in the console" || fail "console: $sev"

echo "$FAILS failure(s)"
[ "$FAILS" -eq 0 ]
