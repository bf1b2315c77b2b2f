#!/bin/sh
# The HTML report in a real browser: headless Chromium loads the report that
# `pathways run` wrote, and the rendered DOM must hold the comparison table
# (a row per metric, a column per regime) and one drawn chart per series;
# a screenshot must come out as a non-trivial PNG.
set -u
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "chromium is not installed (scripts/install-deps.sh installs it)"; exit 1
fi
work=$(mktemp -d /tmp/pw_browser.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0

"$PW_BIN" run --scale 0.002 --runs 2 --years 3 --regime hybrid,kz-current --quiet \
    --out "$work/out" || { echo "FAIL: pathways run"; exit 1; }
[ -s "$work/out/report.html" ] || { echo "FAIL: no report.html"; exit 1; }

flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
 --disable-background-networking --disable-component-update --disable-sync \
 --user-data-dir=$work/profile"
# shellcheck disable=SC2086
timeout 60 "$CHROMIUM" $flags --dump-dom "file://$work/out/report.html" \
    >"$work/dom.html" 2>"$work/chromium.log"
grep -q '<table>' "$work/dom.html" || { echo "FAIL: rendered page has no table"; fail=1; }
for r in "Combined approach" "Today's law (kz-current)"; do
    grep -q "<th>$r</th>" "$work/dom.html" || { echo "FAIL: no column for $r"; fail=1; }
done
for m in pwud_end prison_population_end cost_total_kzt; do
    grep -q "<tr data-metric=\"$m\" data-unit=" "$work/dom.html" || { echo "FAIL: no row for $m"; fail=1; }
done
grep -q 'id="headline"' "$work/dom.html" || { echo "FAIL: no headline"; fail=1; }
charts=$(grep -o '<figure data-series' "$work/dom.html" | wc -l)
lines=$(grep -o '<polyline' "$work/dom.html" | wc -l)
[ "$charts" -ge 5 ] || { echo "FAIL: only $charts charts rendered"; fail=1; }
[ "$lines" -eq $((charts * 2)) ] || { echo "FAIL: $lines lines for $charts charts x 2 regimes"; fail=1; }

# shellcheck disable=SC2086
timeout 60 "$CHROMIUM" $flags --window-size=1280,2000 --screenshot="$work/shot.png" \
    "file://$work/out/report.html" >>"$work/chromium.log" 2>&1
size=$(stat -c %s "$work/shot.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] || { echo "FAIL: screenshot is $size bytes"; cat "$work/chromium.log"; fail=1; }
[ -n "${PW_KEEP_SCREENSHOT:-}" ] && cp "$work/shot.png" "$PW_KEEP_SCREENSHOT"
[ $fail -eq 0 ] && echo "ok: report renders in Chromium ($charts charts, screenshot $size bytes)"
exit $fail
