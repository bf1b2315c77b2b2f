"""The Python package (python/pathways) against the library and the
command line: what Python gets is what `pathways run` and `pathways
assess` give for the same inputs.

Run by ctest twice: with pandas (tables are DataFrames) and with
PATHWAYS_NO_PANDAS=1 (lists of dicts). Env: PATHWAYS_LIBRARY (the built
libpathways.so), PYTHONPATH (python/), PW_BIN (the pathways program),
PW_SRC.
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import pathways as pw

BIN = os.environ["PW_BIN"]
SRC = os.environ["PW_SRC"]
NO_PANDAS = os.environ.get("PATHWAYS_NO_PANDAS") == "1"
# A small society: 2 runs of 3 years of Almaty at 1% scale take a second.
SMALL = dict(runs=2, years=3, scale=0.01, seed=5)
CASE = {"id": "c-1", "age": 24, "event": "use",
        "substances": [{"substance": "heroin", "dsm5_criteria": 7}]}


def rows(table):
    if pw.HAVE_PANDAS:
        import pandas
        assert isinstance(table, pandas.DataFrame), type(table)
        return [{k: (None if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in r.items()} for r in table.to_dict("records")]
    assert isinstance(table, list), type(table)
    return table


def close(a, b, rel=1e-9):
    """CSV files hold 10 significant digits (%.10g)."""
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def cli(*args):
    r = subprocess.run([BIN] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("pathways %s: %s" % (" ".join(args), r.stderr))
    return r.stdout


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Basics(unittest.TestCase):
    def test_tables_form(self):
        self.assertEqual(pw.HAVE_PANDAS, not NO_PANDAS)

    def test_library_and_names(self):
        self.assertTrue(os.path.basename(pw.library_path()).startswith("libpathways.so."))
        regs = pw.regimes()
        for name in ["kz-current", "hybrid", "portugal", "russia", "drug-court"]:
            self.assertIn(name, regs)
        self.assertIn("almaty", pw.scenarios())
        self.assertIn("pwud_end", pw.metrics())
        self.assertIn("pwud", pw.series_names())

    def test_scenario_parameters(self):
        with pw.Scenario("almaty") as sc:
            names = sc.keys()
            self.assertGreater(len(names), 50)
            p = rows(sc.params())
            self.assertEqual([r["name"] for r in p], names)
            name = "treatment.outpatient_slots_per_100k"
            old = sc[name]
            sc[name] = old * 2
            self.assertEqual(sc[name], old * 2)
            with self.assertRaises(pw.PathwaysError) as e:
                sc[name] = -5
            self.assertEqual(e.exception.field, name)
            with self.assertRaises(KeyError):
                sc["no.such.parameter"]
            sc.set(treatment__outpatient_slots_per_100k=old)
            self.assertEqual(sc[name], old)
        with self.assertRaises(pw.PathwaysError) as e:
            pw.Scenario("atlantis")
        self.assertEqual(e.exception.status, "not found")


class Assess(unittest.TestCase):
    def test_same_decision_as_the_command_line(self):
        cases = [CASE,
                 {"id": 7, "age": 31, "event": "distribution", "role": "dealer",
                  "substances": [{"substance": "methamphetamine", "dsm5_criteria": 2}]},
                 {"age": 19, "event": "possession", "consents_to_treatment": True,
                  "substances": [{"substance": "cannabis", "dsm5_criteria": [1, 2, 3, 4]}]}]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "cases.jsonl")
            with open(path, "w") as f:
                f.write("\n".join(json.dumps(c) for c in cases) + "\n")
            for regime in pw.regimes():
                want = [json.loads(ln) for ln in cli("assess", "--regime", regime, path).splitlines()]
                with pw.Regime(regime) as r:
                    self.assertEqual(r.assess(cases), want, regime)
                    self.assertEqual(r.name, regime)

    def test_errors_name_the_field(self):
        with self.assertRaises(pw.PathwaysError) as e:
            pw.assess({"age": 24, "evnt": "use", "substances": []}, regime="hybrid")
        self.assertEqual(e.exception.field, "evnt")
        with self.assertRaises(pw.PathwaysError) as e:
            pw.assess(dict(CASE, age=300), regime="hybrid")
        self.assertEqual(e.exception.field, "age")
        with self.assertRaises(pw.PathwaysError) as e:
            pw.assess("[1, 2", regime="hybrid")
        self.assertEqual(e.exception.status, "malformed input")
        with self.assertRaises(pw.PathwaysError):
            pw.Regime("atlantis")


class Run(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.res = pw.run("almaty", regimes=["kz-current", "hybrid"], threads=2, **SMALL)
        cls.cli_dir = os.path.join(cls.tmp.name, "cli")
        cli("run", "--scenario", "almaty", "--regime", "kz-current,hybrid", "--runs", "2",
            "--years", "3", "--scale", "0.01", "--seed", "5", "--threads", "1", "--quiet",
            "--out", cls.cli_dir)

    @classmethod
    def tearDownClass(cls):
        cls.res.close()
        cls.tmp.cleanup()

    def test_shape(self):
        r = self.res
        self.assertEqual(r.regimes, ["kz-current", "hybrid"])
        self.assertEqual((r.runs, r.years, r.engine, r.scenario), (2, 3, "abm", "almaty"))
        ts = rows(r.series())
        self.assertEqual(len(ts), 2 * 2 * 3)
        self.assertEqual(sorted({x["year"] for x in ts}),
                         [r.start_year, r.start_year + 1, r.start_year + 2])
        self.assertEqual(len(rows(r.series("hybrid"))), 2 * 3)
        with self.assertRaises(KeyError):
            r.series("portugal")
        self.assertEqual(len(rows(r.metrics())), 4)

    def test_same_numbers_as_pathways_run(self):
        """The shipped posterior, the seed, the scale: one run either way."""
        want = read_csv(os.path.join(self.cli_dir, "timeseries.csv"))
        got = rows(self.res.series(history=True))
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual((g["regime"], g["run"], g["year"], g["phase"]),
                             (w["regime"], int(w["run"]), int(w["year"]), w["phase"]))
            for k in pw.series_names():
                self.assertTrue(close(g[k], float(w[k])), (k, g[k], w[k]))
        want = read_csv(os.path.join(self.cli_dir, "summary.csv"))
        got = rows(self.res.summary())
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual((g["regime"], g["metric"]), (w["regime"], w["metric"]))
            for k in ("mean", "lo", "hi", "diff_mean", "diff_lo", "diff_hi"):
                self.assertTrue(close(g[k], float(w[k]) if w[k] else None), (g, w))
        with open(os.path.join(self.cli_dir, "summary.json")) as f:
            info = json.load(f)
        self.assertTrue(info["posterior"].endswith("almaty-posterior.csv"))

    def test_paired_difference(self):
        m = rows(self.res.metrics())
        diff = {r["metric"]: r for r in rows(self.res.difference("hybrid", "kz-current"))}
        for name in ("pwud_end", "prison_population_end"):
            per_run = [h[name] - k[name] for h, k in
                       zip([x for x in m if x["regime"] == "hybrid"],
                           [x for x in m if x["regime"] == "kz-current"])]
            self.assertTrue(close(diff[name]["mean"], sum(per_run) / len(per_run)), name)
            self.assertLessEqual(diff[name]["lo"], diff[name]["hi"])

    def test_threads_and_reruns_give_the_same_numbers(self):
        with pw.run("almaty", regimes=["kz-current", "hybrid"], threads=1, **SMALL) as again:
            self.assertEqual(rows(again.series()), rows(self.res.series()))

    def test_a_lever_moves_the_results_and_is_recorded(self):
        # Drawn from the posterior otherwise: set by hand it holds in every run.
        lever = "police.use_detection_rate"
        with pw.Scenario("almaty") as sc:
            sc[lever] = 0.02
            with pw.run(sc, regimes=["kz-current"], threads=2, **SMALL) as more:
                a = [x["drug_crimes"] for x in rows(self.res.series("kz-current"))]
                b = [x["drug_crimes"] for x in rows(more.series(history=True))]
                self.assertNotEqual(a, b)
                out = more.write(os.path.join(self.tmp.name, "lever"))
                self.assertEqual(out.info["overrides"], {lever: sc[lever]})
                # As `pathways run --set`: the same numbers.
                d = os.path.join(self.tmp.name, "lever_cli")
                cli("run", "--scenario", "almaty", "--regime", "kz-current", "--runs", "2",
                    "--years", "3", "--scale", "0.01", "--seed", "5", "--quiet",
                    "--set", "%s=0.02" % lever, "--out", d)
                want = read_csv(os.path.join(d, "timeseries.csv"))
                self.assertEqual(b, [float(w["drug_crimes"]) for w in want])

    def test_sweep(self):
        """A grid and the same list give the same table, and a setting's rows
        are those of a plain run with that parameter set."""
        lever = "police.use_detection_rate"
        grid = pw.sweep({lever: [0.002, 0.02]}, regimes=["kz-current", "hybrid"], **SMALL)
        listed = pw.sweep([{lever: 0.002}, {lever: 0.02}], regimes=["kz-current", "hybrid"],
                          **SMALL)
        self.assertEqual(rows(grid), rows(listed))
        with pw.Scenario("almaty") as sc:
            sc[lever] = 0.02
            with pw.run(sc, regimes=["kz-current", "hybrid"], **SMALL) as one:
                want = rows(one.summary("kz-current"))
        got = [x for x in rows(grid) if x["setting"] == 1]
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual(g[lever], 0.02)
            self.assertEqual((g["regime"], g["metric"]), (w["regime"], w["metric"]))
            self.assertTrue(close(g["mean"], w["mean"]), (g, w))
        with self.assertRaises(pw.PathwaysError):
            pw.sweep([], **SMALL)

    def test_write_and_read_back(self):
        out = self.res.write(os.path.join(self.tmp.name, "py"))
        for f in ("summary.json", "summary.csv", "timeseries.csv", "report.html"):
            self.assertTrue(os.path.exists(os.path.join(out.folder, f)), f)
        back = rows(out.timeseries)
        mine = rows(self.res.series(history=True))
        for g, w in zip(back, mine):
            for k in pw.series_names():
                self.assertTrue(close(g[k], w[k]), k)
        cli_out = pw.read_output(self.cli_dir)
        self.assertEqual(cli_out.regimes, ["kz-current", "hybrid"])
        d = {r["metric"]: r for r in rows(cli_out.difference("hybrid"))}
        mine = {r["metric"]: r for r in rows(self.res.difference("hybrid", "kz-current"))}
        self.assertTrue(close(d["pwud_end"]["mean"], mine["pwud_end"]["mean"]))
        self.assertIsNone(cli_out.metrics if "metrics" not in cli_out.tables else None)
        with self.assertRaises(FileNotFoundError):
            pw.read_output(os.path.join(self.tmp.name, "nothing"))

    def test_bad_options(self):
        with self.assertRaises(pw.PathwaysError) as e:
            pw.run("almaty", regimes=["hybrid"], runs=0)
        self.assertEqual(e.exception.field, "runs")
        with self.assertRaises(pw.PathwaysError) as e:
            pw.run("almaty", regimes=["hybrid"], scale=2, runs=1, years=1)
        self.assertEqual(e.exception.field, "scale")
        with self.assertRaises(KeyError):
            pw.run("almaty", regimes=["hybrid"], runs=1, years=1, no__such=1)


class MeanField(unittest.TestCase):
    def test_same_as_the_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            cli("run", "--engine", "meanfield", "--scenario", "almaty", "--regime",
                "kz-current,portugal", "--years", "5", "--quiet", "--out", d)
            want = read_csv(os.path.join(d, "timeseries.csv"))
            with pw.run("almaty", regimes=["kz-current", "portugal"], years=5,
                        engine="meanfield") as res:
                self.assertEqual((res.engine, res.runs), ("meanfield", 1))
                # the history's years too, as timeseries.csv has them
                got = rows(res.series(history=True))
                self.assertEqual(len(got), len(want))
                for g, w in zip(got, want):
                    for k in ("pwud", "pwid", "prison_population"):
                        self.assertTrue(close(g[k], float(w[k]) if w[k] != "nan" else math.nan),
                                        (k, g[k], w[k]))


class Example(unittest.TestCase):
    def test_compare_regimes_runs(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([sys.executable, os.path.join(SRC, "python", "examples",
                                                             "compare_regimes.py"),
                                os.path.join(d, "out"), "--quick"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("hybrid minus kz-current", r.stdout)
            self.assertIn("written and read back", r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
