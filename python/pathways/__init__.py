"""pathways from Python: the society simulator, the pathway engine and
output folders, through libpathways.so and the standard library's ctypes.

    import pathways as pw
    sc = pw.Scenario("almaty")
    sc["initiation.peer_rate"] = 0.3          # any parameter, by name
    res = pw.run(sc, regimes=["kz-current", "hybrid"], runs=4, years=10,
                 scale=0.05, seed=1, threads=2)
    res.series()                              # regime, run, year, series...
    res.difference("hybrid", "kz-current")    # paired, per metric
    pw.Regime("hybrid").assess({"age": 24, "event": "use", "substances":
                                [{"substance": "heroin", "dsm5_criteria": 7}]})
    pw.read_output("out")                     # any folder pathways run wrote

Tables are pandas DataFrames when pandas is installed (Debian:
python3-pandas), else lists of dicts. Every object that holds C memory
frees it when it is garbage-collected, or at once with close() or a
``with`` block. Errors raise PathwaysError naming the file, line and field.
See docs/python.md.
"""
import ctypes
import json
import math

from . import _frames, _lib
from ._lib import PathwaysError, library_path
from .output import Output, read_output

__all__ = ["Scenario", "Regime", "Results", "run", "sweep", "assess", "regimes", "scenarios",
           "metrics", "series_names", "read_output", "Output", "PathwaysError",
           "library_path", "HAVE_PANDAS", "__version__"]

HAVE_PANDAS = _frames.HAVE_PANDAS
__version__ = "0.1.0"


def _enc(s):
    return s.encode() if isinstance(s, str) else s


def _names(kind):
    lib = _lib.load()
    arr = ctypes.POINTER(ctypes.c_char_p)()
    n = lib.pw_data_names(_enc(kind), ctypes.byref(arr))
    try:
        return [arr[i].decode() for i in range(n)]
    finally:
        lib.pw_free(ctypes.cast(arr, ctypes.c_void_p))


def regimes():
    """The built-in regimes' names."""
    return _names("regimes")


def scenarios():
    """The built-in scenarios' names."""
    return _names("scenarios")


def metrics():
    """The names of the end-of-horizon metrics (summary.json)."""
    lib = _lib.load()
    return [lib.pw_metric_name(i).decode() for i in range(lib.pw_metric_count())]


def series_names():
    """The names of the yearly series (timeseries.csv columns)."""
    lib = _lib.load()
    return [lib.pw_series_name(i).decode() for i in range(lib.pw_series_count())]


class _Handle:
    """Owns one C object; frees it with `_free` once."""
    _free = None

    def __init__(self, ptr):
        self._ptr = ptr

    def close(self):
        if getattr(self, "_ptr", None):
            getattr(_lib.load(), self._free)(self._ptr)
            self._ptr = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def ptr(self):
        if not self._ptr:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._ptr


class Regime(_Handle):
    """A regime: a built-in name ("hybrid") or the path of a YAML file."""
    _free = "pw_regime_free"

    def __init__(self, name_or_path):
        lib = _lib.load()
        p = ctypes.c_void_p()
        err = _lib.new_error()
        rc = lib.pw_regime_load(_enc(str(name_or_path)), ctypes.byref(p), ctypes.byref(err))
        if rc != 0:
            _lib.raise_error(err, rc)
        super().__init__(p)

    @property
    def name(self):
        return _lib.load().pw_regime_name(self.ptr).decode()

    @property
    def summary(self):
        return _lib.text(_lib.load().pw_regime_summary(self.ptr))

    def assess(self, case):
        """Decides a case (a dict in the form of `pathways assess`,
        docs/engine.md) or a list of cases; returns the decision as a dict
        (or a list of them), the same as `pathways assess` writes."""
        if isinstance(case, (list, tuple)):
            return [self.assess(c) for c in case]
        lib = _lib.load()
        data = _enc(case if isinstance(case, str) else json.dumps(case))
        out = ctypes.c_void_p()
        n = ctypes.c_size_t()
        err = _lib.new_error()
        rc = lib.pw_assess_json(self.ptr, data, len(data), b"<case>", ctypes.byref(out),
                                ctypes.byref(n), ctypes.byref(err))
        if rc != 0:
            _lib.raise_error(err, rc)
        try:
            return json.loads(ctypes.string_at(out, n.value).decode())
        finally:
            lib.pw_free(out)

    def __repr__(self):
        return "Regime(%r)" % (self.name if self._ptr else "closed")


