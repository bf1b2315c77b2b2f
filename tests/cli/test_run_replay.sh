#!/bin/sh
# An output folder replays itself: `pathways run --replay DIR` repeats the
# run from DIR's summary.json and the copies in DIR/inputs alone, and the
# new folder is the old one byte for byte, except what must differ:
#   summary.json  provenance.command_line (the replay's own),
#                 provenance.created (when it ran; fixed here by
#                 SOURCE_DATE_EPOCH in a second check), provenance.replay_of
#                 (present in the replay only);
#   report.html   the "created" line.
# A copy that no longer matches its recorded SHA-256 is refused, naming it.
# The mean-field engine writes the same report and record, and its folder
# replays the same way.
set -u
work=$(mktemp -d /tmp/pw_replay.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

"$PW_BIN" run --scale 0.002 --runs 3 --years 3 --regime kz-current,drug-court --seed 11 \
    --set police.use_detection_rate=0.3 --lang ru --threads 2 --quiet --out "$work/a" \
    2>"$work/a.err" || { bad "the run"; cat "$work/a.err"; exit 1; }
for f in summary.json summary.csv timeseries.csv params.csv report.html inputs/scenario.yaml \
         inputs/regime-kz-current.yaml inputs/regime-drug-court.yaml inputs/posterior.csv \
         inputs/targets.yaml; do
    [ -s "$work/a/$f" ] || bad "no $f"
done
# The record: program, command line, hashes that are the copies' hashes.
python3 - "$work/a" <<'PY' || fail=1
import hashlib, json, sys, os
d = sys.argv[1]
p = json.load(open(os.path.join(d, "summary.json")))["provenance"]
bad = lambda m: (print("FAIL: " + m), sys.exit(1))
for k in ("version", "git_describe", "compiler", "build_type"):
    if not p["program"].get(k): bad("program." + k + " missing")
if p["command_line"][:1] != ["run"] or "--seed" not in p["command_line"]: bad("command line %r" % p["command_line"])
if (p["seed"], p["runs"], p["years"], p["threads"], p["mpi_ranks"]) != ("11", 3, 3, 2, 1): bad("settings %r" % p)
if p["set"] != ["police.use_detection_rate=0.3"] or p["lang"] != "ru": bad("set/lang")
roles = [i["role"] for i in p["inputs"]]
if roles != ["scenario", "regime", "regime", "posterior", "targets"]: bad("roles %r" % roles)
for i in p["inputs"]:
    h = hashlib.sha256(open(os.path.join(d, i["copy"]), "rb").read()).hexdigest()
    if h != i["sha256"]: bad("hash of " + i["copy"])
rows = open(os.path.join(d, "params.csv")).read().splitlines()
if len(rows) != 4 or not rows[0].startswith("run,"): bad("params.csv has %d lines" % len(rows))
col = rows[0].split(",").index("police.use_detection_rate")
if any(float(r.split(",")[col]) != 0.3 for r in rows[1:]): bad("params.csv does not hold the value set")
print("ok: summary.json records program, command line, settings and the inputs' SHA-256; params.csv a row per run")
PY

"$PW_BIN" run --replay "$work/a" --quiet 2>"$work/r.err" || { bad "replay"; cat "$work/r.err"; }
[ -d "$work/a.replay" ] && ok "replay writes DIR.replay" || bad "no $work/a.replay"
for f in summary.csv timeseries.csv params.csv inputs/scenario.yaml inputs/regime-kz-current.yaml \
         inputs/regime-drug-court.yaml inputs/posterior.csv inputs/targets.yaml; do
    cmp -s "$work/a/$f" "$work/a.replay/$f" && ok "$f identical" || bad "$f differs on replay"
done
strip_json() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=d["provenance"]
for k in ("command_line","created","replay_of"): p.pop(k, None)
print(json.dumps(d, sort_keys=False))' "$1"
}
strip_json "$work/a/summary.json" > "$work/a.json"
strip_json "$work/a.replay/summary.json" > "$work/r.json"
cmp -s "$work/a.json" "$work/r.json" && ok "summary.json identical but for command_line, created, replay_of" \
    || { bad "summary.json differs"; diff "$work/a.json" "$work/r.json" | head -5; }
sed 's|<span class="created">[^<]*</span>||' "$work/a/report.html" > "$work/a.html"
sed 's|<span class="created">[^<]*</span>||' "$work/a.replay/report.html" > "$work/r.html"
cmp -s "$work/a.html" "$work/r.html" && ok "report.html identical but for the created line" \
    || { bad "report.html differs"; diff "$work/a.html" "$work/r.html" | head -5; }

