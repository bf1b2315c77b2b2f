# Each role's work in the web front-end, in a real headless Chromium over
# WebDriver (webdriver.sh), on web_fixture.jsonl plus web_roles_fixture.jsonl
# (a placement referred by a court on 2025-04-07 still awaiting the panel,
# episodes at two sites).
# Asserts:
#   - the panel's queue lists the two pending placements with their wait;
#     "Decide" opens the panel form for E12; accepted today, E12's plan and
#     first review start today (not at the referral), no review reads
#     missed, the overdue report has nothing of E12, and the dissent is
#     shown in the episode;
#   - the court liaison lists only the court's episodes (E7, E12) with the
#     order's expiry, sees the compliance summary, and a voluntary episode
#     (E8) looked up by ref is "not found", with a "denied" audit entry;
#   - the overdue and flags cards link to the episode;
#   - outcomes show numerator / denominator and mark groups under 10;
#   - the survival chart's axis reaches the longest follow-up, with one
#     censoring mark per censoring day, the 95% band, the cumulative
#     incidence curves and the small-group warning;
#   - the analyst sees the birth year and no birth date, and a lookup by
#     ref is refused with a sentence;
#   - a user of site ALM-1 lists only ALM-1's episodes;
#   - each of English, Russian and Kazakh: the switch changes the page
#     (navigation, headings, a month name from Intl, a server refusal in
#     that language), survives a reload (localStorage), and no untranslated
#     key shows on any screen;
#   - at 390 px no screen of any role overflows sideways
#     (scrollWidth <= innerWidth), wide tables scroll in their own box, and
#     the chart's tick labels stay at least 10 px tall;
#   - no script error or CSP refusal reaches the console.
# Screenshots go to $PW_BUILD/web-screenshots/roles-*.png.
set -u
BIN=${PW_BIN:?PW_BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
for tool in chromedriver jq curl; do
    command -v "$tool" > /dev/null || { echo "$tool not installed (scripts/install-deps.sh)" >&2; exit 1; }
done
. "$HERE/webdriver.sh"
WORK=$(mktemp -d /tmp/pw_webroles.XXXXXX)
SHOTS=${PW_BUILD:-$WORK}/web-screenshots
mkdir -p "$SHOTS"
FAILS=0
CHECKS=0
SERVER=
TODAY=$(date -u +%F)

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); CHECKS=$((CHECKS + 1)); }
ok() { echo "ok: $*"; CHECKS=$((CHECKS + 1)); }
check() { if [ "$(wd_js "$2")" = true ]; then ok "$1"; else fail "$1"; fi; }
text() { wd_js 'const e = document.querySelector(arguments[0]); return e ? e.textContent : null;' "[\"$1\"]" | jq -r .; }

