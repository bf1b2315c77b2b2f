"""Tables: a pandas DataFrame when pandas can be imported, else a list of
dicts (one per row, the same columns), so the package works on a bare
Python. ``PATHWAYS_NO_PANDAS=1`` forces the list form (the tests use it to
cover both)."""
import os

try:
    if os.environ.get("PATHWAYS_NO_PANDAS") == "1":
        raise ImportError("PATHWAYS_NO_PANDAS=1")
    import pandas as _pd
except ImportError:
    _pd = None

HAVE_PANDAS = _pd is not None


def table(rows, columns):
    """rows: a list of tuples in the order of `columns`."""
    if _pd is not None:
        return _pd.DataFrame.from_records(rows, columns=columns)
    return [dict(zip(columns, r)) for r in rows]


def records(t):
    """A table (DataFrame or list of dicts) as a list of dicts."""
    if _pd is not None and isinstance(t, _pd.DataFrame):
        return t.to_dict("records")
    return list(t)


def read_csv(path):
    """A CSV file as a table; numbers become floats (ints where whole and
    the column is named run or year), empty cells None (NaN in pandas)."""
    if _pd is not None:
        return _pd.read_csv(path)
    import csv
    with open(path, newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        rows = []
        for r in rd:
            rows.append(tuple(_value(h, v) for h, v in zip(header, r)))
    return table(rows, header)


def _value(col, v):
    if v == "":
        return None
    try:
        x = float(v)
    except ValueError:
        return v
    if col in ("run", "year") and x == int(x):
        return int(x)
    return x
