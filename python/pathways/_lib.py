"""Finding libpathways.so and declaring the C functions the package calls.

The library is looked for, in this order:

1. ``PATHWAYS_LIBRARY``: the path of ``libpathways.so`` (or its versioned
   name) to use;
2. a build tree or install prefix around this package: ``build*/lib`` of
   the source tree it sits in, or ``lib``, ``lib64`` and
   ``lib/<multiarch>`` of the prefix it was installed into;
3. the system's loader path (``ldconfig``, ``LD_LIBRARY_PATH``).

Only the standard library is used (``ctypes``), so nothing needs to come
from a Python package registry.
"""
import ctypes
import ctypes.util
import glob
import os

# The SONAME the package was written for (libpathways.so.MAJOR.MINOR while
# the major version is 0): an older or newer library is refused rather
# than called with the wrong layout.
SONAME = "libpathways.so.0.1"

_lib = None


class PathwaysError(Exception):
    """A pathways function failed: ``status`` (a word such as ``"wrong
    value"``), and where: ``file``, ``line`` and ``field``."""

    def __init__(self, status, message, file="", line=0, field=""):
        self.status, self.file, self.line, self.field = status, file, line, field
        where = ":".join(x for x in (file, str(line) if line else "") if x)
        text = (where + ": " if where else "") + \
            ("field '%s': " % field if field else "") + message
        super().__init__(text)


class _Error(ctypes.Structure):
    # pw_error (pathways/core.h); its layout is part of the public ABI.
    _fields_ = [("status", ctypes.c_int), ("file", ctypes.c_char * 256),
                ("line", ctypes.c_long), ("field", ctypes.c_char * 128),
                ("msg", ctypes.c_char * 512)]


def _candidates():
    env = os.environ.get("PATHWAYS_LIBRARY")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    d = here
    for _ in range(5):
        d = os.path.dirname(d)
        pats = [os.path.join(d, "build*", "lib"), os.path.join(d, "lib"),
                os.path.join(d, "lib64"), os.path.join(d, "lib", "*-linux-gnu")]
        for pat in pats:
            for libdir in sorted(glob.glob(pat)):
                p = os.path.join(libdir, SONAME)
                if os.path.exists(p):
                    yield p
    yield SONAME
    found = ctypes.util.find_library("pathways")
    if found:
        yield found


def library_path():
    """The path of the library the package loaded (loading it if needed)."""
    lib = load()
    return lib._name


def load():
    """Loads libpathways once and returns the ctypes handle."""
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for cand in _candidates():
        try:
            lib = ctypes.CDLL(cand)
        except OSError as e:
            tried.append("%s (%s)" % (cand, e))
            continue
        _declare(lib)
        _lib = lib
        return lib
    raise OSError("libpathways not found; set PATHWAYS_LIBRARY to the path of %s "
                  "(tried: %s)" % (SONAME, "; ".join(tried) or "nothing"))


def _declare(lib):
    c = ctypes
    P, S, I, D, Z = c.c_void_p, c.c_char_p, c.c_int, c.c_double, c.c_size_t
    E = c.POINTER(_Error)
    decl = {
        # core
        "pw_strstatus": (S, [I]),
        "pw_free": (None, [P]),
        "pw_data_names": (Z, [S, c.POINTER(c.POINTER(S))]),
        "pw_data_get": (P, [S, c.POINTER(Z)]),
        # engine
        "pw_regime_load": (I, [S, c.POINTER(P), E]),
        "pw_regime_free": (None, [P]),
        "pw_regime_name": (S, [P]),
        "pw_regime_summary": (S, [P]),
        "pw_assess_json": (I, [P, S, Z, S, c.POINTER(P), c.POINTER(Z), E]),
        # scenarios
        "pw_scenario_load": (I, [S, c.POINTER(P), E]),
        "pw_scenario_free": (None, [P]),
        "pw_scenario_clone": (P, [P]),
        "pw_scenario_name": (S, [P]),
        "pw_scenario_population": (D, [P]),
        "pw_scenario_start_year": (I, [P]),
        "pw_scenario_history_start_year": (I, [P]),
        "pw_param_count": (Z, [P]),
        "pw_param_find": (I, [P, S]),
        "pw_param_name": (S, [P, Z]),
        "pw_param_source": (S, [P, Z]),
        "pw_param_inert": (S, [P, Z]),
        "pw_param_get": (D, [P, Z]),
        "pw_param_range": (None, [P, Z, c.POINTER(D), c.POINTER(D)]),
        "pw_param_set": (I, [P, Z, D]),
        "pw_param_prior": (I, [P, Z, c.POINTER(D), c.POINTER(D)]),
        # metrics and series
        "pw_metric_count": (Z, []),
        "pw_metric_name": (S, [Z]),
        "pw_series_count": (Z, []),
        "pw_series_name": (S, [Z]),
        # results
        "pw_results_new": (P, [S, I, I, I, c.c_uint64, c.POINTER(S), Z]),
        "pw_results_free": (None, [P]),
        "pw_results_regime_count": (Z, [P]),
        "pw_results_regime": (S, [P, Z]),
        "pw_results_runs": (I, [P]),
        "pw_results_years": (I, [P]),
        "pw_results_start_year": (I, [P]),
        "pw_results_projection_year": (I, [P]),
        "pw_results_scenario": (S, [P]),
        "pw_results_engine": (S, [P]),
        "pw_results_metric": (D, [P, Z, I, Z]),
        "pw_results_series": (D, [P, Z, I, I, Z]),
        "pw_results_summary": (I, [P, Z, c.c_long, Z, c.POINTER(D), c.POINTER(D),
                                   c.POINTER(D)]),
        "pw_results_set_engine": (None, [P, S]),
        "pw_results_set_scale": (None, [P, D]),
        "pw_results_set_projection_year": (None, [P, I]),
        "pw_results_set_note": (I, [P, S]),
        "pw_results_set_bands": (I, [P, P]),
        "pw_results_add_override": (I, [P, S, D]),
        "pw_results_set_posterior": (I, [P, S]),
        "pw_results_write": (I, [P, S, E]),
        "pw_report_html_write": (I, [P, S, I, S, S, E]),
        # the simulators
        "pw_sim_opts_new": (P, []),
        "pw_sim_opts_free": (None, [P]),
        "pw_sim_opts_set": (I, [P, S, D, E]),
        "pw_sim_opts_set_draws": (I, [P, Z, Z, c.POINTER(I), c.POINTER(D), E]),
        "pw_sim_run": (I, [P, c.POINTER(P), Z, P, c.POINTER(P), E]),
        "pw_mf_society_run": (I, [P, P, D, I, P, Z, I, E]),
        "pw_mf_society_note": (S, []),
    }
    for name, (res, args) in decl.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args


def new_error():
    return _Error()


def raise_error(err, rc=None):
    """Raises the PathwaysError that a filled pw_error describes."""
    lib = load()
    status = err.status or rc or -4
    word = lib.pw_strstatus(status).decode()
    raise PathwaysError(word, err.msg.decode(errors="replace") or word,
                        err.file.decode(errors="replace"), err.line,
                        err.field.decode(errors="replace"))


def text(b):
    return b.decode() if b is not None else None