def assess(case, regime="kz-current"):
    """Decides a case (or a list) with a regime given by name, path or
    Regime."""
    if isinstance(regime, Regime):
        return regime.assess(case)
    with Regime(regime) as r:
        return r.assess(case)


class Scenario(_Handle):
    """A society scenario: a built-in name ("almaty") or a YAML path. Its
    parameters read and set by name: ``sc["prison.capacity"] = 5000``."""
    _free = "pw_scenario_free"

    def __init__(self, name_or_path, **params):
        lib = _lib.load()
        p = ctypes.c_void_p()
        err = _lib.new_error()
        rc = lib.pw_scenario_load(_enc(str(name_or_path)), ctypes.byref(p), ctypes.byref(err))
        if rc != 0:
            _lib.raise_error(err, rc)
        super().__init__(p)
        self._set = {}
        # A built-in name (not a file): `run` then uses its shipped posterior.
        nm = str(name_or_path)
        self._builtin = "/" not in nm and not nm.endswith((".yaml", ".yml"))
        for k, v in params.items():
            self[k] = v

    @property
    def name(self):
        return _lib.load().pw_scenario_name(self.ptr).decode()

    @property
    def population(self):
        return _lib.load().pw_scenario_population(self.ptr)

    @property
    def start_year(self):
        return _lib.load().pw_scenario_start_year(self.ptr)

    def _index(self, name):
        i = _lib.load().pw_param_find(self.ptr, _enc(name))
        if i < 0:
            raise KeyError("%s has no parameter %r (see Scenario.params())" % (self.name, name))
        return i

    def __getitem__(self, name):
        return _lib.load().pw_param_get(self.ptr, self._index(name))

    def __setitem__(self, name, value):
        lib = _lib.load()
        i = self._index(name)
        v = float(value)
        if lib.pw_param_set(self.ptr, i, v) != 0:
            lo, hi = ctypes.c_double(), ctypes.c_double()
            lib.pw_param_range(self.ptr, i, ctypes.byref(lo), ctypes.byref(hi))
            raise PathwaysError("wrong value", "must be in [%g, %g], not %g"
                                % (lo.value, hi.value, v), field=name)
        self._set[name] = v

    def set(self, **params):
        """Sets several parameters; dots in names are written as "__"
        (``sc.set(prison__capacity=5000)``)."""
        for k, v in params.items():
            self[k.replace("__", ".")] = v
        return self

    def __contains__(self, name):
        return _lib.load().pw_param_find(self.ptr, _enc(name)) >= 0

    def keys(self):
        lib = _lib.load()
        return [lib.pw_param_name(self.ptr, i).decode()
                for i in range(lib.pw_param_count(self.ptr))]

    def params(self):
        """Every parameter: name, value, lo, hi (the range it may be set
        in), prior (fixed, uniform, loguniform), prior_a, prior_b, source."""
        lib = _lib.load()
        rows = []
        kinds = {0: "fixed", 1: "uniform", 2: "loguniform"}
        for i in range(lib.pw_param_count(self.ptr)):
            lo, hi, a, b = (ctypes.c_double() for _ in range(4))
            lib.pw_param_range(self.ptr, i, ctypes.byref(lo), ctypes.byref(hi))
            k = lib.pw_param_prior(self.ptr, i, ctypes.byref(a), ctypes.byref(b))
            fixed = k == 0
            rows.append((lib.pw_param_name(self.ptr, i).decode(), lib.pw_param_get(self.ptr, i),
                         lo.value, hi.value, kinds.get(k, str(k)),
                         None if fixed else a.value, None if fixed else b.value,
                         _lib.text(lib.pw_param_source(self.ptr, i))))
        return _frames.table(rows, ["name", "value", "lo", "hi", "prior", "prior_a",
                                    "prior_b", "source"])

    def __repr__(self):
        return "Scenario(%r)" % (self.name if self._ptr else "closed")


