# A user's Release build must work at any optimisation level: recompiles
# every source of the library and the CLI (src/, tools/) from the build's
# compile_commands.json at -O1, -O2, -O3 and -Os, the way
# -DCMAKE_BUILD_TYPE=Release and its neighbours do (-DNDEBUG: asserts gone),
# with -Werror, so that a warning which only an optimisation level or a
# missing assert brings out (-Wmaybe-uninitialized, -Wunused-variable)
# fails here instead of in someone's build.
# env PW_BUILD (the build tree), PW_SRC.
set -u
: "${PW_BUILD:?PW_BUILD}" "${PW_SRC:?PW_SRC}"
db="$PW_BUILD/compile_commands.json"
[ -f "$db" ] || { echo "no $db (CMAKE_EXPORT_COMPILE_COMMANDS)" >&2; exit 1; }
python3 - "$db" "$PW_SRC" <<'PY'
import json, os, re, shlex, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
db, src = sys.argv[1], os.path.realpath(sys.argv[2])
jobs = []
for e in json.load(open(db)):
    f = os.path.realpath(e["file"])
    rel = os.path.relpath(f, src)
    if not (rel.startswith("src/") or rel.startswith("tools/")):
        continue
    argv = shlex.split(e["command"])
    out = argv.index("-o")
    del argv[out:out + 2]
    argv = [a for a in argv if not re.fullmatch(r"-O.*|-g.*|-Werror|-fsanitize.*", a)]
    for level in ("-O1", "-O2", "-O3", "-Os"):
        jobs.append((rel, level, argv[:1] + [level, "-DNDEBUG", "-Werror", "-o", os.devnull] + argv[1:], e["directory"]))
def run(job):
    rel, level, argv, cwd = job
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    return rel, level, p.returncode, p.stderr
bad = 0
with ThreadPoolExecutor(max_workers=2) as ex:
    for rel, level, rc, err in ex.map(run, jobs):
        if rc != 0:
            bad += 1
            print(f"FAIL: {rel} at {level}:\n{err}", file=sys.stderr)
print(f"{len(jobs)} compilations, {bad} failed")
sys.exit(1 if bad or not jobs else 0)
PY
