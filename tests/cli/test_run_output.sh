#!/bin/sh
# pathways run writes its output set (summary.json, summary.csv,
# timeseries.csv, report.html) whole or not at all. A full disk is played
# by a file-size limit (ulimit -f, SIGXFSZ ignored so that writes fail with
# EFBIG): the small summary files fit, report.html does not. The run must
# exit non-zero, say so, leave an earlier run's set as it was and put no
# file of the new set (nor its staging folder) into the output directory.
set -u
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
W=$(mktemp -d /tmp/pw_run_out.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
run() { "$PW_BIN" run --scale 0.002 --runs 2 --years 3 --regime hybrid,kz-current --quiet --threads 1 "$@"; }

run --out full > /dev/null 2> full.err || { bad "a normal run failed"; cat full.err; }
for f in summary.json summary.csv timeseries.csv params.csv report.html inputs/scenario.yaml; do
    [ -s "full/$f" ] && ok "a normal run writes $f" || bad "no full/$f"
done
# The limit sits half way between the largest of the other files and
# report.html, so that only report.html hits it, whatever the outputs grow to.
size=$(wc -c < full/report.html)
small=0
for f in summary.json summary.csv timeseries.csv params.csv full/inputs/*; do
    f=${f#full/}
    n=$(wc -c < "full/$f"); [ "$n" -gt "$small" ] && small=$n
done
blocks=$(( (size + small) / 2 / 512 ))
[ $((blocks * 512)) -gt "$small" ] && [ $((blocks * 512)) -lt "$size" ] \
    && ok "report.html ($size B) exceeds a limit of $blocks blocks, the other files (at most $small B) fit" \
    || bad "no limit separates report.html ($size B) from the other files ($small B)"
cp -r full old

(trap '' XFSZ; ulimit -f $blocks; run --seed 7 --out old > /dev/null 2> limited.err)
rc=$?; [ $rc -eq 3 ] && ok "a failed write exits 3" || bad "a failed write: exit $rc"
grep -q "report.html: cannot write" limited.err && ok "the failing file is named" || { bad "message"; cat limited.err; }
grep -q "nothing written to old" limited.err && ok "it says nothing was written" || bad "no 'nothing written'"
diff -r full old > /dev/null && ok "the earlier run's set is as it was" || bad "the earlier set changed"
[ -z "$(ls -A old | grep -v -e '^summary.json$' -e '^summary.csv$' -e '^timeseries.csv$' -e '^report.html$' \
        -e '^params.csv$' -e '^inputs$' -e '^observations.csv$')" ] && [ -z "$(ls -A old/inputs | grep -e '^\.' -e tmp)" ] \
    && ok "no staging folder or temporary file left" || bad "left: $(ls -A old)"

(trap '' XFSZ; ulimit -f $blocks; run --seed 7 --out fresh > /dev/null 2> fresh.err)
rc=$?; [ $rc -eq 3 ] && ok "into a new directory: exit 3" || bad "new directory: exit $rc"
[ -z "$(ls -A fresh 2>/dev/null)" ] && ok "no part of a set in the new directory" || bad "partial set: $(ls -A fresh)"

# The mean-field engine writes its set the same way.
"$PW_BIN" run --engine meanfield --years 3 --regime hybrid,kz-current --out mf > /dev/null 2> mf.err \
    && [ -s mf/summary.json ] && [ -z "$(ls -A mf | grep '^\.')" ] && ok "mean-field output set written whole" \
    || { bad "mean-field output"; cat mf.err; }
exit $fail