cleanup() {
    wd_stop
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
cd "$WORK" || exit 1

DB="$WORK/reg.db"
"$BIN" registry init --db "$DB" > init.out 2> init.err || { cat init.err >&2; exit 1; }
ADMIN=$(tail -n 1 init.out)
for role in clinician court_liaison analyst auditor panel; do
    "$BIN" registry user add --db "$DB" --as "$ADMIN" --name "u_$role" --role "$role" \
        > "tok_$role" 2> add.err || { cat add.err >&2; exit 1; }
done
"$BIN" registry user add --db "$DB" --as "$ADMIN" --name u_alm --role clinician --site ALM-1 \
    > tok_alm 2> add.err || { cat add.err >&2; exit 1; }
CLIN=$(tail -n 1 tok_clinician); COURT=$(tail -n 1 tok_court_liaison)
ANALYST=$(tail -n 1 tok_analyst); AUDITOR=$(tail -n 1 tok_auditor); PANEL=$(tail -n 1 tok_panel)
ALM=$(tail -n 1 tok_alm)
cat "$HERE/web_fixture.jsonl" "$HERE/web_roles_fixture.jsonl" > fixture.jsonl
"$BIN" registry import --db "$DB" --as "$CLIN" fixture.jsonl > imp.out 2>&1 || { cat imp.out >&2; exit 1; }

"$BIN" serve --db "$DB" --port 0 --threads 2 > serve.out 2> serve.err &
SERVER=$!
i=0
while ! grep -q listening serve.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
BASE=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' serve.out)
[ -n "$BASE" ] || { echo "server did not start" >&2; cat serve.err >&2; exit 1; }
api() { curl -s -H "Authorization: Bearer $1" "$BASE/api/v1/$2"; }

wd_start "$WORK/wd" || { echo "cannot start Chromium through chromedriver" >&2; exit 1; }

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
nav() {
    wd_click "#nav-list a[data-view=$1]"
    wd_wait "return !document.querySelector('#view-$1').hidden;"
}
# No key of the translation files shown as such (a missing string).
RAWKEY='/\b(app|nav|signin|common|by|col|dash|out|surv|ep|part|state|trend|queue|rec|aud|usr|err|field|form|val)\.[a-z_]+(\.[a-z_]+)*\b/'
nokeys() { check "$1: no untranslated key on screen" "const m = document.body.innerText.match($RAWKEY); return !m || (console.log(m[0]), false);"; }
# At phone width: nothing wider than the window.
narrow_ok() { check "390 px, $1: nothing overflows sideways" 'return document.documentElement.scrollWidth <= window.innerWidth;'; }

# ---- the panel's queue ---------------------------------------------------------
sign_in "$PANEL" && ok "panel signed in" || fail "panel sign-in"
check "the panel's first view is its queue" 'return !document.querySelector("#view-queue").hidden;'
wd_wait 'return !!document.querySelector("#queue-table");' || fail "queue table"
q=$(wd_js 'return [...document.querySelectorAll("#queue-table tbody tr")].map(r => r.cells[0].textContent).join(" ");' | jq -r .)
[ "$q" = "E12 E10" ] && ok "queue: E12 and E10, oldest referral first" || fail "queue rows: $q"
[ "$(text '#queue-count')" = 2 ] && ok "queue: 2 awaiting" || fail "queue count: $(text '#queue-count')"
WAIT=$(( ($(date -u +%s) - $(date -u -d 2025-04-07 +%s)) / 86400 ))
check "E12 has waited $WAIT days" "return [...document.querySelector('#queue-table tbody tr').cells][5].textContent.replace(/\\D/g, '') === '$WAIT';"
wd_shot "$SHOTS/roles-queue.png"
wd_click '#queue-table button.decide[data-ref=E12]'
wd_wait 'return !!document.querySelector("#rec-form[data-type=panel]") && document.querySelector("#rec-episode").value === "E12";' &&
    ok "Decide opens the panel form for E12" || fail "decide: form $(text '#rec-kind')"
wd_type '#rec-date' "$TODAY"; wd_select '#rec-decision' accept
wd_type '#rec-members' 'Dr A. Member, Dr B. Member, C. Lawyer'
wd_type '#rec-dissent' 'C. Lawyer'
wd_click '#rec-form button[type=submit]'
wd_wait 'return document.querySelector("#rec-done").textContent.includes("Saved") || !document.querySelector("#rec-error").hidden;'
case $(text '#rec-done') in *Saved*) ok "E12 accepted" ;; *) fail "panel decision: $(text '#rec-error')" ;; esac
E12=$(api "$CLIN" episodes/E12)
[ "$(echo "$E12" | jq -r '.status + " " + .phases[0].start + " " + .attendance[0].due')" = "active $TODAY $TODAY" ] &&
    ok "E12's plan and first review start today, not on 2025-04-07" || fail "E12 after acceptance: $(echo "$E12" | jq -c '{status, phases, attendance}')"
[ "$(echo "$E12" | jq '[.attendance[] | select(.state == "missed")] | length')" = 0 ] &&
    ok "no review of E12 reads missed" || fail "E12 attendance: $(echo "$E12" | jq -c .attendance)"
[ "$(echo "$E12" | jq -r '[.attendance[].state] | unique | join(",")')" = upcoming ] &&
    ok "E12's reviews read upcoming" || fail "E12 states: $(echo "$E12" | jq -c '[.attendance[].state]')"
[ "$(api "$CLIN" reports/overdue | jq '[.overdue[] | select(.episode == "E12")] | length')" = 0 ] &&
    ok "overdue report: nothing of E12" || fail "E12 overdue"
nav queue
wd_wait 'return !!document.querySelector("#queue-table") || document.querySelector("#queue-out").textContent.length > 0;'
wd_wait 'return document.querySelectorAll("#queue-table tbody tr").length === 1;' && ok "queue: only E10 left" || fail "queue after decision"
wd_click '#queue-table a.ep-link'
wd_wait 'return !!document.querySelector("#ep-sec-episode");' && ok "a queue row links to its episode" || fail "queue link"
sign_out