# With the time fixed, only the command line and replay_of differ.
SOURCE_DATE_EPOCH=1700000000 "$PW_BIN" run --replay "$work/a" --out "$work/b" --quiet 2>/dev/null
SOURCE_DATE_EPOCH=1700000000 "$PW_BIN" run --replay "$work/a" --out "$work/c" --threads 1 --quiet 2>/dev/null
strip_cmd() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=d["provenance"]
for k in ("command_line","threads"): p.pop(k, None)
print(json.dumps(d))' "$1"
}
strip_cmd "$work/b/summary.json" > "$work/b.json"
strip_cmd "$work/c/summary.json" > "$work/c.json"
cmp -s "$work/b.json" "$work/c.json" && cmp -s "$work/b/report.html" "$work/c/report.html" \
    && ok "with SOURCE_DATE_EPOCH, summary.json differs only in command line and threads, report.html not at all" \
    || { bad "fixed-time replays differ"; diff "$work/b.json" "$work/c.json" | head -5; }

# A changed copy is refused, naming the file; nothing is written.
printf '# edited\n' >> "$work/a/inputs/regime-drug-court.yaml"
"$PW_BIN" run --replay "$work/a" --out "$work/d" --quiet 2>"$work/d.err"
rc=$?
[ $rc -eq 1 ] && grep -q "regime-drug-court.yaml.*differs" "$work/d.err" && [ ! -e "$work/d" ] \
    && ok "a changed input is refused (exit 1, named)" || { bad "changed input: exit $rc"; cat "$work/d.err"; }
"$PW_BIN" run --replay "$work/a" --seed 2 >/dev/null 2>&1
[ $? -eq 2 ] && ok "--replay with another setting is a usage error" || bad "--replay --seed accepted"

# The mean-field engine writes the same report and record.
"$PW_BIN" run --engine meanfield --years 4 --regime kz-current,portugal --lang kk --quiet \
    --out "$work/mf" 2>"$work/mf.err" || { bad "meanfield run"; cat "$work/mf.err"; }
grep -q 'name="viewport"' "$work/mf/report.html" && grep -q 'id="headline"' "$work/mf/report.html" \
    && grep -q '<html lang="kk">' "$work/mf/report.html" \
    && ok "mean-field report.html with headline, viewport, in Kazakh" || bad "mean-field report"
grep -q '"engine": "meanfield"' "$work/mf/summary.json" && [ -s "$work/mf/params.csv" ] \
    && [ -s "$work/mf/inputs/scenario.yaml" ] && ok "mean-field record and params.csv" \
    || bad "mean-field record"

# A mean-field folder replays itself too, byte for byte but for the same
# fields as an agent-based one (and with --set recorded and repeated).
"$PW_BIN" run --engine meanfield --years 3 --regime kz-current,hybrid --lang ru --quiet \
    --set police.use_detection_rate=0.3 --out "$work/mf2" 2>"$work/mf2.err" \
    || { bad "meanfield run with --set"; cat "$work/mf2.err"; }
"$PW_BIN" run --replay "$work/mf2" --quiet 2>"$work/mfr.err" \
    && ok "a mean-field folder is replayed" || { bad "mean-field replay refused"; cat "$work/mfr.err"; }
for f in summary.csv timeseries.csv params.csv inputs/scenario.yaml inputs/regime-kz-current.yaml \
         inputs/regime-hybrid.yaml; do
    [ -s "$work/mf2/$f" ] || bad "mean-field run wrote no $f"
    cmp -s "$work/mf2/$f" "$work/mf2.replay/$f" && ok "mean-field $f identical" \
        || bad "mean-field $f differs on replay"
done
strip_json "$work/mf2/summary.json" > "$work/mf2.json"
strip_json "$work/mf2.replay/summary.json" > "$work/mfr.json"
cmp -s "$work/mf2.json" "$work/mfr.json" && ok "mean-field summary.json identical but for command_line, created, replay_of" \
    || { bad "mean-field summary.json differs"; diff "$work/mf2.json" "$work/mfr.json" | head -5; }
grep -q '"replay_of"' "$work/mf2.replay/summary.json" || bad "the mean-field replay does not record replay_of"
sed 's|<span class="created">[^<]*</span>||' "$work/mf2/report.html" > "$work/mf2.html"
sed 's|<span class="created">[^<]*</span>||' "$work/mf2.replay/report.html" > "$work/mfr.html"
cmp -s "$work/mf2.html" "$work/mfr.html" && ok "mean-field report.html identical but for the created line" \
    || { bad "mean-field report.html differs"; diff "$work/mf2.html" "$work/mfr.html" | head -5; }
"$PW_BIN" run --replay "$work/mf2" --engine meanfield >/dev/null 2>&1
[ $? -eq 2 ] && ok "--replay with --engine is a usage error" || bad "--replay --engine accepted"
exit $fail