class Results(_Handle):
    """What one run of every regime produced (pw_results): per regime and
    run, the end-of-horizon metrics and the yearly series."""
    _free = "pw_results_free"

    @property
    def regimes(self):
        lib = _lib.load()
        return [lib.pw_results_regime(self.ptr, g).decode()
                for g in range(lib.pw_results_regime_count(self.ptr))]

    runs = property(lambda self: _lib.load().pw_results_runs(self.ptr))
    # The projection (2024 on, each regime its own world) as `run(years=)`
    # asked for it; a scenario with a history also holds the years before,
    # under today's law, which series(history=True) returns.
    start_year = property(lambda self: _lib.load().pw_results_projection_year(self.ptr))
    history_start_year = property(lambda self: _lib.load().pw_results_start_year(self.ptr))
    years = property(lambda self: _lib.load().pw_results_years(self.ptr)
                     - (self.start_year - self.history_start_year))
    scenario = property(lambda self: _lib.load().pw_results_scenario(self.ptr).decode())
    engine = property(lambda self: _lib.load().pw_results_engine(self.ptr).decode())

    def _g(self, regime):
        try:
            return self.regimes.index(regime)
        except ValueError:
            raise KeyError("no regime %r in these results (%s)"
                           % (regime, ", ".join(self.regimes))) from None

    def series(self, regime=None, history=False):
        """The yearly series in long form, as timeseries.csv: regime, run,
        year, then one column per series. `regime` picks one. The
        projection's years only, unless `history` is true: then the years
        before it too, and a last column `phase` (history or projection),
        as in timeseries.csv."""
        lib = _lib.load()
        names = series_names()
        K = len(names)
        first = self.history_start_year
        skip = 0 if history else self.start_year - first
        total = lib.pw_results_years(self.ptr)
        rows = []
        for g, rname in enumerate(self.regimes):
            if regime is not None and rname != regime:
                continue
            for run in range(self.runs):
                for y in range(skip, total):
                    row = (rname, run, first + y) + tuple(
                        lib.pw_results_series(self.ptr, g, run, y, k) for k in range(K))
                    if history:
                        row += ("history" if first + y < self.start_year else "projection",)
                    rows.append(row)
        if regime is not None and not rows:
            self._g(regime)
        return _frames.table(rows, ["regime", "run", "year"] + names +
                             (["phase"] if history else []))

    def metrics(self):
        """The metrics of every run: regime, run, then one column per
        metric."""
        lib = _lib.load()
        names = metrics()
        rows = []
        for g, rname in enumerate(self.regimes):
            for run in range(self.runs):
                rows.append((rname, run) + tuple(lib.pw_results_metric(self.ptr, g, run, m)
                                                 for m in range(len(names))))
        return _frames.table(rows, ["regime", "run"] + names)

    def _summary(self, g, base, m):
        mean, lo, hi = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        rc = _lib.load().pw_results_summary(self.ptr, g, base, m, ctypes.byref(mean),
                                            ctypes.byref(lo), ctypes.byref(hi))
        if rc != 0:
            return (math.nan, math.nan, math.nan)
        return (mean.value, lo.value, hi.value)

    def summary(self, baseline="kz-current"):
        """Per regime and metric: mean and central 95% interval across
        runs, and the paired difference from `baseline` (same people, same
        chances; zero for the baseline itself, empty when it was not run),
        as summary.csv."""
        names = metrics()
        regs = self.regimes
        base = regs.index(baseline) if baseline in regs else -1
        rows = []
        for g, rname in enumerate(regs):
            for m, mname in enumerate(names):
                d = self._summary(g, base, m) if base >= 0 else (None,) * 3
                rows.append((rname, mname) + self._summary(g, -1, m) + d)
        return _frames.table(rows, ["regime", "metric", "mean", "lo", "hi", "diff_mean",
                                    "diff_lo", "diff_hi"])

    def difference(self, regime, baseline="kz-current"):
        """The paired difference regime minus baseline for every metric:
        metric, mean, lo, hi (central 95% of the runs' differences)."""
        g, b = self._g(regime), self._g(baseline)
        rows = [(mname,) + self._summary(g, b, m) for m, mname in enumerate(metrics())]
        return _frames.table(rows, ["metric", "mean", "lo", "hi"])

    def write(self, folder, report=True, baseline="kz-current"):
        """Writes summary.json, summary.csv and timeseries.csv (and
        report.html) into `folder`, as `pathways run` does."""
        lib = _lib.load()
        err = _lib.new_error()
        rc = lib.pw_results_write(self.ptr, _enc(str(folder)), ctypes.byref(err))
        if rc == 0 and report:
            rc = lib.pw_report_html_write(self.ptr, _enc(self.scenario), self.start_year,
                                          _enc(baseline), _enc(str(folder)), ctypes.byref(err))
        if rc != 0:
            _lib.raise_error(err, rc)
        return read_output(str(folder))

    def __repr__(self):
        if not self._ptr:
            return "Results(closed)"
        return "Results(%s, %s, %d runs x %d years, %s)" % (
            self.scenario, self.engine or "?", self.runs, self.years, ", ".join(self.regimes))