# The episode as the clinician: the dissent and the review states.
sign_in "$CLIN" && ok "clinician signed in" || fail "clinician sign-in"
nav episode
wd_type '#ep-id' E12
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#ep-panel");' || fail "E12 panel section"
check "the panel's dissent is shown" 'return document.querySelector("#ep-panel .dissent").textContent === "C. Lawyer";'
check "reviews read upcoming" 'const s = [...document.querySelectorAll("#ep-attendance [data-state]")].map(e => e.textContent); return s.length > 0 && s.every(x => x === "upcoming");'
wd_type '#ep-id' E7
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#ep-sec-episode") && document.querySelector("#ep-sec-episode").textContent.includes("CO-2025-77");'
check "E7: past reviews held or missed, never 'not held'" 'const s = [...document.querySelectorAll("#ep-attendance [data-state]")].map(e => e.dataset.state); return s.includes("held") && s.includes("missed") && !document.body.innerText.includes("not held");'
wd_type '#ep-id' E9
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#top-trends");' && ok "E9: TOP trends table" || fail "TOP trends"
tr=$(wd_js 'return [...document.querySelectorAll("#top-trends tbody tr")].map(r => [...r.cells].map(c => c.textContent).join("|")).join(";");' | jq -r .)
case $tr in *"days of drug use"*"|20|4|-16 better"*"psychological health"*"|12|15|+3 better"*) ok "TOP trends: use 20 -> 4, psychological health 12 -> 15" ;;
    *) fail "TOP trends: $tr" ;; esac

# ---- dashboard: links, honest rates ------------------------------------------------
nav dashboard
wd_type '#dash-asof' 2026-01-01
wd_click '#dash-form button[type=submit]'
wd_wait 'return !!document.querySelector("#outcomes-table") && !!document.querySelector("#overdue-table") && !document.querySelector("[aria-busy]");' || fail "dashboard"
o=$(wd_js 'return [...document.querySelector("#outcomes-table tbody tr").cells].map(c => c.textContent).join("|");' | jq -r .)
case $o in "A|6|100.0% (6 / 6) small group|100.0% (6 / 6) small group|0.0% (0 / 6) small group|– (0 / 0)") ok "outcomes A: every rate with numerator / denominator, small groups marked: $o" ;;
    *) fail "outcomes row A: $o" ;; esac
case $(text '#outcomes-note') in *"fewer than 10"*) ok "the small-group threshold is stated (n < 10)" ;; *) fail "note: $(text '#outcomes-note')" ;; esac
first=$(wd_js 'return document.querySelector("#overdue-table a.ep-link").textContent;' | jq -r .)
wd_click '#overdue-table a.ep-link'
wd_wait "return !document.querySelector('#view-episode').hidden && !!document.querySelector('#ep-sec-episode') && document.querySelector('#ep-sec-episode').textContent.includes('$first');" &&
    ok "an overdue row links to its episode ($first)" || fail "overdue link to $first"
nav dashboard
wd_wait 'return !!document.querySelector("#flags-list a.ep-link");' || fail "flags links"
wd_click '#flags-list a.ep-link'
wd_wait 'return !document.querySelector("#view-episode").hidden && !!document.querySelector("#ep-sec-episode");' &&
    ok "a flag links to its episode" || fail "flags link"

# ---- survival: axis, censoring, band, cumulative incidence ---------------------------
nav survival
wd_type '#surv-asof' 2026-01-01
wd_click '#surv-form button[type=submit]'
wd_wait 'return !!document.querySelector("#km-svg path.curve");' || fail "no curve"
REP=$(api "$CLIN" 'reports/relapse-survival?as_of=2026-01-01&by=programme')
MAXF=$(echo "$REP" | jq '.groups[0].max_follow_up_days')
NC=$(echo "$REP" | jq '.groups[0].censor_marks | length')
check "the axis runs to the longest follow-up ($MAXF days) or past it" "return +document.querySelector('#km-svg').dataset.axisEnd >= $MAXF;"
check "one censoring mark per censoring day ($NC)" "return document.querySelectorAll('#km-svg .censor-mark').length === $NC && $NC > 0;"
check "the 95% band is drawn" 'return document.querySelectorAll("#km-svg path.band").length === 1;'
check "the cumulative incidence of relapse, death and imprisonment" 'return ["relapse", "death", "imprisonment"].every(c => !!document.querySelector(`#cif-svg path.cif-${c}`));'
case $(text '#surv-small') in *"fewer than 10"*A*) ok "small-group warning for A (n = 6)" ;; *) fail "small warning: $(text '#surv-small')" ;; esac
wd_shot "$SHOTS/roles-survival.png"
sign_out

