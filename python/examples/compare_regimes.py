#!/usr/bin/env python3
"""Compare regimes on Almaty with pathways from Python.

Runs kz-current (today's law) and the hybrid regime on the same simulated
people, prints what the hybrid regime changes (paired differences with 95%
intervals across runs), what each regime decides for one case, and writes
an output folder that any tool can read back.

    PATHWAYS_LIBRARY=build/lib/libpathways.so.0.1 \\
    PYTHONPATH=python python3 python/examples/compare_regimes.py [OUT] [--quick]

--quick uses 4 runs of 5 years at 2% scale (a few seconds); the default is
12 runs of 20 years at the scenario's own scale, as `pathways run`.
"""
import os
import sys
import tempfile

import pathways as pw


def rows(table):
    """A table as a list of dicts, whether pandas is installed or not."""
    return table.to_dict("records") if pw.HAVE_PANDAS else table


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    out = args[0] if args else os.path.join(tempfile.mkdtemp(), "compare")
    opts = dict(runs=4, years=5, scale=0.02) if quick else {}

    print("pathways %s from %s; tables are %s" % (
        pw.__version__, pw.library_path(), "pandas DataFrames" if pw.HAVE_PANDAS else "lists"))
    sc = pw.Scenario("almaty")
    print("scenario %s: %d parameters, %.0f people, from %d" % (
        sc.name, len(sc.keys()), sc.population, sc.start_year))

    res = pw.run(sc, regimes=["kz-current", "hybrid"], seed=1, threads=2, **opts)
    print(res)
    watch = ["pwud_end", "pwid_end", "prison_population_end", "overdose_deaths_total",
             "drug_crimes_total"]
    print("\nhybrid minus kz-current (paired by run; mean [95% interval]):")
    for r in rows(res.difference("hybrid", "kz-current")):
        if r["metric"] in watch:
            print("  %-24s %12.0f  [%.0f, %.0f]" % (r["metric"], r["mean"], r["lo"], r["hi"]))

    # The same lever a ministry would pull: more treatment places.
    lever = "treatment.outpatient_slots_per_100k"
    if lever in sc:
        more = pw.run(sc, regimes=["hybrid"], seed=1, threads=2, **opts,
                      **{lever.replace(".", "__"): sc[lever] * 2})
        a = {r["metric"]: r["mean"] for r in rows(res.summary()) if r["regime"] == "hybrid"}
        b = {r["metric"]: r["mean"] for r in rows(more.summary()) if r["regime"] == "hybrid"}
        print("\nhybrid with %s doubled (%g -> %g): pwud_end %.0f -> %.0f" % (
            lever, sc[lever], sc[lever] * 2, a["pwud_end"], b["pwud_end"]))

    case = {"id": "c-17", "age": 24, "event": "use",
            "substances": [{"substance": "heroin", "dsm5_criteria": 7}]}
    print("\none case (24, use, heroin, 7 DSM-5 criteria):")
    for name in ["kz-current", "hybrid", "portugal"]:
        d = pw.assess(case, regime=name)
        print("  %-10s -> %s (%s route)" % (name, d["disposition"], d["route"]))

    res.write(out)
    back = pw.read_output(out)
    print("\nwritten and read back: %s" % back)
    ts = rows(back.timeseries)
    last = [r for r in ts if r["year"] == max(x["year"] for x in ts)]
    for regime in back.regimes:
        vals = [r["pwud"] for r in last if r["regime"] == regime]
        print("  %-10s pwud in %d: mean of %d runs %.0f" % (
            regime, last[0]["year"], len(vals), sum(vals) / len(vals)))


if __name__ == "__main__":
    main()