def run(scenario="almaty", regimes=None, runs=None, years=None, seed=None, scale=None,
        threads=None, engine="abm", posterior="builtin", **params):
    """Runs every regime (default: all built-in ones, kz-current first) on a
    scenario (a Scenario, a built-in name or a path) with common random
    numbers, as ``pathways run`` does, and returns the Results. Options left
    None keep the library's defaults (20 years, 12 runs, seed 1, all cores,
    the scenario's default scale). Extra keyword arguments set parameters
    (dots written as "__"); a parameter set by hand, here or on the
    Scenario, holds in every run instead of being drawn.

    ``posterior``: "builtin" (default) draws each run's parameters from the
    posterior shipped with a built-in scenario (data/targets/NAME-
    posterior.csv), as ``pathways run`` does; a path uses that CSV; None
    uses the scenario's point values (``--posterior none``).
    ``engine="meanfield"`` solves the mean-field counterpart instead (one
    deterministic run per regime; runs, seed, scale and posterior do not
    apply)."""
    lib = _lib.load()
    own = not isinstance(scenario, Scenario)
    sc = Scenario(scenario) if own else scenario
    names = list(regimes) if regimes is not None else _all_regimes()
    regs = [r if isinstance(r, Regime) else Regime(r) for r in names]
    try:
        if params:
            if not own:  # the caller's scenario stays as it was
                sc = _copy_scenario(scenario)
                own = True
            sc.set(**params)
        if engine == "abm":
            draws = _posterior(lib, sc, posterior, sc._builtin)
            res = _run_abm(lib, sc, regs, runs, years, seed, scale, threads, draws)
        elif engine == "meanfield":
            res = _run_meanfield(lib, sc, regs, years, seed, scale)
        else:
            raise ValueError("engine must be 'abm' or 'meanfield', not %r" % engine)
        for k, v in sc._set.items():
            lib.pw_results_add_override(res.ptr, _enc(k), v)
        return res
    finally:
        for r, given in zip(regs, names):
            if not isinstance(given, Regime):
                r.close()
        if own:
            sc.close()


def sweep(settings, scenario="almaty", regimes=None, baseline="kz-current", **options):
    """Runs every setting with every regime and run, as ``pathways run
    --sweep`` does, and returns one long table (a DataFrame with pandas):
    setting (0, 1, ...), one column per swept parameter, then the rows of
    Results.summary(baseline) (regime, metric, mean, lo, hi and the paired
    difference from the baseline).

    ``settings``: a list of {parameter: value} dicts, or a dict of
    parameter -> list of values, meaning every combination (the first
    parameter slowest). A parameter a setting leaves out keeps the
    scenario's value; a swept one holds in every run instead of being
    drawn from the posterior. ``options`` are run()'s (runs, years, seed,
    scale, threads, posterior)."""
    if isinstance(settings, dict):
        import itertools
        names = list(settings)
        settings = [dict(zip(names, combo))
                    for combo in itertools.product(*(list(settings[n]) for n in names))]
    settings = [dict(x) for x in settings]
    if not settings:
        raise PathwaysError("wrong value", "a sweep needs at least one setting",
                            field="settings")
    params = []
    for x in settings:
        params += [n for n in x if n not in params]
    out = []
    for i, x in enumerate(settings):
        with _copy_scenario(scenario) as sc:
            for n, v in x.items():
                sc[n] = v
            with run(sc, regimes=regimes, **options) as res:
                for r in _frames.records(res.summary(baseline)):
                    out.append(dict({"setting": i}, **{n: x.get(n, sc[n]) for n in params},
                                    **r))
    cols = ["setting"] + params + [c for c in out[0] if c != "setting" and c not in params]
    return _frames.table([tuple(r.get(c) for c in cols) for r in out], cols)


def _copy_scenario(scenario):
    """A Scenario of its own: loaded by name or path, or a copy of the
    caller's (which stays as it was)."""
    if not isinstance(scenario, Scenario):
        return Scenario(scenario)
    lib = _lib.load()
    sc = Scenario.__new__(Scenario)
    _Handle.__init__(sc, lib.pw_scenario_clone(scenario.ptr))
    sc._set = dict(scenario._set)
    sc._builtin = scenario._builtin
    return sc


def _all_regimes():
    # As `pathways run --regime all`: kz-current (today's law) first.
    names = _names("regimes")
    if "kz-current" in names:
        names.remove("kz-current")
        names.insert(0, "kz-current")
    return names