# ---- court liaison: the court's episodes only -------------------------------------------
sign_in "$COURT" && ok "court liaison signed in" || fail "court sign-in"
nav episode
wd_wait 'return !!document.querySelector("#epl-table");' || fail "court list"
cl=$(wd_js 'return [...document.querySelectorAll("#epl-table tbody tr")].map(r => r.cells[0].textContent).join(" ");' | jq -r .)
[ "$cl" = "E7 E12" ] && ok "court liaison lists E7 and E12 only" || fail "court list: $cl"
check "the order's expiry is in the list" 'return document.querySelector("#epl-table tbody tr").textContent.includes("2026");'
wd_click '#epl-table button[data-id="7"]'
wd_wait 'return !!document.querySelector("#ep-compliance-summary");' && ok "compliance summary for the court" || fail "no compliance summary"
cs=$(text '#ep-compliance-summary')
case $cs in *"3 in all, 1 negative, 1 positive, 1 missed"*"1 confirmed of 1"*"expires"*) ok "summary: tests, violations, order" ;; *) fail "summary: $cs" ;; esac
wd_type '#ep-id' E8
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#ep-out .error");' || fail "E8 lookup"
case $(text '#ep-out .error') in *"Not found"*) ok "a voluntary episode is not found for the court" ;; *) fail "E8 as court: $(text '#ep-out')" ;; esac
check "nothing of E8 in the page" 'return !document.body.innerText.includes("Hadisha");'
[ "$(curl -s -H "Authorization: Bearer $AUDITOR" "$BASE/api/v1/audit" | jq -r 'select(.user == "u_court_liaison" and .action == "denied" and .object == "episode:E8") | .object')" = "episode:E8" ] &&
    ok "the attempt is audited (denied episode:E8)" || fail "no denied entry for E8"
sign_out

# ---- analyst: birth year, no ref lookup -------------------------------------------------------
sign_in "$ANALYST" && ok "analyst signed in" || fail "analyst sign-in"
nav episode
wd_type '#ep-id' E7
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#ep-out .error");' || fail "analyst ref lookup"
case $(text '#ep-out .error') in *"Your role may not do this"*"number only"*) ok "the analyst's lookup by ref is refused, in a sentence" ;; *) fail "analyst by ref: $(text '#ep-out')" ;; esac
wd_type '#ep-id' 7
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#ep-sec-person");' || fail "analyst by number"
p=$(text '#ep-sec-person')
case $p in *1988*) ok "the analyst sees the birth year 1988" ;; *) fail "no birth year: $p" ;; esac
case $p in *1988-03-04*|*"4 Mar 1988"*|*"birth date"*) fail "the analyst sees the birth date: $p" ;; *) ok "and no birth date" ;; esac
sign_out

# ---- a site's user -------------------------------------------------------------------------------
sign_in "$ALM" && ok "ALM-1 clinician signed in" || fail "site sign-in"
case $(text '#who-scope') in *ALM-1*) ok "the header names the site" ;; *) fail "scope: $(text '#who-scope')" ;; esac
nav episode
wd_wait 'return !!document.querySelector("#epl-table");' || fail "site list"
sl=$(wd_js 'return [...document.querySelectorAll("#epl-table tbody tr")].map(r => r.cells[0].textContent + "@" + r.cells[2].textContent).join(" ");' | jq -r .)
[ "$sl" = "E12@ALM-1 E14@ALM-1" ] && ok "ALM-1 lists its own episodes only: $sl" || fail "site list: $sl"
sign_out

