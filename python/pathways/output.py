"""Reading an output folder of ``pathways run`` (or Results.write): every
file it holds, whichever engine or version wrote it."""
import glob
import json
import os

from . import _frames


class Output:
    """The files of one output folder.

    ``info``        summary.json as a dict (scenario, engine, years, runs,
                    seed, each regime's metrics and differences, ...)
    ``timeseries``  timeseries.csv: one row per regime, run and year, one
                    column per yearly series
    ``summary``     summary.csv: one row per regime and metric: mean, lo,
                    hi and the paired difference from the baseline
    ``metrics``     metrics.csv (per-run metrics) when the folder has one,
                    else None
    ``tables``      every CSV file of the folder by name ("params", ...)
    """

    def __init__(self, folder):
        if not os.path.isdir(folder):
            raise FileNotFoundError("%s: not a folder" % folder)
        self.folder = folder
        self.tables = {}
        for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
            name = os.path.splitext(os.path.basename(path))[0]
            self.tables[name] = _frames.read_csv(path)
        js = os.path.join(folder, "summary.json")
        self.info = None
        if os.path.exists(js):
            with open(js) as f:
                self.info = json.load(f)
        if self.info is None and not self.tables:
            raise FileNotFoundError("%s: no summary.json and no CSV file: not an output "
                                    "folder of pathways run" % folder)

    timeseries = property(lambda self: self.tables.get("timeseries"))
    summary = property(lambda self: self.tables.get("summary"))
    metrics = property(lambda self: self.tables.get("metrics"))

    @property
    def regimes(self):
        if self.info and "regimes" in self.info:
            return list(self.info["regimes"])
        return []

    def difference(self, regime):
        """The paired difference of every metric from the baseline regime
        (summary.json's difference_from_baseline) as a table: metric, mean,
        lo, hi."""
        d = (self.info or {}).get("regimes", {}).get(regime, {})
        diffs = d.get("difference_from_baseline")
        if diffs is None:
            raise KeyError("%s has no difference from the baseline in %s"
                           % (regime, self.folder))
        rows = [(m, v["mean"], v["lo"], v["hi"]) for m, v in diffs.items()]
        return _frames.table(rows, ["metric", "mean", "lo", "hi"])

    def __repr__(self):
        return "Output(%r: %s)" % (self.folder, ", ".join(sorted(self.tables)) or "-")


def read_output(folder):
    """Reads an output folder of ``pathways run`` (see Output)."""
    return Output(folder)