def _posterior(lib, sc, posterior, builtin_name):
    """(label, column indices, row-major values) of the draws, or None."""
    if posterior is None or posterior == "none":
        return None
    if posterior == "builtin":
        if not builtin_name:
            return None
        rel = "targets/%s-posterior.csv" % sc.name
        n = ctypes.c_size_t()
        p = lib.pw_data_get(_enc(rel), ctypes.byref(n))
        if not p:
            return None
        text, label = ctypes.string_at(p, n.value).decode(), "<built-in>/" + rel
    else:
        with open(posterior) as f:
            text, label = f.read(), str(posterior)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    header = lines[0].split(",")
    idx = []
    for col, name in enumerate(header):
        i = lib.pw_param_find(sc.ptr, _enc(name))
        if i < 0:
            raise PathwaysError("wrong value", "not a parameter of scenario %s" % sc.name,
                                label, 1, name)
        idx.append(i)
    rows = []
    for ln, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        if len(cells) != len(header):
            raise PathwaysError("malformed input", "%d values, the header has %d"
                                % (len(cells), len(header)), label, ln)
        rows.append([float(c) for c in cells])
    if not rows:
        raise PathwaysError("malformed input", "no parameter draws found", label)
    # A parameter set by hand holds in every run: drop its column.
    keep = [c for c, name in enumerate(header) if name not in sc._set]
    if not keep:
        return None
    return (label, [idx[c] for c in keep], [r[c] for r in rows for c in keep], len(rows))


def _run_abm(lib, sc, regs, runs, years, seed, scale, threads, draws=None):
    opts = lib.pw_sim_opts_new()
    if not opts:
        raise MemoryError("pw_sim_opts_new")
    try:
        err = _lib.new_error()
        for name, v in (("runs", runs), ("years", years), ("seed", seed), ("scale", scale),
                        ("threads", threads)):
            if v is not None and lib.pw_sim_opts_set(opts, _enc(name), float(v),
                                                     ctypes.byref(err)) != 0:
                _lib.raise_error(err)
        if draws:
            label, idx, vals, n_rows = draws
            c_idx = (ctypes.c_int * len(idx))(*idx)
            c_vals = (ctypes.c_double * len(vals))(*vals)  # alive until the run ends
            if lib.pw_sim_opts_set_draws(opts, n_rows, len(idx), c_idx, c_vals,
                                         ctypes.byref(err)) != 0:
                _lib.raise_error(err)
        arr = (ctypes.c_void_p * len(regs))(*[r.ptr for r in regs])
        out = ctypes.c_void_p()
        rc = lib.pw_sim_run(sc.ptr, arr, len(regs), opts, ctypes.byref(out), ctypes.byref(err))
        if rc != 0:
            _lib.raise_error(err, rc)
        res = Results(out)
        if draws and lib.pw_results_set_posterior(res.ptr, _enc(draws[0])) != 0:
            raise MemoryError("pw_results_set_posterior")
        return res
    finally:
        lib.pw_sim_opts_free(opts)


def _run_meanfield(lib, sc, regs, years, seed, scale):
    # As `pathways run --engine meanfield`: an ODE has one trajectory, so
    # runs, seed, threads and scale do not apply (seed 0, full scale).
    del seed, scale
    years = 20 if years is None else int(years)
    names = (ctypes.c_char_p * len(regs))(*[_enc(r.name) for r in regs])
    # With a history, its years come first, as in the command line's output.
    h0 = lib.pw_scenario_history_start_year(sc.ptr)
    hist = sc.start_year - h0 if h0 > 0 else 0
    p = lib.pw_results_new(_enc(sc.name), h0 if hist else sc.start_year, hist + years, 1, 0,
                           names, len(regs))
    if not p:
        raise PathwaysError("wrong value", "years must be at least 1", field="years")
    lib.pw_results_set_projection_year(p, sc.start_year)
    res = Results(p)
    err = _lib.new_error()
    if lib.pw_results_set_bands(p, sc.ptr) != 0:
        res.close()
        raise MemoryError("pw_results_set_bands")
    lib.pw_results_set_engine(p, b"meanfield")
    for g, r in enumerate(regs):
        rc = lib.pw_mf_society_run(sc.ptr, r.ptr, 1.0, years, p, g, 0, ctypes.byref(err))
        if rc != 0:
            res.close()
            _lib.raise_error(err, rc)
    lib.pw_results_set_note(p, lib.pw_mf_society_note())
    return res