# ---- three languages ---------------------------------------------------------------------------------
# lang_round LANG NAV_TEXT MONTH DENIED: switch, check, reload, check again.
lang_round() {
    wd_select '#lang' "$1"
    wd_wait "return document.documentElement.lang === '$1' && document.querySelector('#nav-list a[data-view=dashboard]').textContent === '$2';" &&
        ok "$1: the switch changes the page ($2)" || fail "$1: nav $(text '#nav-list a[data-view=dashboard]')"
    nav dashboard
    wd_type '#dash-asof' 2026-01-01
    wd_click '#dash-form button[type=submit]'
    wd_wait 'return !!document.querySelector("#caseload-table") && !document.querySelector("[aria-busy]");' || fail "$1: dashboard"
    case $(text '#caseload-table caption') in *"$3"*) ok "$1: dates by Intl ($3)" ;; *) fail "$1: caption $(text '#caseload-table caption')" ;; esac
    nokeys "$1 dashboard"
    wd_go "$BASE/"
    wd_wait "return !document.querySelector('#whoami').hidden && document.documentElement.lang === '$1';" &&
        ok "$1: remembered after a reload" || fail "$1: after reload lang=$(wd_js 'return document.documentElement.lang;')"
    check "$1: the switch shows it" "return document.querySelector('#lang').value === '$1' && localStorage.getItem('pathways.lang') === '$1';"
    for v in survival episode record; do
        nav $v
        wd_wait "return !document.querySelector('#view-$v [aria-busy]') && document.querySelector('#view-$v').textContent.length > 100;" > /dev/null 2>&1
        nokeys "$1 $v"
    done
    # A server refusal (the analyst's form cannot provoke one, so ask the
    # page's module as the clinician's page would show it) in the language.
    m=$(wd_js_async 'const done = arguments[arguments.length - 1]; import("/js/api.js").then(m => done(new m.ApiError(400, {error: "must be between 0 and 20", field: "psych_health"}).human()));' | jq -r .)
    case $m in *"$4"*) ok "$1: a server error in the language: $m" ;; *) fail "$1: error $m" ;; esac
}
sign_in "$CLIN" && ok "clinician signed in for the languages" || fail "sign-in"
lang_round ru "Сводка" "янв" "Психическое здоровье"
wd_shot "$SHOTS/roles-ru.png"
lang_round kk "Көрсеткіштер тақтасы" "2026" "Психологиялық денсаулық"
wd_shot "$SHOTS/roles-kk.png"
lang_round en "Dashboard" "Jan" "Psychological health"
# A refusal from the server itself, in Russian: the analyst's ref lookup.
wd_select '#lang' ru
wd_wait "return document.documentElement.lang === 'ru';"
sign_out
sign_in "$ANALYST"
nav episode
wd_type '#ep-id' E7
wd_click '#ep-form button[type=submit]'
wd_wait 'return !!document.querySelector("#ep-out .error");'
case $(text '#ep-out .error') in *"Вашей роли это не разрешено"*) ok "ru: the server's refusal reads in Russian" ;; *) fail "ru refusal: $(text '#ep-out .error')" ;; esac
wd_select '#lang' en
wd_wait "return document.documentElement.lang === 'en';"
sign_out

# ---- phones: every screen of every role at 390 px ---------------------------------------------------------
wd_size 390 844
for who in PANEL CLIN COURT ANALYST AUDITOR ADMIN; do
    eval tok=\$$who
    sign_in "$tok" || { fail "$who sign-in at 390 px"; continue; }
    for v in $(wd_js 'return [...document.querySelectorAll("#nav-list a")].map(a => a.dataset.view).join(" ");' | jq -r .); do
        nav "$v"
        case $v in
            dashboard) wd_wait 'return !!document.querySelector("#dash-cards .card") && !document.querySelector("[aria-busy]");' > /dev/null ;;
            survival) wd_wait 'return !!document.querySelector("#km-svg") || !!document.querySelector("#surv-out .muted, #surv-out .error");' > /dev/null ;;
            episode) wd_wait 'return !!document.querySelector("#epl-table");' > /dev/null
                wd_click '#epl-table button.link'
                wd_wait 'return !!document.querySelector("#ep-sec-withheld");' > /dev/null ;;
            audit) wd_click '#aud-load'; wd_wait 'return !!document.querySelector("#audit-table");' > /dev/null ;;
            queue) wd_wait 'return !!document.querySelector("#queue-table") || !!document.querySelector("#queue-out .muted");' > /dev/null ;;
        esac
        narrow_ok "$who $v"
        [ "$v" = survival ] && check "390 px: the chart's tick labels are at least 10 px tall" 'const ts = [...document.querySelectorAll("#km-svg text.xtick")]; return ts.length > 2 && ts.every(e => e.getBoundingClientRect().height >= 10);'
        [ "$v" = episode ] && check "390 px: wide tables scroll in their own box" 'return [...document.querySelectorAll("table.data")].every(t => t.parentElement.classList.contains("table-wrap"));'
        wd_shot "$SHOTS/roles-narrow-$who-$v.png"
    done
    sign_out
done
wd_size 1280 900

sev=$(wd_severe | grep -v -e '/api/v1/me - .*status of 401' -e '/api/v1/episodes/E[0-9]* - .*status of 40[34]')
[ -z "$sev" ] && ok "no script error or CSP refusal in the console" || fail "console: $sev"

echo "$CHECKS checks, $FAILS failure(s)"
[ "$FAILS" -eq 0 ]
